"""Minimum and maximum pollers for provisioned mode, the pollers that run, the Event Poller Units they bill.

Recommended minimum: the fewest pollers whose capacity covers the load plus headroom (and, when a drain target is
stated, the fewest from which the backlog is expected to drain in time: drain.py, autoscaling included).
Recommended maximum: the partition count, since Lambda never runs more pollers than partitions (kafka-scaling-modes).
Given values are kept, checked, and reported as effective values (never above the partitions) with a warning where
they cannot work as configured.

EPUs (Lambda pricing; kafka-scaling-modes, "Enhanced EPU utilization"): an EPU carries up to 10 pollers and 20 MB/s;
EPUs are provisioned from the minimum pollers and scale with throughput. A mapping of its own pays whole EPUs (AWS's
example: 10 mappings of 1 poller each without a group = 10 EPUs); in a poller group it pays its share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ConfigError
from . import capacity as cap
from . import constants as c
from . import drain


@dataclass(frozen=True)
class PollerChoice:
    minimum: int
    maximum: int
    running: int
    running_on_demand: int
    epus: float
    warnings: tuple[str, ...]


def choose_pollers(
    w: cap.Workload,
    *,
    minimum: int | None,
    maximum: int | None,
    headroom: float,
    backlog: int,
    drain_target: float | None,
    poller_group: bool = False,
) -> PollerChoice:
    _check("minimum_pollers", minimum, c.MIN_POLLERS_RANGE)
    _check("maximum_pollers", maximum, c.MAX_POLLERS_RANGE)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise ConfigError(
            "minimum_pollers", minimum, f"must not exceed maximum_pollers ({maximum})", "lower it or raise the maximum"
        )
    warnings: list[str] = []
    ceiling = min(w.partitions, c.MAX_POLLERS_RANGE[1])
    rate = w.records_per_second
    steady = cap.pollers_needed(rate, w)
    if steady is None:
        warnings.append(_ceiling_warning(w))
    low = (
        minimum if minimum is not None else _recommended_minimum(w, headroom, backlog, drain_target, maximum, warnings)
    )
    high = maximum if maximum is not None else max(ceiling, low)
    warnings += _configured_warnings(w, minimum, maximum, steady)
    effective_min, effective_max = min(low, w.partitions), min(high, w.partitions)
    running = min(max(steady or effective_max, effective_min), effective_max)
    served = min(rate, cap.capacity(effective_max, w))
    by_pollers = max(running, low) / c.POLLERS_PER_EPU  # EPUs are provisioned from the minimum, even idle ones
    by_bytes = served * w.record_bytes / c.EPU_MAX_BYTES_PER_SECOND
    epus = max(by_pollers, by_bytes)
    return PollerChoice(
        minimum=effective_min,
        maximum=effective_max,
        running=max(1, running),
        running_on_demand=min(max(1, steady or w.partitions), w.partitions),
        epus=round(epus, 4) if poller_group else float(max(1, math.ceil(epus - 1e-9))),
        warnings=tuple(warnings),
    )


def _recommended_minimum(
    w: cap.Workload,
    headroom: float,
    backlog: int,
    drain_target: float | None,
    maximum: int | None,
    warnings: list[str],
) -> int:
    ceiling = min(w.partitions, c.MIN_POLLERS_RANGE[1], maximum or c.MIN_POLLERS_RANGE[1])
    wanted = cap.pollers_needed(w.records_per_second * (1 + headroom), w) or ceiling
    if backlog and drain_target is not None:
        top = min(w.partitions, maximum or c.MAX_POLLERS_RANGE[1])

        def expected(n: int) -> float:
            return drain.provisioned_seconds(backlog, w, n, top)

        # The expected drain never grows with the minimum (drain.py), so the fewest that meet the target bisect.
        low, high = 1, ceiling
        if expected(high) > drain_target:
            cap_by = "this topic and maximum_pollers allow" if maximum else "this topic allows"
            warnings.append(
                f"no minimum of pollers drains {backlog:,} records within {drain_target:,.0f} s: {ceiling} pollers "
                f"(the most {cap_by}) are expected to take {expected(high):,.0f} s; add partitions or make batches "
                "cheaper"
            )
        while low < high:
            middle = (low + high) // 2
            low, high = (low, middle) if expected(middle) <= drain_target else (middle + 1, high)
        wanted = max(wanted, low)
    return max(1, min(wanted, ceiling))


def _configured_warnings(w: cap.Workload, minimum: int | None, maximum: int | None, steady: int | None) -> list[str]:
    warnings = []
    if maximum is not None and maximum > w.partitions:
        warnings.append(
            f"maximum_pollers={maximum} exceeds the topic's {w.partitions} partitions: Lambda caps pollers at "
            f"{w.partitions} (one poller per partition keeps order); set maximum_pollers={w.partitions}"
        )
    if minimum is not None and minimum > w.partitions:
        warnings.append(
            f"minimum_pollers={minimum} exceeds the topic's {w.partitions} partitions: the extra pollers never "
            f"poll, but EPUs are provisioned for them; set minimum_pollers<={w.partitions}"
        )
    if maximum is not None and steady is not None and min(maximum, w.partitions) < steady:
        reach = cap.capacity(min(maximum, w.partitions), w)
        warnings.append(
            f"maximum_pollers={maximum} cannot reach the stated {w.records_per_second:,.0f} records/s: "
            f"{min(maximum, w.partitions)} pollers read at most {reach:,.0f} records/s, so the lag grows; "
            f"set maximum_pollers>={steady}"
        )
    return warnings


def _ceiling_warning(w: cap.Workload) -> str:
    top = cap.capacity(w.partitions, w)
    by_bytes = w.partitions * c.POLLER_MAX_BYTES_PER_SECOND / w.record_bytes
    if top >= by_bytes - 1e-9:
        why = f"{w.partitions} pollers x 5 MB/s"
    else:
        in_flight = cap.in_flight_cap(w.partitions, w.partitions)
        why = (
            f"{in_flight} batches in flight (one per partition) of {cap.full_batch(w)} records each taking "
            f"{w.duration_seconds * 1000:,.0f} ms; raise batch_size or shorten the function"
        )
    return (
        f"the topic's {w.partitions} partitions cap the mapping at {top:,.0f} records/s, below the stated "
        f"{w.records_per_second:,.0f}/s ({why}); add partitions"
    )


def _check(name: str, value: int | None, bounds: tuple[int, int]) -> None:
    if value is None:
        return
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(name, value, f"must be a whole number from {low} to {high}", f"pick a value in {low}-{high}")
