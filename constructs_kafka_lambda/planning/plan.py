"""`plan()`: which mode, how many pollers, how fast, and what it costs per month, before anything is deployed.

Pure arithmetic on the figures in constants.py (capacity.py for throughput at AWS's stated limits, drain.py for
drain times fitted to measured drains, costs.py for the bill); no AWS call.
`plan_for_consumer()` (settings.py) is the same with a consumer's own settings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import capacity as cap
from . import checks
from . import constants as c
from .costs import DESTINATIONS, MODES, NETWORKS, ON_DEMAND, PROVISIONED, CostBreakdown, Prices, Usage, breakdown
from .drain import FITTED, DrainTimes, drain_times
from .pollers import PollerChoice, choose_pollers


@dataclass(frozen=True)
class FilterSavings:
    """What the filters save per month against the same mapping without them, per mode."""

    keep_ratio: float
    invocations_avoided_per_month: float
    on_demand_usd: float
    provisioned_usd: float


@dataclass(frozen=True)
class Plan:
    """The planner's answer. `warnings` are problems (the consumer turns them into CDK warnings); `notes` explain."""

    mode: str
    recommended_mode: str
    reasons: tuple[str, ...]
    minimum_pollers: int
    maximum_pollers: int
    records_per_second: float
    record_bytes: float
    partitions: int
    batch_size: int
    batching_window_seconds: float
    duration_ms_per_batch: float
    memory_mb: int
    keep_ratio: float
    throughput_records_per_second: float
    capacity_records_per_second: float
    capacity_at_minimum_records_per_second: float
    expected_capacity_records_per_second: float
    records_per_batch: float
    invocations_per_second: float
    concurrency: float
    max_concurrency: int
    pollers_running: int
    event_poller_units: float
    drain: DrainTimes
    on_demand: CostBreakdown
    provisioned: CostBreakdown
    filter_savings: FilterSavings
    region: str
    prices: Prices = field(repr=False)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def cost(self) -> CostBreakdown:
        """The monthly cost of the plan's mode."""
        return self.provisioned if self.mode == PROVISIONED else self.on_demand

    @property
    def monthly_cost(self) -> float:
        return self.cost.total

    @property
    def epu_hours_per_month(self) -> float:
        return self.event_poller_units * c.HOURS_PER_MONTH

    def to_table(self) -> str:
        """A plain-text report: decision, capacity, drain times, both modes' monthly costs, warnings."""
        from .table import plan_table

        return plan_table(self)


