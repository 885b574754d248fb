"""Hypothesis strategies for the records a Kafka mapping can hand a function: any key, value and headers a
producer can write, in the MSK (``aws:kafka``) and self-managed (``SelfManagedKafka``) event shapes.

Values mix raw bytes, JSON texts that are edge cases on purpose (lone surrogates, ``NaN``, ``1e400``, duplicate
names, deep nesting, numbers that overflow a decimal context) and objects shaped like the handlers' inputs whose
fields are drawn from the same edge cases. Some are oversized, some are tombstones, some keys and header bytes
are not what Lambda would send.
"""

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from kafka_fn_testkit import RECORD_TIMESTAMP_MS, b64, kafka_record, msk_event, self_managed_event

#: Handler properties: fast enough for the suite's budget, with fixtures reused across examples.
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

LONE_SURROGATES = ["\ud83d", "\ude00", "x\udfffy", "\ud800\ud800"]
POISON_JSON = [
    b"NaN",
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"a": -Infinity}',
    b'{"a": 1e400}',
    b'{"a": -1e400}',
    b'{"a": 1e-400}',
    b'{"a": 1' + b"0" * 400 + b"}",
    b'{"a": 1' + b"0" * 5000 + b"}",
    b'{"a": 1, "a": 2}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 40_000 + b"1" + b"}" * 40_000,
    b'{"vehicle_id": "\\ud83d", "timestamp": "2025-11-22T01:00:00Z", "tire_pressure": 25}',
    b'{"vehicle_id": "VH-1", "timestamp": "2025-11-22T01:00:00Z", "tire_pressure": 25, "note": "\\ud83d"}',
    b'{"vehicle_id": "VH-1", "timestamp": "2025-11-22T01:00:00Z", "tire_pressure": 25, "\\udfff": 1}',
    b'{"trade_id": "\\ud83d", "user_id": "U", "symbol": "S", "side": "BUY", "quantity": 1, "price": 1}',
    b'{"trade_id": "T", "user_id": "U", "symbol": "S", "side": "BUY", "quantity": 1e308, "price": 1e308}',
    b'{"trade_id": "T", "user_id": "U", "symbol": "S", "side": "BUY", "quantity": 1E999999999, "price": 2}',
    b'{"trade_id": "T", "user_id": "U", "symbol": "S", "side": "BUY", "quantity": 5e-324, "price": 1e-320}',
    b"\xef\xbb\xbf{}",
    b"\xed\xa0\xbd",
    b'"just a string"',
    b"null",
    b"",
]
EDGE_NUMBERS = [0, -0.0, 1e308, -1e308, 5e-324, 2**53 + 1, 10**400, 31.999999999999996, 150, 150.00000000000003]
EDGE_TEXT = [
    "",
    " ",
    " VH-1",
    "VH-1 ",
    "\x00",
    "\u200b",
    "\ufeff",
    "é",
    "😀",
    "\n",
    "a" * 65,
    "a" * 64,
    *LONE_SURROGATES,
]
EDGE_DATES = [
    "2026-12-01",
    "20261201",
    "2026-W48-2",
    "2026-335",
    "2026-02-30",
    "2026-1-1",
    "\u0662\u0660\u0662\u0666-\u0661\u0662-\u0660\u0661",
    "2026-12-01T00:00:00",
]
EDGE_TIMESTAMPS = [
    "2025-11-22T01:00:00Z",
    "2025-11-22T01:00:00.000Z",
    "2025-11-22T01:00:00.123456Z",
    "2025-11-22T01:00:00.1234567Z",
    "2025-11-22T01:00:00+00:00",
    "2025-11-22 01:00:00Z",
    "2025-11-22T24:00:00Z",
    "2025-11-22T23:59:60Z",
    "20251122T010000Z",
]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(EDGE_NUMBERS),
    st.text(max_size=12),
    st.sampled_from(EDGE_TEXT + EDGE_DATES + EDGE_TIMESTAMPS),
)


def _json_text(obj: Any) -> bytes:
    # ensure_ascii writes lone surrogates as \\uXXXX escapes and allow_nan writes NaN/Infinity: both on purpose.
    return json.dumps(obj, ensure_ascii=True, allow_nan=True).encode("ascii")


