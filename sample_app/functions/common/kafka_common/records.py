"""Decoding of the records Lambda hands a Kafka-triggered function, and the partial-batch response.

Why this module exists: every consumer in the sample gets the same payload (MSK ``aws:kafka`` or
``SelfManagedKafka``: records grouped under ``"<topic>-<partition>"``, base64 key and value, headers as lists
of byte values) and must make the same two decisions for each record: can it be decoded at all (a poison
record must be recognised and never allowed to stall its partition), and how is it named in a
``batchItemFailures`` response. Keeping both here means every consumer logs the same coordinates and reports
failures in the one shape Lambda accepts for Kafka::

    {"batchItemFailures": [{"itemIdentifier": {"partition": "<topic>-<partition>", "offset": <int>}}]}

(the shape Powertools' own ``BatchProcessor(EventType.Kafka)`` emits; an identifier with a wrong key name makes
Lambda treat the whole batch as failed).

Only the standard library and Powertools' data classes are used, so consumers that do not produce to Kafka
(e.g. the SNS alerter) do not need kafka-python.
"""

import base64
import binascii
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from aws_lambda_powertools.shared.functions import decode_header_bytes
from aws_lambda_powertools.utilities.data_classes.kafka_event import KafkaEvent, KafkaEventRecord

#: Values larger than this (decoded) are treated as malformed. Kafka's default max.message.bytes is ~1 MiB and a
#: Lambda batch is capped at 6 MB, so a record this large is almost certainly a producer bug, not telemetry.
MAX_VALUE_BYTES = 256 * 1024


class KafkaItemIdentifier(TypedDict):
    partition: str
    offset: int


class BatchItemFailure(TypedDict):
    itemIdentifier: KafkaItemIdentifier


class BatchResponse(TypedDict):
    batchItemFailures: list[BatchItemFailure]


