"""`SharedVpcEndpoints`: the interface and gateway endpoints the pollers need, created once per VPC and shared.

See network/wiring.py for when they are needed (AWS's networking pages for Kafka event sources).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Final

from aws_cdk import Annotations, Stack, Stage
from aws_cdk import aws_ec2 as ec2
from constructs import Construct, IConstruct

from .. import limits
from ..source.cluster import select_subnets
from ..tokens import is_unresolved

WARNING_ID: Final = "constructs-kafka-lambda:network"
RULE_DESCRIPTION: Final = "Kafka event source mapping pollers (constructs_kafka_lambda)"
_HTTPS: Final = ec2.Port.tcp(limits.HTTPS_PORT)

# The interface endpoints the library may create, by service key. "s3" is a gateway endpoint (no security group).
_INTERFACE_SERVICES: Final[dict[str, ec2.InterfaceVpcEndpointAwsService]] = {
    "lambda": ec2.InterfaceVpcEndpointAwsService.LAMBDA_,
    "sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "secretsmanager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
    "sns": ec2.InterfaceVpcEndpointAwsService.SNS,
}
S3: Final = "s3"
DESTINATION_SERVICES: Final = frozenset({"sqs", "sns", S3})


# ------------------------------------------------------------------------------------------ shared endpoints
class SharedVpcEndpoints(Construct):
    """The VPC endpoints of one VPC, shared by every consumer in the app, in the VPC's stack.

    One security group for all interface endpoints admits 443 from each cluster security group that uses them
    (nothing else, no CIDR). Endpoints are created on first need: a VPC whose clusters use no secret gets no Secrets
    Manager endpoint. An endpoint for the same service that already exists in the VPC's stack is reused.
    """

    @staticmethod
    def of(vpc: ec2.IVpc, subnets: ec2.SubnetSelection | None = None) -> SharedVpcEndpoints:
        """Find or create the shared endpoints of `vpc` (an imported VPC is matched by its id across stacks)."""
        key = vpc.vpc_id if not is_unresolved(vpc.vpc_id) else vpc.node.path
        construct_id = f"KafkaLambdaEndpoints{digest(key)}"
        stacks = [Stack.of(vpc)] if is_unresolved(vpc.vpc_id) else app_stacks(vpc.node.root)
        for stack in stacks:
            found = stack.node.try_find_child(construct_id)
            if isinstance(found, SharedVpcEndpoints):
                return found
        return SharedVpcEndpoints(Stack.of(vpc), construct_id, vpc=vpc, subnets=subnets)

    def __init__(
        self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, subnets: ec2.SubnetSelection | None
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc = vpc
        self.subnets = subnets or ec2.SubnetSelection()
        # Service -> the security groups of its interface endpoint (ours, or those of an endpoint found in the app).
        self.interface_endpoints: dict[str, list[ec2.ISecurityGroup]] = {}
        self.s3_gateway: ec2.GatewayVpcEndpoint | None = None
        self._security_group: ec2.SecurityGroup | None = None
        self._admitted: list[ec2.ISecurityGroup] = []
        self._route_table_ids: list[str] = []
        self._unrouted = False

    @property
    def security_group(self) -> ec2.SecurityGroup:
        """The one group of the interface endpoints: ingress 443 from the cluster groups, no egress."""
        if self._security_group is None:
            self._security_group = ec2.SecurityGroup(
                self,
                "SecurityGroup",
                vpc=self.vpc,
                description="VPC endpoints for Kafka event source mapping pollers: 443 from the cluster groups only",
                allow_all_outbound=False,
            )
        return self._security_group

    def require(self, service: str, subnets: ec2.SubnetSelection | None = None) -> None:
        """Make sure the endpoint for `service` exists ("lambda", "sts", "secretsmanager", "sqs", "sns", "s3")."""
        if service == S3:
            self._require_s3(subnets or self.subnets)
            return
        if service in self.interface_endpoints:
            return
        exists, groups = _existing_endpoint(self.vpc, _INTERFACE_SERVICES[service].name)
        if exists:
            self.interface_endpoints[service] = groups
        else:
            ec2.InterfaceVpcEndpoint(
                self,
                _ENDPOINT_IDS[service],
                vpc=self.vpc,
                service=_INTERFACE_SERVICES[service],
                subnets=self.subnets,
                security_groups=[self.security_group],
                private_dns_enabled=True,
                open=False,
            )
            self.interface_endpoints[service] = [self.security_group]
        self._apply_rules()

    def admit(self, group: ec2.ISecurityGroup) -> None:
        """Let a cluster security group reach the interface endpoints on 443 (rules added once per group)."""
        if group.node.path not in {g.node.path for g in self._admitted}:
            self._admitted.append(group)
        self._apply_rules()

    def _apply_rules(self) -> None:
        targets = _unique(sg for groups in self.interface_endpoints.values() for sg in groups)
        for group in self._admitted:
            for target in targets:
                # remote_rule=True: when the cluster group lives in another stack, CDK puts the rule in the
                # group's stack, so the VPC's stack never depends on a later stack. CDK skips existing rule ids.
                target.add_ingress_rule(group, _HTTPS, RULE_DESCRIPTION, True)
                if not group.allow_all_outbound:
                    group.add_egress_rule(target, _HTTPS, RULE_DESCRIPTION)

    def _require_s3(self, subnets: ec2.SubnetSelection) -> None:
        """A gateway endpoint routed from the given subnets' route tables (later subnets are added to it)."""
        if self.s3_gateway is None and _existing_endpoint(self.vpc, ec2.GatewayVpcEndpointAwsService.S3.name)[0]:
            return
        route_tables = _route_table_ids(self.vpc, subnets)
        if route_tables is None:
            if not self._unrouted:
                self._unrouted = True
                Annotations.of(self).add_warning_v2(
                    f"{WARNING_ID}-no-route",
                    "The cluster's subnets have no known route tables, so the S3 gateway endpoint cannot be routed "
                    "to them: add the route tables to it, or give the VPC with its route tables.",
                )
            return
        new = [r for r in route_tables if r not in self._route_table_ids]
        if self.s3_gateway is None:
            self.s3_gateway = ec2.GatewayVpcEndpoint(
                self, "S3", vpc=self.vpc, service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[subnets]
            )
            self._route_table_ids = list(route_tables)
            return
        if new:
            self._route_table_ids += new
            cfn = self.s3_gateway.node.default_child
            assert isinstance(cfn, ec2.CfnVPCEndpoint)
            cfn.route_table_ids = list(self._route_table_ids)


