"""Check Lambda event filter patterns for Kafka event source mappings when the construct is built.

Why: Lambda takes a filter pattern as an opaque JSON string. Some mistakes it accepts and then quietly drops
every record, because the pattern can never match (a field outside `value`, a bare scalar where a list
belongs, an empty range). Others it rejects only when CloudFormation creates the mapping, minutes into a
deploy, with an "Invalid filter pattern definition" error that does not say which part is wrong. Both are
cheap to catch here, on the line that built the pattern, with the exact path to the bad part and a corrected
example.

Sources (checked against the AWS documentation):
- AWS Lambda Developer Guide, "Filtering events from Amazon MSK and self-managed Apache Kafka event sources",
  https://docs.aws.amazon.com/lambda/latest/dg/kafka-filtering.html: the top-level keys Lambda filters on.
- AWS Lambda Developer Guide, "Control which events Lambda sends to your function", section "Filter rule
  syntax", https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html#filtering-syntax: the
  comparison operators Lambda supports, 5 filters per mapping by default (up to 10 after a quota increase).
- Amazon EventBridge User Guide, "Comparison operators for use in event patterns",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html: the syntax of
  each operator (Lambda uses the EventBridge pattern language).
- Lambda API reference, Filter.Pattern: at most 4096 characters.

This module walks a pattern's structure; each operator's argument is checked in filter_operators.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from ..errors import ConfigError
from ..limits import FILTER_PATTERN_MAX_LENGTH, FILTERS_MAX
from .filter_operators import (
    OPERATORS,
    UNSUPPORTED_OPERATORS,
    check_number,
    check_operator,
    is_number,
    is_token,
    join_path,
)

# The keys of a Kafka record that Lambda filters on. kafka-filtering.html: "Amazon MSK and self-managed Apache
# Kafka event source mappings only support filtering on the value key." The record's other fields (key, topic,
# partition, offset, timestamp, timestampType, headers) appear in the guide's example record but are not
# filterable. (The 2022 guide also named `key`; the current guide does not.)
KAFKA_FILTER_KEYS: Final = frozenset({"value"})

_EXAMPLE: Final = "{'value': {'device_id': [{'prefix': 'AB'}]}}"


def validate_filters(filters: Sequence[Mapping[str, Any]] | None, prop: str = "filters") -> list[dict[str, Any]]:
    """Validate EventBridge-style filter patterns for a Kafka event source mapping.

    Return deep copies as plain dicts. Raise ConfigError naming the exact path into the pattern.
    """
    if filters is None:
        return []
    if isinstance(filters, (str, bytes)) or not isinstance(filters, Sequence):
        raise ConfigError(prop, filters, "must be a list of filter patterns", f"{prop}=[{_EXAMPLE}]")
    if len(filters) > FILTERS_MAX:
        raise ConfigError(
            prop,
            filters,
            f"has {len(filters)} filters; Lambda allows {FILTERS_MAX} per event source mapping by default",
            "merge patterns into one filter with '$or', e.g. {'$or': [{'value': {'a': [1]}}, "
            "{'value': {'b': [2]}}]}; AWS can raise the quota to 10 filters per mapping on request, "
            f"but this construct keeps to the default of {FILTERS_MAX} so the stack deploys in any account",
        )
    result: list[dict[str, Any]] = []
    for index, pattern in enumerate(filters):
        path = f"{prop}[{index}]"
        if not isinstance(pattern, Mapping):
            raise ConfigError(path, pattern, "must be a dict (one filter pattern)", _EXAMPLE)
        _check_object(pattern, path, record_level=True)
        _check_length(pattern, path)
        result.append(_plain_dict(pattern))
    _check_unique(result, prop)
    return result


def _check_unique(patterns: list[dict[str, Any]], prop: str) -> None:
    """CloudFormation requires the filters of a mapping to be unique (FilterCriteria.Filters: uniqueItems); a
    pattern listed twice, even with its keys in another order, matches nothing the first does not."""
    first_seen: dict[str, int] = {}
    for index, pattern in enumerate(patterns):
        key = json.dumps(pattern, separators=(",", ":"), sort_keys=True, default=repr)
        if key in first_seen:
            raise ConfigError(
                f"{prop}[{index}]",
                pattern,
                f"is the same pattern as {prop}[{first_seen[key]}]; CloudFormation requires the filters of a "
                "mapping to be unique",
                f"remove {prop}[{index}] (one copy matches the same records)",
            )
        first_seen[key] = index


def pattern_leaves(value: Any) -> Iterator[Any]:
    """Every key and scalar (or opaque object, e.g. an IResolvable) inside validated patterns: what decides whether
    CDK must write a pattern (tokens inside) and what the consumer warns about (string tokens)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield key
            yield from pattern_leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from pattern_leaves(item)
    else:
        yield value


