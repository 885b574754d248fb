"""Representative valid configurations, one or more per source kind, shared by the IAM, template and nag tests.

Each builder takes a stack and adds one consumer (and the fixtures it needs under "Fixture").
"""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_msk_alpha as msk_alpha
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from constructs_kafka_lambda import (
    FailureDestination,
    KafkaAuth,
    KafkaCluster,
    KafkaLambdaConsumer,
    ProvisionedPollers,
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
