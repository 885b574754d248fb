"""Tests for the filter preview (constructs_kafka_lambda.planning.preview) and its matcher (moto's, gaps filled).

The table of documented examples comes from the AWS Lambda Developer Guide ("Filter rule syntax" in
invocation-eventfiltering.html; kafka-filtering.html) and the EventBridge User Guide (eb-create-pattern-operators.html):
each row is a pattern, a record value and the outcome those pages state. The matcher is also tested differentially:
every pattern the library's validator accepts must evaluate, and equality / anything-but must behave as defined.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aws_cdk import aws_lambda as lambda_
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from constructs_kafka_lambda.errors import ConfigError
from constructs_kafka_lambda.planning import preview_filters

LOW_PRESSURE = {"value": {"tire_pressure": [{"numeric": ["<", 32]}]}}

# (name, pattern under "value", record value, passes?) -- outcomes as the AWS pages state them.
DOCUMENTED: list[tuple[str, Any, Any, bool]] = [
    # invocation-eventfiltering.html, "Filter rule syntax"
    ("null matches null", {"UserID": [None]}, {"UserID": None}, True),
    ("null does not match a value", {"UserID": [None]}, {"UserID": "u1"}, False),
    ("null does not match a missing field", {"UserID": [None]}, {}, False),
    ("empty matches empty string", {"LastName": [""]}, {"LastName": ""}, True),
    ("empty does not match a name", {"LastName": [""]}, {"LastName": "Doe"}, False),
    ("equals", {"Name": ["Alice"]}, {"Name": "Alice"}, True),
    ("equals is case-sensitive", {"Name": ["Alice"]}, {"Name": "alice"}, False),
    ("equals-ignore-case", {"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "ALICE"}, True),
    ("and: both", {"Location": ["New York"], "Day": ["Monday"]}, {"Location": "New York", "Day": "Monday"}, True),
    ("and: one", {"Location": ["New York"], "Day": ["Monday"]}, {"Location": "New York", "Day": "Friday"}, False),
    ("or within a field", {"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Debit"}, True),
    ("or within a field, neither", {"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Cash"}, False),
    ("$or across fields", {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]}, {"Day": "Monday"}, True),
    ("$or, neither", {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]}, {"Day": "Friday"}, False),
    ("not", {"Weather": [{"anything-but": ["Raining"]}]}, {"Weather": "Sunny"}, True),
    ("not, the excluded value", {"Weather": [{"anything-but": ["Raining"]}]}, {"Weather": "Raining"}, False),
    ("numeric equals", {"Price": [{"numeric": ["=", 100]}]}, {"Price": 100}, True),
    ("numeric equals 100.0", {"Price": [{"numeric": ["=", 100]}]}, {"Price": 100.0}, True),
    ("numeric equals, other", {"Price": [{"numeric": ["=", 100]}]}, {"Price": 101}, False),
    ("numeric range, upper bound in", {"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 20}, True),
    ("numeric range, lower bound out", {"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 10}, False),
    ("numeric does not match a string", {"Price": [{"numeric": ["=", 100]}]}, {"Price": "100"}, False),
    ("exists", {"ProductName": [{"exists": True}]}, {"ProductName": "Widget"}, True),
    ("exists, missing", {"ProductName": [{"exists": True}]}, {"Other": 1}, False),
    ("does not exist", {"ProductName": [{"exists": False}]}, {"Other": 1}, True),
    ("does not exist, present", {"ProductName": [{"exists": False}]}, {"ProductName": "Widget"}, False),
    ("begins with", {"Region": [{"prefix": "us-"}]}, {"Region": "us-east-1"}, True),
    ("begins with, other", {"Region": [{"prefix": "us-"}]}, {"Region": "eu-west-1"}, False),
    ("ends with", {"FileName": [{"suffix": ".png"}]}, {"FileName": "photo.png"}, True),
    ("ends with, other", {"FileName": [{"suffix": ".png"}]}, {"FileName": "photo.jpg"}, False),
    # eb-create-pattern-operators.html
    (
        "prefix ignoring case",
        {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]},
        {"service": "eventbridge"},
        True,
    ),
    ("suffix ignoring case", {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"FileName": "a.PNG"}, True),
    ("anything-but numbers", {"x-limit": [{"anything-but": [100, 200, 300]}]}, {"x-limit": 200}, False),
    ("anything-but numbers, other", {"x-limit": [{"anything-but": [100, 200, 300]}]}, {"x-limit": 400}, True),
    ("anything-but a string", {"state": [{"anything-but": "initializing"}]}, {"state": "pending"}, True),
    ("array value: any element", {"resources": ["arn1"]}, {"resources": ["arn0", "arn1"]}, True),
    ("exists is for leaves only", {"state": [{"exists": True}]}, {"state": {"status": "running"}}, False),
    # kafka-filtering.html
    ("doc: device_ID prefix AB", {"device_ID": [{"prefix": "AB"}]}, {"device_ID": "AB1234"}, True),
    ("doc: device_ID prefix AB, other", {"device_ID": [{"prefix": "AB"}]}, {"device_ID": "CD5678"}, False),
    ("doc: nested session.duration", {"session": {"duration": [162]}}, {"session": {"duration": 162}}, True),
    # booleans (moto's gap, filled): true only equals true
    ("true equals true", {"active": [True]}, {"active": True}, True),
    ("true is not 1", {"active": [True]}, {"active": 1}, False),
    ("1 is not true", {"active": [1]}, {"active": True}, False),
    ("numeric skips booleans", {"active": [{"numeric": [">", 0]}]}, {"active": True}, False),
]


@pytest.mark.parametrize(("name", "pattern", "value", "expected"), DOCUMENTED, ids=[row[0] for row in DOCUMENTED])
def test_documented_examples(name: str, pattern: Any, value: Any, expected: bool) -> None:
    (verdict,) = preview_filters([{"value": pattern}], [value]).records
    assert verdict.passed is expected
    assert verdict.certain


def _record(value: bytes, offset: int = 15, partition: int = 0) -> dict[str, Any]:
    """A record as Lambda delivers it (kafka-filtering.html's example shape)."""
    return {
        "topic": "mytopic",
        "partition": partition,
        "offset": offset,
        "timestamp": 1545084650987,
        "timestampType": "CREATE_TIME",
        "value": base64.b64encode(value).decode(),
        "headers": [],
    }


def test_plain_string_values_with_the_documented_plain_string_filter() -> None:
    # kafka-filtering.html: {"value": [{"anything-but": ["error"]}]}; its example value is "Hello, this is a test."
    doc_value = "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg=="
    records = [{**_record(b""), "value": doc_value}, _record(b"error", 16)]
    result = preview_filters([{"value": [{"anything-but": ["error"]}]}], records)
    assert [(r.source, r.passed, r.certain, r.value_kind) for r in result.records] == [
        ("mytopic-0@15", True, True, "string"),
        ("mytopic-0@16", False, True, "string"),
    ]


def test_form_mismatch_and_undecodable_values_pass_as_aws_documents_but_uncertain() -> None:
    # kafka-filtering.html's table: plain string vs JSON pattern, JSON vs plain-string pattern and non-UTF-8 values:
    # "Lambda filters (on the other metadata properties only)"; a Kafka filter has none, so nothing is tested.
    result = preview_filters(
        [LOW_PRESSURE], [_record(b"not json"), _record(b"\xff\xfe\x00", 16), {**_record(b""), "value": None}]
    )
    assert [(r.passed, r.certain, r.value_kind) for r in result.records] == [
        (True, False, "string"),
        (True, False, "binary"),
        (True, False, "absent"),
    ]
    assert "kafka-filtering" in result.records[0].reason
    json_vs_string = preview_filters([{"value": [{"anything-but": ["error"]}]}], [{"tire_pressure": 30}])
    assert json_vs_string.records[0].passed and not json_vs_string.records[0].certain


def test_kafka_records_whole_events_and_plain_values() -> None:
    low, high = json.dumps({"tire_pressure": 29.5}).encode(), json.dumps({"tire_pressure": 33.1}).encode()
    event = {"eventSource": "aws:kafka", "records": {"mytopic-0": [_record(low, 1), _record(high, 2)]}}
    result = preview_filters([LOW_PRESSURE], [event, {"tire_pressure": 31.9}, '{"tire_pressure": 40}', low])
    assert [(r.source, r.passed) for r in result.records] == [
        ("mytopic-0@1", True),
        ("mytopic-0@2", False),
        ("#1", True),
        ("#2", False),
        ("#3", True),
    ]
    assert result.records[1].reason == 'filter 1: value.tire_pressure is 33.1, not [{"numeric": ["<", 32]}]'
    assert (result.total, result.passed, result.dropped, result.uncertain) == (5, 3, 2, 0)
    assert result.keep_ratio == pytest.approx(3 / 5)


def test_any_filter_matching_lets_a_record_through() -> None:
    filters = [{"value": {"kind": ["a"]}}, {"value": {"kind": ["b"]}}]
    result = preview_filters(filters, [{"kind": "b"}, {"kind": "c"}])
    assert result.records[0].matched_filter == 2
    assert (
        result.records[1].reason.startswith('filter 1: value.kind is "c"') and "filter 2:" in result.records[1].reason
    )


def test_no_filters_pass_everything() -> None:
    result = preview_filters([], [{"a": 1}, b"\xff", "text"])
    assert result.passed == 3 and result.uncertain == 0


def test_filter_shapes_accepted() -> None:
    cdk_shape = lambda_.FilterCriteria.filter(LOW_PRESSURE)  # {"pattern": "<json>"}
    api_shape = {"Filters": [{"Pattern": json.dumps(LOW_PRESSURE)}]}
    for shape in ([cdk_shape], api_shape, json.dumps([LOW_PRESSURE]), LOW_PRESSURE):
        result = preview_filters(shape, [{"tire_pressure": 30}, {"tire_pressure": 35}])
        assert [r.passed for r in result.records] == [True, False]
        assert result.filters == (LOW_PRESSURE,)


def test_patterns_lambda_rejects_are_config_errors() -> None:
    with pytest.raises(ConfigError) as error:
        preview_filters([{"key": {"a": [1]}}], [{"a": 1}])
    assert error.value.prop == "filters[0].key"
    with pytest.raises(ConfigError) as bad:
        preview_filters([LOW_PRESSURE], [{"topic": "t", "partition": 0, "offset": 7, "value": "%%% not base64"}])
    assert bad.value.prop == "records[t-0@7].value"


def test_a_plain_sample_with_a_value_field_is_a_plain_sample() -> None:
    # Only a record with topic, partition, offset and value is an event record (base64 value); a sample that merely
    # has a `value` (and a `key`, or a `topic`) field is the message itself, filtered as JSON.
    samples = [
        {"kind": "a", "key": "x", "value": "ok"},
        {"kind": "b", "value": "ok"},
        {"kind": "a", "topic": "t", "partition": 0, "value": "ok"},  # no offset
        {"kind": "a", "records": {"x": 1}},  # not a Kafka event: its records are no lists of event records
    ]
    result = preview_filters([{"value": {"kind": ["a"]}}], samples)
    assert [(r.source, r.passed, r.certain, r.value_kind) for r in result.records] == [
        ("#0", True, True, "json"),
        ("#1", False, True, "json"),
        ("#2", True, True, "json"),
        ("#3", True, True, "json"),
    ]
    # the same fields around a base64 value, with an offset: an event record, whose value is decoded
    (record,) = preview_filters([{"value": {"kind": ["a"]}}], [_record(b'{"kind": "a"}', 3)]).records
    assert (record.source, record.passed) == ("mytopic-0@3", True)


def test_arrays_of_objects_are_flagged_not_guessed() -> None:
    pattern = {"value": {"readings": {"psi": [30]}}}
    (verdict,) = preview_filters([pattern], [{"readings": [{"psi": 30}]}]).records
    assert not verdict.certain
    assert "array" in verdict.reason


def test_table_rendering() -> None:
    text = preview_filters([LOW_PRESSURE], [{"tire_pressure": 30}, "oops"]).to_table()
    assert text.splitlines()[0] == "2 of 2 records reach the function (100.00%), 0 dropped, 1 uncertain (?)"
    assert "passes?" in text


# --- differential: every pattern the validator accepts evaluates, and the operators keep their definitions --------
_names = st.sampled_from(["a", "b", "c"])
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-50, 50), st.text("xyz", max_size=3))
_numbers = st.integers(-50, 50)
_operators = st.one_of(
    st.builds(lambda s: {"prefix": s}, st.text("xyz", max_size=2)),
    st.builds(lambda s: {"suffix": {"equals-ignore-case": s}}, st.text("xyz", max_size=2)),
    st.builds(lambda s: {"equals-ignore-case": s}, st.text("xyZ", max_size=2)),
    st.builds(lambda b: {"exists": b}, st.booleans()),
    st.builds(lambda n: {"numeric": ["<", n]}, _numbers),
    st.builds(lambda n: {"numeric": [">=", n, "<", n + 10]}, _numbers),
    st.builds(lambda xs: {"anything-but": xs}, st.lists(st.text("xyz", max_size=2), min_size=1, max_size=2)),
    st.builds(lambda xs: {"anything-but": xs}, st.lists(_numbers, min_size=1, max_size=2)),
)
_leaves = st.lists(st.one_of(_scalars, _operators), min_size=1, max_size=3)
_patterns = st.recursive(
    st.dictionaries(_names, _leaves, min_size=1, max_size=2),
    lambda kids: st.dictionaries(_names, st.one_of(_leaves, kids), min_size=1, max_size=2),
    max_leaves=6,
)
_values = st.recursive(
    _scalars, lambda kids: st.dictionaries(_names, kids, max_size=3) | st.lists(kids, max_size=2), max_leaves=8
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=_patterns, value=_values)
def test_every_valid_pattern_evaluates(pattern: dict[str, Any], value: Any) -> None:
    # preview_filters runs the library's validator first: a pattern it accepts must evaluate without error.
    try:
        (verdict,) = preview_filters([{"value": pattern}], [value]).records
    except ConfigError:
        assume(False)  # rejected by the validator (e.g. a numeric range that is empty): not a pattern to evaluate
    else:
        assert isinstance(verdict.passed, bool)


@settings(max_examples=40, deadline=None)
@given(field=_names, value=st.one_of(st.none(), st.booleans(), st.integers(-50, 50), st.text("xyz", max_size=3)))
def test_equality_matches_itself_and_anything_but_excludes_it(field: str, value: Any) -> None:
    same = preview_filters([{"value": {field: [value]}}], [{field: value}]).records[0]
    assert same.passed
    if isinstance(value, str):
        other = preview_filters([{"value": {field: [{"anything-but": [value]}]}}], [{field: value}]).records[0]
        assert not other.passed