# --- The walker --------------------------------------------------------------------------------------------


def _check_object(obj: Any, path: str, *, record_level: bool) -> None:
    """An object level: field names mapped to a nested object or to a list of allowed values."""
    if not record_level and is_token(obj):
        return
    if not isinstance(obj, Mapping):
        raise ConfigError(path, obj, "must be a dict of field names", f"{path}={_EXAMPLE}")
    if not obj:
        raise ConfigError(path, obj, "is an empty dict, which filters on nothing", f"{path}={_EXAMPLE}")
    for key, value in obj.items():
        if is_token(key):
            continue
        if not isinstance(key, str):
            raise ConfigError(f"{path}[{key!r}]", key, "field names must be strings", f"use {str(key)!r}")
        child = join_path(path, key)
        if key == "$or":
            _check_or(value, child, record_level=record_level)
        elif record_level and key not in KAFKA_FILTER_KEYS:
            raise _not_a_kafka_key(key, value, child)
        elif isinstance(value, Mapping):
            _check_object(value, child, record_level=False)
        elif isinstance(value, (list, tuple)):
            _check_values(value, child, record_level=record_level)
        elif not is_token(value):
            raise _bare_scalar(key, value, child)


def _check_or(value: Any, path: str, *, record_level: bool) -> None:
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise ConfigError(
            path,
            value,
            "'$or' takes a list of at least 2 sub-patterns",
            "{'$or': [{'a': [1]}, {'b': [2]}]}; for several values of one field use a plain list, e.g. {'a': [1, 2]}",
        )
    for index, sub in enumerate(value):
        _check_object(sub, f"{path}[{index}]", record_level=record_level)


def _check_values(values: Sequence[Any], path: str, *, record_level: bool) -> None:
    """A leaf: a non-empty list of allowed values, any one of which matches."""
    if not values:
        raise ConfigError(
            path,
            values,
            "is an empty list, which matches nothing",
            "list at least one value: [None] matches null, [''] matches an empty string",
        )
    for index, item in enumerate(values):
        item_path = f"{path}[{index}]"
        if item is None or isinstance(item, (str, bool)) or is_token(item):
            continue
        if is_number(item):
            check_number(item, item_path)
        elif isinstance(item, Mapping):
            check_operator(item, item_path, record_level=record_level)
        else:
            raise ConfigError(
                item_path,
                item,
                f"a value must be a string, number, boolean, None or an operator dict, not {type(item).__name__}",
                "flatten nested lists, e.g. ['a', 'b'], and write operators as dicts, e.g. [{'prefix': 'a'}]",
            )


# --- Small helpers -----------------------------------------------------------------------------------------


def _check_length(pattern: Mapping[str, Any], path: str) -> None:
    # Unresolved IResolvable objects count as `null`: their size is unknown until deploy.
    text = json.dumps(pattern, separators=(",", ":"), default=lambda _: None)
    if len(text) > FILTER_PATTERN_MAX_LENGTH:
        raise ConfigError(
            path,
            pattern,
            f"serializes to {len(text)} characters; Lambda allows {FILTER_PATTERN_MAX_LENGTH} per pattern",
            "split it into several filters (any one of them matching lets a record through) or shorten the value lists",
        )


def _not_a_kafka_key(key: str, value: Any, path: str) -> ConfigError:
    if key == "pattern" and isinstance(value, str):
        return ConfigError(
            path,
            value,
            "this looks like the output of lambda.FilterCriteria.filter(), not a pattern",
            f"pass the pattern dict itself, e.g. {_EXAMPLE}",
        )
    return ConfigError(
        path,
        value,
        f"Lambda filters Kafka records on {', '.join(map(repr, sorted(KAFKA_FILTER_KEYS)))} only, not on {key!r} "
        "(AWS Lambda Developer Guide, kafka-filtering)",
        f"put the condition under 'value', e.g. {_EXAMPLE}; to filter on the record key, topic or headers, "
        "check them inside the function",
    )


def _bare_scalar(key: str, value: Any, path: str) -> ConfigError:
    if key in OPERATORS or key in UNSUPPORTED_OPERATORS:
        return ConfigError(
            path,
            value,
            "an operator must sit inside a list, as a list item, not directly under a field",
            f"wrap the operator dict in a list: [{{{key!r}: {value!r}}}]",
        )
    return ConfigError(
        path,
        value,
        "a field's allowed values must be a list (or a dict of nested fields), not a bare value",
        f"wrap it in a list: [{value!r}]",
    )


def _plain_dict(mapping: Mapping[Any, Any]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in mapping.items()}


def _plain(value: Any) -> Any:
    """A deep copy made of plain dicts and lists; scalars and tokens are immutable or opaque: kept as is."""
    if isinstance(value, Mapping):
        return _plain_dict(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
