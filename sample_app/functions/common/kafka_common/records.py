"""The batch Lambda hands a Kafka-triggered function: its records, where each came from, and the partial-batch reply.

Why this module exists: every consumer in the sample gets the same payload (MSK ``aws:kafka`` or
``SelfManagedKafka``: records grouped under ``"<topic>-<partition>"``, base64 key and value, headers as lists of
byte values) and must answer two questions for each record before anything else: where did it come from (to log
it, and to name it in a ``batchItemFailures`` reply), and in what order must it be handled (offset order within a
partition, which Lambda resumes from the lowest reported offset). Keeping both here means every consumer logs the
same coordinates and replies in the one shape Lambda accepts for Kafka::

    {"batchItemFailures": [{"itemIdentifier": {"partition": "<topic>-<partition>", "offset": <int>}}]}

(the shape Powertools' ``BatchProcessor(EventType.Kafka)`` emits; an identifier with a wrong key name makes Lambda
treat the whole batch as failed).

Reading a batch never fails because of one record: a record without usable coordinates (Lambda never sends one,
but a hand-made event can) is set aside in ``Batch.unaddressable`` for the handler to log and count.
Only the standard library is used, so consumers that do not produce (the SNS alerter) need no kafka-python.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

#: Kafka's legal topic names (what a record's coordinates are written with, in logs, headers and keys).
_TOPIC = re.compile(r"[a-zA-Z0-9._-]{1,249}")


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

    def label(self) -> str:
        """``<topic>-<partition>@<offset>``: a compact, unique name for the record (headers, keys, messages)."""
        return f"{self.topic_partition}@{self.offset}"


@dataclass(frozen=True)
class SourceRecord:
    """One record of the batch: its coordinates and the record exactly as Lambda sent it."""

    ref: RecordRef
    raw: Mapping[str, Any]

    @property
    def timestamp_ms(self) -> int | None:
        """The record's Kafka timestamp (ms since the epoch), or None when absent or not an integer."""
        value = self.raw.get("timestamp")
        return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Batch:
    """The records of one invocation, sorted by topic, partition and offset, and those that had no coordinates."""

    records: list[SourceRecord]
    unaddressable: list[str] = field(default_factory=list)


def _coordinate(raw: Mapping[str, Any], name: str) -> int | None:
    value = raw.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _ref(group: str, raw: Any) -> RecordRef | None:
    if not isinstance(raw, Mapping):
        return None
    topic, partition, offset = raw.get("topic"), _coordinate(raw, "partition"), _coordinate(raw, "offset")
    if not isinstance(topic, str) or not _TOPIC.fullmatch(topic) or partition is None or offset is None:
        return None
    if group != f"{topic}-{partition}":
        return None
    return RecordRef(topic, partition, offset)


def read_batch(event: Mapping[str, Any]) -> Batch:
    """The records of a Lambda Kafka event (MSK or self-managed), in the order they must be handled.

    Raises ``ValueError`` only when the event is not a Kafka batch at all (no ``records`` object of lists).
    """
    groups = event.get("records") if isinstance(event, Mapping) else None
    if not isinstance(groups, Mapping) or not all(isinstance(g, list) for g in groups.values()):
        raise ValueError("not a Kafka event: 'records' must be an object of lists keyed by '<topic>-<partition>'")
    records: list[SourceRecord] = []
    unaddressable: list[str] = []
    for group, chunk in groups.items():
        for index, raw in enumerate(chunk):
            ref = _ref(str(group), raw)
            if ref is None:
                unaddressable.append(f"{str(group)[:300]!r}[{index}]")
            else:
                records.append(SourceRecord(ref, raw))
    records.sort(key=lambda record: record.ref)
    return Batch(records, unaddressable)


def batch_response(failed: Iterable[RecordRef]) -> BatchResponse:
    """The partial-batch response naming ``failed`` (deduplicated, in partition/offset order)."""
    return {"batchItemFailures": [{"itemIdentifier": ref.item_identifier()} for ref in sorted(set(failed))]}


def report_batch_item_failures_enabled(env: Mapping[str, str]) -> bool:
    """Whether the mapping has ``ReportBatchItemFailures`` (env ``REPORT_BATCH_ITEM_FAILURES``, default true).

    Without it Lambda ignores a ``batchItemFailures`` response and commits the whole batch, so a handler that
    runs under such a mapping must raise instead of reporting, or failed records are lost.
    """
    return env.get("REPORT_BATCH_ITEM_FAILURES", "true").strip().lower() not in {"0", "false", "no", "off"}


def respond(failed: list[RecordRef], env: Mapping[str, str]) -> BatchResponse:
    """The partial-batch response naming ``failed``, or :class:`BatchItemFailuresError` when the mapping cannot take
    one (see :func:`report_batch_item_failures_enabled`), so that failed records are never committed."""
    if failed and not report_batch_item_failures_enabled(env):
        raise BatchItemFailuresError(failed)
    return batch_response(failed)


class BatchItemFailuresError(RuntimeError):
    """Raised instead of returning failures when the mapping cannot take a partial-batch response."""

    def __init__(self, failed: list[RecordRef]) -> None:
        refs = ", ".join(r.label() for r in failed[:10])
        super().__init__(f"{len(failed)} record(s) failed and partial batch responses are off: {refs}")
        self.failed = failed