_ENDPOINT_IDS: Final = {
    "lambda": "Lambda",
    "sts": "Sts",
    "secretsmanager": "SecretsManager",
    "sqs": "Sqs",
    "sns": "Sns",
}


def _existing_endpoint(vpc: ec2.IVpc, service_name: str) -> tuple[bool, list[ec2.ISecurityGroup]]:
    """Whether the user already created an endpoint for this service in this VPC (in the VPC's stack), and the
    security groups of that endpoint when it is an L2 interface endpoint (to admit the cluster's groups to)."""
    stack = Stack.of(vpc)
    vpc_id = stack.resolve(vpc.vpc_id)
    wanted = stack.resolve(service_name)
    for node in stack.node.find_all():
        if not isinstance(node, ec2.CfnVPCEndpoint):
            continue
        if any(isinstance(scope, SharedVpcEndpoints) for scope in node.node.scopes):
            continue
        if stack.resolve(node.vpc_id) == vpc_id and stack.resolve(node.service_name) == wanted:
            parent = node.node.scope
            if isinstance(parent, ec2.InterfaceVpcEndpoint):
                return True, list(parent.connections.security_groups)
            return True, []
    return False, []


def _route_table_ids(vpc: ec2.IVpc, subnets: ec2.SubnetSelection) -> list[str] | None:
    ids = []
    for subnet in select_subnets(vpc, subnets).subnets:
        try:  # a subnet imported without its route table id cannot even say so: jsii raises on the undefined id
            table = subnet.route_table
            table_id = table.route_table_id if table is not None else None
        except RuntimeError:
            table_id = None
        if table_id is None:
            return None
        if table_id not in ids:
            ids.append(table_id)
    return ids or None


def app_stacks(root: IConstruct) -> list[Stack]:
    """Every stack of the app, in stages too (not nested stacks)."""
    found: list[Stack] = []
    for child in root.node.children:
        if Stack.is_stack(child):
            found.append(child)  # type: ignore[arg-type]
        elif Stage.is_stage(child):
            found += app_stacks(child)
    return found


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8].upper()


def _unique(groups: Iterable[ec2.ISecurityGroup]) -> list[ec2.ISecurityGroup]:
    seen: set[str] = set()
    out = []
    for group in groups:
        if group.node.path not in seen:
            seen.add(group.node.path)
            out.append(group)
    return out