def shaped_values(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[bytes]:
    """JSON objects with the handler's fields: all plausible, or each a plausible value or an edge case or absent."""
    members = {name: st.one_of(strategy, json_scalars) for name, strategy in fields.items()}
    plausible = st.fixed_dictionaries(fields)
    return st.one_of(plausible, plausible, st.fixed_dictionaries({}, optional=members)).map(_json_text)


def values(shaped: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes | None]:
    return st.one_of(
        shaped,
        shaped,
        st.none(),
        st.binary(max_size=40),
        st.sampled_from(POISON_JSON),
        st.dictionaries(st.text(max_size=5), json_scalars, max_size=4).map(_json_text),
        st.just(b'{"pad": "' + b"x" * (256 * 1024) + b'"}'),
    )


def _b64_or_junk(data: bytes | None) -> st.SearchStrategy[Any]:
    if data is None:
        return st.none()
    return st.one_of(st.just(b64(data)), st.just(b64(data)), st.just(b64(data)), st.sampled_from(["!!", "abc", 5, []]))


header_lists = st.lists(
    st.dictionaries(
        st.one_of(st.text(max_size=8), st.sampled_from(LONE_SURROGATES)),
        st.one_of(
            st.lists(st.integers(min_value=-128, max_value=255), max_size=8),
            st.lists(st.integers(min_value=-1000, max_value=1000), max_size=3),
            st.sampled_from(["text", None, [True], [1.5]]),
        ),
        max_size=2,
    ),
    max_size=3,
)


clean_headers = st.lists(
    st.dictionaries(st.text(max_size=8), st.lists(st.integers(min_value=-128, max_value=255), max_size=8), max_size=2),
    max_size=3,
)


@st.composite
def raw_record(
    draw: st.DrawFn, topic: str, partition: int, offset: int, shaped: st.SearchStrategy[bytes]
) -> dict[str, Any]:
    """Two times in three a record as a well-behaved producer writes it (its value still shaped or edge-case),
    else anything: junk base64, odd headers, missing or odd timestamps, poison values."""
    if draw(st.sampled_from(["clean", "clean", "anything"])) == "clean":
        record = kafka_record(topic, partition, offset, draw(shaped), headers=draw(clean_headers))
        key = draw(st.one_of(st.none(), st.binary(max_size=16)))
        if key is not None:
            record["key"] = b64(key)
        return record
    value = draw(values(shaped))
    record: dict[str, Any] = {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "timestamp": draw(
            st.one_of(
                st.just(RECORD_TIMESTAMP_MS), st.integers(0, 253_402_300_799_999), st.sampled_from([-1, None, "x"])
            )
        ),
        "timestampType": "CREATE_TIME",
        "value": draw(_b64_or_junk(value)),
        "headers": draw(st.one_of(st.just([]), header_lists, st.sampled_from([None, "junk"]))),
    }
    key = draw(
        st.one_of(
            st.none(),
            st.binary(max_size=16),
            st.sampled_from([b"VH-0001", b"\xff\xfe", "\ud83d".encode("utf-8", "surrogatepass")]),
        )
    )
    if key is not None:
        record["key"] = draw(_b64_or_junk(key))
    elif draw(st.booleans()):
        record["key"] = None
    return record


@st.composite
def kafka_events(
    draw: st.DrawFn, topic: str, shaped: st.SearchStrategy[bytes], *, max_records: int = 8
) -> dict[str, Any]:
    """An MSK or self-managed event: records over up to 3 partitions, offsets increasing within each."""
    count = draw(st.integers(min_value=0, max_value=max_records))
    next_offset = {p: draw(st.integers(0, 10**12)) for p in range(3)}
    records = []
    for _ in range(count):
        partition = draw(st.integers(0, 2))
        records.append(draw(raw_record(topic, partition, next_offset[partition], shaped)))
        next_offset[partition] += draw(st.integers(1, 3))
    builder = draw(st.sampled_from([msk_event, self_managed_event]))
    return builder(records)


def all_refs(event: dict[str, Any]) -> set[tuple[str, int, int]]:
    return {(r["topic"], r["partition"], r["offset"]) for chunk in event["records"].values() for r in chunk}
