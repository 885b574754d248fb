"""Plain-text renderings of a Plan and a FilterPreview, for the CLI and for `print(plan.to_table())`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import constants as c

if TYPE_CHECKING:
    from .plan import Plan
    from .preview import FilterPreview


def plan_table(p: Plan) -> str:
    mb = p.records_per_second * p.record_bytes / 1e6
    rows = [
        f"Kafka -> Lambda plan ({p.prices.region} prices, checked {c.CHECKED}; Region {p.region})",
        "",
        _row(
            "Workload",
            f"{p.records_per_second:,.0f} records/s x {p.record_bytes:,.0f} B = {mb:,.2f} MB/s, "
            f"{p.partitions} partitions, filters keep {p.keep_ratio:.2%}",
        ),
        _row(
            "Batching",
            f"batch {p.batch_size}, window {p.batching_window_seconds:g} s, {p.duration_ms_per_batch:,.0f} ms per "
            f"batch, {p.memory_mb} MB",
        ),
        _row("Mode", f"{p.mode} (recommended: {p.recommended_mode}; {p.reasons[0]})"),
        _row(
            "Pollers",
            f"provisioned: minimum {p.minimum_pollers}, maximum {p.maximum_pollers} (never above the partitions), "
            f"{p.pollers_running} running, {p.event_poller_units:g} EPU",
        ),
        _row(
            "Throughput",
            f"{p.throughput_records_per_second:,.0f} records/s; capacity {p.capacity_records_per_second:,.0f}/s at "
            f"AWS's limits ({p.capacity_at_minimum_records_per_second:,.0f}/s at the minimum pollers), "
            f"{p.expected_capacity_records_per_second:,.0f}/s expected",
        ),
        _row(
            "Invocations",
            f"{p.invocations_per_second:,.2f}/s of {p.records_per_batch:,.1f} records, concurrency "
            f"{p.concurrency:,.1f} (at most {p.max_concurrency})",
        ),
    ]
    d = p.drain
    if d.backlog_records:
        rows += [
            _row(
                "Backlog",
                f"{d.backlog_records:,} records, expected drain: on-demand {_time(d.on_demand)}; provisioned "
                f"{_time(d.provisioned)}",
            ),
            _row(
                "",
                f"bounds {_time(d.provisioned_at_maximum)} (all {p.maximum_pollers} pollers) to "
                f"{_time(d.provisioned_at_minimum)} ({p.minimum_pollers} only); AWS's limits: {_time(d.floor)} at best",
            ),
        ]
    rows += ["", *_cost_rows(p)]
    for title, items in (("Warnings", p.warnings), ("Notes", p.notes)):
        if items:
            rows += ["", title, *(f"  - {item}" for item in items)]
    return "\n".join(rows)


def _cost_rows(p: Plan) -> list[str]:
    rows = [f"{'Monthly cost (USD)':<24}{'on-demand':>12}{'provisioned':>13}   basis"]
    for od, pv in zip(p.on_demand.lines, p.provisioned.lines, strict=True):
        basis = od.basis if od.basis == pv.basis else f"{od.basis} | {pv.basis}"
        rows.append(f"{od.label:<24}{od.usd:>12,.2f}{pv.usd:>13,.2f}   {basis}")
    rows.append(f"{'Total':<24}{p.on_demand.total:>12,.2f}{p.provisioned.total:>13,.2f}")
    s = p.filter_savings
    rows.append(
        f"{'Filtering saves':<24}{s.on_demand_usd:>12,.2f}{s.provisioned_usd:>13,.2f}   "
        f"keeps {s.keep_ratio:.2%}: {s.invocations_avoided_per_month:,.0f} invocations/month avoided"
    )
    return rows


def preview_table(preview: FilterPreview, *, limit: int = 50) -> str:
    rows = [
        f"{preview.passed} of {preview.total} records reach the function ({preview.keep_ratio:.2%}), "
        f"{preview.dropped} dropped" + (f", {preview.uncertain} uncertain (?)" if preview.uncertain else ""),
        "",
        f"{'#':>4}  {'record':<26}{'verdict':<9}why",
    ]
    for verdict in preview.records[:limit]:
        mark = "" if verdict.certain else "?"
        outcome = ("passes" if verdict.passed else "dropped") + mark
        rows.append(f"{verdict.index:>4}  {verdict.source[:25]:<26}{outcome:<9}{verdict.reason}")
    if len(preview.records) > limit:
        rows.append(f"  ... {len(preview.records) - limit} more (--limit)")
    if preview.uncertain:
        rows += ["", "? = AWS does not document the outcome unambiguously (see the reason); check on a test mapping"]
    return "\n".join(rows)


def _row(label: str, text: str) -> str:
    return f"{label:<13}{text}"


def _time(seconds: float) -> str:
    if math.isinf(seconds):
        return "never (capacity does not exceed the load)"
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds / 3600:,.1f} h"
