"""Input checks for the planner: a bad figure is a ConfigError that names the argument, like everywhere else."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..errors import ConfigError


def positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(name, value, "must be a finite number", f"pass a number, e.g. {name}=100")
    if value < 0 or (value == 0 and not allow_zero):
        rule = "must not be negative" if allow_zero else "must be greater than 0"
        raise ConfigError(name, value, rule, f"pass a {'non-negative' if allow_zero else 'positive'} number")
    return float(value)


def whole(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        span = f"{low}-{high}" if high is not None else f">= {low}"
        raise ConfigError(name, value, f"must be a whole number {span}", f"pick a value {span}")
    return value


def ratio(name: str, value: Any) -> float:
    number = positive(name, value, allow_zero=True)
    if number > 1:
        raise ConfigError(name, value, "is a share of records, from 0 to 1", f"e.g. {name}=0.02 for 2 %")
    return number


def choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        listed = ", ".join(repr(item) for item in choices)
        raise ConfigError(name, value, f"must be one of {listed}", f"e.g. {name}={choices[0]!r}")
    return str(value)


def one_rate(records_per_second: Any, mb_per_second: Any, record_bytes: float) -> float:
    """Records per second from exactly one of the two ways to state the load."""
    if (records_per_second is None) == (mb_per_second is None):
        raise ConfigError(
            "records_per_second",
            records_per_second,
            "state the load one way: records_per_second or mb_per_second (MB = 10^6 bytes), not both or neither",
            "e.g. records_per_second=2000",
        )
    if records_per_second is not None:
        return positive("records_per_second", records_per_second, allow_zero=True)
    return positive("mb_per_second", mb_per_second, allow_zero=True) * 1e6 / record_bytes


class ExtraMissing(RuntimeError):
    """An optional extra is not installed (preview: moto's matcher; plot: matplotlib); the message says which."""
