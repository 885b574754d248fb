"""Resources created once per stack and shared by all its consumers: cost and the 500-resource limit matter.

`SharedResources.of(scope)` finds or creates one construct at the stack root; each resource in it is made on
first use, so a stack that never uses the default failure bucket never gets one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Duration, Fn, IStableStringProducer, Lazy, RemovalPolicy, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .grants.acknowledgements import acknowledge_compliance_rule
from .scopes import stack_of

_ID = "KafkaLambdaShared"

# How long failed records stay in the default destinations: long enough to notice, triage and replay.
FAILED_RECORDS_RETENTION = Duration.days(90)
FAILED_QUEUE_RETENTION = Duration.days(14)  # the SQS maximum
ACCESS_LOGS_RETENTION = Duration.days(365)

DASHBOARD_DEFAULT_INTERVAL = "-PT3H"  # the dashboard opens on the last three hours

_NO_REPLICATION = (
    "Cross-Region replication needs a bucket in another Region, which one stack cannot create; where it is "
    "required, pass a replicated bucket with FailureDestination.s3(bucket). Versioning and retention are on."
)


class SharedResources(Construct):
    """The stack's shared key, default failure bucket (with its access-log bucket) and default failure queue."""

    @staticmethod
    def of(scope: Construct) -> SharedResources:
        """The stack's one instance. Remembered on the stack's Python object (Stack.of returns the same one), so
        that each of a consumer's lookups costs one jsii call, not three."""
        stack = stack_of(scope)
        found = getattr(stack, "_kafka_lambda_shared", None)
        if not isinstance(found, SharedResources):
            child = stack.node.try_find_child(_ID)
            found = child if isinstance(child, SharedResources) else SharedResources(stack, _ID)
            stack._kafka_lambda_shared = found  # type: ignore[attr-defined]
        return found

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._key: kms.Key | None = None
        self._dashboard_widgets: list[dict[str, Any]] | None = None
        self._dashboard_rows = 0
        # Default destinations bound once per stack (destinations.bind_destination), by destination kind.
        self.bindings: dict[str, Any] = {}
        self._policies_per_role: dict[str, int] = {}
        self._bucket: s3.Bucket | None = None
        self._queue: sqs.Queue | None = None

    @property
    def key(self) -> kms.Key:
        """Customer-managed key (rotated yearly) for the default destinations and the alarm topic."""
        if self._key is None:
            self._key = kms.Key(
                self,
                "Key",
                description="Encrypts failed Kafka records and alarm notifications of constructs_kafka_lambda",
                enable_key_rotation=True,
                removal_policy=RemovalPolicy.RETAIN,
            )
        return self._key

    @property
    def failure_bucket(self) -> s3.Bucket:
        """The default on-failure destination: it keeps the whole failed batch, which makes it replayable."""
        if self._bucket is None:
            logs = s3.Bucket(
                self,
                "AccessLogs",
                encryption=s3.BucketEncryption.S3_MANAGED,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                enforce_ssl=True,
                versioned=True,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,  # no ACLs: delivery is allowed below
                lifecycle_rules=[
                    s3.LifecycleRule(
                        expiration=ACCESS_LOGS_RETENTION,
                        noncurrent_version_expiration=Duration.days(30),
                    )
                ],
                removal_policy=RemovalPolicy.RETAIN,
            )
            loop = "This is the access-log bucket of the failed-records bucket; logging it to itself would loop."
            Validations.of(logs).acknowledge(Acknowledgment(id="AwsSolutions-S1", reason=loop))
            acknowledge_compliance_rule(logs, "S3BucketLoggingEnabled", loop)
            acknowledge_compliance_rule(
                logs,
                "S3DefaultEncryptionKMS",
                "S3 server access log delivery supports only SSE-S3 (not SSE-KMS) on the target bucket.",
            )
            acknowledge_compliance_rule(logs, "S3BucketReplicationEnabled", _NO_REPLICATION)
            self._bucket = s3.Bucket(
                self,
                "FailedRecords",
                encryption=s3.BucketEncryption.KMS,
                encryption_key=self.key,
                bucket_key_enabled=True,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                enforce_ssl=True,
                versioned=True,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                lifecycle_rules=[
                    s3.LifecycleRule(
                        expiration=FAILED_RECORDS_RETENTION,
                        noncurrent_version_expiration=Duration.days(7),
                    )
                ],
                removal_policy=RemovalPolicy.RETAIN,
            )
            acknowledge_compliance_rule(self._bucket, "S3BucketReplicationEnabled", _NO_REPLICATION)
            _log_access(self._bucket, logs, prefix="failed-records/")
        return self._bucket

    @property
    def failure_queue(self) -> sqs.Queue:
        """The default SQS destination (metadata only: topic, partition, offsets), KMS-encrypted, TLS-only."""
        if self._queue is None:
            self._queue = sqs.Queue(
                self,
                "FailedRecordsQueue",
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=self.key,
                enforce_ssl=True,
                retention_period=FAILED_QUEUE_RETENTION,
            )
            dead_letter = (
                "This queue is itself the dead-letter (on-failure) destination of Kafka event source mappings."
            )
            Validations.of(self._queue).acknowledge(
                Acknowledgment(id="AwsSolutions-SQS3", reason=dead_letter),
                Acknowledgment(id="Serverless-SQSRedrivePolicy", reason=dead_letter),
            )
        return self._queue

    # ---------------------------------------------------------------------------------------- observability
    @property
    def alarm_topic(self) -> sns.Topic:
        """The default target of every consumer's alarms: one SNS topic per stack, KMS-encrypted with the shared
        key, TLS-only. Subscribe the on-call channel to it (email, chat, incident tool)."""
        topic: sns.Topic | None = getattr(self, "_alarm_topic", None)
        if topic is None:
            key = self.key
            topic = sns.Topic(
                self,
                "AlarmTopic",
                display_name="Kafka consumer alarms (constructs_kafka_lambda)",
                master_key=key,
                enforce_ssl=True,
            )
            stack = stack_of(self)
            # CloudWatch publishes alarm notifications to an SSE-KMS topic only if the key lets it encrypt (Amazon
            # SNS Developer Guide, "Configure AWS KMS permissions for AWS services": cloudwatch.amazonaws.com needs
            # kms:Decrypt and kms:GenerateDataKey*), and the topic policy that enforce_ssl writes replaces the
            # default one, so the alarms of this account are allowed to publish explicitly.
            key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="CloudWatchAlarmsPublishToEncryptedTopic",
                    principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                    actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                    resources=["*"],
                )
            )
            topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="CloudWatchAlarmsOfThisAccountPublish",
                    principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                    actions=["sns:Publish"],
                    resources=[topic.topic_arn],
                    conditions={
                        "ArnLike": {
                            "aws:SourceArn": f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"
                        },
                        "StringEquals": {"aws:SourceAccount": stack.account},
                    },
                )
            )
            self._alarm_topic = topic
        return topic

    def count_policy_on_role(self, role: iam.IRole) -> int:
        """Count one more consumer policy attached to this role; return the count.

        A role created in the app (iam.Role) is counted by its jsii object reference (the kernel's id of that one
        object, known in Python): no round trip for its ARN, a token exactly as unique. An imported role is counted
        by its ARN, so that two imports of one role count together."""
        reference = getattr(role, "__jsii_ref__", None) if isinstance(role, iam.Role) else None
        key = f"ref:{reference.ref}" if reference is not None else role.role_arn
        self._policies_per_role[key] = self._policies_per_role.get(key, 0) + 1
        return self._policies_per_role[key]

    @property
    def alarm_topic_arn(self) -> str:
        """The shared alarm topic's ARN, read once per stack (every alarm of every consumer notifies it)."""
        arn: str | None = getattr(self, "_alarm_topic_arn", None)
        if arn is None:
            arn = self._alarm_topic_arn = self.alarm_topic.topic_arn
        return arn

    def add_dashboard_section(self, build: Callable[[int], list[dict[str, Any]]], height: int) -> None:
        """Append a section of `height` rows to the stack's one dashboard; `build(top)` returns its widgets."""
        if self._dashboard_widgets is None:
            self._dashboard_widgets = []
            cloudwatch.CfnDashboard(
                self,
                "Dashboard",
                dashboard_body=Lazy.string(_DashboardBody(stack_of(self), self._dashboard_widgets)),
            )
        self._dashboard_widgets.extend(build(self._dashboard_rows))
        self._dashboard_rows += height


