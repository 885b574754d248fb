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
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from ..errors import ConfigError
from ..limits import FILTER_PATTERN_MAX_LENGTH, FILTERS_MAX
from ..tokens import is_unresolved

# The keys of a Kafka record that Lambda filters on. kafka-filtering.html: "Amazon MSK and self-managed Apache
# Kafka event source mappings only support filtering on the value key." The record's other fields (key, topic,
# partition, offset, timestamp, timestampType, headers) appear in the guide's example record but are not
# filterable. (The 2022 guide also named `key`; the current guide does not.)
KAFKA_FILTER_KEYS: Final = frozenset({"value"})

NUMERIC_COMPARISONS: Final = ("=", "<", "<=", ">", ">=")
_LOWER_BOUNDS: Final = (">", ">=")
_UPPER_BOUNDS: Final = ("<", "<=")

# EventBridge operators missing from the Lambda "Filter rule syntax" table: Lambda does not support them.
UNSUPPORTED_OPERATORS: Final = {
    "wildcard": "use 'prefix' or 'suffix' instead, e.g. [{'prefix': 'orders/'}], "
    "or match the pattern inside the function",
    "cidr": "list the exact addresses, e.g. ['10.0.0.1', '10.0.0.2'], use [{'prefix': '10.0.0.'}], "
    "or match the range inside the function",
}

_EXAMPLE: Final = "{'value': {'device_id': [{'prefix': 'AB'}]}}"
_SIMPLE_KEY: Final = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")


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
    if not record_level and _is_token(obj):
        return
    if not isinstance(obj, Mapping):
        raise ConfigError(path, obj, "must be a dict of field names", f"{path}={_EXAMPLE}")
    if not obj:
        raise ConfigError(path, obj, "is an empty dict, which filters on nothing", f"{path}={_EXAMPLE}")
    for key, value in obj.items():
        if _is_token(key):
            continue
        if not isinstance(key, str):
            raise ConfigError(f"{path}[{key!r}]", key, "field names must be strings", f"use {str(key)!r}")
        child = _join(path, key)
        if key == "$or":
            _check_or(value, child, record_level=record_level)
        elif record_level and key not in KAFKA_FILTER_KEYS:
            raise _not_a_kafka_key(key, value, child)
        elif isinstance(value, Mapping):
            _check_object(value, child, record_level=False)
        elif isinstance(value, (list, tuple)):
            _check_values(value, child, record_level=record_level)
        elif not _is_token(value):
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
        if item is None or isinstance(item, (str, bool)) or _is_token(item):
            continue
        if _is_number(item):
            _check_number(item, item_path)
        elif isinstance(item, Mapping):
            _check_operator(item, item_path, record_level=record_level)
        else:
            raise ConfigError(
                item_path,
                item,
                f"a value must be a string, number, boolean, None or an operator dict, not {type(item).__name__}",
                "flatten nested lists, e.g. ['a', 'b'], and write operators as dicts, e.g. [{'prefix': 'a'}]",
            )


def _check_operator(op: Mapping[Any, Any], path: str, *, record_level: bool) -> None:
    if len(op) != 1:
        raise ConfigError(
            path,
            op,
            f"an operator dict has exactly one key, this one has {len(op)}",
            "split it into separate list items, e.g. [{'prefix': 'a'}, {'suffix': 'z'}] (either matches), "
            "or into separate fields (all must match)",
        )
    ((name, arg),) = op.items()
    if _is_token(name):
        return
    op_path = _join(path, str(name))
    if name in UNSUPPORTED_OPERATORS:
        raise ConfigError(
            op_path,
            arg,
            f"Lambda event filtering does not support the '{name}' operator (EventBridge only)",
            UNSUPPORTED_OPERATORS[name],
        )
    checker = _OPERATORS.get(name)
    if checker is None:
        raise ConfigError(
            op_path,
            arg,
            f"unknown operator {name!r}; Lambda supports {', '.join(sorted(_OPERATORS))}",
            "use one of those, e.g. [{'prefix': 'AB'}]; to match a nested field, use a dict, not a list: "
            "{'session': {'duration': [162]}}",
        )
    if name == "exists" and record_level:
        raise ConfigError(
            op_path,
            arg,
            "'exists' only works on a field inside the message, not on a top-level record field",
            "test a field inside 'value', e.g. {'value': {'device_id': [{'exists': True}]}}",
        )
    if not _is_token(arg):
        checker(arg, op_path)


# --- One checker per operator ------------------------------------------------------------------------------


