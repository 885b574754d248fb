"""Builders for Lambda Kafka events and fakes for the boundaries of the sample functions.

Events are shaped exactly like the payload Lambda sends (see shared/design/aws-contract.md, "Event payload the
function receives"): records grouped under ``"<topic>-<partition>"``, key and value base64, headers as
``[{"name": [byte, ...]}]``. The fake producer stands in for ``kafka.KafkaProducer`` at its boundary
(``send``/``flush``/``close``) and resolves futures on ``flush`` like the real one.
"""

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

MSK_CLUSTER_ARN = "arn:aws:kafka:eu-west-1:123456789012:cluster/fleet/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-s1"
MSK_BOOTSTRAP = "boot-abc123.c1.kafka-serverless.eu-west-1.amazonaws.com:9098"
CONFLUENT_BOOTSTRAP = "pkc-12345.eu-west-1.aws.confluent.cloud:9092"

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
    timestamp: int = 1_763_773_200_000,
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


class FakeKafkaError(Exception):
    pass


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


class FakeFuture:
    def __init__(self, record: SentRecord) -> None:
        self.record = record
        self.done = False
        self.error: BaseException | None = None

    def get(self, timeout: float | None = None) -> SentRecord:
        if not self.done:
            raise FakeKafkaError(f"Timeout after waiting for {timeout} secs.")
        if self.error is not None:
            raise self.error
        return self.record


@dataclass
class FakeProducer:
    """Records what is produced; ``fail_when`` picks records whose delivery fails at flush,
    ``raise_on_send`` records whose ``send`` raises, and ``flush_hangs`` leaves every future unresolved."""

    fail_when: Callable[[SentRecord], bool] = lambda _r: False
    raise_on_send: Callable[[SentRecord], bool] = lambda _r: False
    flush_hangs: bool = False
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
        record = SentRecord(topic, key, value, list(headers or []))
        if self.raise_on_send(record):
            raise FakeKafkaError("MessageSizeTooLargeError")
        self.sent.append(record)
        future = FakeFuture(record)
        self._pending.append(future)
        return future

    def flush(self, timeout: float | None = None) -> None:
        self.flush_timeouts.append(timeout)
        if self.flush_hangs:
            raise FakeKafkaError(f"Timeout after {timeout} secs flushing")
        for future in self._pending:
            future.done = True
            if self.fail_when(future.record):
                future.error = FakeKafkaError("NotEnoughReplicasError")
            else:
                self.delivered.append(future.record)
        self._pending.clear()

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


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


def metric_values(captured_out: str) -> dict[str, float]:
    """Metric name -> value summed over the EMF blobs in ``captured_out`` (EMF values may be lists)."""
    values: dict[str, float] = {}
    for blob in emitted_json_lines(captured_out):
        for directive in blob.get("_aws", {}).get("CloudWatchMetrics", []):
            for metric in directive.get("Metrics", []):
                raw = blob[metric["Name"]]
                values[metric["Name"]] = values.get(metric["Name"], 0) + sum(raw if isinstance(raw, list) else [raw])
    return values


def capture_params(client: Any, operation: str) -> list[dict[str, Any]]:
    """The parameters of every ``operation`` call made with ``client`` (e.g. ``"sns.Publish"``), appended live."""
    calls: list[dict[str, Any]] = []

    def hook(params: dict[str, Any], **_kwargs: Any) -> None:
        calls.append(dict(params))

    client.meta.events.register(f"provide-client-params.{operation}", hook)
    return calls