def _log_access(bucket: s3.Bucket, logs: s3.Bucket, *, prefix: str) -> None:
    """Server access logging through a bucket policy (S3's recommended way), not the legacy LogDeliveryWrite ACL
    that CDK's `server_access_logs_bucket` falls back to when the app lacks the serverAccessLogsUseBucketPolicy
    feature flag."""
    resource = bucket.node.default_child
    assert isinstance(resource, s3.CfnBucket)
    resource.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
        destination_bucket_name=logs.bucket_name, log_file_prefix=prefix
    )
    stack = stack_of(bucket)
    logs.add_to_resource_policy(
        iam.PolicyStatement(
            sid="S3ServerAccessLogsDelivery",
            principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[logs.arn_for_objects(f"{prefix}*")],
            conditions={
                "ArnLike": {"aws:SourceArn": bucket.bucket_arn},
                "StringEquals": {"aws:SourceAccount": stack.account},
            },
        )
    )


@jsii.implements(IStableStringProducer)
class _DashboardBody:
    """The dashboard's JSON, written once at synth from the widgets every consumer added.

    The body is serialized in Python and handed to CloudFormation as one Fn::Sub: each distinct token (a mapping's
    UUID, a function's name) becomes one `${Vn}` variable instead of a Fn::Join fragment at every use, which keeps
    the template small and CDK's token resolution cheap however many consumers share the dashboard.
    """

    def __init__(self, stack: Stack, widgets: list[dict[str, Any]]) -> None:
        self._stack = stack
        self._widgets = widgets
        self._produced: tuple[int, str] | None = None  # (widget count, body): synthesis resolves it several times

    def produce(self) -> str:
        if self._produced is None or self._produced[0] != len(self._widgets):
            self._produced = (len(self._widgets), self._body())
        return self._produced[1]

    def _body(self) -> str:
        region = self._stack.region  # literal for an environment-bound stack; else a token, substituted like any
        for widget in self._widgets:
            if widget["type"] == "metric":
                widget["properties"]["region"] = region
        body = json.dumps({"start": DASHBOARD_DEFAULT_INTERVAL, "widgets": self._widgets}, separators=(",", ":"))
        return sub_tokens(body)


_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")


def sub_tokens(text: str) -> str:
    """`text` as an Fn::Sub whose variables are the CDK string tokens it contains (literal `${` escaped)."""
    variables: dict[str, str] = {}
    names: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        token = match.group(0)
        if token not in names:
            names[token] = f"V{len(names)}"
            variables[names[token]] = token
        return "\0" + names[token] + "\1"

    marked = _TOKEN.sub(placeholder, text).replace("${", "${!")
    template = marked.replace("\0", "${").replace("\1", "}")
    return Fn.sub(template, variables) if variables else template
