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

from collections.abc import Iterable

from aws_cdk import Annotations, Reference, Stack, Tokenization
from aws_cdk import aws_ec2 as ec2
from constructs import Construct, IConstruct

from ..errors import ConfigError
from ..mapping.spec import MappingSpec
from ..scopes import first_in_stack
from ..source.cluster import KafkaCluster
from ..tokens import is_unresolved
from .access import AccessMode, NetworkAccess
from .endpoints import (
    DESTINATION_SERVICES,
    RULE_DESCRIPTION,
    S3,
    WARNING_ID,
    SharedVpcEndpoints,
    app_stacks,
    digest,
)


# --------------------------------------------------------------------------------------------------- wiring
def wire_network(scope: Construct, spec: MappingSpec, *, destination_service: str | None) -> None:
    """Add what the mapping needs to reach the brokers and AWS APIs on its first deploy.

    Security-group rules on the cluster's groups (self-referencing on the broker ports; egress only on groups that
    restrict outbound traffic), the shared VPC endpoints that the mode and access call for, and a dependency of
    the mapping on them. Public self-managed and Confluent Cloud clusters need nothing.
    """
    cluster, provisioned, access = spec.cluster, spec.provisioned, spec.network_access

    def warn(warning_id: str, message: str) -> None:  # Annotations.of only when there is something to say
        Annotations.of(scope).add_warning_v2(warning_id, message)

    _state_registry_path(scope, spec)
    if not cluster.in_vpc:
        if access is not None:
            warn(
                f"{WARNING_ID}-ignored",
                "network_access is ignored: the brokers are public (no vpc=), so the pollers reach them and AWS "
                "APIs over the internet.",
            )
        return
    ports = cluster.broker_ports()
    groups = cluster_security_groups(scope, cluster)
    if not groups:
        if not first_in_stack(scope, ("unmanaged", cluster)):
            return  # said once per cluster and stack: the advice is about the cluster, the same for every consumer
        listed = ", ".join(str(p) for p in ports)
        warn(
            f"{WARNING_ID}-unmanaged",
            f"networking not managed: ensure the cluster security group allows itself on port {listed} and the "
            "subnets reach Lambda and STS (NAT or endpoints), or pass vpc= and security_groups=.",
        )
        return
    _check_nat_claim(cluster, access)
    access = access or _default_access(scope, cluster, provisioned)

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
            f"{WARNING_ID}-no-vpc",
            f"VPC endpoints for {', '.join(services)} cannot be created without vpc=: the security-group rules "
            "were added, but pass vpc= (and subnets=) to KafkaCluster, or ensure the subnets reach these services "
            "and choose NetworkAccess.existing_egress().",
        )
        return
    endpoints = SharedVpcEndpoints.of(cluster.vpc, cluster.subnets)
    for service in services:
        endpoints.require(service, cluster.subnets)
    uses_interface_endpoints = any(service != S3 for service in services)
    for group in groups:
        if uses_interface_endpoints:  # a gateway endpoint (S3) has no security group to be admitted to
            endpoints.admit(group)
        if S3 in services and not group.allow_all_outbound:
            warn(
                f"{WARNING_ID}-s3-prefix-list",
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
        return (
            [destination_service] if access.destination_endpoint and destination_service in DESTINATION_SERVICES else []
        )
    services: list[str] = []
    if not provisioned:
        services += ["lambda", "sts"]
        if cluster.secrets:
            services.append("secretsmanager")
    elif access is not None and access.mode is AccessMode.VPC_ENDPOINTS:
        Annotations.of(scope).add_warning_v2(
            f"{WARNING_ID}-provisioned-endpoints",
            "NetworkAccess.vpc_endpoints() in provisioned mode: provisioned pollers need no Lambda, STS or Secrets "
            "Manager endpoints and AWS advises against them, so none were created (only the on-failure "
            "destination's endpoint is). Leave network_access unset.",
        )
    if destination_service in DESTINATION_SERVICES:
        services.append(destination_service)
    return services


def _default_access(scope: Construct, cluster: KafkaCluster, provisioned: bool) -> NetworkAccess | None:
    """On-demand default chosen with the VPC in view: when every chosen subnet already routes through a NAT
    gateway (CDK's PRIVATE_WITH_EGRESS subnets), interface endpoints would be paid twice (about $7.30 per endpoint
    and AZ a month plus $0.01/GB, us-east-1): use the NAT and say how to opt in. Elsewhere (isolated subnets, or
    subnets not known at synth): endpoints."""
    if provisioned or cluster.vpc is None or _subnet_kinds(cluster) != {"private"}:
        return None
    Annotations.of(scope).add_warning_v2(
        f"{WARNING_ID}-nat-default",
        "The cluster's subnets route through a NAT gateway, so no Lambda/STS/Secrets Manager endpoints were created "
        "(the pollers use the NAT; about $0.045/GB processed). To keep that traffic off the NAT, pass "
        "network_access=NetworkAccess.vpc_endpoints(); to silence this, pass NetworkAccess.existing_egress(nat_gateway=True).",
    )
    return NetworkAccess(AccessMode.EXISTING_EGRESS, nat_gateway=True, destination_endpoint=True)


def _subnet_kinds(cluster: KafkaCluster) -> set[str]:
    """What the chosen subnets are, by the VPC's own grouping: "private" (routed through a NAT gateway or other
    egress), "isolated", "public", or "unknown" (not in any group, or no subnet known). One classification for the
    NAT default and the check of an existing_egress(nat_gateway=True) claim."""
    vpc, selected = cluster.vpc, cluster.selected_subnets
    if vpc is None or selected is None or not selected.subnets:
        return {"unknown"}
    kinds = {s.subnet_id: "private" for s in vpc.private_subnets}
    kinds.update({s.subnet_id: "isolated" for s in vpc.isolated_subnets})
    kinds.update({s.subnet_id: "public" for s in vpc.public_subnets})
    found = {kinds.get(s.subnet_id, "unknown") for s in selected.subnets}
    chosen_type = cluster.subnets.subnet_type if cluster.subnets is not None else None
    if chosen_type in (ec2.SubnetType.PRIVATE_ISOLATED, ec2.SubnetType.PUBLIC):
        found.add("isolated" if chosen_type is ec2.SubnetType.PRIVATE_ISOLATED else "public")
    return found


def _state_registry_path(scope: Construct, spec: MappingSpec) -> None:
    """A schema registry is called by the pollers: Glue over its regional endpoint, a Confluent registry at its
    URL. From a cluster in a VPC that needs a way out, which the library cannot see for a URL on the internet."""
    registry = spec.schema_registry
    if registry is None or not spec.cluster.in_vpc:
        return
    target = "AWS Glue (glue.<region>.amazonaws.com)" if registry.kind == "glue" else f"the registry at {registry.uri}"
    Annotations.of(scope).add_warning_v2(
        f"{WARNING_ID}-schema-registry",
        f"The pollers call {target} from the cluster's VPC: make sure the subnets reach it (a NAT gateway"
        + (", or a Glue interface endpoint" if registry.kind == "glue" else "")
        + ").",
    )


def _check_nat_claim(cluster: KafkaCluster, access: NetworkAccess | None) -> None:
    """existing_egress(nat_gateway=True) with subnets that have no route to a NAT gateway fails at construction."""
    if access is None or not access.nat_gateway or cluster.vpc is None:
        return
    bad = sorted(_subnet_kinds(cluster) & {"isolated", "public"})
    if bad:
        raise ConfigError(
            "network_access",
            "NetworkAccess.existing_egress(nat_gateway=True)",
            f"the cluster's subnets include {' and '.join(bad)} subnets, which have no route to a NAT gateway "
            "(the pollers' ENIs get no public IP), so they could not reach Lambda and STS",
            "use NetworkAccess.vpc_endpoints() (the default), choose PRIVATE_WITH_EGRESS subnets, or use "
            "existing_egress() if the VPC already has endpoints for Lambda and STS",
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
    construct_id = f"KafkaLambdaGroup{digest(key)}"
    candidates = [owner] if owner is not None else app_stacks(scope.node.root)
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
    group.add_ingress_rule(group, port, RULE_DESCRIPTION)
    if not group.allow_all_outbound:
        group.add_egress_rule(group, port, RULE_DESCRIPTION)


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
