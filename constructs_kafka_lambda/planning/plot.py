"""Monthly cost against throughput for both modes, as a PNG (optional extra `plot`: matplotlib).

The sweep re-plans the same mapping at loads from a twentieth to twenty times the stated one (log scale), so the
crossing where provisioned mode becomes cheaper, and the partitions' capacity ceiling, are visible at a glance.
"""

from __future__ import annotations

from typing import Any

from .checks import ExtraMissing
from .plan import plan

SWEEP_FACTOR = 20.0


def sweep(kwargs: dict[str, Any], points: int = 40) -> list[tuple[float, float, float]]:
    """(records/s, on-demand USD/month, provisioned USD/month) across the sweep."""
    base = plan(**kwargs)
    rate = base.records_per_second or 1.0
    low, high = rate / SWEEP_FACTOR, rate * SWEEP_FACTOR
    rows = []
    for step in range(points):
        load = low * (high / low) ** (step / (points - 1))
        each = plan(**{**kwargs, "records_per_second": load, "mb_per_second": None, "backlog_records": 0})
        rows.append((load, each.on_demand.total, each.provisioned.total))
    return rows


def plot_costs(kwargs: dict[str, Any], path: str, points: int = 40) -> None:
    """Write the cost-against-throughput chart for `plan(**kwargs)` to `path` (PNG)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ExtraMissing("--plot needs matplotlib: pip install 'constructs-kafka-lambda[plot]'") from error
    base = plan(**kwargs)
    rows = sweep(kwargs, points)
    figure, axes = plt.subplots(figsize=(8, 4.5))
    axes.plot([r[0] for r in rows], [r[1] for r in rows], label="on-demand")
    axes.plot([r[0] for r in rows], [r[2] for r in rows], label="provisioned")
    axes.axvline(base.records_per_second, color="grey", linestyle=":", label="stated load")
    ceiling = base.capacity_records_per_second
    if ceiling < rows[-1][0]:
        axes.axvline(ceiling, color="red", linestyle="--", label="capacity (partitions)")
    axes.set_xscale("log")
    axes.set_xlabel("records per second")
    axes.set_ylabel("USD per month")
    axes.set_title(f"{base.partitions} partitions, {base.record_bytes:,.0f} B records, keep {base.keep_ratio:.1%}")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
