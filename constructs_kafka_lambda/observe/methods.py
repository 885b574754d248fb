"""The `metric_*` methods of a consumer, generated from the one metric table (observe/metrics.py).

Every method has the same signature, `metric_<name>(**options)`, where options are CDK's MetricOptions
(period, statistic, label, color, unit, ...), and returns the metric named after it: `metric_offset_lag` is AWS's
OffsetLag (by function), `metric_sum_offset_lag` is SumOffsetLag (by mapping), and so on. The composite views
(`metric_lag`, `metric_mapping_errors`, `metric_failed_records`, `metric_processing_errors`) take the same options;
as metric-math expressions they use `period`, `label` and `color`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_cdk import aws_cloudwatch as cloudwatch

from ..errors import ConfigError
from .metrics import FUNCTION_METRICS, MAPPING_METRICS, ConsumerMetrics

_MATH_OPTIONS = frozenset({"period", "label", "color"})

MetricMethod = Callable[..., cloudwatch.IMetric]


def _metric(key: str, doc: str) -> MetricMethod:
    def method(self: MetricMethods, **options: Any) -> cloudwatch.IMetric:
        return self.metrics.metric(key, **options)

    method.__name__ = f"metric_{key}"
    method.__doc__ = doc
    return method


def _math(
    name: str, build: Callable[[ConsumerMetrics], Callable[..., cloudwatch.MathExpression]], doc: str
) -> MetricMethod:
    def method(self: MetricMethods, **options: Any) -> cloudwatch.IMetric:
        unknown = set(options) - _MATH_OPTIONS
        if unknown:
            raise ConfigError(
                f"metric_{name}({', '.join(sorted(unknown))})",
                options,
                "this is a metric-math sum of several metrics: only period, label and color apply",
                f"call metric_{name}(period=..., label=...), or the single metrics for their own statistics",
            )
        expression = build(self.metrics)(period=options.get("period"))
        if "label" in options or "color" in options:
            expression = expression.with_(label=options.get("label"), color=options.get("color"))
        return expression

    method.__name__ = f"metric_{name}"
    method.__doc__ = doc
    return method


def _doc(key: str) -> str:
    name, statistic, label = MAPPING_METRICS.get(key) or FUNCTION_METRICS[key]
    scope = "this mapping (EventSourceMappingUUID)" if key in MAPPING_METRICS else "the function (FunctionName)"
    return f"{name} of {scope}: {label}; default statistic {statistic}, period 5 minutes."


class MetricMethods:
    """Mixed into KafkaLambdaConsumer; `metrics` is the consumer's metric factory."""

    metrics: ConsumerMetrics

    # the mapping's metrics (mapping_metrics on; provisioned-only ones need provisioned mode)
    metric_sum_offset_lag = _metric("sum_offset_lag", _doc("sum_offset_lag"))
    metric_max_offset_lag = _metric("max_offset_lag", _doc("max_offset_lag"))
    metric_polled_events = _metric("polled_events", _doc("polled_events"))
    metric_filtered_out_events = _metric("filtered_out_events", _doc("filtered_out_events"))
    metric_invoked_events = _metric("invoked_events", _doc("invoked_events"))
    metric_failed_invoke_events = _metric("failed_invoke_events", _doc("failed_invoke_events"))
    metric_dropped_events = _metric("dropped_events", _doc("dropped_events"))
    metric_failure_destination_deliveries = _metric(
        "failure_destination_deliveries", _doc("failure_destination_deliveries")
    )
    metric_committed_events = _metric("committed_events", _doc("committed_events"))
    metric_polling_errors = _metric("polling_errors", _doc("polling_errors"))
    metric_invoke_errors = _metric("invoke_errors", _doc("invoke_errors"))
    metric_failure_destination_delivery_errors = _metric(
        "failure_destination_delivery_errors", _doc("failure_destination_delivery_errors")
    )
    metric_schema_registry_errors = _metric("schema_registry_errors", _doc("schema_registry_errors"))
    metric_commit_errors = _metric("commit_errors", _doc("commit_errors"))
    metric_provisioned_pollers = _metric("provisioned_pollers", _doc("provisioned_pollers"))
    metric_event_poller_units = _metric("event_poller_units", _doc("event_poller_units"))
    metric_event_poller_throughput = _metric("event_poller_throughput", _doc("event_poller_throughput"))
    # the function's metrics (always emitted, free)
    metric_offset_lag = _metric("offset_lag", _doc("offset_lag") + " Covers every Kafka mapping of the function.")
    metric_invocations = _metric("invocations", _doc("invocations"))
    metric_errors = _metric("errors", _doc("errors"))
    metric_throttles = _metric("throttles", _doc("throttles"))
    metric_duration = _metric("duration", _doc("duration"))
    metric_concurrent_executions = _metric("concurrent_executions", _doc("concurrent_executions"))
    # composite views
    metric_lag = _math(
        "lag",
        lambda m: m.lag_expression,
        "The lag the offset-lag alarm reads: SumOffsetLag of this mapping, or the function's OffsetLag when the "
        "mapping's metrics are off.",
    )
    metric_mapping_errors = _math(
        "mapping_errors", lambda m: m.mapping_errors, "Polling + invoke + failure-destination delivery errors."
    )
    metric_failed_records = _math(
        "failed_records", lambda m: m.failed_records, "Records sent to the failure destination + dropped records."
    )
    metric_processing_errors = _math(
        "processing_errors",
        lambda m: m.processing_errors,
        "What the errors alarm sums: function errors + throttles (+ the mapping's polling, invoke, delivery and "
        "schema-registry errors when its metrics are on).",
    )
