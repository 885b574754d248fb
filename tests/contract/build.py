"""Build a `Config` with the public API (imported from the package root only), under one scope of a shared stack.

What the test itself needs (functions, VPCs, secrets, clusters, parameters) lives under a child named "Fixture" of
the example's scope, or of the stack for fixtures shared by many examples, so that findings on them are not the
library's.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_msk as msk
from aws_cdk import aws_s3 as s3
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
    Monitoring,
    NetworkAccess,
    ProvisionedPollers,
    SchemaRegistry,
)

from .config import Config, DestSpec, Dur, MskClusterSpec, RegistrySpec, SecretSpec, SourceSpec, Tok, VpcSpec
from .expected import group_id, subnet_id

FIXTURE = "Fixture"
AZS = ("us-east-1a", "us-east-1b", "us-east-1c")


class Fixtures:
    """The test's own resources in one stack: shared ones made once, per-example ones under the example's scope."""

    def __init__(self, stack: cdk.Stack) -> None:
        self.stack = stack
        self.shared = Construct(stack, FIXTURE)
        self._cache: dict[Any, Any] = {}

    def once(self, key: Any, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def vpc(self, spec: VpcSpec) -> ec2.IVpc:
        azs = AZS[: spec.azs]
        return self.once(
            ("vpc", spec.subnets, spec.azs, spec.route_tables),
            lambda: ec2.Vpc.from_vpc_attributes(
                self.shared,
                f"Vpc{spec.subnets}x{spec.azs}{'' if spec.route_tables else 'NoRoutes'}",
                vpc_id=f"vpc-{spec.subnets:02d}{spec.azs}{int(spec.route_tables)}0123456789ab",
                availability_zones=list(azs),
                private_subnet_ids=[subnet_id(i) for i in range(spec.subnets)],
                private_subnet_route_table_ids=[f"rtb-{i:017x}" for i in range(spec.subnets)]
                if spec.route_tables
                else None,
            ),
        )

    def groups(self, count: int) -> list[ec2.ISecurityGroup]:
        return [
            self.once(
                ("sg", i),
                lambda i=i: ec2.SecurityGroup.from_security_group_id(
                    self.shared, f"Sg{i}", group_id(i), allow_all_outbound=False
                ),
            )
            for i in range(count)
        ]

    def key(self) -> kms.IKey:
        return self.once("key", lambda: kms.Key(self.shared, "Key", enable_key_rotation=True))

    def bucket(self) -> s3.IBucket:
        return self.once("bucket", lambda: s3.Bucket.from_bucket_name(self.shared, "Bucket", "failed-records-x"))

    def queue(self) -> sqs.IQueue:
        return self.once(
            "queue",
            lambda: sqs.Queue.from_queue_arn(self.shared, "Queue", "arn:aws:sqs:us-east-1:111111111111:failed"),
        )

    def topic(self) -> sns.ITopic:
        return self.once(
            "topic",
            lambda: sns.Topic.from_topic_arn(self.shared, "Topic", "arn:aws:sns:us-east-1:111111111111:failed"),
        )


class Example:
    """One example's scope: its fixtures and parameters live under its own Fixture child."""

    def __init__(self, scope: Construct, fixtures: Fixtures) -> None:
        self.scope = scope
        self.fixtures = fixtures
        self.own = Construct(scope, FIXTURE)
        self._count = 0

    def _id(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def value(self, value: Any) -> Any:
        """A Tok becomes a CloudFormation parameter with its default; anything else is passed as is."""
        if not isinstance(value, Tok):
            return value
        default = ",".join(value.default) if value.kind == "CommaDelimitedList" else value.default
        kind = "String" if value.kind == "Resolvable" else value.kind
        parameter = cdk.CfnParameter(self.own, self._id("P"), type=kind, default=default)
        if value.kind == "Resolvable":
            return cdk.Token.as_any(parameter.value_as_string)
        if value.kind == "Number":
            return parameter.value_as_number
        return parameter.value_as_list if value.kind == "CommaDelimitedList" else parameter.value_as_string

    def deep(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {key: self.deep(item) for key, item in node.items()}
        if isinstance(node, list | tuple):
            return [self.deep(item) for item in node]
        return self.value(node)

    def duration(self, spec: Dur | int | None) -> Any:
        if spec is None or isinstance(spec, int):
            return spec
        return getattr(Duration, spec.unit)(self.value(spec.amount))

    def secret(self, spec: SecretSpec | None) -> secretsmanager.ISecret | None:
        if spec is None:
            return None
        if spec.in_stack:
            key = self.fixtures.key() if spec.with_key else None
            return secretsmanager.Secret(self.own, self._id("Secret"), secret_name=spec.name, encryption_key=key)
        return secretsmanager.Secret.from_secret_complete_arn(self.own, self._id("Secret"), spec.arn)

    def function(self, timeout: int | None) -> lambda_.IFunction:
        """A function shared by the stack's examples with this timeout (as consumers of one function would be)."""
        return self.fixtures.once(
            ("function", timeout),
            lambda: lambda_.Function(
                self.fixtures.shared,
                f"Fn{timeout}",
                runtime=lambda_.Runtime.PYTHON_3_13,
                handler="index.handler",
                code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
                timeout=Duration.seconds(timeout) if timeout is not None else None,
            ),
        )


def build(scope: Construct, config: Config, fixtures: Fixtures) -> KafkaLambdaConsumer:
    """Construct the consumer `config` describes, through the public API only."""
    ex = Example(scope, fixtures)
    kwargs: dict[str, Any] = {
        "cluster": cluster(ex, config.source),
        "topic": ex.value(config.topic),
        "function": ex.function(config.function_timeout),
    }
    optional: dict[str, Any] = {
        "batch_size": ex.value(config.batch_size),
        "max_batching_window": ex.duration(config.window),
        "starting_position": getattr(lambda_.StartingPosition, config.starting_position or "", None),
        "starting_position_timestamp": ex.value(config.timestamp),
        "consumer_group_id": ex.value(config.consumer_group),
        "filters": ex.deep(config.filters) if config.filters is not None else None,
        "retry_attempts": ex.value(config.retry_attempts),
        "max_record_age": ex.duration(config.max_record_age),
        "bisect_batch_on_error": config.bisect,
        "report_batch_item_failures": config.report,
        "enabled": config.enabled,
        "mapping_metrics": config.mapping_metrics,
        "log_level": getattr(lambda_.EventSourceMappingLogLevel, config.log_level or "", None),
        "monitoring": Monitoring(alarms=False, dashboard=False) if config.monitoring == "off" else None,
        "filter_encryption": fixtures.key() if config.filter_encryption else None,
    }
    if config.network_access is not None:
        optional["network_access"] = getattr(NetworkAccess, config.network_access)()
    if config.pollers is not None:
        p = config.pollers
        given = {"minimum": p.minimum, "maximum": p.maximum, "group_name": p.group_name}
        optional["provisioned_pollers"] = ProvisionedPollers(
            **{k: ex.value(v) for k, v in given.items() if v is not None}
        )
    if config.on_failure.kind != "default":
        optional["on_failure"] = destination(ex, config.on_failure)
    if config.schema_registry is not None:
        optional["schema_registry"] = registry(ex, config.schema_registry)
    if config.consumption_mode is not None:
        optional["consumption_mode"] = getattr(ConsumptionMode, config.consumption_mode)
    kwargs.update({k: v for k, v in optional.items() if v is not None})
    return KafkaLambdaConsumer(scope, "Consumer", **kwargs)


def destination(ex: Example, spec: DestSpec) -> FailureDestination:
    kind = spec.kind
    if kind == "s3":
        return FailureDestination.s3()
    if kind == "s3_own":
        return FailureDestination.s3(ex.fixtures.bucket())
    if kind == "sqs":
        return FailureDestination.sqs()
    if kind == "sqs_own":
        return FailureDestination.sqs(ex.fixtures.queue())
    if kind == "sns":
        return FailureDestination.sns(ex.fixtures.topic())
    if kind == "kafka":
        return FailureDestination.kafka_topic(ex.value(spec.kafka_topic))
    assert kind == "none"
    return FailureDestination.none(spec.reason)  # type: ignore[arg-type]


def auth(ex: Example, source: SourceSpec) -> KafkaAuth | None:
    spec = source.auth
    if spec is None:
        return None
    if spec.mechanism == "iam":
        return KafkaAuth.iam()
    if spec.mechanism == "unauthenticated":
        return KafkaAuth.unauthenticated(tls=spec.tls)
    if spec.mechanism == "oauth":
        return KafkaAuth.oauth(ex.secret(spec.secret), **{k: ex.value(v) for k, v in spec.oauth})  # type: ignore[arg-type]
    if spec.mechanism == "iam_web_identity":
        return KafkaAuth.iam_web_identity(**{k: ex.value(v) for k, v in spec.oauth})
    return getattr(KafkaAuth, spec.mechanism)(ex.secret(spec.secret))


def cluster(ex: Example, source: SourceSpec) -> KafkaCluster:
    vpc_args: dict[str, Any] = {}
    if source.vpc is not None:
        spec = source.vpc
        if spec.give_vpc:
            vpc_args["vpc"] = ex.fixtures.vpc(spec)
        if spec.give_subnets:
            vpc_args["subnets"] = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        if spec.groups:
            vpc_args["security_groups"] = ex.fixtures.groups(spec.groups)
    if source.kind == "msk":
        ref = msk_cluster(ex, source.cluster) if source.cluster is not None else ex.value(source.arn)
        return KafkaCluster.msk(ref, auth=auth(ex, source), **vpc_args)  # type: ignore[arg-type]
    if source.kind == "msk_serverless":
        return KafkaCluster.msk_serverless(ex.value(source.arn), auth=auth(ex, source), **vpc_args)
    if source.kind == "msk_cross_account":
        return KafkaCluster.msk_cross_account(
            source.vpc_connection_arn,  # type: ignore[arg-type]
            cluster_arn=ex.value(source.arn),
            auth=auth(ex, source),  # type: ignore[arg-type]
            **vpc_args,
        )
    servers = ex.value(source.servers) if isinstance(source.servers, Tok) else [ex.value(s) for s in source.servers]
    if source.kind == "self_managed":
        if source.arn is not None:
            vpc_args["cluster_arn"] = ex.value(source.arn)
        return KafkaCluster.self_managed(
            servers, auth=auth(ex, source), root_ca_certificate=ex.secret(source.root_ca), **vpc_args
        )  # type: ignore[arg-type]
    return KafkaCluster.confluent_cloud(
        servers,  # type: ignore[arg-type]
        api_key=ex.secret(source.api_key),
        oauth=auth(ex, source),
        **vpc_args,
    )


def registry(ex: Example, spec: RegistrySpec) -> SchemaRegistry:
    if spec.kind == "glue":
        return SchemaRegistry.glue(spec.uri, record_format=spec.record_format, validate=spec.validate)
    secrets = {name: ex.secret(secret) for name, secret in spec.access}
    return SchemaRegistry.confluent(spec.uri, record_format=spec.record_format, validate=spec.validate, **secrets)


def msk_cluster(ex: Example, spec: MskClusterSpec) -> msk.CfnCluster:
    """An L1 MSK cluster whose client authentication and in-transit encryption the library reads."""
    enabled = spec.enabled
    client_auth = None
    if enabled:
        client_auth = msk.CfnCluster.ClientAuthenticationProperty(
            sasl=msk.CfnCluster.SaslProperty(
                iam=msk.CfnCluster.IamProperty(enabled="iam" in enabled),
                scram=msk.CfnCluster.ScramProperty(enabled="scram_sha_512" in enabled),
            ),
            tls=msk.CfnCluster.TlsProperty(enabled="mutual_tls" in enabled),
            unauthenticated=msk.CfnCluster.UnauthenticatedProperty(enabled="unauthenticated" in enabled),
        )
    return msk.CfnCluster(
        ex.own,
        "Msk",
        cluster_name="contract",
        kafka_version="3.6.0",
        number_of_broker_nodes=2,
        broker_node_group_info=msk.CfnCluster.BrokerNodeGroupInfoProperty(
            client_subnets=[subnet_id(0), subnet_id(1)],
            instance_type="kafka.m5.large",
            security_groups=[group_id(0)],
        ),
        client_authentication=client_auth,
        encryption_info=msk.CfnCluster.EncryptionInfoProperty(
            encryption_in_transit=msk.CfnCluster.EncryptionInTransitProperty(client_broker=spec.client_broker)
        ),
    )
