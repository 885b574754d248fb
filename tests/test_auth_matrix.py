"""The source x auth table of aws-contract.md: every cell accepted or rejected at construction."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_msk as msk
from aws_cdk import aws_msk_alpha as msk_alpha
from aws_cdk import aws_secretsmanager as secretsmanager

from constructs_kafka_lambda import ConfigError, KafkaAuth, KafkaCluster
from constructs_kafka_lambda.source.auth import (
    _AUTH_ADVICE,
    NOT_SUPPORTED_TYPES,
    SUPPORTED_AUTH,
    AuthMechanism,
    SourceKind,
)
from constructs_kafka_lambda.source.iam import iam_warnings

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
        AuthMechanism.IAM_WEB_IDENTITY: lambda: KafkaAuth.iam_web_identity(audience="kafka-brokers"),
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
    # kafka-cluster-auth: IAM_AUTH (an MSK cluster behind your own networking) and IAM_OAUTHBEARER_AUTH.
    assert {AuthMechanism.IAM, AuthMechanism.IAM_WEB_IDENTITY} <= SUPPORTED_AUTH[SourceKind.SELF_MANAGED]
    assert (
        AuthMechanism.IAM_WEB_IDENTITY not in SUPPORTED_AUTH[SourceKind.MSK] | SUPPORTED_AUTH[SourceKind.MSK_SERVERLESS]
    )
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


# ------------------------------------------------------------------------ IAM on self-managed Kafka (issue 21)
# Lambda guide, kafka-cluster-auth: "IAM authentication" (IAM_AUTH, omit the URI) and "IAM authentication with
# SASL/OAUTHBEARER" (IAM_OAUTHBEARER_AUTH, omit the URI, OAUTHBEARER_AUDIENCE required, no other OAUTHBEARER type).
def test_iam_is_written_as_iam_auth_without_uri_on_self_managed_only():
    assert KafkaAuth.iam().access_configurations(SourceKind.SELF_MANAGED) == [("IAM_AUTH", None)]
    assert KafkaAuth.iam().access_configurations(SourceKind.MSK) == []  # MSK: IAM is Lambda's default, no type
    assert KafkaAuth.iam().access_configurations(SourceKind.MSK_SERVERLESS) == []


def test_web_identity_is_its_type_without_uri_then_the_audience():
    auth = KafkaAuth.iam_web_identity(audience="kafka-brokers")
    assert auth.mechanism is AuthMechanism.IAM_WEB_IDENTITY and auth.secret is None
    assert auth.audience == "kafka-brokers" and not auth.mechanism.uses_secret
    assert auth.access_configurations(SourceKind.SELF_MANAGED) == [
        ("IAM_OAUTHBEARER_AUTH", None),
        ("OAUTHBEARER_AUDIENCE", "kafka-brokers"),
    ]


@pytest.mark.parametrize("other", ["scope", "logical_cluster", "identity_pool"])
def test_web_identity_refuses_every_other_oauthbearer_type(other):
    with pytest.raises(ConfigError, match="supports only OAUTHBEARER_AUDIENCE") as err:
        KafkaAuth.iam_web_identity(audience="kafka-brokers", **{other: "x"})
    assert err.value.prop == f"KafkaAuth.iam_web_identity({other})"
    assert "KafkaAuth.oauth" in err.value.fix


def test_web_identity_needs_an_audience_of_the_api_shape():
    with pytest.raises(ConfigError, match="requires OAUTHBEARER_AUDIENCE") as err:
        KafkaAuth.iam_web_identity()
    assert err.value.prop == "KafkaAuth.iam_web_identity(audience)"
    with pytest.raises(ConfigError, match="1-200 characters"):
        KafkaAuth.iam_web_identity(audience="a" * 201)


def test_the_oauthbearer_rule_holds_however_the_auth_is_built():
    """The constructor and dataclasses.replace cannot get around the API's rule either."""
    with pytest.raises(ConfigError, match="supports only OAUTHBEARER_AUDIENCE"):
        KafkaAuth(
            AuthMechanism.IAM_WEB_IDENTITY,
            oauth_parameters=(("OAUTHBEARER_AUDIENCE", "a"), ("OAUTHBEARER_SCOPE", "s")),
        )
    with pytest.raises(ConfigError, match="require OAUTHBEARER_AUTH"):
        dataclasses.replace(KafkaAuth.iam(), oauth_parameters=(("OAUTHBEARER_AUDIENCE", "a"),))


