"""The event Lambda sends a function for a batch of Kafka records, and the context object it passes.

Shape as in the Lambda guide's example events (with-msk, with-kafka; checked December 2026): `eventSource`
(`aws:kafka` for Amazon MSK, `SelfManagedKafka` otherwise), `eventSourceArn` (MSK only), `bootstrapServers` (one
comma-separated string), `records` keyed `topic-partition`, each record with `topic`, `partition`, `offset`,
`timestamp` (epoch milliseconds), `timestampType` (`CREATE_TIME` or `LOG_APPEND_TIME`), base64 `key` and `value`,
and `headers` as a list of one-key objects whose value is the list of the header's byte values.
Our choice where the pages are silent: a null key or value (a tombstone) is left out of the record rather than
sent as null; a header with a null value has an empty list.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .settings import MappingSettings

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # invocation payload (request) quota: 6 MB (Lambda guide, gettingstarted-limits)
PAYLOAD_MARGIN = 1024  # the event's keys besides the records, and each partition's "topic-N" key
_TIMESTAMP_TYPES = {0: "CREATE_TIME", 1: "LOG_APPEND_TIME"}


@dataclass(frozen=True)
class KafkaRecord:
    """One record as read from the broker (client-independent)."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    timestamp_type: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]

    @property
    def partition_key(self) -> str:
        """`topic-partition`, the event's key for this record's partition (and the itemIdentifier's partition)."""
        return f"{self.topic}-{self.partition}"

    def event_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "timestamp": self.timestamp,
            "timestampType": _TIMESTAMP_TYPES.get(self.timestamp_type, "CREATE_TIME"),
        }
        if self.key is not None:
            record["key"] = base64.b64encode(self.key).decode("ascii")
        if self.value is not None:
            record["value"] = base64.b64encode(self.value).decode("ascii")
        record["headers"] = [{name: list(value or b"")} for name, value in self.headers]
        return record


def build_event(settings: MappingSettings, bootstrap_servers: str, records: Sequence[KafkaRecord]) -> dict[str, Any]:
    """The event for `records` (already in partition order), grouped by `topic-partition` in order of appearance."""
    event: dict[str, Any] = {"eventSource": settings.event_source}
    if settings.msk and settings.event_source_arn:
        event["eventSourceArn"] = settings.event_source_arn
    event["bootstrapServers"] = bootstrap_servers
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(record.partition_key, []).append(record.event_record())
    event["records"] = grouped
    return event


def payload_bytes(event: Mapping[str, Any]) -> int:
    return len(json.dumps(event, separators=(",", ":")).encode("utf-8"))


def record_bytes(record: KafkaRecord) -> int:
    """What one record adds to the event's JSON (its object and a separator; the event's other keys and a batch's
    partition keys are covered by PAYLOAD_MARGIN)."""
    return len(json.dumps(record.event_record(), separators=(",", ":"))) + 1


class LambdaContext:
    """The context object a Python handler receives, as far as a local run can give it (Lambda guide,
    python-context): request id, function name/version/ARN, memory, log group and stream, remaining time from the
    function's timeout."""

    def __init__(self, settings: MappingSettings, started: float | None = None) -> None:
        function = settings.function
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = function.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function.arn
        self.memory_limit_in_mb = function.memory_mb
        self.log_group_name = f"/aws/lambda/{function.name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = (started or time.monotonic()) + function.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
