"""Representative valid configurations, one or more per source kind, shared by the IAM, template and nag tests.

Each builder takes a stack and adds one consumer (and the fixtures it needs under "Fixture"). REPRESENTATIVE holds
one per source kind (a stack each); NEW_KINDS one per late-2026 feature (schema registries, queue mode, Confluent
OAuth, cross-account MSK, poller groups), built together into one stack, since each only adds one consumer.
"""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_msk_alpha as msk_alpha
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_kafka_lambda import (
    ConsumptionMode,
    FailureDestination,
    KafkaAuth,
    KafkaCluster,
    KafkaLambdaConsumer,
    ProvisionedPollers,
    SchemaRegistry,
)

from support import MSK_ARN, fixture_scope, function

Builder = Callable[[cdk.Stack], KafkaLambdaConsumer]


def _vpc(stack: cdk.Stack) -> ec2.Vpc:
    found = fixture_scope(stack).node.try_find_child("Vpc")
    if isinstance(found, ec2.Vpc):
        return found
    return ec2.Vpc(fixture_scope(stack), "Vpc", max_azs=2, nat_gateways=0)


def _key(stack: cdk.Stack) -> kms.Key:
    found = fixture_scope(stack).node.try_find_child("SecretsKey")
    if isinstance(found, kms.Key):
        return found
    return kms.Key(fixture_scope(stack), "SecretsKey", enable_key_rotation=True)


def msk_iam(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """MSK provisioned by ARN, IAM auth, filter, batching window, default S3 destination, consumer group."""
    return KafkaLambdaConsumer(
        stack,
        "MskIam",
        cluster=KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()),
        topic="fleet-telemetry",
        function=function(stack, "MskIamFn"),
        batch_size=200,
        max_batching_window=Duration.seconds(1),
        consumer_group_id="fleet-telemetry-alerts",
        filters=[{"value": {"tire_pressure": [{"numeric": ["<", 32]}]}}],
    )


def msk_scram_construct(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """An aws_msk_alpha cluster with SCRAM, an AmazonMSK_ secret on a CMK, provisioned mode, SQS destination."""
    scope = fixture_scope(stack)
    cluster = msk_alpha.Cluster(
        scope,
        "ScramCluster",
        cluster_name="orders",
        kafka_version=msk_alpha.KafkaVersion.V3_6_0,
        vpc=_vpc(stack),
        client_authentication=msk_alpha.ClientAuthentication.sasl(scram=True),
    )
    secret = secretsmanager.Secret(
        scope, "ScramSecret", secret_name="AmazonMSK_orders_billing", encryption_key=_key(stack)
    )
    return KafkaLambdaConsumer(
        stack,
        "MskScram",
        cluster=KafkaCluster.msk(cluster, auth=KafkaAuth.scram_sha_512(secret), vpc=_vpc(stack)),
        topic="orders",
        function=function(stack, "MskScramFn"),
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=10),
        on_failure=FailureDestination.sqs(),
        retry_attempts=5,
        bisect_batch_on_error=True,
        report_batch_item_failures=True,
    )


