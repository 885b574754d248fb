"""The comparison operators of Lambda's filter rule syntax: which exist, and what each one's argument must be.

filters.py walks a pattern down to its list items; an item that is a dict is an operator, checked here. The rules
come from the AWS Lambda Developer Guide, "Filter rule syntax"
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html#filtering-syntax: the operators Lambda
supports) and the Amazon EventBridge User Guide, "Comparison operators for use in event patterns"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html: each one's syntax).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from ..errors import ConfigError
from ..tokens import is_unresolved

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
_SIMPLE_KEY: Final = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")


def check_operator(op: Mapping[Any, Any], path: str, *, record_level: bool) -> None:
    if len(op) != 1:
        raise ConfigError(
            path,
            op,
            f"an operator dict has exactly one key, this one has {len(op)}",
            "split it into separate list items, e.g. [{'prefix': 'a'}, {'suffix': 'z'}] (either matches), "
            "or into separate fields (all must match)",
        )
    ((name, arg),) = op.items()
    if is_token(name):
        return
    op_path = join_path(path, str(name))
    if name in UNSUPPORTED_OPERATORS:
        raise ConfigError(
            op_path,
            arg,
            f"Lambda event filtering does not support the '{name}' operator (EventBridge only)",
            UNSUPPORTED_OPERATORS[name],
        )
    checker = OPERATORS.get(name)
    if checker is None:
        raise ConfigError(
            op_path,
            arg,
            f"unknown operator {name!r}; Lambda supports {', '.join(sorted(OPERATORS))}",
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
    if not is_token(arg):
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
        if is_token(number):
            continue
        if not is_number(number):
            raise ConfigError(f"{path}[{index + 1}]", number, "must be a number (not a string or boolean)", example)
        check_number(number, f"{path}[{index + 1}]")
    if len(arg) == 4:
        lower_op, lower, upper_op, upper = arg
        if lower_op not in _LOWER_BOUNDS or upper_op not in _UPPER_BOUNDS:
            raise ConfigError(
                path,
                arg,
                "a range is a lower bound ('>' or '>=') followed by an upper bound ('<' or '<=')",
                "{'numeric': ['>=', 10, '<', 20]}; for an exact value use {'numeric': ['=', 10]}",
            )
        if not is_token(lower) and not is_token(upper) and not lower < upper:
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
        _check_string(arg["equals-ignore-case"], join_path(path, "equals-ignore-case"), fix)
    else:
        _check_string(arg, path, fix)


def _check_anything_but(arg: Any, path: str) -> None:
    """`anything-but` with a value or a list of values. The nested forms (prefix, suffix, equals-ignore-case,
    wildcard) are EventBridge event-bus features: the EventBridge operator table marks them unsupported for Pipes,
    whose filtering Lambda's event source mappings share, and Lambda's own "Filter rule syntax" table lists
    `anything-but` with values only (invocation-eventfiltering.html)."""
    fix = "{'anything-but': 'error'}, {'anything-but': ['a', 'b']} or {'anything-but': [1, 2]}"
    if isinstance(arg, str) or is_number(arg) or is_token(arg):
        if is_number(arg):
            check_number(arg, path)
        return
    if isinstance(arg, (list, tuple)):
        if not arg:
            raise ConfigError(path, arg, "'anything-but' needs at least one value", fix)
        if not all(isinstance(v, str) or is_token(v) for v in arg) and not all(is_number(v) for v in arg):
            raise ConfigError(path, arg, "an 'anything-but' list must hold only strings or only numbers", fix)
        for index, item in enumerate(arg):
            if is_number(item):
                check_number(item, f"{path}[{index}]")
        return
    if isinstance(arg, Mapping) and len(arg) == 1:
        ((name, value),) = arg.items()
        if name in ("prefix", "suffix", "equals-ignore-case", *UNSUPPORTED_OPERATORS):
            raise ConfigError(
                join_path(path, str(name)),
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


OPERATORS: Final[dict[str, Callable[[Any, str], None]]] = {
    "numeric": _check_numeric,
    "prefix": _check_string_match,
    "suffix": _check_string_match,
    "anything-but": _check_anything_but,
    "exists": _check_exists,
    "equals-ignore-case": _check_equals_ignore_case,
}


# --- Small helpers (filters.py uses them too) ---------------------------------------------------------------


def is_token(value: Any) -> bool:
    """An unresolved CDK token (string, number or IResolvable): its value is only known at deploy time."""
    if isinstance(value, float):
        return math.isfinite(value) and is_unresolved(value)
    if isinstance(value, str) or hasattr(value, "resolve"):  # a string token, or an IResolvable object
        return is_unresolved(value)
    return False


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_number(value: int | float, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(path, value, "NaN and infinity are not JSON numbers", "use a finite number, e.g. 0")


def _check_string(value: Any, path: str, fix: str) -> None:
    if not isinstance(value, str) and not is_token(value):
        raise ConfigError(path, value, "must be a string", fix)


def join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if _SIMPLE_KEY.match(key) else f"{path}[{json.dumps(key)}]"
