"""The source x auth table of aws-contract.md: every cell accepted or rejected at construction."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_msk as msk
from aws_cdk import aws_msk_alpha as msk_alpha
from aws_cdk import aws_secretsmanager as secretsmanager

from constructs_kafka_lambda import ConfigError, KafkaAuth, KafkaCluster
from constructs_kafka_lambda.source.auth import SUPPORTED_AUTH, AuthMechanism, SourceKind

from support import MSK_ARN, fixture_scope, new_stack

SERVERS = ["b-1.kafka.example.com:9096", "b-2.kafka.example.com:9096"]


@pytest.fixture(scope="module")
def stack():
    return new_stack()


@pytest.fixture(scope="module")
def secrets(stack):
    scope = fixture_scope(stack)
    key = kms.Key(scope, "Key", enable_key_rotation=True)
    return {
        "msk": secretsmanager.Secret(scope, "MskScram", secret_name="AmazonMSK_demo_consumer", encryption_key=key),
        "plain": secretsmanager.Secret(scope, "Plain", secret_name="kafka/consumer", encryption_key=key),
    }


def auths(secrets) -> dict[AuthMechanism, Callable[[], KafkaAuth]]:
    return {
        AuthMechanism.IAM: KafkaAuth.iam,
        AuthMechanism.SASL_SCRAM_512: lambda: KafkaAuth.scram_sha_512(secrets["msk"]),
        AuthMechanism.SASL_SCRAM_256: lambda: KafkaAuth.scram_sha_256(secrets["plain"]),
        AuthMechanism.SASL_PLAIN: lambda: KafkaAuth.sasl_plain(secrets["plain"]),
        AuthMechanism.MUTUAL_TLS: lambda: KafkaAuth.mutual_tls(secrets["plain"]),
        AuthMechanism.UNAUTHENTICATED: lambda: KafkaAuth.unauthenticated(tls=True),
        AuthMechanism.OAUTH: lambda: KafkaAuth.oauth(secrets["plain"], scope="kafka"),
    }


@pytest.fixture(scope="module")
def vpc_trio(stack):
    scope = fixture_scope(stack)
    vpc = ec2.Vpc(scope, "Vpc", max_azs=2, nat_gateways=0)
    group = ec2.SecurityGroup(scope, "BrokerSg", vpc=vpc)
    return {
        "vpc": vpc,
        "subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        "security_groups": [group],
    }


def build(source: SourceKind, auth: KafkaAuth, vpc_trio) -> KafkaCluster:
    if source is SourceKind.MSK:
        return KafkaCluster.msk(MSK_ARN, auth=auth)
    if source is SourceKind.MSK_SERVERLESS:
        return KafkaCluster.msk_serverless(MSK_ARN, auth=auth)
    if source is SourceKind.SELF_MANAGED:
        return KafkaCluster.self_managed(SERVERS, auth=auth, **vpc_trio)
    assert auth.secret is not None
    return KafkaCluster.confluent_cloud(SERVERS, api_key=auth.secret)


@pytest.mark.parametrize("source", [s for s in SourceKind if s is not SourceKind.CONFLUENT_CLOUD])
@pytest.mark.parametrize("mechanism", list(AuthMechanism))
def test_every_cell_of_the_auth_table(source, mechanism, secrets, vpc_trio):
    auth = auths(secrets)[mechanism]()
    if mechanism in SUPPORTED_AUTH[source]:
        cluster = build(source, auth, vpc_trio)
        assert cluster.kind is source and cluster.auth.mechanism is mechanism
    else:
        with pytest.raises(ConfigError) as err:
            build(source, auth, vpc_trio)
        assert err.value.prop == "auth"
        assert "does not support" in str(err.value) and "Fix:" in str(err.value)


def test_the_table_is_the_contract():
    assert SUPPORTED_AUTH[SourceKind.MSK_SERVERLESS] == {AuthMechanism.IAM}
    assert AuthMechanism.IAM not in SUPPORTED_AUTH[SourceKind.SELF_MANAGED]
    assert AuthMechanism.SASL_SCRAM_256 not in SUPPORTED_AUTH[SourceKind.MSK]
    assert AuthMechanism.SASL_PLAIN not in SUPPORTED_AUTH[SourceKind.MSK]
    assert SUPPORTED_AUTH[SourceKind.CONFLUENT_CLOUD] == {AuthMechanism.SASL_PLAIN, AuthMechanism.OAUTH}
    assert AuthMechanism.OAUTH not in SUPPORTED_AUTH[SourceKind.MSK] | SUPPORTED_AUTH[SourceKind.MSK_SERVERLESS]


def test_msk_serverless_defaults_to_iam():
    assert KafkaCluster.msk_serverless(MSK_ARN).auth.mechanism is AuthMechanism.IAM


def test_confluent_cloud_is_sasl_plain(secrets):
    cluster = KafkaCluster.confluent_cloud(["pkc-abc.us-east-1.aws.confluent.cloud:9092"], api_key=secrets["plain"])
    assert cluster.auth.mechanism is AuthMechanism.SASL_PLAIN
    assert cluster.auth.secret is secrets["plain"]
    assert not cluster.in_vpc


@pytest.mark.parametrize(
    ("auth", "port"),
    [
        (KafkaAuth.iam(), 9098),
        (KafkaAuth.unauthenticated(tls=True), 9094),
        (KafkaAuth.unauthenticated(tls=False), 9092),
    ],
)
def test_msk_broker_port_follows_auth(auth, port):
    assert KafkaCluster.msk(MSK_ARN, auth=auth).broker_ports() == (port,)


def test_msk_scram_and_mtls_ports(secrets):
    assert KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.scram_sha_512(secrets["msk"])).broker_ports() == (9096,)
    assert KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.mutual_tls(secrets["plain"])).broker_ports() == (9094,)


def test_self_managed_ports_come_from_bootstrap_servers(secrets):
    cluster = KafkaCluster.self_managed(
        ["a.example.com:9096", "b.example.com:19096"], auth=KafkaAuth.sasl_plain(secrets["plain"])
    )
    assert cluster.broker_ports() == (9096, 19096)


# ----------------------------------------------------------------------------------------- MSK SCRAM secrets
def test_scram_secret_must_be_named_amazonmsk(stack):
    scope = fixture_scope(stack)
    key = kms.Key(scope, "NameKey")
    secret = secretsmanager.Secret(scope, "BadName", secret_name="demo_consumer", encryption_key=key)
    with pytest.raises(ConfigError, match="AmazonMSK_") as err:
        KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.scram_sha_512(secret))
    assert err.value.prop == "auth.secret_name" and err.value.value == "demo_consumer"


def test_scram_secret_without_name_is_rejected(stack):
    scope = fixture_scope(stack)
    secret = secretsmanager.Secret(scope, "NoName", encryption_key=kms.Key(scope, "NoNameKey"))
    with pytest.raises(ConfigError, match="unnamed secret"):
        KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.scram_sha_512(secret))


def test_scram_secret_needs_a_customer_managed_key(stack):
    scope = fixture_scope(stack)
    secret = secretsmanager.Secret(scope, "DefaultKey", secret_name="AmazonMSK_default_key")
    with pytest.raises(ConfigError, match="aws/secretsmanager") as err:
        KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.scram_sha_512(secret))
    assert err.value.prop == "auth.encryption_key"


def test_imported_scram_secret_with_wrong_name_is_rejected(stack):
    secret = secretsmanager.Secret.from_secret_name_v2(fixture_scope(stack), "ImportedBad", "consumer")
    with pytest.raises(ConfigError, match="AmazonMSK_"):
        KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.scram_sha_512(secret))


def test_imported_scram_secret_without_key_warns(stack):
    secret = secretsmanager.Secret.from_secret_name_v2(fixture_scope(stack), "ImportedOk", "AmazonMSK_consumer")
    cluster = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.scram_sha_512(secret))
    assert any("KMS key is unknown" in w for w in cluster.warnings)


def test_self_managed_scram_does_not_need_the_msk_prefix(secrets):
    cluster = KafkaCluster.self_managed(SERVERS, auth=KafkaAuth.scram_sha_512(secrets["plain"]))
    assert cluster.warnings == ()


# ------------------------------------------------------------------------------------- MSK cluster constructs
@pytest.fixture(scope="module")
def alpha_cluster(stack, vpc_trio):
    return msk_alpha.Cluster(
        fixture_scope(stack),
        "IamCluster",
        cluster_name="iam-cluster",
        kafka_version=msk_alpha.KafkaVersion.V3_6_0,
        vpc=vpc_trio["vpc"],
        client_authentication=msk_alpha.ClientAuthentication.sasl(iam=True),
    )


def test_alpha_cluster_gives_arn_and_security_groups(alpha_cluster):
    cluster = KafkaCluster.msk(alpha_cluster, auth=KafkaAuth.iam())
    assert cluster.cluster_arn == alpha_cluster.cluster_arn
    paths = [g.node.path for g in cluster.security_groups]
    assert paths == [g.node.path for g in alpha_cluster.connections.security_groups] and paths


def test_alpha_cluster_rejects_an_auth_it_does_not_enable(alpha_cluster, secrets):
    with pytest.raises(ConfigError, match="does not enable SASL_SCRAM_512"):
        KafkaCluster.msk(alpha_cluster, auth=KafkaAuth.scram_sha_512(secrets["msk"]))


def test_serverless_construct_given_to_msk_is_rejected(stack, vpc_trio):
    serverless = msk_alpha.ServerlessCluster(
        fixture_scope(stack), "Serverless", vpc_configs=[msk_alpha.VpcConfig(vpc=vpc_trio["vpc"])]
    )
    with pytest.raises(ConfigError, match="msk_serverless"):
        KafkaCluster.msk(serverless, auth=KafkaAuth.iam())
    found = KafkaCluster.msk_serverless(serverless)
    assert found.cluster_arn == serverless.cluster_arn and found.security_groups


def test_l1_cluster_tls_only_rejects_plaintext(stack):
    cfn = msk.CfnCluster(
        fixture_scope(stack),
        "L1Cluster",
        cluster_name="l1",
        kafka_version="3.6.0",
        number_of_broker_nodes=2,
        broker_node_group_info=msk.CfnCluster.BrokerNodeGroupInfoProperty(
            client_subnets=["subnet-1", "subnet-2"], instance_type="kafka.m5.large", security_groups=["sg-123"]
        ),
        client_authentication=msk.CfnCluster.ClientAuthenticationProperty(
            unauthenticated=msk.CfnCluster.UnauthenticatedProperty(enabled=True)
        ),
    )
    with pytest.raises(ConfigError, match="no plaintext listener"):
        KafkaCluster.msk(cfn, auth=KafkaAuth.unauthenticated(tls=False))
    cluster = KafkaCluster.msk(cfn, auth=KafkaAuth.unauthenticated(tls=True))
    assert cluster.security_group_ids == ("sg-123",)
    assert cluster.subnet_ids == ("subnet-1", "subnet-2")


@pytest.mark.parametrize(
    "arn",
    ["not-an-arn", "arn:aws:kafka:us-east-1:111111111111:topic/demo/uuid/t", "arn:aws:kafka:us-east-1:1:cluster/x/y"],
)
def test_malformed_cluster_arn_is_rejected(arn):
    with pytest.raises(ConfigError, match="cluster/<name>/<uuid>"):
        KafkaCluster.msk(arn, auth=KafkaAuth.iam())


def test_auth_must_be_a_kafka_auth():
    with pytest.raises(ConfigError, match="KafkaAuth"):
        KafkaCluster.msk(MSK_ARN, auth="IAM")  # type: ignore[arg-type]


def test_auth_secret_must_be_a_secret():
    with pytest.raises(ConfigError, match="ISecret"):
        KafkaAuth.scram_sha_512("arn:aws:secretsmanager:us-east-1:111111111111:secret:x")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ self-managed rules
@pytest.mark.parametrize(
    "servers",
    [
        [],
        [f"b-{i}.example.com:9092" for i in range(11)],
        ["https://b-1.example.com:9092"],
        ["b-1.example.com"],
        ["b-1.example.com:99999"],
        "b-1.example.com:9092",
    ],
)
def test_bootstrap_servers_are_validated(servers, secrets):
    with pytest.raises(ConfigError, match="bootstrap"):
        KafkaCluster.self_managed(servers, auth=KafkaAuth.sasl_plain(secrets["plain"]))


def test_public_self_managed_needs_credentials():
    with pytest.raises(ConfigError, match="public brokers need credentials"):
        KafkaCluster.self_managed(SERVERS, auth=KafkaAuth.unauthenticated())


def test_unauthenticated_self_managed_in_a_vpc_is_accepted(vpc_trio):
    cluster = KafkaCluster.self_managed(SERVERS, auth=KafkaAuth.unauthenticated(), **vpc_trio)
    assert cluster.in_vpc


@pytest.mark.parametrize("missing", ["vpc", "subnets", "security_groups"])
def test_vpc_subnets_and_groups_come_together(missing, vpc_trio, secrets):
    given = {k: v for k, v in vpc_trio.items() if k != missing}
    with pytest.raises(ConfigError, match="together") as err:
        KafkaCluster.self_managed(SERVERS, auth=KafkaAuth.sasl_plain(secrets["plain"]), **given)
    assert missing in err.value.prop


def test_root_ca_combines_with_any_auth(secrets):
    cluster = KafkaCluster.self_managed(
        SERVERS, auth=KafkaAuth.mutual_tls(secrets["plain"]), root_ca_certificate=secrets["plain"]
    )
    assert cluster.root_ca_certificate is secrets["plain"]
    with pytest.raises(ConfigError, match="root CA"):
        KafkaCluster.self_managed(SERVERS, auth=KafkaAuth.sasl_plain(secrets["plain"]), root_ca_certificate="pem")  # type: ignore[arg-type]
