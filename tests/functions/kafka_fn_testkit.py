"""Builders for Lambda Kafka events, a producer that behaves like kafka-python's at its boundary, and a model of
how a provisioned-mode mapping retries a partial batch.

Events are shaped exactly like the payload Lambda sends (shared/design/aws-contract.md, "Event payload the
function receives"): records grouped under ``"<topic>-<partition>"``, key and value base64, headers as
``[{"name": [byte, ...]}]``. :class:`FakeProducer` stands in for ``kafka.KafkaProducer``: ``send`` applies
kafka-python's own checks before any network I/O (header types, and the record size with kafka-python's size
estimate against ``max_request_size``, raising its ``MessageSizeTooLargeError``), futures resolve on ``flush``,
and injected failures are kafka-python's own error classes.
"""

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from kafka import errors as kafka_errors
from kafka.record.default_records import DefaultRecordBatchBuilder

MSK_CLUSTER_ARN = "arn:aws:kafka:eu-west-1:123456789012:cluster/fleet/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-s1"
MSK_BOOTSTRAP = "boot-abc123.c1.kafka-serverless.eu-west-1.amazonaws.com:9098"
CONFLUENT_BOOTSTRAP = "pkc-12345.eu-west-1.aws.confluent.cloud:9092"
#: 2025-11-22T01:00:00Z, the Kafka timestamp of records built here unless told otherwise.
RECORD_TIMESTAMP_MS = 1_763_773_200_000
KAFKA_MAX_REQUEST_SIZE = 1_048_576  # kafka-python's default max_request_size

#: The type of the ``load_handler`` fixture (conftest.py): ``load_handler("<function>", ENV_VAR="value", ...)``.
LoadHandler = Callable[..., ModuleType]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def header(name: str, value: bytes, *, signed: bool = False) -> dict[str, list[int]]:
    """A header as Lambda sends it; ``signed`` renders bytes >= 128 as Java's negative bytes."""
    return {name: [b - 256 if signed and b > 127 else b for b in value]}


def kafka_record(
    topic: str,
    partition: int,
    offset: int,
    value: dict[str, Any] | bytes | None,
    *,
    key: str | bytes | None = None,
    headers: list[dict[str, list[int]]] | None = None,
    timestamp: int = RECORD_TIMESTAMP_MS,
) -> dict[str, Any]:
    """One record. A dict value is JSON-encoded; bytes are sent as they are (to build malformed records)."""
    raw = json.dumps(value).encode() if isinstance(value, dict) else value
    record: dict[str, Any] = {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "timestamp": timestamp,
        "timestampType": "CREATE_TIME",
        "value": b64(raw) if raw is not None else None,
        "headers": headers if headers is not None else [],
    }
    if key is not None:
        record["key"] = b64(key.encode() if isinstance(key, str) else key)
    return record


