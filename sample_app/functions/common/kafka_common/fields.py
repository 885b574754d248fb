"""The field rules the sample's handlers state in their docstrings, each in one place.

Why this module exists: "strict parsing" only means something if every handler applies the same, exactly stated
rule to the same kind of field, and a test can check the rule once. Each ``parse_*`` returns the parsed value or
None (the settlement handler collects problems into a ``Rejected`` outcome); :func:`require` turns a None into
:class:`MalformedRecordError` for handlers that skip a record instead.

- text: a ``str`` of 1..``max_chars`` characters, all printable (``str.isprintable``: no control or format
  characters, no line breaks, no lone surrogates, no unassigned code points), without leading or trailing spaces.
  Such text encodes to UTF-8 and is legal in XML 1.0, so it is safe as a Kafka key, an SNS attribute or a log field.
- number: a JSON number (``bool`` is not one), finite as a double, within ``[low, high]``.
- UTC timestamp: exactly ``YYYY-MM-DDTHH:MM:SS[.f]Z`` with 1..6 fraction digits, ASCII digits, upper-case ``T`` and
  ``Z`` (no offsets, no week or ordinal dates, no leap second), a real calendar instant.
- date: exactly ``YYYY-MM-DD`` with ASCII digits, a real calendar date. ``date.fromisoformat`` also accepts
  ``20261201``, ``2026-W48-2`` and ``2026W482`` (Python 3.11+); this does not.
- Kafka timestamp: an integer number of milliseconds from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.
"""

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from .records import MalformedRecordError

T = TypeVar("T")

_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?Z")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_KAFKA_TIMESTAMP_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def parse_text(item: Any, *, max_chars: int = 64) -> str | None:
    if not isinstance(item, str) or not 1 <= len(item) <= max_chars:
        return None
    if not item.isprintable() or item != item.strip():
        return None
    return item


def parse_number(item: Any, *, low: float, high: float) -> float | None:
    if isinstance(item, bool) or not isinstance(item, int | float):
        return None
    try:
        number = float(item)
    except OverflowError:  # an int beyond the range of a double
        return None
    if not math.isfinite(number) or not low <= number <= high:
        return None
    return number


def parse_decimal(item: Any, *, low: Decimal, high: Decimal) -> Decimal | None:
    """A JSON number as the exact decimal it was written as (a double's shortest repr), within ``(low, high]``."""
    if parse_number(item, low=-math.inf, high=math.inf) is None:
        return None
    number = Decimal(item) if isinstance(item, int) else Decimal(repr(item))
    return number if low < number <= high else None


def parse_utc_timestamp(item: Any) -> datetime | None:
    match = _TIMESTAMP.fullmatch(item) if isinstance(item, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def parse_date(item: Any) -> date | None:
    match = _DATE.fullmatch(item) if isinstance(item, str) else None
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def kafka_time(timestamp_ms: int | None) -> datetime | None:
    """A record's Kafka timestamp as a UTC datetime, or None when absent or out of range."""
    if timestamp_ms is None or not 0 <= timestamp_ms <= MAX_KAFKA_TIMESTAMP_MS:
        return None
    return _EPOCH + timedelta(milliseconds=timestamp_ms)


def format_utc(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ`` (microseconds only when they are not whole milliseconds): one spelling per
    instant, so that values derived from it (idempotency keys, output bytes) are the same for equal instants."""
    spec = "milliseconds" if moment.microsecond % 1000 == 0 else "microseconds"
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def require(value: Mapping[str, Any], name: str, parse: Callable[[Any], T | None], rule: str) -> T:
    """``parse(value[name])``, or :class:`MalformedRecordError` saying the field must be ``rule``."""
    parsed = parse(value.get(name))
    if parsed is None:
        raise MalformedRecordError(f"field {name!r} must be {rule}")
    return parsed
