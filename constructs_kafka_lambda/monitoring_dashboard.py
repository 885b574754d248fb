"""A consumer's section of the stack's one CloudWatch dashboard: a title row and one row of six graphs.

Lag | throughput | errors | failed records | duration | pollers and concurrency, all built from `ConsumerMetrics`, so
each graph reads exactly the series its alarm reads. About 6 widgets per consumer: fifty consumers stay far below
CloudWatch's limit of 500 widgets per dashboard, in one AWS::CloudWatch::Dashboard resource.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import aws_cloudwatch as cloudwatch

from .monitoring_metrics import AVG, MAX, ConsumerMetrics

if TYPE_CHECKING:
    from .consumer import KafkaLambdaConsumer

_HEIGHT = 6
_WIDTH = 4  # six graphs across the dashboard's 24 columns


def add_dashboard_section(
    dashboard: cloudwatch.Dashboard,
    consumer: KafkaLambdaConsumer,
    metrics: ConsumerMetrics,
    *,
    mapping_metrics: bool,
    lag_threshold: float,
) -> None:
    mode = "provisioned" if consumer.provisioned else "on-demand"
    title = cloudwatch.TextWidget(
        markdown=f"### {consumer.node.path}: topic `{consumer.topic}` -> `{consumer.function.function_name}` ({mode})",
        width=24,
        height=1,
    )
    lag = [metrics.lag(), metrics.max_offset_lag()] if mapping_metrics else [metrics.lag()]
    throughput: list[cloudwatch.IMetric] = [metrics.invocations()]
    errors: list[cloudwatch.IMetric] = [metrics.errors(), metrics.throttles()]
    failed: list[cloudwatch.IMetric] = []
    if mapping_metrics:
        throughput = [
            metrics.polled_events(),
            metrics.filtered_out_events(),
            metrics.invoked_events(),
            metrics.committed_events(),
        ]
        errors += [
            metrics.polling_errors(),
            metrics.invoke_errors(),
            metrics.failure_destination_delivery_errors(),
            metrics.schema_registry_errors(),
            metrics.commit_errors(),
        ]
        failed = [metrics.failure_destination_deliveries(), metrics.dropped_events(), metrics.failed_invoke_events()]
    capacity: list[cloudwatch.IMetric] = [metrics.concurrent_executions()]
    capacity_right: list[cloudwatch.IMetric] = []
    if consumer.provisioned:
        capacity = [metrics.provisioned_pollers(), metrics.event_poller_units(), *capacity]
        capacity_right = [metrics.event_poller_throughput()]
    dashboard.add_widgets(title)
    dashboard.add_widgets(
        _graph(
            "Offset lag (records)",
            lag,
            annotations=[cloudwatch.HorizontalAnnotation(value=lag_threshold, label="alarm")],
        ),
        _graph("Records (mapping)" if mapping_metrics else "Invocations", throughput),
        _graph("Errors and throttles", errors),
        _graph("Failed records (destination, dropped)", failed or [metrics.errors()]),
        _graph(
            "Duration (ms)",
            [metrics.duration(), metrics.duration(statistic=AVG), metrics.duration(statistic=MAX)],
        ),
        _graph("Pollers and concurrency" if consumer.provisioned else "Concurrency", capacity, right=capacity_right),
    )


def _graph(
    title: str,
    left: Sequence[cloudwatch.IMetric],
    *,
    right: Sequence[cloudwatch.IMetric] | None = None,
    annotations: Sequence[cloudwatch.HorizontalAnnotation] | None = None,
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title=title,
        left=left,
        right=right or None,
        left_annotations=annotations,
        width=_WIDTH,
        height=_HEIGHT,
    )


__all__ = ["add_dashboard_section"]
