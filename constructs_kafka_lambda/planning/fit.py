"""The drain model's two parameters, fitted to the only published drain times: reproducible, `python -m` runnable.

The data (Confluent and AWS, "Building High Throughput Apache Kafka Applications with Confluent and Provisioned Mode
for AWS Lambda Event Source Mapping (ESM)", Confluent blog, 2024-2025): a producer writes 2 million 1 KB messages
evenly over 100 partitions; the function takes batches of 100 and runs 100 ms each; TRIM_HORIZON, nothing else
writes meanwhile. Published drain times: on-demand 7 min; provisioned with minimum pollers 1 (maximum not set) 3.5
min; provisioned with minimum pollers 100 1.5 min. The post's further scenario is held back by the project's
acceptance checks, to judge whether this fit generalizes.

The fit: BATCH_OVERHEAD_SECONDS and POLLERS_ADDED_PER_MINUTE minimizing the sum of squared log errors (relative
errors, so a minute counts alike on every point) over the three points, by a deterministic grid search refined six
times; ON_DEMAND_SCALE_UP_SECONDS stays AWS's documented 4 minutes. Two parameters on three points leave one degree
of freedom, so the residuals say something. The 1.5-minute point pins the overhead almost alone (at 100 pollers
nothing scales: 200 batches per partition x (0.1 s + overhead) = 90 s); the two others, where pollers are added,
set the pace.

`python -m constructs_kafka_lambda.planning.fit` prints the fit and a leave-one-out check (each point predicted
from the other two: on-demand +3.6 %, minimum 1 -7.7 %, minimum 100 -47 %: without the 1.5-minute point the other
two cannot tell the overhead from the pace of scaling); tests/test_plan.py checks that constants.py holds the fit's
result (rounded) and that every point stays within 30 %.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from . import capacity as cap
from . import constants as c
from .costs import ON_DEMAND, PROVISIONED
from .drain import FITTED, DrainModel, on_demand_seconds, provisioned_seconds

SOURCE = "https://www.confluent.io/blog/confluent-and-lambda/"

# The post's scenario, as plan() arguments. "1 KB" taken as 1,000 B: the byte limit (5 MB/s per poller) is far
# from binding here (at most ~1.1 MB/s per poller), so 1,024 would change nothing.
SCENARIO: dict[str, float | int] = {
    "records_per_second": 0,
    "record_bytes": 1000,
    "partitions": 100,
    "duration_ms_per_batch": 100,
    "batch_size": 100,
    "backlog_records": 2_000_000,
}


@dataclass(frozen=True)
class MeasuredDrain:
    name: str
    mode: str
    minimum_pollers: int | None  # provisioned mode only; the maximum is not set (the service's default, capped)
    published_seconds: float
    source: str = SOURCE


MEASURED_DRAINS: tuple[MeasuredDrain, ...] = (
    MeasuredDrain("2 M records, on-demand", ON_DEMAND, None, 7 * 60),
    MeasuredDrain("2 M records, provisioned, minimum 1", PROVISIONED, 1, 3.5 * 60),
    MeasuredDrain("2 M records, provisioned, minimum 100", PROVISIONED, 100, 1.5 * 60),
)


@dataclass(frozen=True)
class FitResult:
    model: DrainModel
    points: tuple[MeasuredDrain, ...]
    predicted: tuple[float, ...]

    @property
    def errors(self) -> tuple[float, ...]:
        """(predicted - published) / published, per point."""
        return tuple(p / m.published_seconds - 1 for p, m in zip(self.predicted, self.points, strict=True))

    @property
    def loss(self) -> float:
        """Sum of squared log errors, what the fit minimizes."""
        return sum(math.log(p / m.published_seconds) ** 2 for p, m in zip(self.predicted, self.points, strict=True))


def scenario_workload() -> cap.Workload:
    return cap.Workload(
        records_per_second=float(SCENARIO["records_per_second"]),
        record_bytes=float(SCENARIO["record_bytes"]),
        partitions=int(SCENARIO["partitions"]),
        duration_seconds=SCENARIO["duration_ms_per_batch"] / 1000,
        batch_size=int(SCENARIO["batch_size"]),
        window_seconds=c.DEFAULT_BATCHING_WINDOW_SECONDS,
        keep_ratio=1.0,
    )


def predict(point: MeasuredDrain, model: DrainModel = FITTED) -> float:
    """The model's drain time for one measured point (plan() gives the same: tests/test_plan.py checks)."""
    w = scenario_workload()
    backlog = int(SCENARIO["backlog_records"])
    if point.mode == ON_DEMAND:
        return on_demand_seconds(backlog, w, model)
    maximum = min(c.DEFAULT_MAXIMUM_POLLERS, w.partitions)  # "maximum not set": the default, capped by partitions
    return provisioned_seconds(backlog, w, point.minimum_pollers or 1, maximum, model)


