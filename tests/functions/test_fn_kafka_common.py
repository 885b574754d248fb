"""kafka_common: reading the batch, decoding records strictly, and the field rules the handlers state."""

import base64
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kafka_common import (
    MAX_VALUE_BYTES,
    MalformedRecordError,
    RecordRef,
    SourceRecord,
    batch_response,
    decode_json_object,
    encode_json,
    read_batch,
    report_batch_item_failures_enabled,
)
from kafka_common.decoding import original_parts, parse_json_object
from kafka_common.fields import (
    format_utc,
    kafka_time,
    parse_date,
    parse_decimal,
    parse_number,
    parse_text,
    parse_utc_timestamp,
    require,
)
from kafka_fn_strategies import POISON_JSON, PROPERTY, header_lists, kafka_events, values
from kafka_fn_testkit import b64, header, kafka_record, msk_event, self_managed_event

COMMON_DIR = Path(__file__).resolve().parents[2] / "sample_app" / "functions" / "common"


def _source(**kwargs: Any) -> SourceRecord:
    raw = kafka_record("t", 0, 1, **kwargs)
    return SourceRecord(RecordRef("t", 0, 1), raw)


# ------------------------------------------------------------------------------------------------- the batch


def test_read_batch_orders_records_by_partition_and_offset_in_both_event_shapes() -> None:
    records = [kafka_record("a", 1, 7, {"n": 2}), kafka_record("a", 0, 6, {"n": 3}), kafka_record("a", 0, 5, {"n": 1})]
    for event in (msk_event(records), self_managed_event(records)):
        batch = read_batch(event)
        assert [r.ref for r in batch.records] == [RecordRef("a", 0, 5), RecordRef("a", 0, 6), RecordRef("a", 1, 7)]
        assert batch.unaddressable == []


def test_read_batch_sets_aside_records_without_coordinates() -> None:
    good = kafka_record("a", 0, 5, {"n": 1})
    event = {
        "records": {
            "a-0": [good, {"topic": "a", "partition": 0}, "junk", {**good, "partition": 1}, {**good, "offset": True}]
        }
    }
    batch = read_batch(event)
    assert [r.ref for r in batch.records] == [RecordRef("a", 0, 5)]
    assert batch.unaddressable == ["'a-0'[1]", "'a-0'[2]", "'a-0'[3]", "'a-0'[4]"]
    odd_topic = kafka_record("\ud83d", 0, 1, {"n": 1})
    batch = read_batch({"records": {"\ud83d-0": [odd_topic]}})
    assert batch.records == [] and batch.unaddressable == ["'\\ud83d-0'[0]"]
    assert batch.unaddressable[0].isascii()


@pytest.mark.parametrize("event", [{"Records": []}, {"records": []}, {"records": {"a-0": None}}, []])
def test_read_batch_rejects_what_is_not_a_kafka_event(event: Any) -> None:
    with pytest.raises(ValueError, match="not a Kafka event"):
        read_batch(event)


def test_batch_response_uses_the_kafka_item_identifier_shape() -> None:
    refs = [RecordRef("fleet", 2, 9), RecordRef("fleet", 0, 4), RecordRef("fleet", 2, 9)]
    assert batch_response(refs) == {
        "batchItemFailures": [
            {"itemIdentifier": {"partition": "fleet-0", "offset": 4}},
            {"itemIdentifier": {"partition": "fleet-2", "offset": 9}},
        ]
    }
    assert batch_response([]) == {"batchItemFailures": []}


def test_report_batch_item_failures_switch() -> None:
    assert report_batch_item_failures_enabled({})
    assert report_batch_item_failures_enabled({"REPORT_BATCH_ITEM_FAILURES": "true"})
    assert not report_batch_item_failures_enabled({"REPORT_BATCH_ITEM_FAILURES": "false"})
    assert not report_batch_item_failures_enabled({"REPORT_BATCH_ITEM_FAILURES": "0"})


# ------------------------------------------------------------------------------------------------- decoding


def test_decode_json_object_reads_key_value_and_headers_as_sent() -> None:
    decoded = decode_json_object(
        _source(
            value={"vehicle_id": "VH-1", "tire_pressure": 30.5},
            key="VH-1",
            headers=[header("traceparent", b"00-abc-01"), header("Content-Type", b"application/json")],
        )
    )
    assert decoded.ref == RecordRef("t", 0, 1)
    assert decoded.key == b"VH-1"
    assert decoded.value == {"vehicle_id": "VH-1", "tire_pressure": 30.5}
    assert decoded.headers == (("traceparent", b"00-abc-01"), ("Content-Type", b"application/json"))
    assert decoded.header("content-type") == b"application/json"
    assert decoded.timestamp_ms == 1_763_773_200_000


