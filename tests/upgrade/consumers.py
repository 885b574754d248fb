"""The representative consumers whose logical ids and replacement-sensitive properties every release keeps.

One consumer per source kind and per property that could replace a mapping (event source by ARN and by construct,
self-managed endpoints, topics, explicit and default consumer groups, starting positions, queue mode), with the
stack's shared resources (key, failed-records and access-log buckets, alarm topic, dashboard), shared VPC
endpoints and a client grant. Deliberately separate from tests/configs.py: these definitions change only when a
user's code would change, so that what changes in the record is the library's doing.

`make upgrade-record` (at a release) writes their record to record.json; tests/upgrade/test_upgrade.py compares
every later synth with it.
"""

from __future__ import annotations

import sys
import tempfile
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_msk_alpha as msk_alpha
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns

import constructs_kafka_lambda
from constructs_kafka_lambda import (
    ConsumptionMode,
    FailureDestination,
    KafkaAuth,
    KafkaCluster,
    KafkaLambdaConsumer,
    ProvisionedPollers,
)
from constructs_kafka_lambda.upgrade import MAPPING_REPLACEMENT_PROPERTIES, MAPPING_TYPE, record_assembly, write_record

from support import ENV, FIXTURE, MSK_ARN, fixture_scope, function

RECORD = Path(__file__).with_name("record.json")
STACK = "Upgrade"
VPC_CONNECTION_ARN = (
    "arn:aws:kafka:us-east-1:111111111111:vpc-connection/222222222222/orders/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-3"
)
OWNER_CLUSTER_ARN = "arn:aws:kafka:us-east-1:222222222222:cluster/orders/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-3"


