"""Networking for the mapping's pollers: broker access on the cluster's security groups, and the way to AWS APIs.

What AWS documents (Lambda Developer Guide, checked Nov 2026):
- "Configuring your Amazon MSK cluster and Amazon VPC network for Lambda" (with-msk-cluster-network.html) and
  "Configuring your self-managed Apache Kafka cluster and network" (with-kafka-cluster-network.html): the mapping's
  pollers create ENIs in the cluster's subnets with the cluster's security groups. Those groups must admit
  themselves on the broker port, and in on-demand mode the subnets need a NAT gateway or interface endpoints for
  Lambda and STS (plus Secrets Manager when a secret is used) whose security group admits 443 from the cluster's
  groups. Provisioned mode needs neither NAT nor those endpoints.
- "Capturing discarded batches for Amazon MSK and self-managed Apache Kafka event sources" (kafka-on-failure.html):
  "You must deploy a VPC endpoint for your on-failure destination service inside your Kafka cluster VPC." The page
  states it for every mode, so an SQS/SNS (interface) or S3 (gateway) endpoint is created with the others.

Everything here is created once however many consumers share it: rules live under the security group they belong
to (CDK skips a rule whose construct id, derived from group, peer and port, already exists), and the endpoints live
in one `SharedVpcEndpoints` construct per VPC in the VPC's stack. Rules that cross stacks are placed in the stack of
the cluster's security group so that the VPC's stack never depends on a later stack.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Final

from aws_cdk import Annotations, Reference, Stack, Stage, Tokenization
from aws_cdk import aws_ec2 as ec2
from constructs import Construct, IConstruct

from .. import limits
from ..errors import ConfigError
from ..source.cluster import KafkaCluster
from ..tokens import is_unresolved

_WARN: Final = "constructs-kafka-lambda:network"
_RULE_DESCRIPTION: Final = "Kafka event source mapping pollers (constructs_kafka_lambda)"
_HTTPS: Final = ec2.Port.tcp(limits.HTTPS_PORT)

# The interface endpoints the library may create, by service key. "s3" is a gateway endpoint (no security group).
_INTERFACE_SERVICES: Final[dict[str, ec2.InterfaceVpcEndpointAwsService]] = {
    "lambda": ec2.InterfaceVpcEndpointAwsService.LAMBDA_,
    "sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "secretsmanager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
    "sns": ec2.InterfaceVpcEndpointAwsService.SNS,
}
_S3: Final = "s3"
_DESTINATION_SERVICES: Final = frozenset({"sqs", "sns", _S3})


class AccessMode(Enum):
    """How the pollers reach AWS APIs (see NetworkAccess)."""

    VPC_ENDPOINTS = "vpc-endpoints"
    EXISTING_EGRESS = "existing-egress"


@dataclass(frozen=True)
class NetworkAccess:
    """How the mapping's pollers reach AWS APIs from the cluster's subnets. Build it with the static methods.

    - `NetworkAccess.vpc_endpoints()` (the default in on-demand mode when the cluster is in a VPC): interface
      endpoints for Lambda and STS, plus Secrets Manager when the cluster uses a secret, in the cluster's subnets,
      with private DNS, behind one security group that admits 443 from the cluster's security groups only. Created
      once per VPC and shared by every consumer in the app. If the VPC already has endpoints for these services with
      private DNS, AWS rejects a second one: use `existing_egress()` then.
    - `NetworkAccess.existing_egress(nat_gateway=...)`: the VPC already gives the subnets a way out (a NAT gateway,
      or endpoints you manage); nothing is created. With `nat_gateway=True` the subnets are checked: isolated or
      public subnets (no route to a NAT gateway) raise ConfigError.
    - Provisioned mode (`provisioned_pollers=...`) needs neither NAT nor Lambda/STS/Secrets Manager endpoints, and
      AWS advises against them; leave `network_access` unset (`vpc_endpoints()` there only adds a warning).

    In every mode an SQS, SNS or S3 on-failure destination needs an endpoint for that service in the cluster's VPC
    (AWS: kafka-on-failure.html). Unless `existing_egress()` is chosen, it is created (S3: a gateway endpoint routed
    from the cluster's subnets; SQS/SNS: interface endpoints).
    """

    mode: AccessMode
    nat_gateway: bool = False

    @staticmethod
    def vpc_endpoints() -> NetworkAccess:
        """Create (once per VPC) interface endpoints for Lambda, STS and, with a secret, Secrets Manager."""
        return NetworkAccess(AccessMode.VPC_ENDPOINTS)

    @staticmethod
    def existing_egress(*, nat_gateway: bool = False) -> NetworkAccess:
        """The VPC already reaches AWS APIs (NAT gateway or your own endpoints): create no endpoints.

        :param nat_gateway: state that the cluster's subnets route through a NAT gateway; checked against the
            subnets (isolated or public subnets fail with ConfigError). Leave False when the VPC has endpoints.
        """
        if not isinstance(nat_gateway, bool):
            raise ConfigError(
                "NetworkAccess.existing_egress(nat_gateway)",
                nat_gateway,
                "nat_gateway must be True or False",
                "pass nat_gateway=True when the subnets route through a NAT gateway",
            )
        return NetworkAccess(AccessMode.EXISTING_EGRESS, nat_gateway=nat_gateway)


# --------------------------------------------------------------------------------------------------- wiring
def wire_network(
    scope: Construct,
    *,
    cluster: KafkaCluster,
    provisioned: bool,
    access: NetworkAccess | None,
    destination_service: str | None,
) -> None:
    """Add what the mapping needs to reach the brokers and AWS APIs on its first deploy.

    Security-group rules on the cluster's groups (self-referencing on the broker ports; egress only on groups that
    restrict outbound traffic), the shared VPC endpoints that the mode and access call for, and a dependency of
    the mapping on them. Public self-managed and Confluent Cloud clusters need nothing.
    """
    if access is not None and not isinstance(access, NetworkAccess):
        raise ConfigError(
            "network_access",
            access,
            "expected a NetworkAccess",
            "pass NetworkAccess.vpc_endpoints() or NetworkAccess.existing_egress(...), or leave it unset",
        )
    warn = Annotations.of(scope).add_warning_v2
    if not cluster.in_vpc:
        if access is not None:
            warn(
                f"{_WARN}-ignored",
                "network_access is ignored: the brokers are public (no vpc=), so the pollers reach them and AWS "
                "APIs over the internet.",
            )
        return
    ports = cluster.broker_ports()
    groups = cluster_security_groups(scope, cluster)
    if not groups:
        listed = ", ".join(str(p) for p in ports)
        warn(
            f"{_WARN}-unmanaged",
            f"networking not managed: ensure the cluster security group allows itself on port {listed} and the "
            "subnets reach Lambda and STS (NAT or endpoints), or pass vpc= and security_groups=.",
        )
        return
    _check_nat_claim(cluster, access)

    for group in groups:
        for port in ports:
            allow_self(group, ec2.Port.tcp(port))

    services = _endpoint_services(scope, cluster, provisioned, access, destination_service)
    mapping = _mapping_of(scope)
    _depend_same_stack(mapping, groups)
    if not services:
        return
    if cluster.vpc is None:
        warn(
            f"{_WARN}-no-vpc",
            f"VPC endpoints for {', '.join(services)} cannot be created without vpc=: the security-group rules "
            "were added, but pass vpc= (and subnets=) to KafkaCluster, or ensure the subnets reach these services "
            "and choose NetworkAccess.existing_egress().",
        )
        return
    endpoints = SharedVpcEndpoints.of(cluster.vpc, cluster.subnets)
    for service in services:
        endpoints.require(service, cluster.subnets)
    for group in groups:
        endpoints.admit(group)
        if _S3 in services and not group.allow_all_outbound:
            warn(
                f"{_WARN}-s3-prefix-list",
                f"The cluster security group {group.node.path} restricts outbound traffic: allow TCP 443 to the S3 "
                "managed prefix list (com.amazonaws.<region>.s3) so that failed batches reach the bucket through "
                "the S3 gateway endpoint (the prefix list id is not known at synth).",
            )
    _depend_same_stack(mapping, [endpoints])


def _endpoint_services(
    scope: Construct,
    cluster: KafkaCluster,
    provisioned: bool,
    access: NetworkAccess | None,
    destination_service: str | None,
) -> list[str]:
    """The services that need an endpoint, in creation order."""
    if access is not None and access.mode is AccessMode.EXISTING_EGRESS:
        return []
    services: list[str] = []
    if not provisioned:
        services += ["lambda", "sts"]
        if cluster.secrets:
            services.append("secretsmanager")
    elif access is not None and access.mode is AccessMode.VPC_ENDPOINTS:
        Annotations.of(scope).add_warning_v2(
            f"{_WARN}-provisioned-endpoints",
            "NetworkAccess.vpc_endpoints() in provisioned mode: provisioned pollers need no Lambda, STS or Secrets "
            "Manager endpoints and AWS advises against them, so none were created (only the on-failure "
            "destination's endpoint is). Leave network_access unset.",
        )
    if destination_service in _DESTINATION_SERVICES:
        services.append(destination_service)
    return services


def _check_nat_claim(cluster: KafkaCluster, access: NetworkAccess | None) -> None:
    """existing_egress(nat_gateway=True) with subnets that have no route to a NAT gateway fails at construction."""
    if access is None or not access.nat_gateway or cluster.vpc is None:
        return
    vpc = cluster.vpc
    selection = cluster.subnets or ec2.SubnetSelection()
    chosen = _select(vpc, selection).subnets
    no_nat = {s.subnet_id: "isolated" for s in vpc.isolated_subnets}
    no_nat.update({s.subnet_id: "public" for s in vpc.public_subnets})
    bad = sorted({no_nat[s.subnet_id] for s in chosen if s.subnet_id in no_nat})
    if selection.subnet_type in (ec2.SubnetType.PRIVATE_ISOLATED, ec2.SubnetType.PUBLIC):
        bad = sorted(set(bad) | {"isolated" if selection.subnet_type is ec2.SubnetType.PRIVATE_ISOLATED else "public"})
    if bad:
        raise ConfigError(
            "network_access",
            "NetworkAccess.existing_egress(nat_gateway=True)",
            f"the cluster's subnets include {' and '.join(bad)} subnets, which have no route to a NAT gateway "
            "(the pollers' ENIs get no public IP), so they could not reach Lambda and STS",
            "use NetworkAccess.vpc_endpoints() (the default), choose PRIVATE_WITH_EGRESS subnets, or use "
            "existing_egress() if the VPC already has endpoints for Lambda and STS",
        )


def _select(vpc: ec2.IVpc, selection: ec2.SubnetSelection) -> ec2.SelectedSubnets:
    return vpc.select_subnets(
        availability_zones=selection.availability_zones,
        one_per_az=selection.one_per_az,
        subnet_filters=selection.subnet_filters,
        subnet_group_name=selection.subnet_group_name,
        subnets=selection.subnets,
        subnet_type=selection.subnet_type,
    )


# ------------------------------------------------------------------------------------------ security groups
def cluster_security_groups(scope: Construct, cluster: KafkaCluster) -> list[ec2.ISecurityGroup]:
    """The cluster's groups: the ISecurityGroups given, or groups imported (once per app) from an L1's ids."""
    if cluster.security_groups:
        return list(cluster.security_groups)
    return [_imported_group(scope, group_id) for group_id in cluster.security_group_ids]


def _imported_group(scope: Construct, group_id: str) -> ec2.ISecurityGroup:
    """A mutable import of a group known only by id, found or created once.

    It lives in the stack that defines the id (an L1 attribute) so its rules sit next to the group; a literal id
    goes in the consumer's stack, and is reused from any stack of the app that already imported it.
    """
    owner = _reference_stack(group_id)
    key = _reference_key(group_id)
    construct_id = f"KafkaLambdaGroup{_digest(key)}"
    candidates = [owner] if owner is not None else _stacks(scope.node.root)
    for stack in candidates:
        found = stack.node.try_find_child(construct_id)
        if found is not None:
            return found  # type: ignore[return-value]
    home = owner if owner is not None else Stack.of(scope)
    # allow_all_outbound=False: we cannot know the group's egress, and an egress rule is harmless where all
    # outbound traffic is already allowed.
    return ec2.SecurityGroup.from_security_group_id(
        home, construct_id, group_id, mutable=True, allow_all_outbound=False
    )


def allow_self(group: ec2.ISecurityGroup, port: ec2.Port) -> None:
    """Self-referencing ingress (and egress, when the group restricts outbound) on one port, once per group."""
    group.add_ingress_rule(group, port, _RULE_DESCRIPTION)
    if not group.allow_all_outbound:
        group.add_egress_rule(group, port, _RULE_DESCRIPTION)


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
        construct_id = f"KafkaLambdaEndpoints{_digest(key)}"
        stacks = [Stack.of(vpc)] if is_unresolved(vpc.vpc_id) else _stacks(vpc.node.root)
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
        if service == _S3:
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
                target.add_ingress_rule(group, _HTTPS, _RULE_DESCRIPTION, True)
                if not group.allow_all_outbound:
                    group.add_egress_rule(target, _HTTPS, _RULE_DESCRIPTION)

    def _require_s3(self, subnets: ec2.SubnetSelection) -> None:
        """A gateway endpoint routed from the given subnets' route tables (later subnets are added to it)."""
        if self.s3_gateway is None and _existing_endpoint(self.vpc, ec2.GatewayVpcEndpointAwsService.S3.name)[0]:
            return
        route_tables = _route_table_ids(self.vpc, subnets)
        if route_tables is None:
            if not self._unrouted:
                self._unrouted = True
                Annotations.of(self).add_warning_v2(
                    f"{_WARN}-no-route",
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
    for subnet in _select(vpc, subnets).subnets:
        table = subnet.route_table
        table_id = table.route_table_id if table is not None else None
        if table_id is None:
            return None
        if table_id not in ids:
            ids.append(table_id)
    return ids or None


# --------------------------------------------------------------------------------------------------- helpers
def _mapping_of(scope: Construct) -> IConstruct:
    found = scope.node.try_find_child("Mapping")
    return found if found is not None else scope


def _depend_same_stack(mapping: IConstruct, targets: Iterable[IConstruct]) -> None:
    """The mapping waits for the rules and endpoints it needs; across stacks, stack order already does this."""
    stack = Stack.of(mapping)
    for target in targets:
        if Stack.of(target) is stack or Stack.of(target).node.path == stack.node.path:
            mapping.node.add_dependency(target)


def _reference_stack(value: str) -> Stack | None:
    """The stack that defines a token that is a plain reference (an L1 attribute), or None."""
    if not is_unresolved(value):
        return None
    reference = Tokenization.reverse(value)
    if isinstance(reference, Reference):
        return Stack.of(reference.target)
    return None


def _reference_key(value: str) -> str:
    if is_unresolved(value):
        reference = Tokenization.reverse(value)
        if isinstance(reference, Reference):
            return f"{reference.target.node.path}.{reference.display_name}"
    return value


def _stacks(root: IConstruct) -> list[Stack]:
    """Every stack of the app, in stages too (not nested stacks)."""
    found: list[Stack] = []
    for child in root.node.children:
        if Stack.is_stack(child):
            found.append(child)  # type: ignore[arg-type]
        elif Stage.is_stage(child):
            found += _stacks(child)
    return found


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8].upper()


def _unique(groups: Iterable[ec2.ISecurityGroup]) -> list[ec2.ISecurityGroup]:
    seen: set[str] = set()
    out = []
    for group in groups:
        if group.node.path not in seen:
            seen.add(group.node.path)
            out.append(group)
    return out
