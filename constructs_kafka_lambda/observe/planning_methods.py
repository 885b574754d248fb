"""`consumer.plan(...)` and `consumer.preview_filters(...)`: the planner and the filter preview with a consumer's own
settings (planning/ is pure Python; this is the one place that reads a consumer's spec for it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aws_cdk import Annotations
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ..mapping.spec import MappingSpec
from ..network.access import AccessMode
from ..planning import ConsumerSettings, FilterPreview, Plan, plan_for_consumer, preview_filters
from ..planning import constants as c
from ..tokens import is_unresolved


class PlanningMethods:
    """Mixed into KafkaLambdaConsumer."""

    spec: MappingSpec

    def plan(self, **workload: Any) -> Plan:
        """`plan(...)` with this consumer's batch size, window, mode, pollers, memory, filters, network and failure
        destination; the workload (records_per_second, record_bytes, partitions, duration_ms_per_batch, ...) is
        yours. The plan's warnings (pollers above the partitions, a maximum that cannot reach the stated load)
        become CDK warnings on the consumer. With `backlog_records`, `.drain.provisioned` is the expected drain
        from this consumer's minimum pollers (and `.to_table()` shows it beside its bounds)."""
        result = plan_for_consumer(settings_of(self.spec), **workload)
        assert isinstance(self, Construct)
        for warning in result.warnings:
            Annotations.of(self).add_warning_v2("constructs-kafka-lambda:plan", warning)
        return result

    def preview_filters(self, records: Iterable[Any]) -> FilterPreview:
        """Which of these Kafka records (event records with base64 values, or plain JSON values) would reach the
        function under this consumer's filters, with Lambda's semantics for Kafka."""
        return preview_filters(list(self.spec.filters), records)


def settings_of(spec: MappingSpec) -> ConsumerSettings:
    pollers = spec.pollers
    window = spec.batching_window_seconds
    return ConsumerSettings(
        batch_size=spec.batch_size if not is_unresolved(spec.batch_size) else c.DEFAULT_BATCH_SIZE,
        batching_window_seconds=c.DEFAULT_BATCHING_WINDOW_SECONDS
        if window is None or is_unresolved(window)
        else window,
        provisioned=spec.provisioned,
        minimum_pollers=_known(pollers.minimum) if pollers else None,
        maximum_pollers=_known(pollers.maximum) if pollers else None,
        poller_group=bool(pollers and pollers.group_name),
        memory_mb=_memory_of(spec.function),
        mapping_metrics=spec.mapping_metrics,
        network=_network_kind(spec),
        uses_secret=bool(spec.cluster.secrets),
        failure_destination=spec.destination.kind.value,
        filters=tuple(spec.filters),
    )


def _known(value: int) -> int | None:
    return None if is_unresolved(value) else value


def _memory_of(function: lambda_.IFunction) -> int | None:
    child = function.node.default_child
    memory = child.memory_size if isinstance(child, lambda_.CfnFunction) else None
    return memory if isinstance(memory, int) and not is_unresolved(memory) else None


def _network_kind(spec: MappingSpec) -> str:
    access = spec.network_access
    if not spec.cluster.in_vpc:
        return "none"
    if access is not None and access.mode is AccessMode.EXISTING_EGRESS:
        return "nat" if access.nat_gateway else "none"
    return "vpc_endpoints"