def test_java_signed_header_bytes_decode_to_the_same_bytes() -> None:
    rec = _source(value={"a": 1}, headers=[header("blob", bytes([0x01, 0xFF, 0x80]), signed=True)])
    assert rec.raw["headers"] == [{"blob": [1, -1, -128]}]
    assert decode_json_object(rec).header("blob") == bytes([0x01, 0xFF, 0x80])


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"not json at all", "not JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"\xed\xa0\xbd", "not UTF-8"),  # a surrogate encoded in UTF-8 bytes is not UTF-8
        (b"\xef\xbb\xbf{}", "not JSON"),  # BOM
        (b"[1, 2, 3]", "not an object"),
        (b'{"tire_pressure": NaN}', "NaN is not a JSON number"),
        (b'{"tire_pressure": -Infinity}', "-Infinity is not a JSON number"),
        (b'{"tire_pressure": 1e400}', "out of the range of a double"),
        (b'{"n": 1' + b"0" * 400 + b"}", "out of the range of a double"),
        (b'{"n": 1' + b"0" * 5000 + b"}", "not JSON"),
        (b'{"a": 1, "a": 2}', "duplicate member name"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (None, "no value"),
        (b"x" * (MAX_VALUE_BYTES + 1), "more than"),
    ],
)
def test_decode_json_object_names_the_reason_a_record_is_malformed(value: bytes | None, reason: str) -> None:
    with pytest.raises(MalformedRecordError, match=reason):
        decode_json_object(_source(value=value))


def test_small_and_large_finite_numbers_are_accepted() -> None:
    value = parse_json_object(b'{"tiny": 1e-400, "big": 1e308, "int": 12345678901234567890}')
    assert value == {"tiny": 0.0, "big": 1e308, "int": 12345678901234567890}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"value": "!!!not-base64!!!"}, "value is not valid base64"),
        ({"value": 42}, "value is not a base64 string"),
        ({"key": "%%"}, "key is not valid base64"),
        ({"key": 7}, "key is not a base64 string"),
        ({"headers": "junk"}, "headers are not a list"),
        ({"headers": ["junk"]}, "not objects"),
        ({"headers": [{"h": [300]}]}, "byte values"),
        ({"headers": [{"h": [True]}]}, "byte values"),
        ({"headers": [{"h": "text"}]}, "byte values"),
        ({"headers": [{"\ud83d": [1]}]}, "not valid Unicode"),
    ],
)
def test_bad_keys_values_and_headers_are_malformed(change: dict[str, Any], reason: str) -> None:
    raw = {**kafka_record("t", 0, 1, {"a": 1}), **change}
    with pytest.raises(MalformedRecordError, match=reason):
        decode_json_object(SourceRecord(RecordRef("t", 0, 1), raw))


def test_the_size_limit_is_on_the_decoded_value() -> None:
    at_limit = b'"' + b"x" * (MAX_VALUE_BYTES - 12) + b'"'
    rec = kafka_record("t", 0, 1, b'{"p":' + at_limit + b"}")
    assert len(base64.b64decode(rec["value"])) <= MAX_VALUE_BYTES
    assert decode_json_object(SourceRecord(RecordRef("t", 0, 1), rec)).value["p"].startswith("x")


def test_encode_json_refuses_what_it_could_not_encode_as_unicode() -> None:
    assert encode_json({"a": "é", "b": [1, 2.5]}) == '{"a":"é","b":[1,2.5]}'.encode()
    lone = parse_json_object(b'{"note": "\\ud83d"}')
    assert lone == {"note": "\ud83d"}  # valid JSON text, not Unicode
    with pytest.raises(MalformedRecordError, match="lone surrogate"):
        encode_json(lone)
    with pytest.raises(MalformedRecordError, match="cannot be re-encoded"):
        encode_json({"n": float("nan")})


@PROPERTY
@given(
    value=values(st.just(b"{}")),
    key=st.one_of(st.none(), st.binary().map(b64), st.text(), st.integers()),
    headers=st.one_of(st.none(), header_lists, st.text(), st.integers()),
)
def test_original_parts_never_raises(value: bytes | None, key: Any, headers: Any) -> None:
    raw = {**kafka_record("t", 0, 1, value), "key": key, "headers": headers}
    recovered_key, recovered_value, recovered_headers = original_parts(raw)
    assert recovered_value == value or (recovered_value is None and value is None)
    assert recovered_key is None or isinstance(recovered_key, bytes)
    for name, data in recovered_headers:
        name.encode("utf-8")
        assert isinstance(data, bytes)


@PROPERTY
@given(event=kafka_events("t", st.sampled_from(POISON_JSON)))
def test_decoding_any_record_either_succeeds_or_says_why(event: dict[str, Any]) -> None:
    for record in read_batch(event).records:
        try:
            decoded = decode_json_object(record)
        except MalformedRecordError as exc:
            assert exc.reason.encode("utf-8")  # fit for a log line, whatever the record held
        else:
            assert isinstance(decoded.value, dict)