def test_confluent_cloud_refuses_web_identity_because_it_needs_its_extensions():
    with pytest.raises(ConfigError, match="logical cluster and identity pool extensions") as err:
        KafkaCluster.confluent_cloud(
            ["pkc-1.us-east-1.aws.confluent.cloud:9092"], oauth=KafkaAuth.iam_web_identity(audience="a")
        )
    assert "KafkaAuth.oauth(secret" in err.value.fix


def test_cluster_arn_scopes_self_managed_iam_and_is_not_the_event_source():
    cluster = KafkaCluster.self_managed(["kafka.example.com:9098"], auth=KafkaAuth.iam(), cluster_arn=MSK_ARN)
    assert cluster.cluster_arn == MSK_ARN and cluster.event_source_arn is None
    assert cluster.bootstrap_servers == ("kafka.example.com:9098",)
    assert KafkaCluster.self_managed(["kafka.example.com:9098"], auth=KafkaAuth.iam()).cluster_arn is None


def test_cluster_arn_only_with_iam_and_only_an_msk_cluster_arn(secrets):
    with pytest.raises(ConfigError, match="scopes the kafka-cluster grants of IAM auth") as err:
        KafkaCluster.self_managed(SERVERS, auth=KafkaAuth.sasl_plain(secrets["plain"]), cluster_arn=MSK_ARN)
    assert err.value.prop == "cluster_arn"
    with pytest.raises(ConfigError, match="scopes the kafka-cluster grants"):
        KafkaCluster.self_managed(SERVERS, auth=KafkaAuth.iam_web_identity(audience="a"), cluster_arn=MSK_ARN)
    with pytest.raises(ConfigError, match="cluster/<name>/<uuid>"):
        KafkaCluster.self_managed(SERVERS, auth=KafkaAuth.iam(), cluster_arn=MSK_ARN.replace(":cluster/", ":topic/"))


def test_iam_and_web_identity_need_no_secret_and_may_be_public_or_add_a_root_ca(secrets):
    public = KafkaCluster.self_managed(SERVERS, auth=KafkaAuth.iam())
    assert not public.in_vpc and public.secrets == ()
    with_ca = KafkaCluster.self_managed(
        SERVERS, auth=KafkaAuth.iam_web_identity(audience="a"), root_ca_certificate=secrets["plain"]
    )
    assert with_ca.secrets == (secrets["plain"],)


def test_self_managed_iam_port_rules_come_from_the_servers_else_msk_iam_port():
    assert KafkaCluster.self_managed(["kafka.example.com:9098"], auth=KafkaAuth.iam()).broker_ports() == (9098,)
    token = cdk.Token.as_string({"Ref": "Servers"})
    assert KafkaCluster.self_managed([token], auth=KafkaAuth.iam()).broker_ports() == (9098,)
    web = KafkaCluster.self_managed([token], auth=KafkaAuth.iam_web_identity(audience="a"))
    assert web.broker_ports() == (9092,)  # no port is documented for web identity: Kafka's default


def test_iam_warnings_name_the_unscoped_grant_and_the_custom_domain_without_root_ca(secrets):
    custom = KafkaCluster.self_managed(["kafka.example.com:9098"], auth=KafkaAuth.iam())
    assert [w for w, _ in iam_warnings(custom)] == ["iam-any-cluster", "iam-root-ca"]
    msk_hosts = KafkaCluster.self_managed(
        ["b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"], auth=KafkaAuth.iam(), cluster_arn=MSK_ARN
    )
    assert iam_warnings(msk_hosts) == []
    with_ca = KafkaCluster.self_managed(
        ["kafka.example.com:9098"], auth=KafkaAuth.iam(), cluster_arn=MSK_ARN, root_ca_certificate=secrets["plain"]
    )
    assert iam_warnings(with_ca) == []


def test_refusal_texts_are_true():
    """No refusal may say IAM exists only on Amazon MSK, and only VIRTUAL_HOST (RabbitMQ) is left unwritten."""
    assert "only on Amazon MSK" not in " ".join(_AUTH_ADVICE.values())
    assert "KafkaAuth.iam()" in _AUTH_ADVICE[SourceKind.SELF_MANAGED]
    assert "iam_web_identity" in _AUTH_ADVICE[SourceKind.SELF_MANAGED]
    assert set(NOT_SUPPORTED_TYPES) == {"VIRTUAL_HOST"} and "RabbitMQ" in NOT_SUPPORTED_TYPES["VIRTUAL_HOST"]
