"""The check helpers every module shares: types, whole numbers in a range, the Kafka topic rule, booleans.

Written once so that a rule reads the same (and says the same) wherever it applies: the consumer's topic, a
`kafka://` failure topic and a grant's topic go through `check_topic`; every integer range through `check_int_range`.
Each helper lets unresolved CDK tokens through (they are checked again at synth, see mapping/recheck.py).
"""

from __future__ import annotations

from typing import Any

from . import limits
from .errors import ConfigError
from .tokens import MAKE_TOKEN, TokenKind, is_unresolved, token_kind


def check_type(prop: str, value: Any, expected: type | tuple[type, ...], fix: str) -> None:
    """`value` must be an instance of `expected` (a description such as KafkaCluster or Monitoring)."""
    if not isinstance(value, expected):
        names = " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,)))
        raise ConfigError(prop, value, f"expected a {names}", f"pass {fix}")


def check_token(prop: str, value: Any, kinds: tuple[TokenKind, ...], what: str) -> bool:
    """True when `value` is a token of one of `kinds` (the property carries it to the template); False when it is no
    token; a ConfigError naming the property for a token of another kind (it would fail inside CDK, or be lost)."""
    kind = token_kind(value)
    if kind is None:
        return False
    if kind in kinds:
        return True
    allowed = " or ".join(MAKE_TOKEN[k] for k in kinds)
    raise ConfigError(
        prop,
        value,
        f"a {kind} token cannot stand for {what}" + ("" if kinds else ": it must be known at synth"),
        f"pass {allowed}" if kinds else f"pass a literal value for {prop}",
    )


def check_bool(
    prop: str, value: Any, fix: str | None = None, *, tokens: tuple[TokenKind, ...] = ("string", "resolvable")
) -> None:
    """True or False; a token of `tokens` (a String parameter holding "true"/"false", or Token.as_any) where the
    template can carry it, none where the value decides what the library builds."""
    if check_token(prop, value, tokens, f"{prop} (True or False)"):
        return
    if not isinstance(value, bool):
        raise ConfigError(prop, value, f"{prop} must be True or False", fix or f"pass {prop}=True or {prop}=False")


def check_int_range(prop: str, value: Any, low: int, high: int, *, also: tuple[int, ...] = ()) -> None:
    """A whole number in [low, high] (or one of `also`, e.g. -1 for "no limit"); bools are not numbers here."""
    if value is None or check_token(prop, value, ("number",), f"{prop} (a whole number)"):
        return
    if isinstance(value, bool) or not isinstance(value, int) or not (low <= value <= high or value in also):
        extra = "".join(f" or {a}" for a in also)
        raise ConfigError(
            prop, value, f"must be a whole number from {low} to {high}{extra}", f"pick a value in {low}-{high}{extra}"
        )


def check_topic(prop: str, topic: Any) -> None:
    """A Kafka topic name as the Lambda API accepts it (Topics item: length and pattern, limits.py)."""
    if check_token(prop, topic, ("string",), "a topic name"):
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
