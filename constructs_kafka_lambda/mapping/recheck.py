"""The mapping's rules checked again at synth, on the L1 as it finally is (`node.add_validation`).

An escape-hatch edit (`consumer.cfn_mapping.batch_size = 0`, an override of the provisioned poller config) skips
the constructor's checks; this reads the resolved L1 properties and reports what AWS would reject, with the same
checks and limits the constructor uses. Tokens that stay unresolved are CloudFormation's to check.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from constructs import IValidation

from .. import limits
from ..checks import check_int_range, check_topic
from ..errors import ConfigError
from .spec import MappingSpec

_PROVISIONED_ONLY = (
    ("maximum_retry_attempts", "MaximumRetryAttempts"),
    ("maximum_record_age_in_seconds", "MaximumRecordAgeInSeconds"),
    ("bisect_batch_on_function_error", "BisectBatchOnFunctionError"),
    ("function_response_types", "FunctionResponseTypes"),
    ("logging_config", "LoggingConfig"),
)


@jsii.implements(IValidation)
class MappingRecheck:
    """Validation of one consumer's mapping L1."""

    def __init__(self, cfn: lambda_.CfnEventSourceMapping, spec: MappingSpec) -> None:
        self._cfn = cfn
        self._spec = spec

    def validate(self) -> list[str]:
        cfn, stack = self._cfn, Stack.of(self._cfn)

        def read(name: str) -> Any:
            return _literal(stack.resolve(getattr(cfn, name)))

        errors: list[str] = []

        def check(rule: Callable[[], None]) -> None:
            try:
                rule()
            except ConfigError as error:
                errors.append(f"{error} (the mapping's L1 was changed after construction)")

        pollers = read("provisioned_poller_config")
        check(lambda: check_int_range("BatchSize", read("batch_size"), limits.BATCH_SIZE_MIN, limits.BATCH_SIZE_MAX))
        check(
            lambda: check_int_range(
                "MaximumBatchingWindowInSeconds",
                read("maximum_batching_window_in_seconds"),
                0,
                limits.BATCHING_WINDOW_MAX_SECONDS,
            )
        )
        check(lambda: _check_topics(read("topics")))
        check(lambda: _check_pollers(pollers))
        check(lambda: _check_filters(read("filter_criteria")))
        check(lambda: _check_access(read("source_access_configurations")))
        if not pollers:
            for attribute, name in _PROVISIONED_ONLY:
                value = read(attribute)
                if value not in (None, False, []):
                    errors.append(
                        f"{name}={value!r}: available for Kafka only in provisioned mode (no ProvisionedPollerConfig)"
                    )
        return errors


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
    low, high = config.get("MinimumPollers"), config.get("MaximumPollers")
    check_int_range("MinimumPollers", low, limits.MIN_POLLERS_MIN, limits.MIN_POLLERS_MAX)
    check_int_range("MaximumPollers", high, limits.MAX_POLLERS_MIN, limits.MAX_POLLERS_MAX)
    if isinstance(low, int) and isinstance(high, int) and low > high:
        raise ConfigError("MinimumPollers", low, f"must not exceed MaximumPollers ({high})", "lower it")


def _check_filters(criteria: Any) -> None:
    filters = (criteria or {}).get("Filters") or [] if isinstance(criteria, dict) else []
    if len(filters) > limits.FILTERS_MAX:
        raise ConfigError("FilterCriteria.Filters", len(filters), f"at most {limits.FILTERS_MAX} filters", "merge them")
    patterns = [f.get("Pattern") for f in filters if isinstance(f, dict)]
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
