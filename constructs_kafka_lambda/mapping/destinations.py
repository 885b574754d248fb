"""`FailureDestination`: where a batch goes when Lambda gives up on it, and what delivery needs.

S3 keeps the whole invocation record (payload included): the one to replay from, hence the default. SQS and SNS
receive metadata only (topic, partition, offsets). `kafka://` (provisioned mode) writes to a topic on the same
cluster. Grants are delivery-only: no read or delete (CDK's S3OnFailureDestination grants read/write).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .. import limits
from ..errors import ConfigError
from ..grants.statements import Statement, allow
from ..shared import SharedResources
from ..tokens import is_unresolved


class DestinationKind(Enum):
    S3 = "s3"
    SQS = "sqs"
    SNS = "sns"
    KAFKA = "kafka"
    NONE = "none"


@dataclass(frozen=True)
class FailureDestination:
    """Where failed batches go. Build it with the static methods."""

    kind: DestinationKind
    bucket: s3.IBucket | None = None
    queue: sqs.IQueue | None = None
    topic: sns.ITopic | None = None
    kafka_topic_name: str | None = None
    reason: str | None = None

    @staticmethod
    def s3(bucket: s3.IBucket | None = None) -> FailureDestination:
        """Keep the whole failed batch (the default). None: the stack's shared, encrypted bucket."""
        _check_type("FailureDestination.s3(bucket)", bucket, "bucket_arn", "an s3.IBucket")
        return FailureDestination(DestinationKind.S3, bucket=bucket)

    @staticmethod
    def sqs(queue: sqs.IQueue | None = None) -> FailureDestination:
        """Metadata only (topic, partition, offsets). None: the stack's shared, encrypted queue."""
        _check_type("FailureDestination.sqs(queue)", queue, "queue_arn", "an sqs.IQueue")
        return FailureDestination(DestinationKind.SQS, queue=queue)

    @staticmethod
    def sns(topic: sns.ITopic) -> FailureDestination:
        """Metadata only, fanned out to the topic's subscribers."""
        if topic is None:
            raise ConfigError(
                "FailureDestination.sns(topic)",
                None,
                "an SNS destination needs a topic",
                "pass an sns.ITopic",
            )
        _check_type("FailureDestination.sns(topic)", topic, "topic_arn", "an sns.ITopic")
        return FailureDestination(DestinationKind.SNS, topic=topic)

    @staticmethod
    def kafka_topic(name: str) -> FailureDestination:
        """Provisioned mode only: a topic on the same cluster, not the source topic."""
        if not is_unresolved(name):
            if isinstance(name, str) and name.startswith("kafka://"):
                raise ConfigError(
                    "FailureDestination.kafka_topic(name)",
                    name,
                    "give the topic name only; the kafka:// scheme is added for you",
                    f'pass "{name.removeprefix("kafka://")}"',
                )
            if not isinstance(name, str) or not limits.TOPIC_PATTERN.match(name) or len(name) > limits.TOPIC_MAX_LENGTH:
                raise ConfigError(
                    "FailureDestination.kafka_topic(name)",
                    name,
                    "a Kafka topic name is 2-249 characters of [a-zA-Z0-9._-] and does not start with '.'",
                    'pass a topic name such as "orders-failed"',
                )
            if len(name) < limits.KAFKA_DESTINATION_TOPIC_MIN_LENGTH:
                raise ConfigError(
                    "FailureDestination.kafka_topic(name)",
                    name,
                    f"CloudFormation's Destination pattern needs a topic name of at least "
                    f"{limits.KAFKA_DESTINATION_TOPIC_MIN_LENGTH} characters",
                    "use a longer, descriptive name, e.g. f'{source_topic}-failed'",
                )
        return FailureDestination(DestinationKind.KAFKA, kafka_topic_name=name)

    @staticmethod
    def none(reason: str) -> FailureDestination:
        """An explicit opt-out: failed records are dropped (after retries) or block the partition. Say why."""
        if not isinstance(reason, str) or len(reason.strip()) < 10:
            raise ConfigError(
                "FailureDestination.none(reason)",
                reason,
                "opting out of a failure destination loses failed records, so it needs a stated reason",
                'say why, e.g. FailureDestination.none("metrics only: a lost sample is harmless")',
            )
        return FailureDestination(DestinationKind.NONE, reason=reason)


@dataclass(frozen=True)
class BoundDestination:
    """A destination resolved for one mapping: its ARN or URI, the resource, and what the role needs."""

    destination: str | None
    resource: Any  # s3.IBucket | sqs.IQueue | sns.ITopic | None
    statements: list[Statement] = field(default_factory=list)
    service: str | None = None  # the AWS service the pollers call to deliver (for VPC endpoints)


def bind_destination(scope: Construct, destination: FailureDestination) -> BoundDestination:
    """Resolve defaults to the stack's shared resources and build delivery-only statements."""
    kind = destination.kind
    if kind in (DestinationKind.S3, DestinationKind.SQS) and destination.bucket is None and destination.queue is None:
        # The shared default: bound once per stack, the same for every consumer.
        shared = SharedResources.of(scope)
        cached: BoundDestination | None = shared.bindings.get(kind.value)
        if cached is None:
            resource = shared.failure_bucket if kind is DestinationKind.S3 else shared.failure_queue
            cached = shared.bindings[kind.value] = _bind_resource(kind, resource)
        return cached
    if kind is DestinationKind.S3:
        return _bind_resource(kind, destination.bucket)
    if kind is DestinationKind.SQS:
        return _bind_resource(kind, destination.queue)
    if kind is DestinationKind.SNS:
        return _bind_resource(kind, destination.topic)
    if kind is DestinationKind.KAFKA:
        return BoundDestination(f"kafka://{destination.kafka_topic_name}", None)
    return BoundDestination(None, None)


def _bind_resource(kind: DestinationKind, resource: Any) -> BoundDestination:
    if kind is DestinationKind.S3:
        bucket: s3.IBucket = resource
        arn = bucket.bucket_arn
        statements = [allow(["s3:PutObject"], [f"{arn}/*"]), allow(["s3:ListBucket"], [arn])]
        if bucket.encryption_key is not None:
            statements.append(allow(["kms:GenerateDataKey"], [bucket.encryption_key.key_arn]))
        return BoundDestination(arn, bucket, statements, "s3")
    if kind is DestinationKind.SQS:
        queue: sqs.IQueue = resource
        arn = queue.queue_arn
        statements = [allow(["sqs:SendMessage"], [arn])]
        if queue.encryption_master_key is not None:
            statements.append(_kms_send(queue.encryption_master_key.key_arn))
        return BoundDestination(arn, queue, statements, "sqs")
    topic: sns.ITopic = resource
    arn = topic.topic_arn
    statements = [allow(["sns:Publish"], [arn])]
    key = getattr(topic, "master_key", None)
    if key is not None:
        statements.append(_kms_send(key.key_arn))
    return BoundDestination(arn, topic, statements, "sns")


def _kms_send(key_arn: str) -> Statement:
    return allow(["kms:Decrypt", "kms:GenerateDataKey"], [key_arn])


def _check_type(prop: str, value: Any, attribute: str, expected: str) -> None:
    if value is not None and not hasattr(value, attribute):
        raise ConfigError(prop, value, f"expected {expected}", f"pass {expected} (or nothing for the shared default)")
