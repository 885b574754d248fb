"""Tests for constructs_kafka_lambda.network.wiring: broker rules, shared VPC endpoints, access modes and warnings.

A few stacks are built once per module (a VPC takes a second or two to synthesize) and asserted from many angles.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_msk as msk
from aws_cdk import aws_msk_alpha as msk_alpha
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match, Template

from constructs_kafka_lambda import (
    ConfigError,
    FailureDestination,
    KafkaAuth,
    KafkaCluster,
    KafkaLambdaConsumer,
    NetworkAccess,
    ProvisionedPollers,
)

from support import (
    MSK_ARN,
    cfn_lint_errors,
    fixture_scope,
    function,
    library_findings,
    new_app,
    new_stack,
    synth_findings,
    template_of,
)

MSK_ARN_2 = MSK_ARN.replace("/demo/", "/other/")
PROVISIONED = ProvisionedPollers(minimum=1, maximum=2)


# ----------------------------------------------------------------------------------------------- fixtures
def vpc(stack: cdk.Stack, name: str = "Vpc", **kwargs: Any) -> ec2.Vpc:
    return ec2.Vpc(fixture_scope(stack), name, max_azs=2, nat_gateways=1, **kwargs)


def group(stack: cdk.Stack, the_vpc: ec2.IVpc, name: str, restricted: bool = True) -> ec2.SecurityGroup:
    return ec2.SecurityGroup(fixture_scope(stack), name, vpc=the_vpc, allow_all_outbound=not restricted)


def scram_secret(stack: cdk.Stack, name: str = "Scram") -> secretsmanager.Secret:
    key = kms.Key(fixture_scope(stack), f"{name}Key", enable_key_rotation=True)
    return secretsmanager.Secret(
        fixture_scope(stack), name, secret_name=f"AmazonMSK_{name.lower()}", encryption_key=key
    )


def consumer(stack: cdk.Stack, construct_id: str, cluster: KafkaCluster, **kwargs: Any) -> KafkaLambdaConsumer:
    found = stack.node.try_find_child("Fixture")
    fn = found.node.try_find_child("Fn") if found is not None else None
    if "provisioned_pollers" not in kwargs and kwargs.get("network_access", "unset") == "unset":
        # The fixture VPC's private subnets route through NAT, where the default is no endpoints (tested below):
        # these tests ask for endpoints explicitly.
        kwargs["network_access"] = NetworkAccess.vpc_endpoints()
    kwargs = {k: v for k, v in kwargs.items() if v != "default"}
    return KafkaLambdaConsumer(
        stack,
        construct_id,
        cluster=cluster,
        topic=kwargs.pop("topic", f"topic-{construct_id.lower()}"),
        function=fn if fn is not None else function(stack),  # type: ignore[arg-type]
        **kwargs,
    )


class Built:
    """A synthesized stack with the handles the tests need."""

    def __init__(self, stack: cdk.Stack, **handles: Any) -> None:
        self.stack = stack
        self.template = Template.from_stack(stack)
        self.json: dict[str, Any] = self.template.to_json()
        self.handles = handles

    def id_of(self, name: str) -> str:
        construct = self.handles[name]
        child = construct.node.default_child or construct
        return self.stack.get_logical_id(child)

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.json["Resources"].items() if v["Type"] == kind}

    def endpoint_services(self) -> list[str]:
        names = []
        for endpoint in self.resources("AWS::EC2::VPCEndpoint").values():
            name = endpoint["Properties"]["ServiceName"]
            names.append(name if isinstance(name, str) else name["Fn::Join"][1][-1])
        return sorted(n.rsplit(".", 1)[-1] for n in names)

    def ingress(self, target: str, source: str, port: int) -> list[dict[str, Any]]:
        return [
            r["Properties"]
            for r in self.resources("AWS::EC2::SecurityGroupIngress").values()
            if r["Properties"]["GroupId"] == {"Fn::GetAtt": [target, "GroupId"]}
            and r["Properties"].get("SourceSecurityGroupId") == {"Fn::GetAtt": [source, "GroupId"]}
            and r["Properties"]["FromPort"] == port == r["Properties"]["ToPort"]
        ]

    def egress(self, group_id: str) -> list[tuple[Any, int]]:
        return [
            (r["Properties"].get("DestinationSecurityGroupId"), r["Properties"]["FromPort"])
            for r in self.resources("AWS::EC2::SecurityGroupEgress").values()
            if r["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
        ]

    def endpoint_group(self) -> str:
        found = [k for k in self.resources("AWS::EC2::SecurityGroup") if k.startswith("KafkaLambdaEndpoints")]
        assert len(found) == 1, found
        return found[0]

    def warnings(self, path: str = "*") -> list[str]:
        found = Annotations.from_stack(self.stack).find_warning(path, Match.any_value())
        return [str(w.entry.data) for w in found]


@pytest.fixture(scope="module")
def on_demand() -> Built:
    """On-demand mode, default access: MSK IAM (restricted group) x2 consumers, MSK SCRAM (open group)."""
    stack = new_stack(name="OnDemand")
    the_vpc = vpc(stack)
    restricted = group(stack, the_vpc, "Restricted")
    open_group = group(stack, the_vpc, "Open", restricted=False)
    iam_cluster = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam(), vpc=the_vpc, security_groups=[restricted])
    consumer(stack, "First", iam_cluster)
    consumer(stack, "Second", iam_cluster)
    scram = KafkaCluster.msk(
        MSK_ARN_2, auth=KafkaAuth.scram_sha_512(scram_secret(stack)), vpc=the_vpc, security_groups=[open_group]
    )
    consumer(stack, "Scram", scram, on_failure=FailureDestination.sqs())
    return Built(stack, restricted=restricted, open=open_group)


@pytest.fixture(scope="module")
def provisioned() -> Built:
    """Provisioned mode: TLS (9094) with SQS, plaintext (9092) with SNS, mTLS with explicit vpc_endpoints()."""
    stack = new_stack(name="Provisioned")
    the_vpc = vpc(stack)
    tls_group = group(stack, the_vpc, "Tls")
    plain_group = group(stack, the_vpc, "Plain", restricted=False)
    tls = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.unauthenticated(), vpc=the_vpc, security_groups=[tls_group])
    consumer(stack, "Tls", tls, provisioned_pollers=PROVISIONED, on_failure=FailureDestination.sqs())
    plain = KafkaCluster.msk(
        MSK_ARN_2, auth=KafkaAuth.unauthenticated(tls=False), vpc=the_vpc, security_groups=[plain_group]
    )
    topic = sns.Topic(fixture_scope(stack), "Alerts", master_key=kms.Key(fixture_scope(stack), "TopicKey"))
    consumer(stack, "Plain", plain, provisioned_pollers=PROVISIONED, on_failure=FailureDestination.sns(topic))
    consumer(
        stack,
        "Mtls",
        KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam(), vpc=the_vpc, security_groups=[tls_group]),
        provisioned_pollers=PROVISIONED,
        network_access=NetworkAccess.vpc_endpoints(),
    )
    return Built(stack, tls=tls_group, plain=plain_group)


@pytest.fixture(scope="module")
def self_managed() -> Built:
    """Self-managed SCRAM-256 on 9093 with a NAT (existing egress), Confluent Cloud over PrivateLink (9092)."""
    stack = new_stack(name="SelfManaged")
    the_vpc = vpc(stack)
    brokers = group(stack, the_vpc, "Brokers")
    private_link = group(stack, the_vpc, "PrivateLink")
    secret = scram_secret(stack, "Creds")
    subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    self_managed_cluster = KafkaCluster.self_managed(
        ["b-1.example.com:9093", "b-2.example.com:9093"],
        auth=KafkaAuth.scram_sha_256(secret),
        vpc=the_vpc,
        subnets=subnets,
        security_groups=[brokers],
    )
    consumer(
        stack,
        "SelfManaged",
        self_managed_cluster,
        network_access=NetworkAccess.existing_egress(nat_gateway=True),
    )
    confluent = KafkaCluster.confluent_cloud(
        ["lkc-abc.us-east-1.aws.private.confluent.cloud:9092"],
        api_key=secret,
        vpc=the_vpc,
        subnets=subnets,
        security_groups=[private_link],
    )
    consumer(stack, "Confluent", confluent)
    return Built(stack, brokers=brokers, private_link=private_link)


@pytest.fixture(scope="module")
def unmanaged() -> Built:
    """What the library cannot manage: ARN only, groups without a VPC, public brokers."""
    stack = new_stack(name="Unmanaged")
    the_vpc = vpc(stack)
    alpha = msk_alpha.Cluster(
        fixture_scope(stack),
        "Alpha",
        cluster_name="alpha",
        kafka_version=msk_alpha.KafkaVersion.V3_6_0,
        vpc=the_vpc,
        client_authentication=msk_alpha.ClientAuthentication.sasl(iam=True),
    )
    consumer(stack, "ArnOnly", KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()))
    consumer(stack, "NoVpc", KafkaCluster.msk(alpha, auth=KafkaAuth.iam()))
    public = KafkaCluster.self_managed(
        ["kafka.example.com:9096"], auth=KafkaAuth.scram_sha_512(scram_secret(stack, "Public"))
    )
    consumer(stack, "Public", public, network_access=NetworkAccess.vpc_endpoints())
    return Built(stack, alpha=alpha.connections.security_groups[0])


# ---------------------------------------------------------------------------------------- broker access
@pytest.mark.parametrize(
    ("fixture", "handle", "port"),
    [
        ("on_demand", "restricted", 9098),  # MSK IAM
        ("on_demand", "open", 9096),  # MSK SASL/SCRAM
        ("provisioned", "tls", 9094),  # MSK TLS (unauthenticated over TLS; mTLS uses the same listener)
        ("provisioned", "tls", 9098),  # the IAM consumer on the same group adds its own port
        ("provisioned", "plain", 9092),  # MSK plaintext
        ("self_managed", "brokers", 9093),  # self-managed: the bootstrap servers' port
        ("self_managed", "private_link", 9092),  # Confluent Cloud over PrivateLink
        ("unmanaged", "alpha", 9098),  # groups taken from an aws_msk_alpha cluster's connections
    ],
)
def test_self_referencing_rule_on_the_auth_port_once(
    request: pytest.FixtureRequest, fixture: str, handle: str, port: int
) -> None:
    built: Built = request.getfixturevalue(fixture)
    group_id = built.id_of(handle)
    assert len(built.ingress(group_id, group_id, port)) == 1


def test_egress_only_on_groups_that_restrict_outbound(on_demand: Built) -> None:
    restricted, open_group = on_demand.id_of("restricted"), on_demand.id_of("open")
    endpoint_group = {"Fn::GetAtt": [on_demand.endpoint_group(), "GroupId"]}
    assert sorted(on_demand.egress(restricted), key=str) == sorted(
        [({"Fn::GetAtt": [restricted, "GroupId"]}, 9098), (endpoint_group, 443)], key=str
    )
    assert on_demand.egress(open_group) == []
    assert not [w for w in on_demand.warnings() if "Ignoring Egress rule" in w]


@pytest.mark.parametrize("fixture", ["on_demand", "provisioned", "self_managed", "unmanaged"])
def test_nothing_is_open_to_the_world(request: pytest.FixtureRequest, fixture: str) -> None:
    built: Built = request.getfixturevalue(fixture)
    for logical_id, resource in built.json["Resources"].items():
        props = resource.get("Properties", {})
        rules = [props] if resource["Type"] == "AWS::EC2::SecurityGroupIngress" else []
        rules += props.get("SecurityGroupIngress", []) if resource["Type"] == "AWS::EC2::SecurityGroup" else []
        for rule in rules:
            assert rule.get("CidrIp") != "0.0.0.0/0", logical_id
            assert rule.get("CidrIpv6") != "::/0", logical_id


# ------------------------------------------------------------------------------------------- endpoints
def test_on_demand_creates_lambda_sts_secrets_and_destination_endpoints_once(on_demand: Built) -> None:
    # Lambda + STS (all), Secrets Manager (the SCRAM cluster), S3 gateway (default destination), SQS (Scram).
    assert on_demand.endpoint_services() == ["lambda", "s3", "secretsmanager", "sqs", "sts"]
    for endpoint in on_demand.resources("AWS::EC2::VPCEndpoint").values():
        props = endpoint["Properties"]
        if props["VpcEndpointType"] == "Interface":
            assert props["PrivateDnsEnabled"] is True
            assert props["SecurityGroupIds"] == [{"Fn::GetAtt": [on_demand.endpoint_group(), "GroupId"]}]
            assert len(props["SubnetIds"]) == 2
        else:
            assert len(props["RouteTableIds"]) == 2


def test_endpoint_group_admits_443_from_each_cluster_group_only(on_demand: Built) -> None:
    endpoint_group = on_demand.endpoint_group()
    sources = [
        r["Properties"]
        for r in on_demand.resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [endpoint_group, "GroupId"]}
    ]
    assert sorted(s["SourceSecurityGroupId"]["Fn::GetAtt"][0] for s in sources) == sorted(
        [on_demand.id_of("restricted"), on_demand.id_of("open")]
    )
    assert {(s["FromPort"], s["ToPort"]) for s in sources} == {(443, 443)}
    own = on_demand.json["Resources"][endpoint_group]["Properties"]
    assert "SecurityGroupIngress" not in own


def test_mapping_waits_for_rules_and_endpoints(on_demand: Built) -> None:
    mappings = on_demand.resources("AWS::Lambda::EventSourceMapping")
    assert len(mappings) == 3
    for mapping in mappings.values():
        depends = mapping.get("DependsOn", [])
        assert any(d.startswith("KafkaLambdaEndpoints") and "Lambda" in d for d in depends)
        assert any(d.startswith("FixtureRestricted") or d.startswith("FixtureOpen") for d in depends)


def test_provisioned_mode_creates_only_destination_endpoints(provisioned: Built) -> None:
    # SQS (Tls), SNS (Plain), S3 gateway (Mtls: default destination); no Lambda/STS/Secrets Manager.
    assert provisioned.endpoint_services() == ["s3", "sns", "sqs"]


def test_vpc_endpoints_in_provisioned_mode_warns(provisioned: Built) -> None:
    assert any("AWS advises against them" in w for w in provisioned.warnings("/Provisioned/Mtls"))


def test_existing_egress_creates_no_endpoints_but_default_access_does(self_managed: Built) -> None:
    # The self-managed consumer said NAT; the Confluent one (default access) brings Lambda, STS, Secrets Manager.
    assert self_managed.endpoint_services() == ["lambda", "s3", "secretsmanager", "sts"]
    assert len(self_managed.ingress(self_managed.endpoint_group(), self_managed.id_of("brokers"), 443)) == 0
    assert len(self_managed.ingress(self_managed.endpoint_group(), self_managed.id_of("private_link"), 443)) == 1


def test_self_managed_and_confluent_in_a_vpc_get_subnets_and_groups(self_managed: Built) -> None:
    for handle in ("brokers", "private_link"):
        configs = [
            c
            for m in self_managed.resources("AWS::Lambda::EventSourceMapping").values()
            for c in m["Properties"]["SourceAccessConfigurations"]
            if c["Type"] == "VPC_SECURITY_GROUP"
        ]
        wanted = {"Fn::Join": ["", ["security_group:", {"Fn::GetAtt": [self_managed.id_of(handle), "GroupId"]}]]}
        assert wanted in [c["URI"] for c in configs]
    subnet_configs = [
        c
        for m in self_managed.resources("AWS::Lambda::EventSourceMapping").values()
        for c in m["Properties"]["SourceAccessConfigurations"]
        if c["Type"] == "VPC_SUBNET"
    ]
    assert len(subnet_configs) == 4  # two subnets per mapping


def test_two_clusters_in_one_vpc_share_one_endpoint_set_across_stacks() -> None:
    """VPC in a network stack, cluster groups in a cluster stack, consumers in two more stacks: one set, no cycle."""
    app = new_app()
    network = new_stack(app, "Network")
    the_vpc = vpc(network)
    clusters = new_stack(app, "Clusters")
    first, second = group(clusters, the_vpc, "First"), group(clusters, the_vpc, "Second")
    for name, sg, arn in (("ConsumersA", first, MSK_ARN), ("ConsumersB", second, MSK_ARN_2)):
        stack = new_stack(app, name)
        cluster = KafkaCluster.msk(arn, auth=KafkaAuth.iam(), vpc=the_vpc, security_groups=[sg])
        consumer(stack, "One", cluster)
        consumer(stack, "Two", cluster)
    assembly = app.synth()
    network_template = assembly.get_stack_by_name("Network").template
    endpoints = [r for r in network_template["Resources"].values() if r["Type"] == "AWS::EC2::VPCEndpoint"]
    assert len(endpoints) == 3  # Lambda, STS, S3 gateway
    cluster_template = assembly.get_stack_by_name("Clusters").template
    admitted = [
        r
        for r in cluster_template["Resources"].values()
        if r["Type"] == "AWS::EC2::SecurityGroupIngress" and r["Properties"]["FromPort"] == 443
    ]
    assert len(admitted) == 2  # one per cluster group, placed in the group's stack
    for name in ("ConsumersA", "ConsumersB"):
        template = assembly.get_stack_by_name(name).template
        assert not [r for r in template["Resources"].values() if r["Type"].startswith("AWS::EC2::")]


def test_l1_cluster_groups_are_imported_once_and_get_the_rule() -> None:
    stack = new_stack(name="L1")
    the_vpc = vpc(stack)
    sg = ec2.CfnSecurityGroup(fixture_scope(stack), "BrokerGroup", group_description="brokers", vpc_id=the_vpc.vpc_id)
    cfn = msk.CfnCluster(
        fixture_scope(stack),
        "Cluster",
        cluster_name="l1",
        kafka_version="3.6.0",
        number_of_broker_nodes=2,
        broker_node_group_info=msk.CfnCluster.BrokerNodeGroupInfoProperty(
            client_subnets=the_vpc.select_subnets().subnet_ids,
            instance_type="kafka.m5.large",
            security_groups=[sg.attr_group_id],
        ),
        client_authentication=msk.CfnCluster.ClientAuthenticationProperty(
            sasl=msk.CfnCluster.SaslProperty(iam=msk.CfnCluster.IamProperty(enabled=True))
        ),
    )
    cluster = KafkaCluster.msk(cfn, auth=KafkaAuth.iam(), vpc=the_vpc)
    consumer(stack, "One", cluster)
    consumer(stack, "Two", cluster)
    built = Built(stack)
    group_id = stack.get_logical_id(sg)
    assert len(built.ingress(group_id, group_id, 9098)) == 1
    assert len(built.ingress(built.endpoint_group(), group_id, 443)) == 1


# ---------------------------------------------------------------------------------------- access choices
@pytest.mark.parametrize(
    ("subnet_type", "kind"),
    [(ec2.SubnetType.PRIVATE_ISOLATED, "isolated"), (ec2.SubnetType.PUBLIC, "public")],
)
def test_nat_claim_on_subnets_without_nat_is_rejected(subnet_type: ec2.SubnetType, kind: str) -> None:
    stack = new_stack(name="Isolated")
    the_vpc = ec2.Vpc(
        fixture_scope(stack),
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )
    cluster = KafkaCluster.msk(
        MSK_ARN,
        auth=KafkaAuth.iam(),
        vpc=the_vpc,
        subnets=ec2.SubnetSelection(subnet_type=subnet_type),
        security_groups=[group(stack, the_vpc, "Sg")],
    )
    with pytest.raises(ConfigError, match=rf"{kind} subnets, which have no route to a NAT gateway") as error:
        consumer(stack, "Consumer", cluster, network_access=NetworkAccess.existing_egress(nat_gateway=True))
    assert error.value.prop == "network_access"
    # Without the NAT claim (the VPC has endpoints already) it is accepted and nothing is created.
    consumer(stack, "Fine", cluster, network_access=NetworkAccess.existing_egress())
    assert not Built(stack).resources("AWS::EC2::VPCEndpoint")


def test_network_access_must_be_a_network_access() -> None:
    stack = new_stack(name="BadAccess")
    cluster = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam())
    with pytest.raises(ConfigError, match="expected a NetworkAccess"):
        consumer(stack, "Consumer", cluster, network_access="nat")
    with pytest.raises(ConfigError, match="nat_gateway must be True or False"):
        NetworkAccess.existing_egress(nat_gateway="yes")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- warnings
def test_arn_only_cluster_warns_that_networking_is_not_managed(unmanaged: Built) -> None:
    warnings = unmanaged.warnings("/Unmanaged/ArnOnly")
    assert any(
        "networking not managed: ensure the cluster security group allows itself on port 9098" in w for w in warnings
    )


def test_the_unmanaged_networking_warning_is_given_once_per_cluster_and_stack() -> None:
    """The advice is about the cluster: the first consumer of a stack carries it, not every one of them."""
    stack = new_stack(name="UnmanagedTwice")
    cluster = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam())
    consumer(stack, "First", cluster)
    consumer(stack, "Second", cluster)
    consumer(stack, "SameDescription", KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()))
    built = Built(stack)
    assert any("networking not managed" in w for w in built.warnings("/UnmanagedTwice/First"))
    assert [w for w in built.warnings() if "networking not managed" in w] == built.warnings("/UnmanagedTwice/First")
    other = new_stack(name="UnmanagedElsewhere")  # another stack is told again
    consumer(other, "First", cluster)
    assert any("networking not managed" in w for w in Built(other).warnings("/UnmanagedElsewhere/First"))


def test_groups_without_vpc_get_rules_and_a_warning(unmanaged: Built) -> None:
    assert any("cannot be created without vpc=" in w for w in unmanaged.warnings("/Unmanaged/NoVpc"))
    assert not unmanaged.resources("AWS::EC2::VPCEndpoint")


def test_public_brokers_need_nothing_and_ignore_network_access(unmanaged: Built) -> None:
    assert any("network_access is ignored" in w for w in unmanaged.warnings("/Unmanaged/Public"))


def test_restricted_group_with_s3_destination_is_told_about_the_prefix_list(on_demand: Built) -> None:
    assert any("S3 managed prefix list" in w for w in on_demand.warnings("/OnDemand/First"))
    assert not any("S3 managed prefix list" in w for w in on_demand.warnings("/OnDemand/Scram"))


# ------------------------------------------------------------------------------------- cdk-nag and cfn-lint
@pytest.fixture(scope="module")
def nagged() -> Iterator[tuple[cdk.App, list[Any]]]:
    app = new_app(nag=True)
    stack = new_stack(app, "Nag")
    the_vpc = vpc(stack)
    restricted = group(stack, the_vpc, "Restricted")
    iam_cluster = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam(), vpc=the_vpc, security_groups=[restricted])
    consumer(stack, "OnDemand", iam_cluster)
    scram = KafkaCluster.msk(
        MSK_ARN_2, auth=KafkaAuth.scram_sha_512(scram_secret(stack)), vpc=the_vpc, security_groups=[restricted]
    )
    consumer(stack, "Provisioned", scram, provisioned_pollers=PROVISIONED, on_failure=FailureDestination.sqs())
    yield app, synth_findings(app)


def test_library_resources_pass_cdk_nag(nagged: tuple[cdk.App, list[Any]]) -> None:
    _, findings = nagged
    assert library_findings(findings) == []
    assert not [f for f in findings if f.rule.endswith("EC23")]


def test_template_passes_cfn_lint(nagged: tuple[cdk.App, list[Any]]) -> None:
    app, _ = nagged
    assert cfn_lint_errors(template_of(app, "Nag")) == []


# -------------------------------------------------------------------- IAM on self-managed Kafka (issue 21)
@pytest.fixture(scope="module")
def self_managed_iam() -> Built:
    """IAM_AUTH behind token bootstrap servers (ports unknown at synth) and IAM_OAUTHBEARER_AUTH, each in a VPC with
    its own restricted group, on-demand with endpoints; neither has a secret."""
    stack = new_stack(name="SelfManagedIam")
    the_vpc = vpc(stack)
    iam_group, web_group = group(stack, the_vpc, "IamBrokers"), group(stack, the_vpc, "WebBrokers")
    subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    servers = cdk.CfnParameter(fixture_scope(stack), "Servers", type="CommaDelimitedList").value_as_list
    iam_cluster = KafkaCluster.self_managed(
        servers, auth=KafkaAuth.iam(), vpc=the_vpc, subnets=subnets, security_groups=[iam_group]
    )
    web_cluster = KafkaCluster.self_managed(
        ["kafka-1.oidc.example.com:9096"],
        auth=KafkaAuth.iam_web_identity(audience="kafka-brokers"),
        vpc=the_vpc,
        subnets=subnets,
        security_groups=[web_group],
    )
    consumer(stack, "Iam", iam_cluster)
    consumer(stack, "Web", web_cluster)
    return Built(stack, iam=iam_group, web=web_group)


def test_self_managed_iam_group_admits_itself_on_msk_iam_port_when_the_servers_are_tokens(
    self_managed_iam: Built,
) -> None:
    iam_group = self_managed_iam.id_of("iam")
    assert len(self_managed_iam.ingress(iam_group, iam_group, 9098)) == 1
    # The group restricts outbound traffic, so it may also reach itself on that port.
    assert ({"Fn::GetAtt": [iam_group, "GroupId"]}, 9098) in self_managed_iam.egress(iam_group)
    web_group = self_managed_iam.id_of("web")
    assert len(self_managed_iam.ingress(web_group, web_group, 9096)) == 1


def test_iam_types_need_lambda_and_sts_endpoints_but_no_secrets_manager(self_managed_iam: Built) -> None:
    """No secret: the pollers sign with the role (IAM_AUTH) or get a token from STS (IAM_OAUTHBEARER_AUTH)."""
    assert self_managed_iam.endpoint_services() == ["lambda", "s3", "sts"]


def test_self_managed_iam_warns_about_the_unscoped_grants(self_managed_iam: Built) -> None:
    warnings = self_managed_iam.warnings("/SelfManagedIam/Iam")
    assert any("without cluster_arn=" in w for w in warnings)
    assert not any("cluster_arn" in w for w in self_managed_iam.warnings("/SelfManagedIam/Web"))
