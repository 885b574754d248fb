"""One definition of each metric of a consumer, used by its alarms, its dashboard section and its `metric_*` methods.

A small metric factory in the style of cdk-monitoring-constructs: each method returns the metric with the namespace,
name, dimensions and statistic that make it read this one consumer (its mapping, or its function) and nothing else.

Sources (checked November 2026):
- [L-TYPES] Lambda Developer Guide, "Types of metrics for Lambda functions"
  (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html): namespace AWS/Lambda; invocation
  metrics (Invocations, Errors, Throttles: Sum), performance metrics (Duration; OffsetLag "for self-managed Apache
  Kafka and Amazon MSK event sources ... at the topic level"), concurrency metrics (ConcurrentExecutions: Maximum).
- [L-VIEW] Lambda Developer Guide, "Viewing metrics for Lambda functions" (monitoring-metrics-view.html): the
  function metrics' dimensions FunctionName (all versions and aliases), Resource, ExecutedVersion, and "event source
  mapping UUID" for the mapping's own metrics.
- [ESM-CFG] Lambda API Reference, EventSourceMappingMetricsConfig, and the CloudFormation MetricsConfig property:
  the groups EventCount, ErrorCount (MSK and self-managed Kafka), KafkaMetrics (MSK and self-managed Kafka), opt-in,
  "see Event source mapping metrics" (monitoring-metrics-types.html#event-source-mapping-metrics).
- [ESM-METRICS] that section: EventCount = PolledEventCount,
  FilteredOutEventCount, InvokedEventCount, FailedInvokeEventCount, DroppedEventCount,
  OnFailureDestinationDeliveredEventCount, CommittedEventCount; ErrorCount = PollingErrorCount, InvokeErrorCount,
  OnFailureDestinationDeliveryErrorCount, SchemaRegistryErrorCount, CommitErrorCount; KafkaMetrics = MaxOffsetLag,
  SumOffsetLag; all in AWS/Lambda with the single dimension EventSourceMappingUUID (the mapping's UUID, which is
  what `Ref` of AWS::Lambda::EventSourceMapping returns). Provisioned mode only: ProvisionedPollers, EventPollerUnit,
  EventPollerThroughputInBytes, per mapping (EventSourceMappingUUID).
- [MSK-PM] Lambda Developer Guide, "Apache Kafka event poller scaling modes" (kafka-scaling-modes.html): one poller
  handles up to 5 MB/s or 5 concurrent invocations; Lambda evaluates OffsetLag every minute.

OffsetLag itself is documented as a function metric [L-TYPES]: we read it by FunctionName, which aggregates every
Kafka mapping of that function. The documentation found does not list an EventSourceMappingUUID dimension for it, so
what reads exactly one consumer is SumOffsetLag (same quantity, summed over the topic's partitions) and MaxOffsetLag
(worst partition) by EventSourceMappingUUID [ESM-METRICS]: the lag alarm uses SumOffsetLag whenever the mapping's
metrics are on (the default), and falls back to OffsetLag by FunctionName only when they are off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_

NAMESPACE = "AWS/Lambda"  # [L-TYPES], [ESM-METRICS]
MAPPING_DIMENSION = "EventSourceMappingUUID"  # [ESM-METRICS], [L-VIEW]
DEFAULT_PERIOD = Duration.minutes(5)
DEFAULT_PERIOD_SECONDS = 300

SUM = "Sum"  # cloudwatch.Stats.SUM, as plain strings: no jsii round trip per use
MAX = "Maximum"
AVG = "Average"
P99 = "p99"

# The mapping's metrics [ESM-METRICS]: key -> (metric name, default statistic, label). One definition, read by the
# metric_* methods and alarms (as cloudwatch.Metric) and by the dashboard (as JSON rows).
MAPPING_METRICS: dict[str, tuple[str, str, str]] = {
    "sum_offset_lag": ("SumOffsetLag", MAX, "Offset lag (all partitions)"),
    "max_offset_lag": ("MaxOffsetLag", MAX, "Offset lag (worst partition)"),
    "polled_events": ("PolledEventCount", SUM, "Polled"),
    "filtered_out_events": ("FilteredOutEventCount", SUM, "Filtered out"),
    "invoked_events": ("InvokedEventCount", SUM, "Invoked"),
    "failed_invoke_events": ("FailedInvokeEventCount", SUM, "Failed invokes"),
    "dropped_events": ("DroppedEventCount", SUM, "Dropped"),
    "failure_destination_deliveries": ("OnFailureDestinationDeliveredEventCount", SUM, "Sent to failure destination"),
    "committed_events": ("CommittedEventCount", SUM, "Committed"),
    "polling_errors": ("PollingErrorCount", SUM, "Polling errors"),
    "invoke_errors": ("InvokeErrorCount", SUM, "Invoke errors"),
    "failure_destination_delivery_errors": (
        "OnFailureDestinationDeliveryErrorCount",
        SUM,
        "Destination delivery errors",
    ),
    "schema_registry_errors": ("SchemaRegistryErrorCount", SUM, "Schema registry errors"),
    "commit_errors": ("CommitErrorCount", SUM, "Commit errors"),
    "provisioned_pollers": ("ProvisionedPollers", MAX, "Pollers"),
    "event_poller_units": ("EventPollerUnit", SUM, "Event poller units"),
    "event_poller_throughput": ("EventPollerThroughputInBytes", SUM, "Bytes polled"),
}

# Which MetricsConfig group [ESM-CFG] each mapping metric belongs to (provisioned-mode ones: None, no group).
KAFKA_METRICS, EVENT_COUNT, ERROR_COUNT = "KafkaMetrics", "EventCount", "ErrorCount"
METRIC_GROUPS: dict[str, str | None] = {
    **dict.fromkeys(("sum_offset_lag", "max_offset_lag"), KAFKA_METRICS),
    **dict.fromkeys(
        (
            "polled_events",
            "filtered_out_events",
            "invoked_events",
            "failed_invoke_events",
            "dropped_events",
            "failure_destination_deliveries",
            "committed_events",
        ),
        EVENT_COUNT,
    ),
    **dict.fromkeys(
        ("polling_errors", "invoke_errors", "failure_destination_delivery_errors", "schema_registry_errors"),
        ERROR_COUNT,
    ),
    "commit_errors": ERROR_COUNT,
    **dict.fromkeys(("provisioned_pollers", "event_poller_units", "event_poller_throughput"), None),
}

# The function's metrics [L-TYPES]: key -> (metric name, default statistic, label).
FUNCTION_METRICS: dict[str, tuple[str, str, str]] = {
    "offset_lag": ("OffsetLag", MAX, "Offset lag (function)"),
    "invocations": ("Invocations", SUM, "Invocations"),
    "errors": ("Errors", SUM, "Function errors"),
    "throttles": ("Throttles", SUM, "Throttles"),
    "duration": ("Duration", P99, "Duration"),
    "concurrent_executions": ("ConcurrentExecutions", MAX, "Concurrent executions"),
}

# Composite views (metric-math sums): query id -> metric key. Read by the public MathExpressions and the alarms.
MAPPING_ERROR_KEYS: dict[str, str] = {
    "poll": "polling_errors",
    "inv": "invoke_errors",
    "dlv": "failure_destination_delivery_errors",
}
FAILED_RECORD_KEYS: dict[str, str] = {"sent": "failure_destination_deliveries", "dropped": "dropped_events"}
FUNCTION_ERROR_KEYS: dict[str, str] = {"err": "errors", "thr": "throttles"}


class ConsumerMetrics:
    """Metric factory for one consumer: its mapping (by UUID) and its function (by name).

    Metrics of the mapping's groups (EventCount, ErrorCount, KafkaMetrics) have data only while that group is in the
    consumer's `mapping_metrics` (all of them by default in provisioned mode); the pollers' metrics only in
    provisioned mode. `mapping_metrics`: True (every group), False, or the groups that are on.
    Each metric is read by key from the tables above (`metric(key)`): one definition, no method per metric.
    """

    def __init__(
        self,
        function: lambda_.IFunction,
        mapping_uuid: str | Callable[[], str],
        *,
        mapping_metrics: bool | Iterable[str] = True,
        schema_registry: bool = False,
        function_name: str | None = None,
    ) -> None:
        self.function = function
        self._mapping_uuid = mapping_uuid
        every = (KAFKA_METRICS, EVENT_COUNT, ERROR_COUNT)
        groups = every if mapping_metrics is True else () if mapping_metrics is False else mapping_metrics
        self.groups: frozenset[str] = frozenset(groups)
        self.schema_registry = schema_registry
        self._function_name = function_name  # the function's name when the caller has read it already

    @property
    def mapping_uuid(self) -> str:
        """The mapping's UUID (a token), the dimension of its metrics. Given as a function, it is read on first use:
        a consumer whose alarms and dashboard use no mapping metric never asks CDK for it (a round trip saved)."""
        if callable(self._mapping_uuid):
            self._mapping_uuid = self._mapping_uuid()
        return self._mapping_uuid

    @property
    def mapping_metrics(self) -> bool:
        """Whether any of the mapping's metric groups is on."""
        return bool(self.groups)

    def lag_expression(self, period: Duration | None = None) -> cloudwatch.MathExpression:
        """`lag` as a one-metric expression (the same series), so that it takes period/label like the others."""
        return cloudwatch.MathExpression(
            expression="lag", using_metrics={"lag": self.lag()}, label="Offset lag", period=period or DEFAULT_PERIOD
        )

    def lag(self, **props: Any) -> cloudwatch.Metric:
        """The offset lag that reads this consumer: SumOffsetLag by mapping UUID when the KafkaMetrics group is on,
        else the function's OffsetLag (which also counts any other Kafka mapping of the same function)."""
        return self.metric("sum_offset_lag" if KAFKA_METRICS in self.groups else "offset_lag", **props)

    # ------------------------------------------------------------------------------------------- the mapping
    def _mapping(self, key: str, **props: Any) -> cloudwatch.Metric:
        name, statistic, label = MAPPING_METRICS[key]
        return cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name=name,
            dimensions_map={MAPPING_DIMENSION: self.mapping_uuid},
            statistic=props.pop("statistic", statistic),
            label=props.pop("label", label),
            period=props.pop("period", DEFAULT_PERIOD),
            **props,
        )

    # Composite views of the mapping (metric math over the metrics above)
    def mapping_errors(self, period: Duration | None = None) -> cloudwatch.MathExpression:
        """Polling + invoke + failure-destination delivery errors of the mapping: records are not moving."""
        return self._sum_of("Mapping errors", MAPPING_ERROR_KEYS, period)

    def failed_records(self, period: Duration | None = None) -> cloudwatch.MathExpression:
        """Records the function never processed: sent to the failure destination, or dropped."""
        return self._sum_of("Failed records", FAILED_RECORD_KEYS, period)

    # ------------------------------------------------------------------------------------------ the function
    # [L-TYPES] with FunctionName [L-VIEW], built by CDK's IFunction.metric* so aliases/versions get theirs.
    def _function(self, key: str, **props: Any) -> cloudwatch.Metric:
        name, statistic, label = FUNCTION_METRICS[key]
        return self.function.metric(
            name,
            statistic=props.pop("statistic", statistic),
            label=props.pop("label", label),
            period=props.pop("period", DEFAULT_PERIOD),
            **props,
        )

    def processing_errors(self, period: Duration | None = None) -> cloudwatch.MathExpression:
        """Function errors + throttles (+ the mapping's polling/invoke/delivery/schema-registry errors when its
        ErrorCount group is on): the series the errors alarm sums."""
        keys = processing_error_keys(ERROR_COUNT in self.groups, schema_registry=self.schema_registry)
        return self._sum_of("Processing errors", keys, period)

    def metric(self, key: str, **props: Any) -> cloudwatch.Metric:
        """Any metric of the two tables by key, as a cloudwatch.Metric."""
        return self._mapping(key, **props) if key in MAPPING_METRICS else self._function(key, **props)

    def _sum_of(self, label: str, keys: dict[str, str], period: Duration | None) -> cloudwatch.MathExpression:
        """Per-period sum of several counters; a counter with no data point in a period counts as 0 (FILL)."""
        return cloudwatch.MathExpression(
            expression=sum_expression(keys),
            using_metrics={query_id: self.metric(key) for query_id, key in keys.items()},
            label=label,
            period=period or DEFAULT_PERIOD,
        )

    # ------------------------------------------------------------------------------------- alarm JSON queries
    # In the L1's shape (CfnAlarm.MetricDataQueryProperty as JSON, camelCase): given to the CfnAlarm constructor with
    # its other properties in one round trip; CDK writes them as CloudFormation's Metrics.
    def metric_stat(self, key: str, period_seconds: int) -> dict[str, Any]:
        """A metric as the L1's MetricStat, from the same tables as the Metric objects."""
        name, statistic, _label = MAPPING_METRICS.get(key) or FUNCTION_METRICS[key]
        dimensions = {MAPPING_DIMENSION: self.mapping_uuid} if key in MAPPING_METRICS else self.function_dimensions()
        return {
            "metric": {
                "namespace": NAMESPACE,
                "metricName": name,
                "dimensions": [{"name": k, "value": v} for k, v in dimensions.items()],
            },
            "period": period_seconds,
            "stat": statistic,
        }

    def alarm_metric(self, key: str, period_seconds: int) -> dict[str, Any]:
        """One metric as the L1 alarm's plain single-metric properties (CfnAlarm keyword arguments): the form CDK's
        own Alarm writes for one metric, which costs less to build, resolve and validate than a Metrics query."""
        stat = self.metric_stat(key, period_seconds)
        metric = stat["metric"]
        statistic = stat["stat"]
        standard = statistic in _STANDARD_STATISTICS
        return {
            "namespace": metric["namespace"],
            "metric_name": metric["metricName"],
            "dimensions": metric["dimensions"],
            "period": period_seconds,
            "statistic": statistic if standard else None,
            "extended_statistic": None if standard else statistic,
        }

    def alarm_queries(self, label: str, keys: dict[str, str], period_seconds: int) -> list[dict[str, Any]]:
        """The alarm's metric data queries: one metric, or the FILL-sum of several (as `_sum_of`)."""
        if len(keys) == 1:
            ((_, key),) = keys.items()
            return [
                {"id": "m1", "label": label, "metricStat": self.metric_stat(key, period_seconds), "returnData": True}
            ]
        queries: list[dict[str, Any]] = [
            {"id": "expr", "label": label, "expression": sum_expression(keys), "returnData": True}
        ]
        queries += [
            {"id": query_id, "metricStat": self.metric_stat(key, period_seconds), "returnData": False}
            for query_id, key in keys.items()
        ]
        return queries

    # ------------------------------------------------------------------------------------- dashboard JSON rows
    def function_dimensions(self) -> dict[str, str]:
        """The function's metric dimensions as CDK's IFunction.metric builds them (FunctionName, + Resource for an
        alias or version), read once per consumer. A lambda_.Function's are its name alone (FunctionBase.metric),
        written here from the name the consumer read anyway; any other IFunction is asked (two round trips)."""
        dimensions = getattr(self, "_function_dimensions", None)
        if dimensions is None:
            function = self.function
            if self._function_name is not None and _metric_is_function_base(function):
                dimensions = {"FunctionName": self._function_name}
            else:
                dimensions = dict(function.metric("Invocations").dimensions or {})
            self._function_dimensions = dimensions
        return dimensions

    def dashboard_row(self, key: str, *, statistic: str | None = None, label: str | None = None) -> list[Any]:
        """A metric as a row of a dashboard graph's JSON ("metrics" array), from the same table as the Metric."""
        if key in MAPPING_METRICS:
            name, default_statistic, default_label = MAPPING_METRICS[key]
            dimensions: dict[str, str] = {MAPPING_DIMENSION: self.mapping_uuid}
        else:
            name, default_statistic, default_label = FUNCTION_METRICS[key]
            dimensions = self.function_dimensions()
        row: list[Any] = [NAMESPACE, name]
        for dimension, value in dimensions.items():
            row += [dimension, value]
        return [*row, {"stat": statistic or default_statistic, "label": label or default_label}]


_STANDARD_STATISTICS = frozenset(("SampleCount", "Average", "Sum", "Minimum", "Maximum"))  # else ExtendedStatistic


def _metric_is_function_base(function: lambda_.IFunction) -> bool:
    """A lambda_.Function (or a subclass) whose `metric` is CDK's FunctionBase.metric, dimensioned by FunctionName
    only; aliases, versions and imported functions are other classes and are asked."""
    return isinstance(function, lambda_.Function) and type(function).metric is lambda_.Function.metric


def processing_error_keys(include_mapping: bool, *, schema_registry: bool = False) -> dict[str, str]:
    """Function errors + throttles; with the mapping's metrics also its polling, invoke and delivery errors, and
    with a schema registry its SchemaRegistryErrorCount (records the pollers could not decode or validate)."""
    keys = FUNCTION_ERROR_KEYS | (MAPPING_ERROR_KEYS if include_mapping else {})
    return keys | ({"sr": "schema_registry_errors"} if include_mapping and schema_registry else {})


def sum_expression(keys: dict[str, str]) -> str:
    return " + ".join(f"FILL({query_id}, 0)" for query_id in keys)