def build(stack: cdk.Stack) -> None:
    scope = fixture_scope(stack)
    vpc = ec2.Vpc(scope, "Vpc", max_azs=2, nat_gateways=0)
    key = kms.Key(scope, "SecretsKey", enable_key_rotation=True)
    isolated = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)

    # MSK by ARN, IAM, explicit group, filter, window: the default S3 destination and the stack's shared resources.
    msk = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam())
    KafkaLambdaConsumer(
        stack,
        "MskIam",
        cluster=msk,
        topic="fleet-telemetry",
        function=function(stack, "MskIamFn"),
        max_batching_window=Duration.seconds(1),
        consumer_group_id="fleet-telemetry-alerts",
        filters=[{"value": {"tire_pressure": [{"numeric": ["<", 32]}]}}],
    )
    # MSK by construct, SCRAM, provisioned, SQS destination: the event source as a token.
    cluster = msk_alpha.Cluster(
        scope,
        "ScramCluster",
        cluster_name="orders",
        kafka_version=msk_alpha.KafkaVersion.V3_6_0,
        vpc=vpc,
        client_authentication=msk_alpha.ClientAuthentication.sasl(scram=True),
    )
    scram = secretsmanager.Secret(scope, "ScramSecret", secret_name="AmazonMSK_orders_billing", encryption_key=key)
    KafkaLambdaConsumer(
        stack,
        "MskScram",
        cluster=KafkaCluster.msk(cluster, auth=KafkaAuth.scram_sha_512(scram), vpc=vpc),
        topic="orders",
        function=function(stack, "MskScramFn"),
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=10),
        on_failure=FailureDestination.sqs(),
        report_batch_item_failures=True,
    )
    # MSK Serverless in isolated subnets, on-demand, default group, LATEST: the shared VPC endpoints.
    serverless = msk_alpha.ServerlessCluster(scope, "Serverless", vpc_configs=[msk_alpha.VpcConfig(vpc=vpc)])
    KafkaLambdaConsumer(
        stack,
        "Serverless",
        cluster=KafkaCluster.msk_serverless(serverless, vpc=vpc),
        topic="clicks",
        function=function(stack, "ServerlessFn"),
        starting_position=lambda_.StartingPosition.LATEST,
        on_failure=FailureDestination.sns(sns.Topic(scope, "Failures", master_key=key, enforce_ssl=True)),
    )
    # Self-managed in a VPC: endpoints, root CA, AT_TIMESTAMP.
    brokers = ec2.SecurityGroup(scope, "BrokerSg", vpc=vpc, allow_all_outbound=False)
    KafkaLambdaConsumer(
        stack,
        "SelfManaged",
        cluster=KafkaCluster.self_managed(
            ["b-1.kafka.internal:9096", "b-2.kafka.internal:9096"],
            auth=KafkaAuth.scram_sha_256(secretsmanager.Secret(scope, "Scram256", encryption_key=key)),
            root_ca_certificate=secretsmanager.Secret.from_secret_name_v2(scope, "RootCa", "kafka/root-ca"),
            vpc=vpc,
            subnets=isolated,
            security_groups=[brokers],
        ),
        topic="payments",
        function=function(stack, "SelfManagedFn"),
        starting_position=lambda_.StartingPosition.AT_TIMESTAMP,
        starting_position_timestamp=1_700_000_000,
    )
    # Confluent Cloud, public, provisioned, kafka:// destination.
    api_key = secretsmanager.Secret.from_secret_complete_arn(
        scope, "ApiKey", "arn:aws:secretsmanager:us-east-1:111111111111:secret:confluent/api-key-AbCdEf"
    )
    KafkaLambdaConsumer(
        stack,
        "Confluent",
        cluster=KafkaCluster.confluent_cloud(["pkc-12345.us-east-1.aws.confluent.cloud:9092"], api_key=api_key),
        topic="user_trades",
        function=function(stack, "ConfluentFn"),
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=5),
        on_failure=FailureDestination.kafka_topic("user_trades-failed"),
    )
    # Queue mode (its own logical id), explicit share group.
    queue_brokers = ec2.SecurityGroup(scope, "QueueBrokerSg", vpc=vpc, allow_all_outbound=False)
    KafkaLambdaConsumer(
        stack,
        "QueueMode",
        cluster=KafkaCluster.self_managed(
            ["b-1.queue.internal:9096"],
            auth=KafkaAuth.sasl_plain(secretsmanager.Secret(scope, "QueuePlain", encryption_key=key)),
            vpc=vpc,
            subnets=isolated,
            security_groups=[queue_brokers],
        ),
        topic="work-items",
        function=function(stack, "QueueModeFn"),
        consumer_group_id="work-items-share",
        consumption_mode=ConsumptionMode.QUEUE,
    )
    # Cross-account MSK through a VPC connection.
    connection = ec2.SecurityGroup(scope, "VpcConnectionSg", vpc=vpc, allow_all_outbound=False)
    KafkaLambdaConsumer(
        stack,
        "CrossAccount",
        cluster=KafkaCluster.msk_cross_account(
            VPC_CONNECTION_ARN,
            cluster_arn=OWNER_CLUSTER_ARN,
            auth=KafkaAuth.iam(),
            vpc=vpc,
            subnets=isolated,
            security_groups=[connection],
        ),
        topic="orders",
        function=function(stack, "CrossAccountFn"),
        consumer_group_id="orders-from-222222222222",
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=4),
    )
    # A producer's grant: its policy's logical id.
    producer = iam.Role(stack, "Producer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    msk.grant_produce(producer, "fleet-telemetry")


@cache
def _schema_create_only() -> dict[str, tuple[str, ...]]:
    """createOnlyProperties of every resource type, from the CloudFormation schemas cfn-lint ships (dotted)."""
    import json

    schemas = importlib_resources.files("cfnlint.data.schemas")
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    found: dict[str, tuple[str, ...]] = {}
    for resource_type, name in index.items():
        schema = json.loads((schemas / "resources" / f"{name}.json").read_text())
        paths = schema.get("createOnlyProperties") or []
        found[resource_type] = tuple(p.removeprefix("/properties/").replace("/", ".") for p in paths)
    return found


def schema_create_only(resource_type: str) -> tuple[str, ...]:
    return _schema_create_only().get(resource_type, ())


def replacement_properties(resource_type: str) -> tuple[str, ...]:
    """A mapping's list (the library's, which covers the schema's) and every other type's schema create-only."""
    if resource_type == MAPPING_TYPE:
        return MAPPING_REPLACEMENT_PROPERTIES
    return schema_create_only(resource_type)


def current_record() -> dict[str, Any]:
    """Synthesize the consumers and record every resource the library created (fixtures under "Fixture" left out)."""
    outdir = tempfile.mkdtemp(prefix="ckl-upgrade-")
    # path metadata on, as `cdk synth` sets it: a record names each resource's construct path
    context = {"aws:cdk:bundling-stacks": [], "aws:cdk:enable-path-metadata": True}
    app = cdk.App(context=context, outdir=outdir)
    build(cdk.Stack(app, STACK, env=ENV))
    app.synth()
    record = record_assembly(outdir, replacement_properties=replacement_properties, types=None)
    for stack, entries in record["stacks"].items():
        record["stacks"][stack] = {
            logical_id: entry
            for logical_id, entry in entries.items()
            if f"/{FIXTURE}/" not in (entry.get("path") or f"/{FIXTURE}/")  # no path: CDK's own (e.g. CDKMetadata)
        }
    return record


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m upgrade.consumers --write   (from tests/; or make upgrade-record)")
    record = current_record()
    write_record(record, RECORD)
    print(f"{sum(map(len, record['stacks'].values()))} resources of {constructs_kafka_lambda.__version__} -> {RECORD}")