def evaluate(model: DrainModel = FITTED, points: Sequence[MeasuredDrain] = MEASURED_DRAINS) -> FitResult:
    return FitResult(model, tuple(points), tuple(predict(point, model) for point in points))


def fit(points: Sequence[MeasuredDrain] = MEASURED_DRAINS, *, rounds: int = 6, steps: int = 20) -> FitResult:
    """The (overhead, pollers per minute) that minimize the loss: a grid over 0-1 s x 0.5-30 per minute, then
    `rounds` finer grids around the best cell (deterministic, so the fit is reproducible to the digit)."""
    (o_low, o_high), (r_low, r_high) = (0.0, 1.0), (0.5, 30.0)
    best: FitResult | None = None
    for _ in range(rounds + 1):
        o_step, r_step = (o_high - o_low) / steps, (r_high - r_low) / steps
        for i in range(steps + 1):
            for j in range(steps + 1):
                model = DrainModel(o_low + i * o_step, r_low + j * r_step, c.ON_DEMAND_SCALE_UP_SECONDS)
                result = evaluate(model, points)
                if best is None or result.loss < best.loss:
                    best = result
        assert best is not None
        o, r = best.model.batch_overhead_seconds, best.model.pollers_added_per_minute
        o_low, o_high = max(0.0, o - 2 * o_step), o + 2 * o_step
        r_low, r_high = max(0.05, r - 2 * r_step), r + 2 * r_step
    assert best is not None
    return best


def report(result: FitResult) -> str:
    m = result.model
    rows = [
        f"batch overhead {m.batch_overhead_seconds:.4f} s, pollers added {m.pollers_added_per_minute:.3f}/min "
        f"(on-demand delay {m.on_demand_delay_seconds:g} s, documented); loss {result.loss:.6f}",
    ]
    for point, predicted, error in zip(result.points, result.predicted, result.errors, strict=True):
        rows.append(f"  {point.name:<40}{point.published_seconds:>7.0f} s{predicted:>9.1f} s{error:>+8.1%}")
    return "\n".join(rows)


def leave_one_out(points: Sequence[MeasuredDrain] = MEASURED_DRAINS) -> list[tuple[MeasuredDrain, FitResult, float]]:
    """Each point predicted by the model fitted on the others: (point left out, that fit, its prediction). With two
    parameters, two points fit exactly, so this is the only out-of-sample check three points allow."""
    rows = []
    for index, left_out in enumerate(points):
        result = fit([point for other, point in enumerate(points) if other != index])
        rows.append((left_out, result, predict(left_out, result.model)))
    return rows


if __name__ == "__main__":  # pragma: no cover - the tests run fit() and evaluate() themselves
    print("fit:       " + report(fit()))
    print("constants: " + report(evaluate()))
    print("leave one out (fitted on the other two, then predicted):")
    for point, result, predicted in leave_one_out():
        m = result.model
        print(
            f"  {point.name:<40}{point.published_seconds:>7.0f} s{predicted:>9.1f} s"
            f"{predicted / point.published_seconds - 1:>+8.1%}   (overhead {m.batch_overhead_seconds:.3f} s, "
            f"{m.pollers_added_per_minute:.2f}/min)"
        )
