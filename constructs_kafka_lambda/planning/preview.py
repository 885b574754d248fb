"""`preview_filters()`: which Kafka records would reach the function, which are dropped, and why.

Lambda's semantics for Kafka, as AWS documents them (Lambda Developer Guide, kafka-filtering.html, checked
December 2026):
- Only the record's `value` is filtered. Lambda decodes the value bytes as UTF-8 before filtering.
- A value that is valid JSON is matched by a pattern whose `value` is an object (`{"value": {"field": [...]}}`);
  a plain-string value by a pattern whose `value` is a list (`{"value": [{"anything-but": ["error"]}]}`).
- When the two do not agree (a plain string against an object pattern, JSON against a list pattern) or the value is
  not UTF-8, AWS's table says "Lambda filters (on the other metadata properties only) based on your filter
  criteria". Kafka filters have no other properties, so nothing is left to test and such a record is reported as
  passing, marked uncertain: AWS does not state that outcome in so many words.
- No filters: every record reaches the function. Several filters: a record passes if any one matches.

Records may be Kafka event records as Lambda delivers them (`{"topic", "partition", "offset", "value": <base64>}`,
or a whole event whose `"records"` maps "topic-partition" to lists of them), raw `bytes`, a `str` (the message text
itself), or any other JSON value (dicts, lists, numbers: the message is that value's JSON). Only a mapping with
all of `topic`, `partition`, `offset` and `value` is taken for an event record (its value must then be base64, as
Lambda delivers it); any other dict, even one with a `value` or `key` field, is a plain sample.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from .matcher import crosses_array, failing_conditions, matches

_EVENT_RECORD_FIELDS = frozenset({"topic", "partition", "offset", "value"})
_FORMS = {"json": "JSON", "string": "plain-string", "binary": "non-UTF-8", "absent": "empty (null)"}


@dataclass(frozen=True)
class RecordVerdict:
    """One record's fate. `certain` is False where AWS's documentation leaves the outcome open (see `reason`)."""

    index: int
    source: str
    passed: bool
    certain: bool
    matched_filter: int | None
    value_kind: str
    reason: str


@dataclass(frozen=True)
class FilterPreview:
    filters: tuple[dict[str, Any], ...]
    records: tuple[RecordVerdict, ...]

    @property
    def total(self) -> int:
        return len(self.records)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.records if r.passed)

    @property
    def dropped(self) -> int:
        return self.total - self.passed

    @property
    def uncertain(self) -> int:
        return sum(1 for r in self.records if not r.certain)

    @property
    def keep_ratio(self) -> float:
        """Share of records that reach the function (1.0 for an empty sample, as with no filters)."""
        return self.passed / self.total if self.total else 1.0

    def to_table(self, limit: int = 50) -> str:
        from .table import preview_table

        return preview_table(self, limit=limit)


@dataclass(frozen=True)
class _Message:
    source: str
    kind: str  # json | string | binary | absent
    value: Any


def preview_filters(filters: Any, records: Iterable[Any]) -> FilterPreview:
    """Run Lambda's Kafka filtering on sample records, offline.

    :param filters: filter patterns as dicts (`{"value": {...}}`), CDK's `FilterCriteria.filter(...)` output
        (`{"pattern": "<json>"}`), the API's `{"Filters": [{"Pattern": "<json>"}]}`, or a JSON string of these.
        Checked by the library's filter validator first (ConfigError on a pattern Lambda would reject).
    :param records: Kafka event records, whole Kafka events, or plain values (see the module docstring).
    """
    patterns = tuple(_validated(normalize_filters(filters)))
    verdicts = tuple(_verdict(index, message, patterns) for index, message in enumerate(_messages(records)))
    return FilterPreview(patterns, verdicts)


def normalize_filters(filters: Any) -> list[Any]:
    """Patterns as plain dicts, from any of the accepted shapes (left unchecked: the validator comes next)."""
    if filters is None:
        return []
    if isinstance(filters, (str, bytes)):
        return normalize_filters(json.loads(filters))
    if isinstance(filters, Mapping):
        if "Filters" in filters:
            return normalize_filters(filters["Filters"])
        if "filters" in filters:
            return normalize_filters(filters["filters"])
        return [_unwrap(filters)]
    return [_unwrap(item) for item in filters]


def _unwrap(item: Any) -> Any:
    if isinstance(item, Mapping) and len(item) == 1:
        ((key, text),) = item.items()
        if key in ("pattern", "Pattern") and isinstance(text, str):
            return json.loads(text)
    return item


def _validated(patterns: list[Any]) -> list[dict[str, Any]]:
    from ..mapping.filters import (
        validate_filters,  # the one import of the validator (it may move: change only this line)
    )

    return validate_filters(patterns)


# --- decoding records --------------------------------------------------------------------------------------------
def _messages(records: Iterable[Any]) -> Iterator[_Message]:
    if isinstance(records, (str, bytes, Mapping)):
        records = [records]
    for index, record in enumerate(records):
        if _is_event(record):
            for batch in record["records"].values():
                for item in batch:
                    yield _kafka_message(item, f"#{index}")
        elif _is_event_record(record):
            yield _kafka_message(record, f"#{index}")
        elif isinstance(record, bytes):
            yield _classify(record, f"#{index}")
        elif isinstance(record, str):
            yield _classify(record.encode("utf-8"), f"#{index}")
        else:
            yield _Message(f"#{index}", "json", record)


def _is_event_record(record: Any) -> bool:
    """A record as Lambda delivers it: topic, partition, offset and value all present (a sample with only some of
    them, e.g. `{"kind": "a", "key": "x", "value": "ok"}`, is a plain JSON sample)."""
    return isinstance(record, Mapping) and _EVENT_RECORD_FIELDS.issubset(record)


def _is_event(record: Any) -> bool:
    """A whole Kafka event: `records` maps each "topic-partition" to a list of event records."""
    batches = record.get("records") if isinstance(record, Mapping) else None
    return (
        isinstance(batches, Mapping)
        and bool(batches)
        and all(isinstance(batch, list) and all(_is_event_record(item) for item in batch) for batch in batches.values())
    )


def _kafka_message(record: Mapping[str, Any], fallback: str) -> _Message:
    source = fallback
    if "topic" in record and "partition" in record:
        source = f"{record['topic']}-{record['partition']}" + (f"@{record['offset']}" if "offset" in record else "")
    raw = record.get("value")
    if raw is None:
        return _Message(source, "absent", None)
    if isinstance(raw, bytes):
        return _classify(raw, source)
    try:
        data = base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ConfigError(
            f"records[{source}].value",
            raw,
            "a Kafka event record's value is base64 (as Lambda delivers it)",
            "pass the value base64-encoded, or pass the plain message (a str or a JSON value) instead of a record",
        ) from error
    return _classify(data, source)


def _classify(data: bytes, source: str) -> _Message:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _Message(source, "binary", None)
    try:
        return _Message(source, "json", json.loads(text, parse_constant=_reject))
    except ValueError:
        return _Message(source, "string", text)


def _reject(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# --- deciding ----------------------------------------------------------------------------------------------------
def _verdict(index: int, message: _Message, patterns: tuple[dict[str, Any], ...]) -> RecordVerdict:
    def verdict(passed: bool, certain: bool, matched: int | None, reason: str) -> RecordVerdict:
        return RecordVerdict(index, message.source, passed, certain, matched, message.kind, reason)

    if not patterns:
        return verdict(True, True, None, "no filters: every record reaches the function")
    document = {"value": message.value} if message.kind in ("json", "string") else {}
    outcomes = [_evaluate(pattern, message, document) for pattern in patterns]
    passing = [(number, outcome) for number, outcome in enumerate(outcomes, 1) if outcome[0]]
    if passing:
        number, (_, certain, note) = next(((n, o) for n, o in passing if o[1]), passing[0])
        return verdict(True, certain, number, f"matches filter {number}" + (f" ({note})" if note else ""))
    why = "; ".join(f"filter {number}: {outcome[2]}" for number, outcome in enumerate(outcomes, 1))
    return verdict(False, all(outcome[1] for outcome in outcomes), None, why)


def _evaluate(pattern: dict[str, Any], message: _Message, document: dict[str, Any]) -> tuple[bool, bool, str]:
    """(matches, certain, note) for one filter."""
    applied, ignored = _applicable(pattern, message.kind)
    ok = matches(applied, document)
    if ignored:
        note = (
            f"the value is {_FORMS[message.kind]} but the filter tests another form: per AWS's kafka-filtering "
            "table Lambda then applies only the filter's non-value conditions"
        )
        return ok, False, note
    if message.kind == "json" and crosses_array(applied, document):
        return ok, False, "the value has an array on a filtered path; moto's matcher does not look inside arrays"
    if ok:
        return True, True, ""
    return False, True, ", ".join(failing_conditions(applied, document)) or "no match"


def _applicable(pattern: Mapping[str, Any], kind: str) -> tuple[dict[str, Any], bool]:
    """The pattern without `value` conditions written for another form of value; and whether any were removed."""
    kept: dict[str, Any] = {}
    ignored = False
    for key, sub in pattern.items():
        if key == "$or":
            branches = []
            for branch in sub:
                reduced, dropped = _applicable(branch, kind)
                branches.append(reduced)
                ignored |= dropped
            kept[key] = branches
        elif key == "value" and ("json" if isinstance(sub, Mapping) else "string") != kind:
            ignored = True
        else:
            kept[key] = sub
    return kept, ignored