# ------------------------------------------------------------------------------------------------- fields


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("VH-0001", True),
        ("é-😀", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("", False),
        (" VH", False),
        ("VH ", False),
        ("VH\n1", False),
        ("VH\x001", False),
        ("VH\u200b", False),  # zero-width space: a format character
        ("\ud83d", False),  # lone surrogate
        (5, False),
        (None, False),
    ],
)
def test_text_rule(text: Any, ok: bool) -> None:
    assert (parse_text(text) is not None) is ok


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (30, 30.0),
        (0, 0.0),
        (150, 150.0),
        (150.00000000000003, None),
        (-0.1, None),
        (True, None),
        ("31", None),
        (float("nan"), None),
        (float("inf"), None),
        (10**400, None),
    ],
)
def test_number_rule(item: Any, expected: float | None) -> None:
    assert parse_number(item, low=0, high=150) == expected


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (215.5, Decimal("215.5")),
        (0.1, Decimal("0.1")),
        (10, Decimal(10)),
        (1e9, Decimal("1000000000.0")),
        (1e9 + 1, None),
        (0, None),
        (5e-324, Decimal("5E-324")),
        (1e308, None),
        (float("nan"), None),
        (True, None),
    ],
)
def test_decimal_rule_keeps_the_number_as_written(item: Any, expected: Decimal | None) -> None:
    assert parse_decimal(item, low=Decimal(0), high=Decimal(10**9)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("2024-02-29", date(2024, 2, 29)),
        ("2026-02-29", None),
        ("20261201", None),  # date.fromisoformat accepts it
        ("2026-W48-2", None),  # date.fromisoformat accepts it
        ("2026W482", None),  # date.fromisoformat accepts it
        ("2026-335", None),
        ("2026-12-1", None),
        ("\u0662\u0660\u0662\u0666-\u0661\u0662-\u0660\u0661", None),  # Arabic-Indic digits: \\d would match them
        ("2026-12-01T00:00:00", None),
        (" 2026-12-01", None),
        ("0000-01-01", None),
        (20261201, None),
        (None, None),
    ],
)
def test_date_rule_is_exactly_yyyy_mm_dd(text: Any, expected: date | None) -> None:
    assert parse_date(text) == expected
    if isinstance(text, str) and text in {"20261201", "2026-W48-2", "2026W482"}:
        assert date.fromisoformat(text)  # what the rule is stricter than


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-22T01:00:31Z", datetime(2025, 11, 22, 1, 0, 31, tzinfo=UTC)),
        ("2025-11-22T01:00:31.5Z", datetime(2025, 11, 22, 1, 0, 31, 500_000, tzinfo=UTC)),
        ("2025-11-22T01:00:31.123456Z", datetime(2025, 11, 22, 1, 0, 31, 123_456, tzinfo=UTC)),
        ("2025-11-22T01:00:31.1234567Z", None),
        ("2025-11-22T01:00:31+00:00", None),
        ("2025-11-22T01:00:31z", None),
        ("2025-11-22 01:00:31Z", None),
        ("2025-11-22T24:00:00Z", None),
        ("2025-11-22T23:59:60Z", None),
        ("20251122T010031Z", None),
        (1_763_773_231, None),
    ],
)
def test_utc_timestamp_rule(text: Any, expected: datetime | None) -> None:
    assert parse_utc_timestamp(text) == expected


def test_one_spelling_per_instant() -> None:
    assert format_utc(datetime(2025, 11, 22, 1, 0, 31, tzinfo=UTC)) == "2025-11-22T01:00:31.000Z"
    assert format_utc(datetime(2025, 11, 22, 1, 0, 31, 500_000, tzinfo=UTC)) == "2025-11-22T01:00:31.500Z"
    assert format_utc(datetime(2025, 11, 22, 1, 0, 31, 123_456, tzinfo=UTC)) == "2025-11-22T01:00:31.123456Z"
    spellings = ["2025-11-22T01:00:31Z", "2025-11-22T01:00:31.0Z", "2025-11-22T01:00:31.000000Z"]
    assert {format_utc(parse_utc_timestamp(s)) for s in spellings} == {"2025-11-22T01:00:31.000Z"}  # type: ignore[arg-type]


def test_kafka_time() -> None:
    assert kafka_time(1_763_773_200_000) == datetime(2025, 11, 22, 1, 0, tzinfo=UTC)
    assert kafka_time(253_402_300_799_999) == datetime(9999, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC)
    assert kafka_time(253_402_300_800_000) is None
    assert kafka_time(-1) is None
    assert kafka_time(None) is None


def test_require_names_the_field_and_rule() -> None:
    assert require({"a": "x"}, "a", parse_text, "text") == "x"
    with pytest.raises(MalformedRecordError, match="field 'a' must be text"):
        require({}, "a", parse_text, "text")


def test_kafka_common_does_not_import_kafka_python() -> None:
    """The alerter ships without kafka-python: importing kafka_common and its fields must not need it."""
    code = "import sys, kafka_common, kafka_common.fields; assert 'kafka' not in sys.modules; print('ok')"
    env = {**os.environ, "PYTHONPATH": str(COMMON_DIR)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
