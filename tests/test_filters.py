"""Tests for constructs_kafka_lambda.mapping.filters.validate_filters.

Valid patterns come from the AWS Lambda Developer Guide (Kafka filtering, filter rule syntax) and the EventBridge
comparison-operator reference; each invalid one checks the exact path into the pattern and part of the message.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from aws_cdk import Aws, Token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constructs_kafka_lambda.errors import ConfigError
from constructs_kafka_lambda.limits import FILTER_PATTERN_MAX_LENGTH, FILTERS_MAX
from constructs_kafka_lambda.mapping.filters import KAFKA_FILTER_KEYS, validate_filters

# --- Valid patterns ----------------------------------------------------------------------------------------

VALID_PATTERNS: dict[str, dict[str, Any]] = {
    # kafka-filtering.html
    "doc prefix on JSON value": {"value": {"device_ID": [{"prefix": "AB"}]}},
    "doc anything-but on plain-string value": {"value": [{"anything-but": ["error"]}]},
    "nested field": {"value": {"session": {"duration": [162]}}},
    # invocation-eventfiltering.html, filter rule syntax
    "null": {"value": {"UserID": [None]}},
    "empty string": {"value": {"LastName": [""]}},
    "equals": {"value": {"Name": ["Alice"]}},
    "equals ignore case": {"value": {"Name": [{"equals-ignore-case": "alice"}]}},
    "and": {"value": {"Location": ["New York"], "Day": ["Monday"]}},
    "or within a field": {"value": {"PaymentType": ["Credit", "Debit"]}},
    "not": {"value": {"Weather": [{"anything-but": ["Raining"]}]}},
    "numeric equals": {"value": {"Price": [{"numeric": ["=", 100]}]}},
    "numeric range": {"value": {"Price": [{"numeric": [">", 10, "<=", 20]}]}},
    "numeric single comparison": {"value": {"tire_pressure": [{"numeric": ["<", 32]}]}},
    "numeric range of floats": {"value": {"t": [{"numeric": [">=", -1.5, "<", 3.018e2]}]}},
    "exists": {"value": {"ProductName": [{"exists": True}]}},
    "does not exist": {"value": {"ProductName": [{"exists": False}]}},
    "begins with": {"value": {"Region": [{"prefix": "us-"}]}},
    "begins with ignore case": {"value": {"service": [{"prefix": {"equals-ignore-case": "eventb"}}]}},
    "ends with": {"value": {"FileName": [{"suffix": ".png"}]}},
    "ends with ignore case": {"value": {"service": [{"suffix": {"equals-ignore-case": "tbridge"}}]}},
    "booleans": {"value": {"active": [True, False]}},
    # eb-create-pattern-operators.html, anything-but forms
    "anything-but string": {"value": {"state": [{"anything-but": "initializing"}]}},
    "anything-but number": {"value": {"x-limit": [{"anything-but": 123}]}},
    "anything-but numbers": {"value": {"x-limit": [{"anything-but": [100, 200, 300]}]}},
    "$or inside value": {
        "value": {"$or": [{"c-count": [{"numeric": [">", 0]}]}, {"d-count": [{"numeric": ["<", 10]}]}]}
    },
    "$or at record level": {"$or": [{"value": {"a": [1]}}, {"value": {"b": [2]}}]},
    "mixed leaf list": {"value": {"a": ["x", 1, None, True, {"prefix": "y"}]}},
    "unusual field names": {"value": {"a b": ["x"], "c.d": [1], "": [""]}},
}


@pytest.mark.parametrize("pattern", list(VALID_PATTERNS.values()), ids=list(VALID_PATTERNS))
def test_valid_pattern_round_trips(pattern: dict[str, Any]) -> None:
    assert validate_filters([pattern]) == [pattern]


@pytest.mark.parametrize("filters", [None, [], ()])
def test_no_filters_gives_empty_list(filters: Any) -> None:
    assert validate_filters(filters) == []


def test_five_filters_allowed() -> None:
    filters = [{"value": {"n": [i]}} for i in range(FILTERS_MAX)]
    assert validate_filters(filters) == filters


def test_returns_deep_plain_copies() -> None:
    leaf = [{"numeric": (">", 1, "<", 2)}]
    original = {"value": {"a": leaf}}
    (copy,) = validate_filters((original,))
    assert copy == {"value": {"a": [{"numeric": [">", 1, "<", 2]}]}}
    assert type(copy["value"]["a"][0]["numeric"]) is list
    copy["value"]["a"].append("x")
    assert original == {"value": {"a": leaf}}


def test_unresolved_tokens_pass_unchecked() -> None:
    pattern = {
        "value": {
            "account": [Aws.ACCOUNT_ID],
            "price": [{"numeric": [">", Token.as_number(Aws.ACCOUNT_ID), "<", 5]}],
            "name": [{"prefix": Aws.REGION}],
            "whole": Aws.STACK_NAME,
        }
    }
    assert validate_filters([pattern]) == [pattern]


def test_pattern_at_length_limit_is_allowed() -> None:
    pattern = {"value": {"a": ["x"]}}
    padding = FILTER_PATTERN_MAX_LENGTH - len(json.dumps(pattern, separators=(",", ":")))
    pattern = {"value": {"a": ["x" * (1 + padding)]}}
    assert len(json.dumps(pattern, separators=(",", ":"))) == FILTER_PATTERN_MAX_LENGTH
    assert validate_filters([pattern]) == [pattern]


# --- Invalid patterns --------------------------------------------------------------------------------------

INVALID: dict[str, tuple[Any, str, str]] = {
    # (filters, expected err.prop, fragment of the message)
    "filters is a string": ("value", "filters", "must be a list of filter patterns"),
    "filters is a dict": ({"value": ["x"]}, "filters", "must be a list of filter patterns"),
    "too many filters": ([{"value": [str(i)]} for i in range(6)], "filters", "raise the quota to 10"),
    "filter not a dict": (["value"], "filters[0]", "must be a dict"),
    "empty filter": ([{}], "filters[0]", "empty dict"),
    # top-level keys (kafka-filtering.html: value only)
    "record key": ([{"key": ["abc"]}], "filters[0].key", "on 'value' only"),
    "topic metadata": ([{"topic": ["orders"]}], "filters[0].topic", "not on 'topic'"),
    "headers metadata": ([{"headers": [{"exists": True}]}], "filters[0].headers", "on 'value' only"),
    "FilterCriteria.filter output": (
        [{"pattern": '{"value":["x"]}'}],
        "filters[0].pattern",
        "FilterCriteria.filter()",
    ),
    "unknown key inside record $or": (
        [{"$or": [{"value": ["a"]}, {"partition": [0]}]}],
        "filters[0].$or[1].partition",
        "on 'value' only",
    ),
    # structure
    "bare scalar leaf": ([{"value": {"a": 5}}], "filters[0].value.a", "wrap it in a list: [5]"),
    "bare string leaf at record level": ([{"value": "x"}], "filters[0].value", "wrap it in a list: ['x']"),
    "operator outside a list": (
        [{"value": {"a": {"prefix": "x"}}}],
        "filters[0].value.a.prefix",
        "[{'prefix': 'x'}]",
    ),
    "empty leaf list": ([{"value": {"a": []}}], "filters[0].value.a", "[None] matches null"),
    "empty nested object": ([{"value": {"a": {}}}], "filters[0].value.a", "empty dict"),
    "nested list": ([{"value": {"a": [["x"]]}}], "filters[0].value.a[0]", "flatten nested lists"),
    "non-string field name": ([{"value": {1: ["x"]}}], "filters[0].value[1]", "field names must be strings"),
    "odd key path": ([{"value": {"a b": [{"exists": "yes"}]}}], 'filters[0].value["a b"][0].exists', "True or False"),
    "$or with one branch": ([{"value": {"$or": [{"a": [1]}]}}], "filters[0].value.$or", "at least 2"),
    "$or not a list": ([{"value": {"$or": {"a": [1]}}}], "filters[0].value.$or", "at least 2"),
    "$or branch not a dict": ([{"value": {"$or": [{"a": [1]}, ["b"]]}}], "filters[0].value.$or[1]", "dict"),
    # numbers
    "NaN": ([{"value": {"a": [math.nan]}}], "filters[0].value.a[0]", "NaN and infinity"),
    "infinity in numeric": (
        [{"value": {"a": [{"numeric": ["<", math.inf]}]}}],
        "filters[0].value.a[0].numeric[1]",
        "NaN and infinity",
    ),
    "bool is not a number": (
        [{"value": {"a": [{"numeric": ["=", True]}]}}],
        "filters[0].value.a[0].numeric[1]",
        "must be a number",
    ),
    "string is not a number": (
        [{"value": {"a": [{"numeric": [">", "5"]}]}}],
        "filters[0].value.a[0].numeric[1]",
        "must be a number",
    ),
    # numeric
    "numeric bad comparison": (
        [{"value": {"tire_pressure": [{"numeric": ["!=", 32]}]}}],
        "filters[0].value.tire_pressure[0].numeric[0]",
        "one of =, <, <=, >, >=",
    ),
    "numeric wrong length": (
        [{"value": {"tire_pressure": [{"numeric": ["<", 32, ">"]}]}}],
        "filters[0].value.tire_pressure[0].numeric",
        "[comparison, number]",
    ),
    "numeric not a list": (
        [{"value": {"a": [{"numeric": 5}]}}],
        "filters[0].value.a[0].numeric",
        "[comparison, number]",
    ),
    "numeric upper bound first": (
        [{"value": {"a": [{"numeric": ["<", 20, ">", 10]}]}}],
        "filters[0].value.a[0].numeric",
        "lower bound ('>' or '>=') followed by an upper bound",
    ),
    "numeric equals in a range": (
        [{"value": {"a": [{"numeric": ["=", 1, "<", 5]}]}}],
        "filters[0].value.a[0].numeric",
        "lower bound",
    ),
    "numeric empty range": (
        [{"value": {"a": [{"numeric": [">", 20, "<=", 10]}]}}],
        "filters[0].value.a[0].numeric",
        "swap the bounds",
    ),
    "numeric equal bounds": (
        [{"value": {"a": [{"numeric": [">=", 5, "<=", 5]}]}}],
        "filters[0].value.a[0].numeric",
        "{'numeric': ['=', 5]}",
    ),
    # prefix / suffix / equals-ignore-case
    "prefix not a string": ([{"value": {"a": [{"prefix": 1}]}}], "filters[0].value.a[0].prefix", "must be a string"),
    "suffix bad option": (
        [{"value": {"a": [{"suffix": {"ignore-case": ".png"}}]}}],
        "filters[0].value.a[0].suffix",
        "only option of 'suffix' is 'equals-ignore-case'",
    ),
    "prefix ignore case not a string": (
        [{"value": {"a": [{"prefix": {"equals-ignore-case": ["x"]}}]}}],
        "filters[0].value.a[0].prefix.equals-ignore-case",
        "must be a string",
    ),
    "equals-ignore-case not a string": (
        [{"value": {"a": [{"equals-ignore-case": ["alice"]}]}}],
        "filters[0].value.a[0].equals-ignore-case",
        "must be a string",
    ),
    # anything-but
    "anything-but empty list": (
        [{"value": {"a": [{"anything-but": []}]}}],
        "filters[0].value.a[0].anything-but",
        "at least one value",
    ),
    "anything-but mixed list": (
        [{"value": {"a": [{"anything-but": ["x", 1]}]}}],
        "filters[0].value.a[0].anything-but",
        "only strings or only numbers",
    ),
    "anything-but bool": (
        [{"value": {"a": [{"anything-but": True}]}}],
        "filters[0].value.a[0].anything-but",
        "takes a string, a number",
    ),
    "anything-but unknown option": (
        [{"value": {"a": [{"anything-but": {"numeric": [">", 1]}}]}}],
        "filters[0].value.a[0].anything-but",
        "a list of strings or of numbers",
    ),
    "anything-but wildcard": (
        [{"value": {"a": [{"anything-but": {"wildcard": "*/lib/*"}}]}}],
        "filters[0].value.a[0].anything-but.wildcard",
        "does not support 'anything-but' with 'wildcard'",
    ),
    # EventBridge event buses only: the operator table says Pipes do not support them, and Lambda's filter rule
    # syntax lists anything-but with values only.
    "anything-but prefix": (
        [{"value": {"state": [{"anything-but": {"prefix": "init"}}]}}],
        "filters[0].value.state[0].anything-but.prefix",
        "does not support 'anything-but' with 'prefix'",
    ),
    "anything-but suffix": (
        [{"value": {"FileName": [{"anything-but": {"suffix": ".png"}}]}}],
        "filters[0].value.FileName[0].anything-but.suffix",
        "does not support 'anything-but' with 'suffix'",
    ),
    "anything-but ignore case": (
        [{"value": {"state": [{"anything-but": {"equals-ignore-case": ["a", "b"]}}]}}],
        "filters[0].value.state[0].anything-but.equals-ignore-case",
        "does not support 'anything-but' with 'equals-ignore-case'",
    ),
    # exists
    "exists not a bool": ([{"value": {"a": [{"exists": 1}]}}], "filters[0].value.a[0].exists", "True or False"),
    "exists at record level": ([{"value": [{"exists": True}]}], "filters[0].value[0].exists", "inside the message"),
    # operator dicts
    "two keys in an operator": (
        [{"value": {"a": [{"prefix": "x", "suffix": "y"}]}}],
        "filters[0].value.a[0]",
        "exactly one key",
    ),
    "unknown operator": (
        [{"value": {"a": [{"contains": "x"}]}}],
        "filters[0].value.a[0].contains",
        "anything-but, equals-ignore-case, exists, numeric, prefix, suffix",
    ),
    "wildcard unsupported by Lambda": (
        [{"value": {"FileName": [{"wildcard": "dir/*.png"}]}}],
        "filters[0].value.FileName[0].wildcard",
        "does not support the 'wildcard' operator",
    ),
    "cidr unsupported by Lambda": (
        [{"value": {"ip": [{"cidr": "10.0.0.0/24"}]}}],
        "filters[0].value.ip[0].cidr",
        "does not support the 'cidr' operator",
    ),
    # size
    "pattern too long": (
        [{"value": {"a": ["x" * FILTER_PATTERN_MAX_LENGTH]}}],
        "filters[0]",
        f"Lambda allows {FILTER_PATTERN_MAX_LENGTH} per pattern",
    ),
    "second filter reported by index": (
        [{"value": ["ok"]}, {"value": {"a": 1}}],
        "filters[1].value.a",
        "wrap it in a list",
    ),
}


@pytest.mark.parametrize(("filters", "prop", "fragment"), list(INVALID.values()), ids=list(INVALID))
def test_invalid_pattern_raises(filters: Any, prop: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_filters(filters)
    err = info.value
    assert err.prop == prop
    assert fragment in str(err)
    assert str(err).startswith(f"{prop}=")
    assert "Fix: " in str(err)


def test_custom_prop_name_prefixes_paths() -> None:
    with pytest.raises(ConfigError) as info:
        validate_filters([{"value": {"a": 5}}], prop="consumer.filters")
    assert info.value.prop == "consumer.filters[0].value.a"


def test_config_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Fix: "):
        validate_filters([{"key": ["x"]}])


def test_only_value_is_a_kafka_filter_key() -> None:
    assert frozenset({"value"}) == KAFKA_FILTER_KEYS


# --- Properties --------------------------------------------------------------------------------------------

_names = st.text(st.characters(codec="utf-8", exclude_characters="$"), max_size=8)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=10),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
)
_numbers = st.one_of(
    st.integers(min_value=-1000, max_value=1000), st.floats(min_value=-1000, max_value=1000, allow_nan=False)
)
_ranges = st.tuples(_numbers, _numbers).filter(lambda b: b[0] < b[1])
_operators = st.one_of(
    st.builds(lambda op, n: {"numeric": [op, n]}, st.sampled_from(["=", "<", "<=", ">", ">="]), _numbers),
    st.builds(
        lambda lo, hi, b: {"numeric": [lo, b[0], hi, b[1]]},
        st.sampled_from([">", ">="]),
        st.sampled_from(["<", "<="]),
        _ranges,
    ),
    st.builds(lambda s: {"prefix": s}, st.text(max_size=5)),
    st.builds(lambda s: {"suffix": {"equals-ignore-case": s}}, st.text(max_size=5)),
    st.builds(lambda s: {"equals-ignore-case": s}, st.text(max_size=5)),
    st.builds(lambda b: {"exists": b}, st.booleans()),
    st.builds(lambda xs: {"anything-but": xs}, st.lists(st.text(max_size=5), min_size=1, max_size=3)),
    st.builds(lambda xs: {"anything-but": xs}, st.lists(_numbers, min_size=1, max_size=3)),
)
_leaves = st.lists(st.one_of(_scalars, _operators), min_size=1, max_size=4)
_trees = st.recursive(
    st.dictionaries(_names, _leaves, min_size=1, max_size=3),
    lambda children: st.dictionaries(_names, st.one_of(_leaves, children), min_size=1, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=_trees)
def test_any_nested_pattern_of_valid_leaves_round_trips(tree: dict[str, Any]) -> None:
    pattern = {"value": tree}
    if len(json.dumps(pattern, separators=(",", ":"))) > FILTER_PATTERN_MAX_LENGTH:
        return
    result = validate_filters([pattern])
    assert result == [pattern]
    assert result[0] is not pattern


_json_like = st.recursive(
    st.one_of(_scalars, st.just(math.nan)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filters=st.lists(_json_like, max_size=3))
def test_arbitrary_input_raises_only_config_error(filters: list[Any]) -> None:
    """Either a ConfigError naming a path into the filters, or an accepted list that is what Lambda can take: dicts
    keyed by `value` / `$or` only, each serializable and within the length limit, returned unchanged as a copy."""
    try:
        result = validate_filters(filters)
    except ConfigError as err:
        assert err.prop.startswith("filters")
        return
    assert result == filters and all(r is not f for r, f in zip(result, filters, strict=True))
    for pattern in result:
        assert isinstance(pattern, dict) and set(pattern) <= {"value", "$or"}
        assert len(json.dumps(pattern, separators=(",", ":"))) <= FILTER_PATTERN_MAX_LENGTH