def plan(
    *,
    records_per_second: float | None = None,
    mb_per_second: float | None = None,
    record_bytes: float,
    partitions: int,
    duration_ms_per_batch: float,
    batch_size: int = c.DEFAULT_BATCH_SIZE,
    batching_window_seconds: float = c.DEFAULT_BATCHING_WINDOW_SECONDS,
    memory_mb: int | None = None,
    architecture: str = "x86_64",
    filter_keep_ratio: float | None = None,
    sample_records: Iterable[Any] | None = None,
    filters: Sequence[Mapping[str, Any]] | None = None,
    backlog_records: int = 0,
    backlog_drain_target_seconds: float | None = None,
    region: str = c.DEFAULT_REGION,
    prices: Prices | None = None,
    mode: str | None = None,
    minimum_pollers: int | None = None,
    maximum_pollers: int | None = None,
    poller_group: bool = False,
    mapping_metrics: bool | Sequence[str] | None = None,
    network: str = "vpc_endpoints",
    availability_zones: int = 2,
    nat_gateways: int = 1,
    uses_secret: bool = False,
    failure_destination: str = "s3",
    failure_ratio: float = 0.0,
    free_tier: bool = False,
    headroom: float = c.DEFAULT_HEADROOM,
) -> Plan:
    """Plan a Kafka event source mapping: mode, pollers, throughput, concurrency, drain time, monthly cost.

    :param records_per_second: records written to the topic per second (or give mb_per_second, MB = 10^6 bytes).
    :param record_bytes: average size of a record's value (and key) in bytes.
    :param partitions: the topic's partitions: they cap pollers and in-flight invocations (order per partition).
    :param duration_ms_per_batch: the function's average duration for one batch, in milliseconds.
    :param filter_keep_ratio: share of records the filters let through (0-1); or give sample_records and filters
        and the preview measures it. Default 1 (no filtering).
    :param backlog_records: records waiting when the mapping starts (or after an outage), to time the catch-up
        (`drain`: expected times from a model fitted to published drains, bounds, and AWS's limits' floor);
        backlog_drain_target_seconds: raise the recommended minimum pollers until provisioned mode is expected to
        meet it.
    :param mode: "on-demand" or "provisioned" to plan that mode; None lets the planner recommend one. Both modes'
        costs are always computed.
    :param minimum_pollers, maximum_pollers: provisioned mode's configuration; None: recommended.
    :param network: on-demand mode's way to Lambda and STS from a VPC: "vpc_endpoints", "nat" or "none".
    :param failure_destination: "s3", "sqs", "sns", "kafka" or "none"; failure_ratio: share of batches sent there.
    :param prices: unit prices (default us-east-1 list prices); free_tier: subtract Lambda's monthly free tier.
    :param headroom: spare capacity the recommended pollers keep above the load (AWS advises a buffer).
    """
    record_bytes = checks.positive("record_bytes", record_bytes)
    rate = checks.one_rate(records_per_second, mb_per_second, record_bytes)
    workload = cap.Workload(
        records_per_second=rate,
        record_bytes=record_bytes,
        partitions=checks.whole("partitions", partitions, 1),
        duration_seconds=checks.positive("duration_ms_per_batch", duration_ms_per_batch) / 1000,
        batch_size=checks.whole("batch_size", batch_size, *c.BATCH_SIZE_RANGE),
        window_seconds=checks.positive("batching_window_seconds", batching_window_seconds, allow_zero=True),
        keep_ratio=1.0,
    )
    notes: list[str] = []
    keep = _keep_ratio(filter_keep_ratio, sample_records, filters, notes)
    workload = replace(workload, keep_ratio=keep)
    memory = checks.whole("memory_mb", memory_mb, *c.MEMORY_MB_RANGE) if memory_mb is not None else c.DEFAULT_MEMORY_MB
    if memory_mb is None:
        notes.append(f"memory_mb not known: {c.DEFAULT_MEMORY_MB} MB (Lambda's default) assumed")
    prices = prices if prices is not None else Prices()
    options = _Options(
        mode=checks.choice("mode", mode, MODES) if mode is not None else None,
        network=checks.choice("network", network, NETWORKS),
        destination=checks.choice("failure_destination", failure_destination, DESTINATIONS),
        arm64=checks.choice("architecture", architecture, ("x86_64", "arm64")) == "arm64",
        memory_mb=memory,
        mapping_metrics=mapping_metrics
        if mapping_metrics is None or isinstance(mapping_metrics, bool)
        else tuple(mapping_metrics),
        availability_zones=checks.whole("availability_zones", availability_zones, 1),
        nat_gateways=checks.whole("nat_gateways", nat_gateways, 1),
        uses_secret=bool(uses_secret),
        failure_ratio=checks.ratio("failure_ratio", failure_ratio),
        free_tier=bool(free_tier),
        poller_group=bool(poller_group),
    )
    backlog = checks.whole("backlog_records", backlog_records, 0)
    target = (
        checks.positive("backlog_drain_target_seconds", backlog_drain_target_seconds)
        if backlog_drain_target_seconds is not None
        else None
    )
    pollers = choose_pollers(
        workload,
        minimum=minimum_pollers,
        maximum=maximum_pollers,
        headroom=checks.positive("headroom", headroom, allow_zero=True),
        backlog=backlog,
        drain_target=target,
        poller_group=bool(poller_group),
    )
    return _assemble(workload, pollers, options, prices, region, backlog, target, notes)


@dataclass(frozen=True)
class _Options:
    mode: str | None
    network: str
    destination: str
    arm64: bool
    memory_mb: int
    mapping_metrics: bool | tuple[str, ...] | None  # None: the library's default, on in provisioned mode only
    availability_zones: int
    nat_gateways: int
    uses_secret: bool
    failure_ratio: float
    free_tier: bool
    poller_group: bool


