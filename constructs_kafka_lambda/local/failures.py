"""Failure-destination records in AWS's documented format, and their delivery.

Formats (Lambda guide: kafka-on-failure, with-msk-on-failure, kafka-on-failure-destination; checked December 2026):
- SQS and SNS get one metadata record per failed batch: `requestContext` (requestId, functionArn, condition,
  approximateInvokeCount), `responseContext` (statusCode, executedVersion, functionError; null when the batch was
  never invoked, as for MaximumPayloadSizeExceeded), `version` "1.0", `timestamp`, and `KafkaBatchInfo` with
  `recordsInfo` per `topic-partition` (first/last offset and timestamp). S3 gets the same plus `payload`, the whole
  event, so it is the one destination a batch can be replayed from.
- A `kafka://` topic gets one message per failed record, keyed with the record's own key: the same contexts
  (condition "RetriesExhausted"), and `KafkaBatchInfo.recordInfo` (offset, timestamp) with a `payload` event holding
  that record.
Our choices where AWS is silent: the condition for expired records is "RecordAgeExceeded" (the Kinesis and
DynamoDB name); the S3 object key follows the documented stream layout
`aws/lambda/<mapping UUID>/<topic-partition>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`; no Kafka headers are set.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .events import KafkaRecord, build_event, payload_bytes
from .settings import FailureTarget, MappingSettings

RETRIES_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"
PAYLOAD_TOO_LARGE = "MaximumPayloadSizeExceeded"


@dataclass(frozen=True)
class Outcome:
    """How the last invocation of a batch ended, for the responseContext (None: never invoked)."""

    request_id: str
    function_error: str | None  # "Unhandled" for a raised error or a time-out


def _iso(epoch_ms: int | float) -> str:
    moment = dt.datetime.fromtimestamp(epoch_ms / 1000, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _contexts(settings: MappingSettings, condition: str, attempts: int, outcome: Outcome | None) -> dict[str, Any]:
    return {
        "requestContext": {
            "requestId": outcome.request_id if outcome else str(uuid.uuid4()),
            "functionArn": settings.function.arn,
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "responseContext": None
        if outcome is None
        else {"statusCode": 200, "executedVersion": "$LATEST", "functionError": outcome.function_error},
        "version": "1.0",
        "timestamp": _iso(dt.datetime.now(tz=dt.UTC).timestamp() * 1000),
    }


def batch_record(
    settings: MappingSettings,
    bootstrap_servers: str,
    records: Sequence[KafkaRecord],
    condition: str,
    attempts: int,
    outcome: Outcome | None,
    *,
    with_payload: bool,
) -> dict[str, Any]:
    """The SQS/SNS record (metadata) or, `with_payload`, the S3 record of a failed batch."""
    event = build_event(settings, bootstrap_servers, records)
    infos: dict[str, dict[str, str]] = {}
    for key, items in event["records"].items():
        first, last = items[0], items[-1]
        infos[key] = {
            "firstRecordOffset": str(first["offset"]),
            "lastRecordOffset": str(last["offset"]),
            "firstRecordTimestamp": _iso(first["timestamp"]),
            "lastRecordTimestamp": _iso(last["timestamp"]),
        }
    record = _contexts(settings, condition, attempts, outcome)
    record["KafkaBatchInfo"] = {
        "batchSize": len(records),
        "eventSourceArn": settings.event_source_arn,
        "bootstrapServers": bootstrap_servers,
        "payloadSize": payload_bytes(event),
        "recordsInfo": infos,
    }
    if with_payload:
        record["payload"] = event
    return record


def kafka_topic_record(
    settings: MappingSettings, bootstrap_servers: str, item: KafkaRecord, attempts: int, outcome: Outcome | None
) -> dict[str, Any]:
    """The message one failed record becomes on a `kafka://` destination."""
    event = build_event(settings, bootstrap_servers, [item])
    record = _contexts(settings, "RetriesExhausted", attempts, outcome)
    record["KafkaBatchInfo"] = {
        "batchSize": 1,
        "eventSourceArn": settings.event_source_arn,
        "bootstrapServers": bootstrap_servers,
        "payloadSize": payload_bytes(event),
        "recordInfo": {"offset": str(item.offset), "timestamp": _iso(item.timestamp)},
    }
    record["payload"] = event
    return record


class Deliverer:
    """Sends destination records: S3, SQS and SNS through boto3 (so moto or a real account receives them),
    `kafka://` topics through a producer on the same broker."""

    def __init__(self, target: FailureTarget, mapping_uuid: str, produce: Callable[[str, bytes | None, bytes], None]):
        self.target = target
        self.mapping_uuid = mapping_uuid
        self._produce = produce
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            import boto3

            region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
            self._client = boto3.client(self.target.kind, region_name=region)
        return self._client

    def deliver(self, records: Sequence[Mapping[str, Any]], sources: Sequence[KafkaRecord]) -> None:
        kind, name = self.target.kind, self.target.name
        if kind == "kafka":
            for record, source in zip(records, sources, strict=True):
                self._produce(name, source.key, json.dumps(record).encode("utf-8"))
            return
        for record in records:
            body = json.dumps(record)
            if kind == "s3":
                self.client().put_object(Bucket=name, Key=self.s3_key(sources[0]), Body=body.encode("utf-8"))
            elif kind == "sqs":
                url = self.client().get_queue_url(QueueName=name)["QueueUrl"]
                self.client().send_message(QueueUrl=url, MessageBody=body)
            elif kind == "sns":
                self.client().publish(TopicArn=self._topic_arn(), Message=body)

    def _topic_arn(self) -> str:
        """The topic's ARN in the account at hand (the template's ARN names an account the local run may not be)."""
        for page in self.client().get_paginator("list_topics").paginate():
            for topic in page.get("Topics", []):
                if topic["TopicArn"].rsplit(":", 1)[-1] == self.target.name:
                    return str(topic["TopicArn"])
        return self.target.arn

    def s3_key(self, first: KafkaRecord) -> str:
        now = dt.datetime.now(tz=dt.UTC)
        return (
            f"aws/lambda/{self.mapping_uuid}/{first.partition_key}/{now:%Y/%m/%d}/"
            f"{now:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
        )


def ensure_target(target: FailureTarget) -> None:
    """Create the destination where it is missing (for moto: a fresh in-process account has nothing)."""
    import boto3

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    client = boto3.client(target.kind, region_name=region)
    if target.kind == "s3":
        names = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if target.name not in names:
            extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            client.create_bucket(Bucket=target.name, **extra)
    elif target.kind == "sqs":
        client.create_queue(QueueName=target.name)
    elif target.kind == "sns":
        client.create_topic(Name=target.name)
