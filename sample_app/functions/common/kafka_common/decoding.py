"""Decoding a record's key, value and headers, strictly, so that no bytes a producer can send crash a batch.

Why this module exists: a Kafka record is whatever bytes its producer wrote. Each decoder here either returns a
well-formed result or raises :class:`MalformedRecordError` with a reason fit for a log line (it never quotes the
record's content, which may not even be printable). ``original_parts`` is the one total function: it recovers
whatever can be recovered, for a dead-letter copy of a record that could not be decoded.

The JSON accepted by :func:`parse_json_object` is I-JSON (RFC 7493) minus the string check: UTF-8, an object at
the top, no duplicate member names, numbers that are finite IEEE-754 doubles (``NaN``, ``Infinity`` and ``1e400``
are rejected, as is an integer too large for a double). Nesting deep enough to exhaust the interpreter's recursion
is rejected rather than crashing. Strings may still hold lone surrogates (``"\\ud83d"`` is valid JSON text but
not Unicode): fields a handler uses are checked by ``kafka_common.fields``, and a handler that re-encodes a whole
value must encode it with :func:`encode_json` (which rejects them).
"""

import base64
import binascii
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .records import MalformedRecordError, RecordRef, SourceRecord

#: Values larger than this (decoded) are treated as malformed. Kafka's default max.message.bytes is ~1 MiB and a
#: Lambda batch is capped at 6 MB, so a record this large is almost certainly a producer bug, not telemetry.
MAX_VALUE_BYTES = 256 * 1024

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class JsonRecord:
    """A record whose value decoded to a JSON object.

    ``headers`` keeps the producer's names (case and order) and repeated names, unlike Powertools'
    ``decoded_headers`` (a lower-cased dict), so that a consumer can forward them unchanged.
    """

    ref: RecordRef
    key: bytes | None
    value: dict[str, Any]
    headers: Headers = ()
    timestamp_ms: int | None = None

    def header(self, name: str) -> bytes | None:
        """The last header called ``name`` (case-insensitive), or None."""
        found = [value for key, value in self.headers if key.lower() == name.lower()]
        return found[-1] if found else None


def _decoded_size(b64: str) -> int:
    return len(b64) * 3 // 4 - b64[-2:].count("=")


def _b64(raw: Any, what: str) -> bytes:
    if not isinstance(raw, str):
        raise MalformedRecordError(f"{what} is not a base64 string")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedRecordError(f"{what} is not valid base64") from exc


def decode_key(raw: Mapping[str, Any]) -> bytes | None:
    """The record's key bytes; None when the record has no key."""
    value = raw.get("key")
    return None if value is None else _b64(value, "key")


def value_text(raw: Mapping[str, Any], *, max_value_bytes: int = MAX_VALUE_BYTES) -> str:
    """The value's base64 text, once it is known not to be a tombstone nor larger than ``max_value_bytes`` decoded
    (checked on the text, so an oversized value costs nothing to refuse)."""
    value = raw.get("value")
    if value is None:
        raise MalformedRecordError("record has no value (tombstone)")
    if not isinstance(value, str):
        raise MalformedRecordError("value is not a base64 string")
    size = _decoded_size(value)
    if size > max_value_bytes:
        raise MalformedRecordError(f"value is {size} bytes, more than the {max_value_bytes} allowed")
    return value


def decode_value(raw: Mapping[str, Any], *, max_value_bytes: int = MAX_VALUE_BYTES) -> bytes:
    """The record's value bytes (:func:`value_text`, then strict base64)."""
    return _b64(value_text(raw, max_value_bytes=max_value_bytes), "value")


def _header_byte(value: Any) -> int:
    # Lambda renders header bytes as numbers; Java producers' bytes arrive signed (-128..127).
    if isinstance(value, bool) or not isinstance(value, int) or not -128 <= value <= 255:
        raise MalformedRecordError("header values must be lists of byte values (-128..255)")
    return value & 0xFF


