"""How long a backlog takes to drain: AWS's stated limits as hard ceilings, and a model fitted to measured drains.

AWS's limits alone (capacity.py) are far too optimistic: at 100 pollers on 100 partitions, 2 M records in batches
of 100 taking 100 ms would drain in 20 s; the service took 90 s (published-measurements in fit.py). The model adds
the two things the limits leave out, with two named, fitted parameters (constants.py, "Drain model"):

- `BATCH_OVERHEAD_SECONDS`: each batch costs that much beyond the function's duration (poll, invoke, commit), so
  a partition delivers full_batch / (duration + overhead) records/s, not full_batch / duration.
- `POLLERS_ADDED_PER_MINUTE`: while a backlog waits, the service adds one poller every 60 / that many seconds, up
  to its target: in provisioned mode from the minimum toward the maximum (never above the partitions), from the
  start; in on-demand mode from one poller toward the partitions, after ON_DEMAND_SCALE_UP_SECONDS (AWS's
  documented one-minute evaluation plus up to three minutes of scaling: a documented figure, not fitted).

The ceilings stay hard limits on top of the model: 5 MB/s and 5 invocations in flight per poller, one batch in
flight per partition, never more pollers than partitions. `floor` is the drain AWS's limits allow with every
partition busy from the first second; no other figure is below it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import capacity as cap
from . import constants as c


@dataclass(frozen=True)
class DrainModel:
    """The drain model's parameters; the default is the fitted one (fit.py recomputes it from the measurements)."""

    batch_overhead_seconds: float = c.BATCH_OVERHEAD_SECONDS
    pollers_added_per_minute: float = c.POLLERS_ADDED_PER_MINUTE
    on_demand_delay_seconds: float = c.ON_DEMAND_SCALE_UP_SECONDS


FITTED = DrainModel()


@dataclass(frozen=True)
class DrainTimes:
    """Seconds to read `backlog_records` while the stated load keeps arriving (inf: never; 0: no backlog).

    Expected figures (the fitted model, drain.py): `on_demand` (one poller, then pollers added after AWS's
    evaluation and scaling delay) and `provisioned` (pollers added from the minimum toward the maximum). Bounds
    of `provisioned`, with the same per-batch overhead: `provisioned_at_minimum` (the service never adds a poller)
    and `provisioned_at_maximum` (every poller from the first second). `floor`: what AWS's stated limits allow
    with every partition busy from the first second and no overhead; no figure is below it.
    """

    backlog_records: int
    on_demand: float
    provisioned: float
    provisioned_at_minimum: float
    provisioned_at_maximum: float
    floor: float


def drain_times(backlog: int, w: cap.Workload, minimum: int, maximum: int, model: DrainModel = FITTED) -> DrainTimes:
    """Every drain figure of a plan, for provisioned mode's effective `minimum` and `maximum` pollers."""
    overhead = model.batch_overhead_seconds
    rate = w.records_per_second
    return DrainTimes(
        backlog_records=backlog,
        on_demand=on_demand_seconds(backlog, w, model),
        provisioned=provisioned_seconds(backlog, w, minimum, maximum, model),
        provisioned_at_minimum=cap.drain_seconds(backlog, rate, cap.capacity(minimum, w, overhead)),
        provisioned_at_maximum=cap.drain_seconds(backlog, rate, cap.capacity(maximum, w, overhead)),
        floor=floor_seconds(backlog, w),
    )


def floor_seconds(backlog: float, w: cap.Workload) -> float:
    """The physical floor: one poller per partition from the first second, at AWS's stated limits, no overhead."""
    return cap.drain_seconds(backlog, w.records_per_second, cap.capacity(w.partitions, w))


def on_demand_seconds(backlog: float, w: cap.Workload, model: DrainModel = FITTED) -> float:
    """Expected drain in on-demand mode: one poller until the scaler acts, then pollers added toward the partitions."""
    return scaling_seconds(
        backlog, w, start=c.ON_DEMAND_INITIAL_POLLERS, target=w.partitions, delay=model.on_demand_delay_seconds,
        model=model,
    )  # fmt: skip


def provisioned_seconds(
    backlog: float, w: cap.Workload, minimum: int, maximum: int, model: DrainModel = FITTED
) -> float:
    """Expected drain in provisioned mode: the minimum pollers at once, then pollers added toward the maximum."""
    return scaling_seconds(backlog, w, start=minimum, target=maximum, delay=0.0, model=model)


def scaling_seconds(
    backlog: float, w: cap.Workload, *, start: int, target: int, delay: float, model: DrainModel = FITTED
) -> float:
    """Seconds to drain while pollers grow: `start` pollers until `delay`, then one more every
    60 / pollers_added_per_minute seconds up to `target` (capped by the partitions); new records keep arriving.

    Exact for that step function: between two added pollers the capacity is constant. Never faster than a fixed
    `target` pollers, never slower than a fixed `start`; more `start` pollers never make it slower.
    """
    if backlog <= 0:
        return 0.0
    target = max(1, min(target, w.partitions))
    pollers = max(1, min(start, target))
    overhead, rate = model.batch_overhead_seconds, w.records_per_second
    top = cap.capacity(target, w, overhead)
    step = 60.0 / model.pollers_added_per_minute if model.pollers_added_per_minute > 0 else math.inf
    left, now, next_poller = float(backlog), 0.0, max(0.0, delay) + step
    while True:
        capacity = cap.capacity(pollers, w, overhead)
        spare = capacity - rate
        if pollers >= target or capacity >= top or math.isinf(next_poller):
            return now + left / spare if spare > 0 else math.inf
        span = next_poller - now
        if spare > 0 and spare * span >= left:
            return now + left / spare
        left -= spare * span  # grows while the load outruns these pollers
        now, pollers, next_poller = next_poller, pollers + 1, next_poller + step