def _group(records: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(f"{record['topic']}-{record['partition']}", []).append(record)
    return grouped


def msk_event(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {
        "eventSource": "aws:kafka",
        "eventSourceArn": MSK_CLUSTER_ARN,
        "bootstrapServers": MSK_BOOTSTRAP,
        "records": _group(records),
    }


def self_managed_event(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {
        "eventSource": "SelfManagedKafka",
        "bootstrapServers": CONFLUENT_BOOTSTRAP,
        "records": _group(records),
    }


def failure(topic: str, partition: int, offset: int) -> dict[str, Any]:
    return {"itemIdentifier": {"partition": f"{topic}-{partition}", "offset": offset}}


@dataclass
class FakeContext:
    """The attributes of the Lambda context object that Powertools and the handlers read."""

    function_name: str = "kafka-sample-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:kafka-sample-test"
    aws_request_id: str = "5f0a7c39-1b7e-4a0e-9f53-3c1e2b0d9a11"
    remaining_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class SentRecord:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    @property
    def json(self) -> Any:
        assert self.value is not None
        return json.loads(self.value)

    def header(self, name: str) -> bytes | None:
        found = [v for k, v in self.headers if k == name]
        return found[-1] if found else None

    @property
    def source(self) -> str:
        """The ``x-source-record`` (or dead-letter source) header: ``<topic>-<partition>@<offset>``."""
        found = self.header("x-source-record") or self.header("x-dead-letter-source")
        assert found is not None
        return found.decode()


class FakeFuture:
    def __init__(self, record: SentRecord) -> None:
        self.record = record
        self.done = False
        self.error: BaseException | None = None

    def get(self, timeout: float | None = None) -> SentRecord:
        if not self.done:
            raise kafka_errors.KafkaTimeoutError(f"Timeout after waiting for {timeout} secs.")
        if self.error is not None:
            raise self.error
        return self.record


Injected = Callable[[SentRecord], BaseException | bool | None]


def _injected(rule: Injected, record: SentRecord, default: Callable[[], BaseException]) -> BaseException | None:
    outcome = rule(record)
    if outcome is True:
        return default()
    return outcome if isinstance(outcome, BaseException) else None


@dataclass
class FakeProducer:
    """Records what is produced. ``fail_when`` picks records whose delivery fails at flush (return an exception,
    or True for a retriable ``NotEnoughReplicasError``); ``raise_on_send`` records whose ``send`` raises (True: a
    retriable ``KafkaTimeoutError`` from metadata); ``flush_hangs`` leaves every future unresolved."""

    fail_when: Injected = lambda _r: None
    raise_on_send: Injected = lambda _r: None
    flush_hangs: bool = False
    max_request_size: int = KAFKA_MAX_REQUEST_SIZE
    sent: list[SentRecord] = field(default_factory=list)
    delivered: list[SentRecord] = field(default_factory=list)
    flush_timeouts: list[float | None] = field(default_factory=list)
    closed: bool = False
    _pending: list[FakeFuture] = field(default_factory=list)

    def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> FakeFuture:
        # kafka-python's checks in KafkaProducer.send, before anything reaches the network:
        if value is None and key is None:
            raise ValueError("Need at least one: key or value")
        headers = headers or []
        if not all(
            isinstance(h, tuple) and len(h) == 2 and isinstance(h[0], str) and isinstance(h[1], bytes) for h in headers
        ):
            raise TypeError("All headers items must be (str, bytes) tuples")
        size = DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers)
        if size > self.max_request_size:
            raise kafka_errors.MessageSizeTooLargeError(f"The message is {size} bytes when serialized")
        record = SentRecord(topic, key, value, list(headers))
        error = _injected(self.raise_on_send, record, lambda: kafka_errors.KafkaTimeoutError("metadata"))
        if error is not None:
            raise error
        self.sent.append(record)
        future = FakeFuture(record)
        self._pending.append(future)
        return future

    def flush(self, timeout: float | None = None) -> None:
        self.flush_timeouts.append(timeout)
        if self.flush_hangs:
            raise kafka_errors.KafkaTimeoutError(f"Timeout after {timeout} secs flushing")
        for future in self._pending:
            future.done = True
            future.error = _injected(self.fail_when, future.record, kafka_errors.NotEnoughReplicasError)
            if future.error is None:
                self.delivered.append(future.record)
        self._pending.clear()

    def close(self, timeout: float | None = None) -> None:
        self.closed = True

    def on(self, topic: str) -> list[SentRecord]:
        """What was delivered (acknowledged) to ``topic``, in order."""
        return [r for r in self.delivered if r.topic == topic]


@dataclass
class MappingModel:
    """A provisioned-mode Kafka mapping with ``ReportBatchItemFailures``, as far as retries go: per partition it
    keeps a committed offset; each invocation gets every partition's records from there (at most ``batch_size``);
    a reply naming offsets commits each partition up to its lowest named offset, an empty reply commits
    everything, and an exception commits nothing. ``invoke`` gets the event and returns the reply or raises."""

    partitions: dict[str, list[dict[str, Any]]]
    make_event: Callable[[list[dict[str, Any]]], dict[str, Any]]
    batch_size: int = 100
    committed: dict[str, int] = field(default_factory=dict)
    invocations: int = 0

    def pending(self) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        for tp, records in self.partitions.items():
            start = self.committed.get(tp, records[0]["offset"] if records else 0)
            batch.extend([r for r in records if r["offset"] >= start][: self.batch_size])
        return batch

    def run(self, invoke: Callable[[dict[str, Any]], Any], *, max_invocations: int = 50) -> None:
        while (batch := self.pending()) and self.invocations < max_invocations:
            self.invocations += 1
            try:
                reply = invoke(self.make_event(batch))
            except Exception:
                continue
            lowest: dict[str, int] = {}
            for item in reply["batchItemFailures"]:
                ident = item["itemIdentifier"]
                lowest[ident["partition"]] = min(ident["offset"], lowest.get(ident["partition"], ident["offset"]))
            for record in batch:
                tp = f"{record['topic']}-{record['partition']}"
                if tp not in lowest:
                    self.committed[tp] = max(self.committed.get(tp, 0), record["offset"] + 1)
            self.committed.update(lowest)


def emitted_json_lines(captured_out: str) -> list[dict[str, Any]]:
    """The JSON objects printed by Powertools Logger and Metrics (EMF), one per line."""
    lines = []
    for line in captured_out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


def log_lines(captured_out: str, message: str) -> list[dict[str, Any]]:
    return [line for line in emitted_json_lines(captured_out) if line.get("message") == message]


def metric_values(captured_out: str) -> dict[str, float]:
    """Metric name -> value summed over the EMF blobs in ``captured_out`` (EMF values may be lists)."""
    values: dict[str, float] = {}
    for blob in emitted_json_lines(captured_out):
        for directive in blob.get("_aws", {}).get("CloudWatchMetrics", []):
            for metric in directive.get("Metrics", []):
                raw = blob[metric["Name"]]
                values[metric["Name"]] = values.get(metric["Name"], 0) + sum(raw if isinstance(raw, list) else [raw])
    return values