class MalformedRecordError(ValueError):
    """A record that can never be processed, however often it is retried (a poison record)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, order=True)
class RecordRef:
    """Where a record came from: enough to log it and to name it in a partial-batch response."""

    topic: str
    partition: int
    offset: int

    @property
    def topic_partition(self) -> str:
        return f"{self.topic}-{self.partition}"

    def item_identifier(self) -> KafkaItemIdentifier:
        return {"partition": self.topic_partition, "offset": self.offset}

    def log_fields(self) -> dict[str, Any]:
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset}


@dataclass(frozen=True)
class JsonRecord:
    """A record whose value decoded to a JSON object.

    ``headers`` keeps the producer's names (case and order) and repeated names, unlike Powertools'
    ``decoded_headers`` (a lower-cased dict), so that a consumer can forward them unchanged.
    """

    ref: RecordRef
    key: bytes | None
    value: dict[str, Any]
    headers: tuple[tuple[str, bytes], ...] = ()
    timestamp_ms: int | None = None

    def header(self, name: str) -> bytes | None:
        """The last header called ``name`` (case-insensitive), or None."""
        found = [value for key, value in self.headers if key.lower() == name.lower()]
        return found[-1] if found else None


def iter_records(event: Mapping[str, Any]) -> Iterator[KafkaEventRecord]:
    """Every record of the batch, partition by partition, in offset order within a partition."""
    records = event.get("records")
    if not isinstance(records, Mapping):
        raise ValueError("not a Kafka event: 'records' must be an object keyed by '<topic>-<partition>'")
    yield from KafkaEvent(dict(event)).records


def record_ref(record: KafkaEventRecord) -> RecordRef:
    return RecordRef(topic=str(record.topic), partition=int(record.partition), offset=int(record.offset))


def _decoded_size(b64: str) -> int:
    return len(b64) * 3 // 4 - b64[-2:].count("=")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} is not valid JSON")


def decode_json_object(record: KafkaEventRecord, *, max_value_bytes: int = MAX_VALUE_BYTES) -> JsonRecord:
    """Decode a record whose value must be a UTF-8 JSON object, or raise :class:`MalformedRecordError`.

    The size is checked on the base64 text before anything is decoded, so an oversized record costs nothing.
    ``NaN``/``Infinity`` (accepted by Python's json by default) are rejected: they are not JSON and break
    downstream consumers.
    """
    raw_value = record.get("value")
    if raw_value is None:
        raise MalformedRecordError("record has no value (tombstone)")
    if not isinstance(raw_value, str):
        raise MalformedRecordError("value is not a base64 string")
    size = _decoded_size(raw_value)
    if size > max_value_bytes:
        raise MalformedRecordError(f"value is {size} bytes, more than the {max_value_bytes} allowed")
    try:
        value_bytes = base64.b64decode(raw_value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedRecordError(f"value is not valid base64: {exc}") from exc
    try:
        text = value_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRecordError(f"value is not UTF-8: {exc.reason} at byte {exc.start}") from exc
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise MalformedRecordError(f"value is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise MalformedRecordError(f"value is JSON {type(value).__name__}, not an object")

    key: bytes | None = None
    raw_key = record.get("key")
    if raw_key is not None:
        try:
            key = base64.b64decode(raw_key, validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise MalformedRecordError(f"key is not valid base64: {exc}") from exc
    headers = _decode_headers(record.get("headers"))

    timestamp = record.get("timestamp")
    return JsonRecord(
        ref=record_ref(record),
        key=key,
        value=value,
        headers=headers,
        timestamp_ms=int(timestamp) if isinstance(timestamp, int) else None,
    )


def _decode_headers(raw: Any) -> tuple[tuple[str, bytes], ...]:
    """``[{"name": [byte, ...]}, ...]`` to ``((name, bytes), ...)``; Java producers send signed bytes."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise MalformedRecordError("headers are not a list")
    decoded: list[tuple[str, bytes]] = []
    try:
        for chunk in raw:
            for name, byte_values in chunk.items():
                decoded.append((str(name), decode_header_bytes(byte_values)))
    except (AttributeError, TypeError, ValueError) as exc:
        raise MalformedRecordError(f"headers are not lists of byte values: {exc}") from exc
    return tuple(decoded)


def require_str(value: Mapping[str, Any], name: str) -> str:
    """A non-blank string field, or :class:`MalformedRecordError`."""
    item = value.get(name)
    if not isinstance(item, str) or not item.strip():
        raise MalformedRecordError(f"field {name!r} must be a non-empty string")
    return item


def require_number(value: Mapping[str, Any], name: str) -> float:
    """A finite number field (booleans are not numbers here), or :class:`MalformedRecordError`."""
    item = value.get(name)
    if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
        raise MalformedRecordError(f"field {name!r} must be a finite number")
    return float(item)


def optional_number(value: Mapping[str, Any], name: str) -> float | None:
    item = value.get(name)
    if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
        return None
    return float(item)


def batch_response(failed: Iterable[RecordRef]) -> BatchResponse:
    """The partial-batch response naming ``failed`` (deduplicated, in partition/offset order)."""
    return {"batchItemFailures": [{"itemIdentifier": ref.item_identifier()} for ref in sorted(set(failed))]}


def report_batch_item_failures_enabled(env: Mapping[str, str]) -> bool:
    """Whether the mapping has ``ReportBatchItemFailures`` (env ``REPORT_BATCH_ITEM_FAILURES``, default true).

    Without it Lambda ignores a ``batchItemFailures`` response and commits the whole batch, so a handler that
    runs under such a mapping must raise instead of reporting, or failed records are lost.
    """
    return env.get("REPORT_BATCH_ITEM_FAILURES", "true").strip().lower() not in {"0", "false", "no", "off"}


class BatchItemFailuresError(RuntimeError):
    """Raised instead of returning failures when the mapping cannot take a partial-batch response."""

    def __init__(self, failed: list[RecordRef]) -> None:
        refs = ", ".join(f"{r.topic_partition}@{r.offset}" for r in failed[:10])
        super().__init__(f"{len(failed)} record(s) failed and partial batch responses are off: {refs}")
        self.failed = failed