def msk_serverless(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """An aws_msk_alpha ServerlessCluster (IAM only), default group (the /* case), SNS destination with a CMK."""
    scope = fixture_scope(stack)
    cluster = msk_alpha.ServerlessCluster(scope, "Serverless", vpc_configs=[msk_alpha.VpcConfig(vpc=_vpc(stack))])
    topic = sns.Topic(scope, "Failures", master_key=_key(stack), enforce_ssl=True)
    return KafkaLambdaConsumer(
        stack,
        "Serverless",
        cluster=KafkaCluster.msk_serverless(cluster, vpc=_vpc(stack)),
        topic="clicks",
        function=function(stack, "ServerlessFn"),
        on_failure=FailureDestination.sns(topic),
    )


def self_managed_vpc(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """Self-managed brokers in a VPC, SCRAM-256, a private root CA, AT_TIMESTAMP start."""
    scope = fixture_scope(stack)
    vpc = _vpc(stack)
    group = ec2.SecurityGroup(scope, "BrokerSg", vpc=vpc, allow_all_outbound=False)
    credentials = secretsmanager.Secret(scope, "Scram256", encryption_key=_key(stack))
    root_ca = secretsmanager.Secret.from_secret_name_v2(scope, "RootCa", "kafka/root-ca")
    return KafkaLambdaConsumer(
        stack,
        "SelfManaged",
        cluster=KafkaCluster.self_managed(
            ["b-1.kafka.internal:9096", "b-2.kafka.internal:9096"],
            auth=KafkaAuth.scram_sha_256(credentials),
            root_ca_certificate=root_ca,
            vpc=vpc,
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[group],
        ),
        topic="payments",
        function=function(stack, "SelfManagedFn"),
        starting_position=cdk.aws_lambda.StartingPosition.AT_TIMESTAMP,
        starting_position_timestamp=1_700_000_000,
    )


def confluent_cloud(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """Confluent Cloud over its public endpoint: SASL/PLAIN API key, provisioned mode, kafka:// destination."""
    api_key = secretsmanager.Secret.from_secret_complete_arn(
        fixture_scope(stack),
        "ApiKey",
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:confluent/api-key-AbCdEf",
    )
    return KafkaLambdaConsumer(
        stack,
        "Confluent",
        cluster=KafkaCluster.confluent_cloud(["pkc-12345.us-east-1.aws.confluent.cloud:9092"], api_key=api_key),
        topic="user_trades",
        function=function(stack, "ConfluentFn"),
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=5),
        on_failure=FailureDestination.kafka_topic("user_trades-failed"),
    )


def sqs_own_queue(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """A user's KMS-encrypted queue as the destination."""
    queue = sqs.Queue(fixture_scope(stack), "OwnQueue", encryption_master_key=_key(stack), enforce_ssl=True)
    return KafkaLambdaConsumer(
        stack,
        "OwnQueueConsumer",
        cluster=KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()),
        topic="audit-log",
        function=function(stack, "OwnQueueFn"),
        on_failure=FailureDestination.sqs(queue),
    )


REPRESENTATIVE: dict[str, Builder] = {
    "msk_iam": msk_iam,
    "msk_scram_construct": msk_scram_construct,
    "msk_serverless": msk_serverless,
    "self_managed_vpc": self_managed_vpc,
    "confluent_cloud": confluent_cloud,
}


# ------------------------------------------------------------------------------------------- late-2026 kinds
GLUE_REGISTRY_ARN = "arn:aws:glue:us-east-1:111111111111:registry/fleet-schemas"
CONFLUENT_REGISTRY_URL = "https://psrc-12345.us-east-1.aws.confluent.cloud"
# A VPC connection in this account (111111111111) to a cluster of account 222222222222 (MSK multi-VPC connectivity).
VPC_CONNECTION_ARN = (
    "arn:aws:kafka:us-east-1:111111111111:vpc-connection/222222222222/orders/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-3"
)
OWNER_CLUSTER_ARN = "arn:aws:kafka:us-east-1:222222222222:cluster/orders/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-3"
POLLER_GROUP = "fleet-pollers"


def _secret(stack: cdk.Stack, name: str) -> secretsmanager.Secret:
    """A secret on the fixtures' customer-managed key (so the grants must include kms:Decrypt on it)."""
    return secretsmanager.Secret(fixture_scope(stack), name, encryption_key=_key(stack))


def glue_registry(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """MSK IAM, provisioned, records validated (key and value) against a Glue registry and passed on as SOURCE."""
    return KafkaLambdaConsumer(
        stack,
        "GlueRegistry",
        cluster=KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()),
        topic="fleet-telemetry-avro",
        function=function(stack, "GlueRegistryFn"),
        consumer_group_id="fleet-telemetry-avro",
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=4),
        schema_registry=SchemaRegistry.glue(GLUE_REGISTRY_ARN, record_format="SOURCE", validate=("KEY", "VALUE")),
    )


def confluent_registry(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """Public self-managed brokers (SASL/SCRAM-512), provisioned, values decoded to JSON by a Confluent registry
    reached with basic auth and a private root CA (two access configurations together)."""
    root_ca = secretsmanager.Secret.from_secret_name_v2(fixture_scope(stack), "RegistryRootCa", "registry/root-ca")
    return KafkaLambdaConsumer(
        stack,
        "ConfluentRegistry",
        cluster=KafkaCluster.self_managed(
            ["broker-1.kafka.example.com:9096"], auth=KafkaAuth.scram_sha_512(_secret(stack, "BrokerScram"))
        ),
        topic="user_trades",
        function=function(stack, "ConfluentRegistryFn"),
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=2),
        schema_registry=SchemaRegistry.confluent(
            CONFLUENT_REGISTRY_URL,
            basic_auth=_secret(stack, "RegistryBasicAuth"),
            root_ca_certificate=root_ca,
            record_format="JSON",
            validate=("VALUE",),
        ),
    )


def queue_self_managed(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """Self-managed Kafka >= 4.2 in a VPC read through a share group (queue mode), on-demand, SASL/PLAIN."""
    scope = fixture_scope(stack)
    vpc = _vpc(stack)
    group = ec2.SecurityGroup(scope, "QueueBrokerSg", vpc=vpc, allow_all_outbound=False)
    return KafkaLambdaConsumer(
        stack,
        "QueueMode",
        cluster=KafkaCluster.self_managed(
            ["b-1.queue.internal:9096", "b-2.queue.internal:9096"],
            auth=KafkaAuth.sasl_plain(_secret(stack, "QueuePlain")),
            vpc=vpc,
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[group],
        ),
        topic="work-items",
        function=function(stack, "QueueModeFn"),
        consumer_group_id="work-items-share",
        consumption_mode=ConsumptionMode.QUEUE,
    )


def confluent_oauth(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """Confluent Cloud with OAuth (client credentials secret, scope, logical cluster, identity pool), provisioned."""
    oauth = KafkaAuth.oauth(
        _secret(stack, "ConfluentOAuth"), scope="kafka", logical_cluster="lkc-abc12", identity_pool="pool-AbC1"
    )
    return KafkaLambdaConsumer(
        stack,
        "ConfluentOAuth",
        cluster=KafkaCluster.confluent_cloud(["pkc-67890.us-east-1.aws.confluent.cloud:9092"], oauth=oauth),
        topic="payments",
        function=function(stack, "ConfluentOAuthFn"),
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=3),
    )


def msk_cross_account(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """An MSK cluster of another account, IAM auth, read through a VPC connection in this one, provisioned."""
    scope = fixture_scope(stack)
    group = ec2.SecurityGroup(scope, "VpcConnectionSg", vpc=_vpc(stack), allow_all_outbound=False)
    return KafkaLambdaConsumer(
        stack,
        "CrossAccount",
        cluster=KafkaCluster.msk_cross_account(
            VPC_CONNECTION_ARN,
            cluster_arn=OWNER_CLUSTER_ARN,
            auth=KafkaAuth.iam(),
            vpc=_vpc(stack),
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[group],
        ),
        topic="orders",
        function=function(stack, "CrossAccountFn"),
        consumer_group_id="orders-from-222222222222",
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=4),
    )


def poller_group(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """Two MSK IAM consumers sharing one poller group; returns the second (the first is PollerGroupFirst)."""
    cluster = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam())
    consumers = [
        KafkaLambdaConsumer(
            stack,
            f"PollerGroup{name}",
            cluster=cluster,
            topic=topic,
            function=function(stack, f"PollerGroup{name}Fn"),
            consumer_group_id=topic,
            provisioned_pollers=ProvisionedPollers(minimum=1, maximum=maximum, group_name=POLLER_GROUP),
        )
        for name, topic, maximum in (("First", "clicks-eu", 6), ("Second", "clicks-us", 10))
    ]
    return consumers[-1]


# MSK brokers reached as self-managed Kafka through names of one's own (Lambda guide, kafka-cluster-auth, "IAM
# authentication"), and brokers that trust AWS web identity tokens ("IAM authentication with SASL/OAUTHBEARER").
SELF_MANAGED_IAM_SERVERS = ["kafka-1.streaming.example.com:9098", "kafka-2.streaming.example.com:9098"]
WEB_IDENTITY_AUDIENCE = "https://kafka.streaming.example.com"


def self_managed_iam(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """IAM_AUTH on an MSK cluster behind a custom domain (root CA given), in a VPC, grants scoped to its ARN,
    provisioned with a kafka:// destination (written with the same IAM auth)."""
    scope = fixture_scope(stack)
    group = ec2.SecurityGroup(scope, "IamBrokerSg", vpc=_vpc(stack), allow_all_outbound=False)
    root_ca = secretsmanager.Secret.from_secret_name_v2(scope, "IamRootCa", "streaming/root-ca")
    return KafkaLambdaConsumer(
        stack,
        "SelfManagedIam",
        cluster=KafkaCluster.self_managed(
            SELF_MANAGED_IAM_SERVERS,
            auth=KafkaAuth.iam(),
            cluster_arn=MSK_ARN,
            root_ca_certificate=root_ca,
            vpc=_vpc(stack),
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[group],
        ),
        topic="shipments",
        function=function(stack, "SelfManagedIamFn"),
        consumer_group_id="shipments-billing",
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=2),
        on_failure=FailureDestination.kafka_topic("shipments-failed"),
    )


def self_managed_iam_any_cluster(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """IAM_AUTH without cluster_arn: public MSK broker names, the any-cluster grants and their acknowledgement."""
    return KafkaLambdaConsumer(
        stack,
        "SelfManagedIamAny",
        cluster=KafkaCluster.self_managed(
            ["b-1-public.shipments.a1b2c3.c2.kafka.us-east-1.amazonaws.com:9198"], auth=KafkaAuth.iam()
        ),
        topic="shipments-public",
        function=function(stack, "SelfManagedIamAnyFn"),
    )


def self_managed_web_identity(stack: cdk.Stack) -> KafkaLambdaConsumer:
    """IAM_OAUTHBEARER_AUTH + OAUTHBEARER_AUDIENCE, brokers in a VPC, on-demand (Lambda and STS endpoints)."""
    scope = fixture_scope(stack)
    group = ec2.SecurityGroup(scope, "WebIdentityBrokerSg", vpc=_vpc(stack), allow_all_outbound=False)
    return KafkaLambdaConsumer(
        stack,
        "WebIdentity",
        cluster=KafkaCluster.self_managed(
            ["kafka-1.oidc.example.com:9096"],
            auth=KafkaAuth.iam_web_identity(audience=WEB_IDENTITY_AUDIENCE),
            vpc=_vpc(stack),
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[group],
        ),
        topic="telemetry",
        function=function(stack, "WebIdentityFn"),
        consumer_group_id="telemetry-oidc",
    )


NEW_KINDS: dict[str, Builder] = {
    "glue_registry": glue_registry,
    "confluent_registry": confluent_registry,
    "queue_self_managed": queue_self_managed,
    "confluent_oauth": confluent_oauth,
    "msk_cross_account": msk_cross_account,
    "poller_group": poller_group,
    "self_managed_iam": self_managed_iam,
    "self_managed_iam_any_cluster": self_managed_iam_any_cluster,
    "self_managed_web_identity": self_managed_web_identity,
}


# ------------------------------------------------------------------------------------------------ client grants
GRANTEES = "Grantees"  # not under "Fixture": the grant policies are created under their grantee, and are the library's


def client_grants(stack: cdk.Stack) -> dict[str, iam.ManagedPolicy]:
    """cluster.grant_produce / grant_consume for the clients around consumers, one role each (under "Grantees")."""
    scope = Construct(stack, GRANTEES)

    def role(name: str) -> iam.Role:
        return iam.Role(scope, name, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))

    iam_cluster = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam())
    scram_secret = secretsmanager.Secret(
        fixture_scope(stack), "ProducerScram", secret_name="AmazonMSK_orders_producer", encryption_key=_key(stack)
    )
    scram_cluster = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.scram_sha_512(scram_secret))
    cross_account = KafkaCluster.msk_cross_account(
        VPC_CONNECTION_ARN, cluster_arn=OWNER_CLUSTER_ARN, auth=KafkaAuth.iam()
    )
    api_key = secretsmanager.Secret.from_secret_name_v2(fixture_scope(stack), "ProducerApiKey", "confluent/producer")
    confluent = KafkaCluster.confluent_cloud(["pkc-12345.us-east-1.aws.confluent.cloud:9092"], api_key=api_key)
    self_managed_iam = KafkaCluster.self_managed(SELF_MANAGED_IAM_SERVERS, auth=KafkaAuth.iam(), cluster_arn=MSK_ARN)
    web_identity = KafkaCluster.self_managed(
        ["kafka-1.oidc.example.com:9096"], auth=KafkaAuth.iam_web_identity(audience=WEB_IDENTITY_AUDIENCE)
    )
    found = {
        "produce_idempotent": iam_cluster.grant_produce(role("Producer"), "orders"),
        "produce_plain": iam_cluster.grant_produce(role("PlainProducer"), "orders", idempotent=False),
        "consume": iam_cluster.grant_consume(role("Reader"), "orders", consumer_group_id="orders-audit"),
        "produce_scram": scram_cluster.grant_produce(role("ScramProducer"), "orders"),
        "consume_cross_account": cross_account.grant_consume(
            role("CrossAccountReader"), "orders", consumer_group_id="orders-audit"
        ),
        "produce_confluent": confluent.grant_produce(role("ConfluentProducer"), "trade-settlements"),
        "produce_self_managed_iam": self_managed_iam.grant_produce(role("SelfManagedIamProducer"), "orders"),
        "consume_web_identity": web_identity.grant_consume(
            role("WebIdentityReader"), "orders", consumer_group_id="orders-audit"
        ),
    }
    missing = [name for name, policy in found.items() if policy is None]
    assert not missing, f"no policy for {missing}"
    return {name: policy for name, policy in found.items() if policy is not None}
