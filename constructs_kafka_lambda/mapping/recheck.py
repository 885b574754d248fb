"""The mapping's rules checked again at synth, on the L1 as it finally is (one `node.add_validation` per stack),
and, where the app commits a record of its last deploy, whether this synth replaces the mapping (replacement.py: a
warning).

An escape-hatch edit (`consumer.cfn_mapping.batch_size = 0`, an override of the provisioned poller config) skips
the constructor's checks; this reads the resolved L1 properties and reports what AWS would reject, with the same
checks and limits the constructor uses. Tokens that stay unresolved are CloudFormation's to check.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import aws_lambda as lambda_
from constructs import IValidation

from .. import limits
from ..checks import check_int_range, check_topic
from ..errors import ConfigError
from ..scopes import stack_of
from ..tokens import is_unresolved
from .replacement import warn_of_replacement

_PROVISIONED_ONLY = (
    ("maximumRetryAttempts", "MaximumRetryAttempts"),
    ("maximumRecordAgeInSeconds", "MaximumRecordAgeInSeconds"),
    ("bisectBatchOnFunctionError", "BisectBatchOnFunctionError"),
    ("functionResponseTypes", "FunctionResponseTypes"),
    ("loggingConfig", "LoggingConfig"),
)


def recheck_at_synth(cfn: lambda_.CfnEventSourceMapping, path: str) -> None:
    """Recheck this consumer's mapping L1 at synth, under its consumer's path.

    One validation per stack checks every mapping of the stack: a validation registered per consumer costs two round
    trips while building and a Node-to-Python callback at synth for each consumer (about 2 ms each, benchmarks/)."""
    stack = stack_of(cfn)
    recheck: _StackRecheck | None = getattr(stack, "_kafka_lambda_recheck", None)
    if recheck is None:
        recheck = stack._kafka_lambda_recheck = _StackRecheck()  # type: ignore[attr-defined]
        stack.node.add_validation(recheck)
    recheck.mappings.append((path, cfn))


@jsii.implements(IValidation)
class _StackRecheck:
    """Validation of the mapping L1s of one stack's consumers; each error names its consumer."""

    def __init__(self) -> None:
        self.mappings: list[tuple[str, lambda_.CfnEventSourceMapping]] = []

    def validate(self) -> list[str]:
        return [f"[{path}] {error}" for path, cfn in self.mappings for error in recheck_mapping(cfn)]


def recheck_mapping(cfn: lambda_.CfnEventSourceMapping) -> list[str]:
    """What AWS would reject in this mapping L1 as it finally is (after any escape-hatch edit)."""
    # All the L1's properties in one read (camelCase keys, as CDK keeps them): one jsii round trip, not one per
    # property. Only the checked ones are resolved, and only when they hold a token (usually they are plain values:
    # the function's name and the destination's ARN, which are tokens, are not checked), which saves a second round
    # trip per consumer.
    raw = cfn._cfn_properties
    checked = {k: raw.get(k) for k in _CHECKED} if isinstance(raw, dict) else {}
    if _holds_token(checked):
        checked = stack_of(cfn).resolve(checked)
    # the replacement warning reads every property, resolved only when the app keeps a record
    warn_of_replacement(cfn, lambda: stack_of(cfn).resolve(raw))
    props = _literal(checked)
    props = props if isinstance(props, dict) else {}
    errors: list[str] = []

    def check(rule: Callable[[], None]) -> None:
        try:
            rule()
        except ConfigError as error:
            errors.append(f"{error} (the mapping's L1 was changed after construction)")

    pollers = props.get("provisionedPollerConfig")
    window = props.get("maximumBatchingWindowInSeconds")
    check(lambda: check_int_range("BatchSize", props.get("batchSize"), limits.BATCH_SIZE_MIN, limits.BATCH_SIZE_MAX))
    check(lambda: check_int_range("MaximumBatchingWindowInSeconds", window, 0, limits.BATCHING_WINDOW_MAX_SECONDS))
    check(lambda: _check_topics(props.get("topics")))
    check(lambda: _check_pollers(pollers))
    check(lambda: _check_filters(props.get("filterCriteria")))
    check(lambda: _check_access(props.get("sourceAccessConfigurations")))
    if not pollers:
        for key, name in _PROVISIONED_ONLY:
            value = props.get(key)
            if value not in (None, False, []):
                errors.append(
                    f"{name}={value!r}: available for Kafka only in provisioned mode (no ProvisionedPollerConfig)"
                )
    return errors


# The L1 properties the recheck reads.
_CHECKED = (
    "batchSize",
    "maximumBatchingWindowInSeconds",
    "topics",
    "provisionedPollerConfig",
    "filterCriteria",
    "sourceAccessConfigurations",
    *(key for key, _ in _PROVISIONED_ONLY),
)


def _holds_token(value: Any) -> bool:
    """Whether CDK must resolve `value` first: a token string or number, or an object (IResolvable, Lazy)."""
    if value is None or isinstance(value, bool | int):
        return False
    if isinstance(value, str | float):
        return is_unresolved(value)
    if isinstance(value, dict):
        return any(_holds_token(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_token(v) for v in value)
    return True


def _literal(value: Any) -> Any:
    """Resolved JSON with CloudFormation functions (values known only at deploy) replaced by None."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::")):
            return None
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal(v) for v in value]
    return value


def _check_topics(topics: Any) -> None:
    if topics is None or topics == [None]:
        return
    if not isinstance(topics, list) or len(topics) != 1:
        raise ConfigError("Topics", topics, "a Kafka mapping reads exactly one topic", "set one topic")
    check_topic("Topics[0]", topics[0])


def _check_pollers(config: Any) -> None:
    if not isinstance(config, dict):
        return
    low, high = config.get("minimumPollers"), config.get("maximumPollers")
    check_int_range("MinimumPollers", low, limits.MIN_POLLERS_MIN, limits.MIN_POLLERS_MAX)
    check_int_range("MaximumPollers", high, limits.MAX_POLLERS_MIN, limits.MAX_POLLERS_MAX)
    if isinstance(low, int) and isinstance(high, int) and low > high:
        raise ConfigError("MinimumPollers", low, f"must not exceed MaximumPollers ({high})", "lower it")


def _check_filters(criteria: Any) -> None:
    filters = (criteria.get("filters") or []) if isinstance(criteria, dict) else []
    if len(filters) > limits.FILTERS_MAX:
        raise ConfigError("FilterCriteria.Filters", len(filters), f"at most {limits.FILTERS_MAX} filters", "merge them")
    patterns = [f.get("pattern") for f in filters if isinstance(f, dict)]
    if len(set(map(json.dumps, patterns))) != len(patterns):
        raise ConfigError(
            "FilterCriteria.Filters", patterns, "CloudFormation requires unique filters", "drop duplicates"
        )
    for pattern in patterns:
        if isinstance(pattern, str) and len(pattern) > limits.FILTER_PATTERN_MAX_LENGTH:
            raise ConfigError(
                "Filter.Pattern", len(pattern), f"at most {limits.FILTER_PATTERN_MAX_LENGTH} characters", "shorten it"
            )


def _check_access(configs: Any) -> None:
    if isinstance(configs, list) and len(configs) > limits.SOURCE_ACCESS_CONFIGURATIONS_MAX:
        raise ConfigError(
            "SourceAccessConfigurations",
            len(configs),
            f"the API accepts at most {limits.SOURCE_ACCESS_CONFIGURATIONS_MAX}",
            "select fewer subnets or security groups",
        )
