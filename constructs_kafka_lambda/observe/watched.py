"""`Watched`: the frozen description of what a consumer's monitoring watches.

Monitoring reads only this (never the consumer), so observe/ imports nothing from the consumer and writes nothing
into it: the consumer hands a description over and gets alarms and metrics back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_cdk import aws_lambda as lambda_


@dataclass(frozen=True)
class Watched:
    """One consumer as its alarms, dashboard section and metric methods see it."""

    path: str  # the consumer's construct path: names its alarms and dashboard section
    topic: str
    function: lambda_.IFunction
    function_name: str  # read once: the alarms' descriptions, the dashboard title and the metrics' dimension
    mapping_uuid: str | Callable[[], str]  # a token, or a function giving it (read on first use): metric dimension
    provisioned: bool
    maximum_pollers: int | None  # provisioned mode: the autoscaling ceiling
    batch_size: int
    mapping_metrics: tuple[str, ...]  # the mapping's metric groups that are on (EventCount, ErrorCount, KafkaMetrics)
    queue_mode: bool = False  # share groups: no offsets, so no offset-lag metrics
    schema_registry: bool = False  # schema-registry errors count as errors