def _check_numeric(arg: Any, path: str) -> None:
    example = "{'numeric': ['>', 0, '<=', 5]} or {'numeric': ['<', 32]}"
    if not isinstance(arg, (list, tuple)) or len(arg) not in (2, 4):
        raise ConfigError(path, arg, "'numeric' takes [comparison, number] or [lower, number, upper, number]", example)
    for index in range(0, len(arg), 2):
        comparison, number = arg[index], arg[index + 1]
        if comparison not in NUMERIC_COMPARISONS:
            raise ConfigError(
                f"{path}[{index}]",
                comparison,
                f"the comparison must be one of {', '.join(NUMERIC_COMPARISONS)}",
                example,
            )
        if _is_token(number):
            continue
        if not _is_number(number):
            raise ConfigError(f"{path}[{index + 1}]", number, "must be a number (not a string or boolean)", example)
        _check_number(number, f"{path}[{index + 1}]")
    if len(arg) == 4:
        lower_op, lower, upper_op, upper = arg
        if lower_op not in _LOWER_BOUNDS or upper_op not in _UPPER_BOUNDS:
            raise ConfigError(
                path,
                arg,
                "a range is a lower bound ('>' or '>=') followed by an upper bound ('<' or '<=')",
                "{'numeric': ['>=', 10, '<', 20]}; for an exact value use {'numeric': ['=', 10]}",
            )
        if not _is_token(lower) and not _is_token(upper) and not lower < upper:
            raise ConfigError(
                path,
                arg,
                f"the range is empty: the lower bound {lower!r} is not below the upper bound {upper!r}",
                f"{{'numeric': ['=', {lower!r}]}}"
                if lower == upper
                else f"swap the bounds: {{'numeric': ['{lower_op}', {upper!r}, '{upper_op}', {lower!r}]}}",
            )


def _check_string_match(arg: Any, path: str) -> None:
    """prefix and suffix: a string, or {'equals-ignore-case': string}."""
    name = path.rsplit(".", 1)[-1]
    fix = f"{{'{name}': 'AB'}} or {{'{name}': {{'equals-ignore-case': 'ab'}}}}"
    if isinstance(arg, Mapping):
        if set(arg) != {"equals-ignore-case"}:
            raise ConfigError(path, arg, f"the only option of '{name}' is 'equals-ignore-case'", fix)
        _check_string(arg["equals-ignore-case"], _join(path, "equals-ignore-case"), fix)
    else:
        _check_string(arg, path, fix)


def _check_anything_but(arg: Any, path: str) -> None:
    """`anything-but` with a value or a list of values. The nested forms (prefix, suffix, equals-ignore-case,
    wildcard) are EventBridge event-bus features: the EventBridge operator table marks them unsupported for Pipes,
    whose filtering Lambda's event source mappings share, and Lambda's own "Filter rule syntax" table lists
    `anything-but` with values only (invocation-eventfiltering.html)."""
    fix = "{'anything-but': 'error'}, {'anything-but': ['a', 'b']} or {'anything-but': [1, 2]}"
    if isinstance(arg, str) or _is_number(arg) or _is_token(arg):
        if _is_number(arg):
            _check_number(arg, path)
        return
    if isinstance(arg, (list, tuple)):
        if not arg:
            raise ConfigError(path, arg, "'anything-but' needs at least one value", fix)
        if not all(isinstance(v, str) or _is_token(v) for v in arg) and not all(_is_number(v) for v in arg):
            raise ConfigError(path, arg, "an 'anything-but' list must hold only strings or only numbers", fix)
        for index, item in enumerate(arg):
            if _is_number(item):
                _check_number(item, f"{path}[{index}]")
        return
    if isinstance(arg, Mapping) and len(arg) == 1:
        ((name, value),) = arg.items()
        if name in ("prefix", "suffix", "equals-ignore-case", *UNSUPPORTED_OPERATORS):
            raise ConfigError(
                _join(path, str(name)),
                value,
                f"Lambda event filtering does not support 'anything-but' with '{name}' (EventBridge event buses do; "
                "Pipes and Lambda's filter rule syntax do not)",
                f"list the exact values to exclude, {fix}, or test the value inside the function",
            )
    raise ConfigError(path, arg, "'anything-but' takes a string, a number, or a list of strings or of numbers", fix)


def _check_exists(arg: Any, path: str) -> None:
    if not isinstance(arg, bool):
        raise ConfigError(path, arg, "'exists' takes True or False", "{'exists': True} or {'exists': False}")


def _check_equals_ignore_case(arg: Any, path: str) -> None:
    _check_string(arg, path, "{'equals-ignore-case': 'alice'}")


_OPERATORS: Final[dict[str, Callable[[Any, str], None]]] = {
    "numeric": _check_numeric,
    "prefix": _check_string_match,
    "suffix": _check_string_match,
    "anything-but": _check_anything_but,
    "exists": _check_exists,
    "equals-ignore-case": _check_equals_ignore_case,
}


# --- Small helpers -----------------------------------------------------------------------------------------


def _is_token(value: Any) -> bool:
    """An unresolved CDK token (string, number or IResolvable): its value is only known at deploy time."""
    if isinstance(value, float):
        return math.isfinite(value) and is_unresolved(value)
    if isinstance(value, str) or hasattr(value, "resolve"):  # a string token, or an IResolvable object
        return is_unresolved(value)
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_number(value: int | float, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(path, value, "NaN and infinity are not JSON numbers", "use a finite number, e.g. 0")


def _check_string(value: Any, path: str, fix: str) -> None:
    if not isinstance(value, str) and not _is_token(value):
        raise ConfigError(path, value, "must be a string", fix)


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


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if _SIMPLE_KEY.match(key) else f"{path}[{json.dumps(key)}]"


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
    if key in _OPERATORS or key in UNSUPPORTED_OPERATORS:
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
