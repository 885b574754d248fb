"""The check helpers every module shares: types, whole numbers in a range, the Kafka topic rule, booleans.

Written once so that a rule reads the same (and says the same) wherever it applies: the consumer's topic, a
`kafka://` failure topic and a grant's topic go through `check_topic`; every integer range through `check_int_range`.
Each helper lets unresolved CDK tokens through (they are checked again at synth, see mapping/recheck.py).
"""

from __future__ import annotations

from typing import Any

from . import limits
from .errors import ConfigError
from .tokens import is_unresolved


def check_type(prop: str, value: Any, expected: type | tuple[type, ...], fix: str) -> None:
    """`value` must be an instance of `expected` (a description such as KafkaCluster or Monitoring)."""
    if not isinstance(value, expected):
        names = " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,)))
        raise ConfigError(prop, value, f"expected a {names}", f"pass {fix}")


def check_bool(prop: str, value: Any, fix: str | None = None) -> None:
    if not isinstance(value, bool) and not is_unresolved(value):
        raise ConfigError(prop, value, f"{prop} must be True or False", fix or f"pass {prop}=True or {prop}=False")


def check_int_range(prop: str, value: Any, low: int, high: int, *, also: tuple[int, ...] = ()) -> None:
    """A whole number in [low, high] (or one of `also`, e.g. -1 for "no limit"); bools are not numbers here."""
    if value is None or is_unresolved(value):
        return
    if isinstance(value, bool) or not isinstance(value, int) or not (low <= value <= high or value in also):
        extra = "".join(f" or {a}" for a in also)
        raise ConfigError(
            prop, value, f"must be a whole number from {low} to {high}{extra}", f"pick a value in {low}-{high}{extra}"
        )


def check_topic(prop: str, topic: Any) -> None:
    """A Kafka topic name as the Lambda API accepts it (Topics item: length and pattern, limits.py)."""
    if is_unresolved(topic):
        return
    if (
        not isinstance(topic, str)
        or not limits.TOPIC_MIN_LENGTH <= len(topic) <= limits.TOPIC_MAX_LENGTH
        or not limits.TOPIC_PATTERN.fullmatch(topic)
    ):
        raise ConfigError(
            prop,
            topic,
            f"a Kafka topic is {limits.TOPIC_MIN_LENGTH}-{limits.TOPIC_MAX_LENGTH} characters of "
            "[a-zA-Z0-9._-], not starting with '.'",
            'pass the topic name exactly as in Kafka, e.g. "fleet-telemetry"',
        )


def literal(value: Any) -> Any:
    """The value if it is known at synth, else None (a token)."""
    return None if is_unresolved(value) else value