def _keep_ratio(
    keep: float | None, sample: Iterable[Any] | None, filters: Sequence[Mapping[str, Any]] | None, notes: list[str]
) -> float:
    if keep is not None and sample is not None:
        from ..errors import ConfigError

        raise ConfigError(
            "filter_keep_ratio", keep, "give either filter_keep_ratio or sample_records, not both", "drop one"
        )
    if keep is not None:
        return checks.ratio("filter_keep_ratio", keep)
    if sample is not None:
        from .preview import preview_filters

        preview = preview_filters(filters or [], sample)
        notes.append(f"keep ratio {preview.keep_ratio:.2%} measured on {preview.total} sample records")
        return preview.keep_ratio
    if filters:
        notes.append("filters given without sample_records or filter_keep_ratio: every record assumed kept")
    return 1.0


def _assemble(
    w: cap.Workload,
    pollers: PollerChoice,
    o: _Options,
    prices: Prices,
    region: str,
    backlog: int,
    target: float | None,
    notes: list[str],
) -> Plan:
    warnings = list(pollers.warnings)
    warnings += _workload_warnings(w, o, prices, region)
    on_demand_cost, on_demand_ips = _mode_cost(ON_DEMAND, w, pollers, o, prices)
    provisioned_cost, provisioned_ips = _mode_cost(PROVISIONED, w, pollers, o, prices)
    drain = drain_times(backlog, w, pollers.minimum, pollers.maximum)
    recommended, reasons = _recommend(on_demand_cost, provisioned_cost, drain, target)
    chosen = o.mode or recommended
    if o.mode is not None and o.mode != recommended:
        notes.append(f"the planner would choose {recommended}: {reasons[0]}")
    if chosen == ON_DEMAND and o.destination == "kafka":
        warnings.append("a kafka:// failure destination needs provisioned mode")
    running = pollers.running if chosen == PROVISIONED else pollers.running_on_demand
    top = pollers.maximum if chosen == PROVISIONED else w.partitions
    ips = provisioned_ips if chosen == PROVISIONED else on_demand_ips
    throughput = min(w.records_per_second, cap.capacity(top, w))
    expected = cap.capacity(top, w, FITTED.batch_overhead_seconds)
    if expected < w.records_per_second <= cap.capacity(top, w):
        notes.append(
            f"the stated {w.records_per_second:,.0f} records/s is within AWS's limits but above the "
            f"{expected:,.0f}/s expected with the {FITTED.batch_overhead_seconds:g} s per batch fitted to measured "
            "drains (README, 'How far to trust the planner'): watch the offset lag"
        )
    return Plan(
        mode=chosen,
        recommended_mode=recommended,
        reasons=tuple(reasons),
        minimum_pollers=pollers.minimum,
        maximum_pollers=pollers.maximum,
        records_per_second=w.records_per_second,
        record_bytes=w.record_bytes,
        partitions=w.partitions,
        batch_size=w.batch_size,
        batching_window_seconds=w.window_seconds,
        duration_ms_per_batch=w.duration_seconds * 1000,
        memory_mb=o.memory_mb,
        keep_ratio=w.keep_ratio,
        throughput_records_per_second=throughput,
        capacity_records_per_second=cap.capacity(top, w),
        capacity_at_minimum_records_per_second=cap.capacity(pollers.minimum, w),
        expected_capacity_records_per_second=expected,
        records_per_batch=throughput * w.keep_ratio / ips if ips else 0.0,
        invocations_per_second=ips,
        concurrency=ips * w.duration_seconds,
        max_concurrency=cap.in_flight_cap(top, w.partitions),
        pollers_running=running,
        event_poller_units=pollers.epus,
        drain=drain,
        on_demand=on_demand_cost,
        provisioned=provisioned_cost,
        filter_savings=_filter_savings(w, pollers, o, prices, on_demand_cost, provisioned_cost),
        region=region,
        prices=prices,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def _mode_cost(mode: str, w: cap.Workload, p: PollerChoice, o: _Options, prices: Prices) -> tuple[CostBreakdown, float]:
    """One mode's bill, and its invocations per second (at capacity when the load exceeds it)."""
    running = p.running if mode == PROVISIONED else p.running_on_demand
    top = p.maximum if mode == PROVISIONED else w.partitions
    served = replace(w, records_per_second=min(w.records_per_second, cap.capacity(top, w)))
    if served.records_per_second < w.records_per_second:
        ips = served.kept_per_second / cap.full_batch(w)  # saturated: every batch is full
    else:
        ips = cap.invocations_per_second(running, served)
    usage = Usage(
        mode=mode,
        invocations_per_second=ips,
        duration_seconds=w.duration_seconds,
        memory_mb=o.memory_mb,
        arm64=o.arm64,
        payload_bytes_per_second=served.kept_per_second * w.event_bytes_per_record,
        epus=p.epus if mode == PROVISIONED else 0.0,
        mapping_metrics=o.mapping_metrics,
        network=o.network,
        availability_zones=o.availability_zones,
        nat_gateways=o.nat_gateways,
        uses_secret=o.uses_secret,
        failure_destination=o.destination,
        failure_ratio=o.failure_ratio,
        free_tier=o.free_tier,
    )
    return breakdown(usage, prices), ips


def _filter_savings(
    w: cap.Workload, p: PollerChoice, o: _Options, prices: Prices, on_demand: CostBreakdown, provisioned: CostBreakdown
) -> FilterSavings:
    unfiltered = replace(w, keep_ratio=1.0)
    od_all, od_ips_all = _mode_cost(ON_DEMAND, unfiltered, p, o, prices)
    pv_all, _ = _mode_cost(PROVISIONED, unfiltered, p, o, prices)
    _, od_ips = _mode_cost(ON_DEMAND, w, p, o, prices)
    return FilterSavings(
        keep_ratio=w.keep_ratio,
        invocations_avoided_per_month=(od_ips_all - od_ips) * c.SECONDS_PER_MONTH,
        on_demand_usd=od_all.total - on_demand.total,
        provisioned_usd=pv_all.total - provisioned.total,
    )


def _recommend(
    on_demand: CostBreakdown, provisioned: CostBreakdown, drain: DrainTimes, target: float | None
) -> tuple[str, list[str]]:
    od, pv = on_demand.total, provisioned.total
    if target is not None and drain.backlog_records:
        if drain.on_demand > target >= drain.provisioned:
            return PROVISIONED, [
                f"on-demand is expected to drain the backlog in {_duration(drain.on_demand)} (target "
                f"{_duration(target)}); provisioned mode from the minimum pollers in {_duration(drain.provisioned)}"
            ]
    cheaper = PROVISIONED if pv < od else ON_DEMAND
    return cheaper, [f"{cheaper} is cheaper: ${min(od, pv):,.2f}/month against ${max(od, pv):,.2f}/month"]


def _workload_warnings(w: cap.Workload, o: _Options, prices: Prices, region: str) -> list[str]:
    warnings: list[str] = []
    if w.event_bytes_per_record > c.INVOKE_PAYLOAD_MAX_BYTES:
        warnings.append(
            f"a {w.record_bytes:,.0f}-byte record exceeds Lambda's {c.INVOKE_PAYLOAD_MAX_BYTES / 2**20:g} MB invocation "
            "payload once base64-encoded: the mapping fails with MaximumPayloadSizeExceeded"
        )
    if region != prices.region:
        warnings.append(
            f"prices are {prices.region} defaults but region={region!r}: pass Prices(...) with your Region's prices"
        )
    if w.keep_ratio == 0:
        warnings.append("the filters keep no record: the function is never invoked")
    if w.duration_seconds > c.FUNCTION_TIMEOUT_MAX_SECONDS:
        minutes = c.FUNCTION_TIMEOUT_MAX_SECONDS / 60
        warnings.append(f"a batch takes longer than {minutes:g} minutes, the longest timeout a Kafka consumer may have")
    return warnings


def _duration(seconds: float) -> str:
    if math.isinf(seconds):
        return "never"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
