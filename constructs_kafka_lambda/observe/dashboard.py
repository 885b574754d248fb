"""A consumer's section of the stack's one CloudWatch dashboard: a title row and one row of six graphs.

Lag | throughput | errors | failed records | duration | pollers and concurrency, each row read from the same metric
table as the alarms (`ConsumerMetrics.dashboard_row`). The widgets are plain JSON kept by the stack's shared
resources and written once into one AWS::CloudWatch::Dashboard at synth: a section costs Python work, not dozens
of jsii objects per consumer. Seven widgets per consumer: 70 consumers stay under CloudWatch's 500 widgets.
"""

from __future__ import annotations

from typing import Any

from .metrics import AVG, ERROR_COUNT, EVENT_COUNT, KAFKA_METRICS, MAX, ConsumerMetrics
from .watched import Watched

_HEIGHT = 6
_WIDTH = 4  # six graphs across the dashboard's 24 columns
SECTION_HEIGHT = 1 + _HEIGHT


def dashboard_section(
    watched: Watched,
    metrics: ConsumerMetrics,
    *,
    top: int,
    lag_threshold: float,
) -> list[dict[str, Any]]:
    """The widgets (CloudWatch dashboard body JSON) of one consumer, starting at row `top`."""
    row = metrics.dashboard_row
    groups = watched.mapping_metrics  # each graph reads the mapping's metrics only where their group is on
    events = EVENT_COUNT in groups
    mode = "provisioned" if watched.provisioned else "on-demand"
    lag = [row("sum_offset_lag"), row("max_offset_lag")] if KAFKA_METRICS in groups else [row("offset_lag")]
    throughput = [row("invocations")]
    errors = [row("errors"), row("throttles")]
    failed = [row("errors")]
    if events:
        throughput = [row(k) for k in ("polled_events", "filtered_out_events", "invoked_events", "committed_events")]
        failed = [row(k) for k in ("failure_destination_deliveries", "dropped_events", "failed_invoke_events")]
    if ERROR_COUNT in groups:
        errors += [
            row(k)
            for k in (
                "polling_errors",
                "invoke_errors",
                "failure_destination_delivery_errors",
                *(("schema_registry_errors",) if watched.schema_registry else ()),
                "commit_errors",
            )
        ]
    capacity = [row("concurrent_executions")]
    capacity_right: list[list[Any]] = []
    if watched.provisioned:
        capacity = [row("provisioned_pollers"), row("event_poller_units"), *capacity]
        capacity_right = [row("event_poller_throughput")]
    duration = [
        row("duration"),
        row("duration", statistic=AVG, label="Duration (avg)"),
        row("duration", statistic=MAX, label="Duration (max)"),
    ]
    title = {
        "type": "text",
        "x": 0,
        "y": top,
        "width": 24,
        "height": 1,
        "properties": {
            "markdown": f"### {watched.path}: topic `{watched.topic}` -> `{watched.function_name}` ({mode})"
        },
    }
    lag_graph = (
        _graph("Invocations (queue mode: no offset lag)", [row("invocations")])
        if watched.queue_mode
        else _graph("Offset lag (records)", lag, annotations=[{"value": lag_threshold, "label": "alarm"}])
    )
    graphs = [
        lag_graph,
        _graph("Records (mapping)" if events else "Invocations", throughput),
        _graph("Errors and throttles", errors),
        _graph("Failed records (destination, dropped)", failed),
        _graph("Duration (ms)", duration),
        _graph("Pollers and concurrency" if watched.provisioned else "Concurrency", capacity, right=capacity_right),
    ]
    for column, graph in enumerate(graphs):
        graph |= {"x": column * _WIDTH, "y": top + 1}
    return [title, *graphs]


def _graph(
    title: str,
    left: list[list[Any]],
    *,
    right: list[list[Any]] | None = None,
    annotations: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    rows = _abbreviate([*left, *[[*r[:-1], {**r[-1], "yAxis": "right"}] for r in right or []]])
    properties: dict[str, Any] = {
        "view": "timeSeries",
        "title": title,
        "metrics": rows,  # period: CloudWatch's default for graphs, 300 s
    }
    if annotations:
        properties["annotations"] = {"horizontal": annotations}
    return {"type": "metric", "width": _WIDTH, "height": _HEIGHT, "properties": properties}


def _abbreviate(rows: list[list[Any]]) -> list[list[Any]]:
    """CloudWatch's "." shorthand: a namespace or dimension equal to the previous row's is written ".", which keeps
    the body (and each repeated token reference in it) small. Metric names stay explicit."""
    shortened: list[list[Any]] = []
    previous: list[Any] | None = None
    for row in rows:
        fields, options = row[:-1], row[-1]
        if previous is not None and len(previous) == len(fields):
            fields = ["." if i != 1 and a == b else a for i, (a, b) in enumerate(zip(fields, previous, strict=True))]
        shortened.append([*fields, options])
        previous = row[:-1]
    return shortened


__all__ = ["SECTION_HEIGHT", "dashboard_section"]
