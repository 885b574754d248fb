"""The time settings of a mapping: where it starts, how long it gathers a batch, how old a record may get.

Each is a whole number of seconds in the API (StartingPositionTimestamp, MaximumBatchingWindowInSeconds,
MaximumRecordAgeInSeconds), given here as CDK Durations or Unix time; tokens CDK can carry in seconds are kept as
tokens, and what CDK cannot convert is a ConfigError rather than a jsii RuntimeError.
"""

from __future__ import annotations

import time
from typing import Any, cast

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_

from .. import limits
from ..checks import check_token
from ..errors import ConfigError
from ..tokens import is_unresolved

_POSITIONS = {
    lambda_.StartingPosition.TRIM_HORIZON: "TRIM_HORIZON",
    lambda_.StartingPosition.LATEST: "LATEST",
    lambda_.StartingPosition.AT_TIMESTAMP: "AT_TIMESTAMP",
}


def check_starting_position(position: Any, timestamp: Any, queue: bool) -> tuple[str | None, float | None]:
    if queue:
        return None, None
    position = lambda_.StartingPosition.TRIM_HORIZON if position is None else position
    if not isinstance(position, lambda_.StartingPosition) or position not in _POSITIONS:
        raise ConfigError(
            "starting_position",
            position,
            "Kafka mappings start at TRIM_HORIZON, LATEST or AT_TIMESTAMP",
            "pass lambda_.StartingPosition.TRIM_HORIZON",
        )
    at_timestamp = position == lambda_.StartingPosition.AT_TIMESTAMP
    if at_timestamp == (timestamp is None):
        raise ConfigError(
            "starting_position_timestamp",
            timestamp,
            "AT_TIMESTAMP needs the time to start from, and a timestamp is only used with AT_TIMESTAMP",
            "pass starting_position=AT_TIMESTAMP with starting_position_timestamp=<Unix seconds>, or neither",
        )
    token = check_token("starting_position_timestamp", timestamp, ("number",), "Unix seconds")
    if timestamp is not None and not token:
        if isinstance(timestamp, bool) or not isinstance(timestamp, int | float) or not 0 <= timestamp <= time.time():
            raise ConfigError(
                "starting_position_timestamp",
                timestamp,
                "the timestamp is Unix time in seconds and must not be in the future",
                "pass e.g. int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())",
            )
    return _POSITIONS[position], timestamp


def _seconds_of(prop: str, duration: Duration) -> float:
    """A Duration in seconds, or a ConfigError where CDK cannot convert it (a token in another unit)."""
    try:
        millis = duration.to_milliseconds()
    except RuntimeError:
        millis = None
    if millis is not None and not is_unresolved(millis):
        return float(millis) / 1000
    try:
        return float(duration.to_seconds())  # a number token stays a token (a float CDK recognises)
    except RuntimeError:
        raise ConfigError(
            prop,
            duration.to_string(),
            "a duration holding a token must be given in seconds (CDK cannot convert a token between units)",
            "pass Duration.seconds(token)",
        ) from None


def check_batching_window(window: Any, queue: bool) -> int | None:
    """MaximumBatchingWindowInSeconds is a whole number of seconds, 0-300 (API model)."""
    if window is None or queue:
        return None
    if not isinstance(window, Duration):
        raise ConfigError("max_batching_window", window, "expected a Duration", "pass Duration.seconds(n)")
    seconds = _seconds_of("max_batching_window", window)
    if is_unresolved(seconds):
        return cast(int, seconds)  # a number token, kept as the token
    if seconds != int(seconds) or not 0 <= seconds <= limits.BATCHING_WINDOW_MAX_SECONDS:
        raise ConfigError(
            "max_batching_window",
            f"{seconds:g} s",
            f"the batching window is 0 to {limits.BATCHING_WINDOW_MAX_SECONDS} seconds, in whole seconds "
            "(API: MaximumBatchingWindowInSeconds); Kafka's default without it is 500 ms",
            "pass Duration.seconds(n), or leave it out for the 500 ms default",
        )
    return int(seconds)


def check_record_age(age: Any) -> int | None:
    """Whole seconds for MaximumRecordAgeInSeconds; -1 (int) means no limit (a Duration cannot be negative)."""
    if age is None:
        return None
    if age == limits.RECORD_AGE_INFINITE and not isinstance(age, bool):
        return limits.RECORD_AGE_INFINITE
    if not isinstance(age, Duration):
        raise ConfigError("max_record_age", age, "expected a Duration, or -1 for no limit", "pass Duration.hours(n)")
    seconds = _seconds_of("max_record_age", age)
    if is_unresolved(seconds):
        return cast(int, seconds)  # a number token: written as is, checked by CloudFormation
    if seconds != int(seconds) or not limits.RECORD_AGE_MIN_SECONDS <= seconds <= limits.RECORD_AGE_MAX_SECONDS:
        raise ConfigError(
            "max_record_age",
            f"{seconds:g} s",
            f"the maximum record age is {limits.RECORD_AGE_MIN_SECONDS} s to {limits.RECORD_AGE_MAX_SECONDS} s "
            "(7 days) in whole seconds, or -1 for no limit",
            "pass e.g. Duration.hours(6)",
        )
    return int(seconds)