def _header_name(name: Any) -> str:
    if not isinstance(name, str):
        raise MalformedRecordError("header names must be strings")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedRecordError("a header name is not valid Unicode (lone surrogate)") from exc
    return name


def decode_headers(raw: Mapping[str, Any]) -> Headers:
    """``[{"name": [byte, ...]}, ...]`` to ``((name, bytes), ...)``, in order, repeated names kept."""
    chunks = raw.get("headers")
    if chunks is None:
        return ()
    if not isinstance(chunks, list):
        raise MalformedRecordError("headers are not a list")
    decoded: list[tuple[str, bytes]] = []
    for chunk in chunks:
        if not isinstance(chunk, Mapping):
            raise MalformedRecordError("headers are not objects of byte lists")
        for name, values in chunk.items():
            if not isinstance(values, list):
                raise MalformedRecordError("header values must be lists of byte values (-128..255)")
            decoded.append((_header_name(name), bytes(_header_byte(v) for v in values)))
    return tuple(decoded)


def _float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError("number out of the range of a double")
    return number


def _int(text: str) -> int:
    number = int(text)  # more than 4300 digits: ValueError (Python's int/str conversion limit)
    if abs(number) > sys.float_info.max:
        raise ValueError("integer out of the range of a double")
    return number


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate member name")
    return obj


def parse_json_object(data: bytes) -> dict[str, Any]:
    """A UTF-8 JSON object under the rules in the module docstring, or :class:`MalformedRecordError`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRecordError(f"value is not UTF-8: {exc.reason} at byte {exc.start}") from exc
    try:
        value = json.loads(
            text,
            parse_float=_float,
            parse_int=_int,
            parse_constant=_constant,
            object_pairs_hook=_unique_members,
        )
    except RecursionError as exc:
        raise MalformedRecordError("value is JSON nested too deeply") from exc
    except ValueError as exc:
        raise MalformedRecordError(f"value is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise MalformedRecordError(f"value is JSON {type(value).__name__}, not an object")
    return value


def decode_json_object(record: SourceRecord, *, max_value_bytes: int = MAX_VALUE_BYTES) -> JsonRecord:
    """Key, headers and a JSON-object value, or :class:`MalformedRecordError` naming what is wrong."""
    value = parse_json_object(decode_value(record.raw, max_value_bytes=max_value_bytes))
    return JsonRecord(
        ref=record.ref,
        key=decode_key(record.raw),
        value=value,
        headers=decode_headers(record.raw),
        timestamp_ms=record.timestamp_ms,
    )


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON of ``value``, or :class:`MalformedRecordError` if it holds a string that is not Unicode
    (a lone surrogate) or nesting too deep to encode: such a value must not be forwarded."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedRecordError("value holds a string that is not valid Unicode (lone surrogate)") from exc
    except (RecursionError, ValueError) as exc:
        raise MalformedRecordError(f"value cannot be re-encoded as JSON: {type(exc).__name__}") from exc


def original_parts(raw: Mapping[str, Any]) -> tuple[bytes | None, bytes | None, Headers]:
    """Key, value and headers as far as they decode (None / left out where they do not): never raises.
    For a dead-letter copy of a record whose decoding failed."""
    parts: list[bytes | None] = []
    for name in ("key", "value"):
        try:
            parts.append(_b64(raw.get(name), name) if raw.get(name) is not None else None)
        except MalformedRecordError:
            parts.append(None)
    headers: list[tuple[str, bytes]] = []
    chunks = raw.get("headers")
    for chunk in chunks if isinstance(chunks, list) else []:
        for name, values in chunk.items() if isinstance(chunk, Mapping) else ():
            try:
                if isinstance(values, list):
                    headers.append((_header_name(name), bytes(_header_byte(v) for v in values)))
            except MalformedRecordError:
                continue
    return parts[0], parts[1], tuple(headers)
