"""What users wait on: build + synth time and template size per consumer, library vs the same wiring by hand.

One stack with N consumers on one MSK cluster (an ARN, IAM auth), each consumer with its own inline function, a
filter, a 1 s batching window, the default failure destination and the default alarms; the same wiring written
with CDK L2s (ManagedKafkaEventSource + SqsDlq, the IAM-auth grants by hand, an Errors and an OffsetLag alarm).
Both sides are built at two sizes, alternating library / hand-written, for several repetitions; the marginal cost
per consumer is (t(N2) - t(N1)) / (N2 - N1), which cancels what every stack pays once (App, Stack, shared
resources, synth's fixed work).

Timing is in-process by default: one warm-up build of each side at N2 first, so the jsii kernel's start-up, its
lazy loading of aws-cdk-lib modules and V8's warm-up are paid before anything is measured (a warm-up at N1 left
the first N2 build ~2x slow), then a fresh App per measurement. `--isolate` runs each repetition in its own
interpreter instead (warm-up included), to rule out skew from state that accumulates in one jsii kernel (its
object table is never freed); the marginal CPU ratios agreed within 3% (1.74 vs 1.78), so in-process is the
default: ~3x faster, and no jsii start-up (~5 s) per repetition to drown the signal.

Besides wall-clock seconds (what users wait on) it reports CPU seconds of Python plus the jsii node kernel (steady
on a busy machine, where wall-clock is not) and jsii round trips per consumer (exact: each is a blocking request
over the kernel's pipe, the main per-consumer cost of a Python construct library). Template bytes are the file the
CDK writes and uploads; the limits are CloudFormation's 500 resources and 1 MB (S3-hosted template) per stack.

    make bench                                      # N = 5 and 45, 7 repetitions, a table; exit 1 above 1.2x
    python -m benchmarks.synth_bench --sizes 1 10 --repetitions 5 --json
    python -m benchmarks.synth_bench --profile /tmp/lib.pstats   # cProfile one library build + synth at N2
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import json
import math
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs

from constructs_kafka_lambda import KafkaAuth, KafkaCluster, KafkaLambdaConsumer

CLUSTER_ARN = "arn:aws:kafka:us-east-1:111111111111:cluster/bench/abcd-1234"
STACK_NAME = "SynthBench"
RESOURCE_LIMIT = 500  # CloudFormation resources per stack
TEMPLATE_BYTES_LIMIT = 1_000_000  # CloudFormation template body in S3 (where the CDK CLI puts it): 1 MB
DEFAULT_SIZES = (5, 45)
DEFAULT_REPETITIONS = 7  # one repetition's ratio swings by about 15% either way on a shared 2-core VM
TARGET_SECONDS_RATIO = 1.2  # library marginal synth time <= 1.2x hand-written
TARGET_RESOURCES_PER_CONSUMER = 7  # including the consumer's function and role
LIBRARY = "library"
HAND_WRITTEN = "hand_written"
SIDES = (LIBRARY, HAND_WRITTEN)

_HANDLER = "def handler(event, context):\n    return None\n"
_BATCHING_WINDOW_SECONDS = 1
_FILTER: dict[str, Any] = {"value": {"tire_pressure": [{"numeric": ["<", 32]}]}}  # the same pattern on both sides


@dataclass(frozen=True)
class Measurement:
    """One build + synth of one side at one size."""

    side: str
    consumers: int
    seconds: float
    cpu_seconds: float | None  # this interpreter + its jsii kernel (node); None where /proc is not available
    jsii_calls: int | None  # requests Python sent to the jsii kernel (each a round trip); None if not countable
    resources: int
    template_bytes: int
    resources_by_type: dict[str, int]


# ------------------------------------------------------------------------------------------------ the stacks
def _function(stack: cdk.Stack, index: int) -> lambda_.Function:
    return lambda_.Function(
        stack,
        f"Fn{index}",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline(_HANDLER),
    )


def _topic(index: int) -> str:
    return f"bench-topic-{index}"


def build_library(stack: cdk.Stack, consumers: int) -> None:
    """N KafkaLambdaConsumers with the usual options and every default (destination, alarms, dashboard)."""
    cluster = KafkaCluster.msk(CLUSTER_ARN, auth=KafkaAuth.iam())
    for i in range(consumers):
        KafkaLambdaConsumer(
            stack,
            f"Consumer{i}",
            cluster=cluster,
            topic=_topic(i),
            function=_function(stack, i),
            max_batching_window=Duration.seconds(_BATCHING_WINDOW_SECONDS),
            filters=[_FILTER],
        )


def build_hand_written(stack: cdk.Stack, consumers: int) -> None:
    """The same wiring with CDK L2s, as a careful user would write it: one shared DLQ, grants and alarms by hand."""
    dlq = sqs.Queue(stack, "FailedRecords", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)
    prefix, rest = CLUSTER_ARN.split(":cluster/", 1)
    for i in range(consumers):
        fn = _function(stack, i)
        fn.add_event_source(
            sources.ManagedKafkaEventSource(
                cluster_arn=CLUSTER_ARN,
                topic=_topic(i),
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=100,
                max_batching_window=Duration.seconds(_BATCHING_WINDOW_SECONDS),
                filters=[lambda_.FilterCriteria.filter(_FILTER)],
                on_failure=sources.SqsDlq(dlq),
            )
        )
        # ManagedKafkaEventSource grants kafka:DescribeCluster/GetBootstrapBrokers; IAM auth needs the data plane.
        for actions, resource in (
            (["kafka-cluster:Connect"], CLUSTER_ARN),
            (["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"], f"{prefix}:topic/{rest}/{_topic(i)}"),
            (["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"], f"{prefix}:group/{rest}/*"),
        ):
            fn.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=[resource]))
        fn.metric_errors(period=Duration.minutes(5)).create_alarm(
            stack, f"Fn{i}Errors", threshold=1, evaluation_periods=1
        )
        cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name="OffsetLag",
            dimensions_map={"FunctionName": fn.function_name},
            statistic="Maximum",
            period=Duration.minutes(1),
        ).create_alarm(stack, f"Fn{i}OffsetLag", threshold=1000, evaluation_periods=5)


BUILDERS: dict[str, Callable[[cdk.Stack, int], None]] = {LIBRARY: build_library, HAND_WRITTEN: build_hand_written}


# ------------------------------------------------------------------------------------------------ measuring
def measure(side: str, consumers: int) -> Measurement:
    """Build a fresh App with one stack of `consumers` consumers and synthesize it (bundling off, temp outdir)."""
    _JSII_CALLS.install()
    gc.collect()
    with tempfile.TemporaryDirectory(prefix="synth-bench-") as outdir:
        cpu_start = _cpu_seconds()
        calls_start = _JSII_CALLS.count
        start = time.perf_counter()
        app = cdk.App(outdir=outdir, context={"aws:cdk:bundling-stacks": []})
        BUILDERS[side](cdk.Stack(app, STACK_NAME), consumers)
        assembly = app.synth()
        seconds = time.perf_counter() - start
        cpu_end = _cpu_seconds()
        calls = _JSII_CALLS.count - calls_start if _JSII_CALLS.installed else None
        artifact = assembly.get_stack_by_name(STACK_NAME)
        resources = artifact.template.get("Resources", {})
        template_bytes = Path(artifact.template_full_path).stat().st_size
    by_type = Counter(str(r["Type"]) for r in resources.values())
    cpu = cpu_end - cpu_start if cpu_start is not None and cpu_end is not None else None
    return Measurement(
        side, consumers, seconds, cpu, calls, len(resources), template_bytes, dict(sorted(by_type.items()))
    )


class _CallCounter:
    """Counts jsii kernel requests (create/get/set/invoke/...), each a blocking round trip over the kernel's pipe.

    Noise-free, unlike seconds: the number to watch when cutting per-consumer work. It wraps a private method of
    the jsii runtime; if that moves in another jsii version, counting is off (None) and nothing else changes.
    """

    def __init__(self) -> None:
        self.count = 0
        self.installed = False

    def install(self) -> None:
        try:
            from jsii._kernel.providers.process import _NodeProcess
        except ImportError:
            return
        send = getattr(_NodeProcess, "send", None)
        if send is None or self.installed:
            return

        @functools.wraps(send)
        def counted(process: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return send(process, *args, **kwargs)

        _NodeProcess.send = counted  # type: ignore[method-assign]
        self.installed = True


_JSII_CALLS = _CallCounter()


def _cpu_seconds() -> float | None:
    """CPU time of this interpreter plus its jsii kernel (node: the runtime launcher and its child), Linux only.

    Wall-clock time is what users wait on, but on a shared machine it also counts other processes' load; CPU time
    does not, so its marginal is the steadier cross-check of the ratio.
    """
    stats = _jsii_kernel_stats()
    if not stats:
        return None
    ticks = 0
    for stat in stats:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone: the jsii kernel restarted, and CPU time cannot be compared any more
            return None
        ticks += int(fields[11]) + int(fields[12])  # utime + stime of all the process's threads
    return time.process_time() + ticks / os.sysconf("SC_CLK_TCK")


@functools.cache
def _jsii_kernel_stats() -> tuple[Path, ...]:
    """/proc stat files of this process's descendants (started with the jsii kernel, which lives as long as we do)."""
    children: dict[str, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(fields[1], []).append(stat.parent.name)
    found: list[Path] = []
    pending = list(children.get(str(os.getpid()), []))
    while pending:
        pid = pending.pop()
        found.append(Path("/proc", pid, "stat"))
        pending += children.get(pid, [])
    return tuple(found)


def run_repetition(sizes: Sequence[int], library_first: bool) -> list[Measurement]:
    """Both sides at every size, alternating sides; which side goes first flips from repetition to repetition."""
    order = SIDES if library_first else SIDES[::-1]
    return [measure(side, n) for n in sizes for side in order]


def warm_up(sizes: Sequence[int], rounds: int) -> None:
    """Pay jsii's start-up and the lazy loading of every module both sides touch before timing anything."""
    for _ in range(rounds):
        for side in SIDES:
            measure(side, max(sizes))


def _run_isolated(sizes: Sequence[int], library_first: bool, warmup: int) -> list[Measurement]:
    command = [sys.executable, "-m", "benchmarks.synth_bench", "--worker", "--warmup", str(warmup), "--sizes"]
    command += [str(n) for n in sizes]
    command += ["--library-first"] if library_first else []
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return [Measurement(**m) for m in json.loads(done.stdout)]


def run_benchmark(
    sizes: Sequence[int] = DEFAULT_SIZES,
    repetitions: int = DEFAULT_REPETITIONS,
    warmup: int = 1,
    isolate: bool = False,
) -> dict[str, Any]:
    """Measure both sides at two sizes and summarize (see `summarize`); the public entry point."""
    small, large = sizes
    if not 0 < small < large:
        raise ValueError(f"sizes must be two consumer counts with 0 < N1 < N2, got {sizes!r}")
    if repetitions < 1:
        raise ValueError(f"repetitions must be at least 1, got {repetitions}")
    measurements: list[Measurement] = []
    if not isolate:
        warm_up(sizes, warmup)
    for rep in range(repetitions):
        library_first = rep % 2 == 0
        if isolate:
            measurements += _run_isolated(sizes, library_first, warmup)
        else:
            measurements += run_repetition(sizes, library_first)
    return summarize(measurements, (small, large), repetitions, "subprocess" if isolate else "in-process")


# ------------------------------------------------------------------------------------------------ summarizing
def _median(values: Sequence[float], digits: int) -> float | None:
    return round(statistics.median(values), digits) if values else None


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return round(numerator / denominator, 3) if numerator is not None and denominator else None


def _paired_ratios(library: Sequence[float], hand_written: Sequence[float]) -> list[float | None]:
    return [_ratio(a, b) if b > 0 else None for a, b in zip(library, hand_written, strict=False)]


def _spread(values: Sequence[float | None]) -> str:
    """ "min-max over n" of the known values, for the table."""
    known = [v for v in values if v is not None]
    return f"{min(known):.2f}-{max(known):.2f} over {len(known)}" if known else "-"


def _side_summary(ms: list[Measurement], small: int, large: int) -> dict[str, Any]:
    at = {n: [m for m in ms if m.consumers == n] for n in (small, large)}
    # Resources and bytes are deterministic; seconds are paired per repetition for the marginal.
    first = {n: at[n][0] for n in (small, large)}
    span = large - small
    per_rep = [(b.seconds - a.seconds) / span for a, b in zip(at[small], at[large], strict=True)]
    calls = (
        (first[large].jsii_calls - first[small].jsii_calls) / span
        if first[large].jsii_calls is not None and first[small].jsii_calls is not None
        else None
    )
    cpu_per_rep = [
        (b.cpu_seconds - a.cpu_seconds) / span
        for a, b in zip(at[small], at[large], strict=True)
        if a.cpu_seconds is not None and b.cpu_seconds is not None
    ]
    resources = (first[large].resources - first[small].resources) / span
    template_bytes = (first[large].template_bytes - first[small].template_bytes) / span
    fixed = first[small].resources - small * resources
    fixed_bytes = first[small].template_bytes - small * template_bytes
    types = set(first[small].resources_by_type) | set(first[large].resources_by_type)
    by_type = {
        t: (first[large].resources_by_type.get(t, 0) - first[small].resources_by_type.get(t, 0)) / span
        for t in sorted(types)
    }
    return {
        "absolute": {
            str(n): {
                "consumers": n,
                "seconds_median": round(statistics.median(m.seconds for m in at[n]), 4),
                "seconds": [round(m.seconds, 4) for m in at[n]],
                "cpu_seconds_median": _median([m.cpu_seconds for m in at[n] if m.cpu_seconds is not None], 4),
                "jsii_calls": first[n].jsii_calls,
                "resources": first[n].resources,
                "template_bytes": first[n].template_bytes,
            }
            for n in (small, large)
        },
        "marginal": {
            "seconds_per_consumer": round(statistics.median(per_rep), 5),
            "seconds_per_consumer_by_repetition": [round(s, 5) for s in per_rep],
            "cpu_seconds_per_consumer": _median(cpu_per_rep, 5),
            "cpu_seconds_per_consumer_by_repetition": [round(s, 5) for s in cpu_per_rep],
            "jsii_calls_per_consumer": round(calls, 2) if calls is not None else None,
            "resources_per_consumer": round(resources, 3),
            "template_bytes_per_consumer": round(template_bytes, 1),
        },
        "fixed_resources": round(fixed, 3),
        "max_consumers_under_limit": math.floor((RESOURCE_LIMIT - fixed) / resources) if resources > 0 else None,
        "fixed_template_bytes": round(fixed_bytes),
        "max_consumers_under_template_limit": (
            math.floor((TEMPLATE_BYTES_LIMIT - fixed_bytes) / template_bytes) if template_bytes > 0 else None
        ),
        "resources_per_consumer_by_type": {t: round(v, 3) for t, v in by_type.items() if v},
    }


def summarize(
    measurements: Sequence[Measurement], sizes: tuple[int, int], repetitions: int, isolation: str
) -> dict[str, Any]:
    """Per side: absolute figures, marginals per consumer, fixed resources, the 500-resource headroom; ratios."""
    small, large = sizes
    sides = {side: _side_summary([m for m in measurements if m.side == side], small, large) for side in SIDES}
    lib, hand = sides[LIBRARY], sides[HAND_WRITTEN]
    ratios: dict[str, Any] = {
        key: _ratio(lib["marginal"][key], hand["marginal"][key])
        for key in (
            "seconds_per_consumer",
            "cpu_seconds_per_consumer",
            "jsii_calls_per_consumer",
            "resources_per_consumer",
            "template_bytes_per_consumer",
        )
    }
    ratios["absolute"] = {
        n: {
            key: _ratio(lib["absolute"][n][key], hand["absolute"][n][key])
            for key in ("seconds_median", "cpu_seconds_median", "jsii_calls", "resources", "template_bytes")
        }
        for n in lib["absolute"]
    }
    # The spread: each repetition's library marginal over the hand-written one measured beside it (same load).
    ratios["seconds_per_consumer_by_repetition"] = _paired_ratios(
        lib["marginal"]["seconds_per_consumer_by_repetition"], hand["marginal"]["seconds_per_consumer_by_repetition"]
    )
    ratios["cpu_seconds_per_consumer_by_repetition"] = _paired_ratios(
        lib["marginal"]["cpu_seconds_per_consumer_by_repetition"],
        hand["marginal"]["cpu_seconds_per_consumer_by_repetition"],
    )
    seconds_ratio = ratios["seconds_per_consumer"]
    return {
        "sizes": [small, large],
        "repetitions": repetitions,
        "isolation": isolation,
        "resource_limit": RESOURCE_LIMIT,
        "template_bytes_limit": TEMPLATE_BYTES_LIMIT,
        "sides": sides,
        "ratios": ratios,
        "targets": {
            "seconds_ratio_max": TARGET_SECONDS_RATIO,
            "seconds_ratio_met": seconds_ratio is not None and seconds_ratio <= TARGET_SECONDS_RATIO,
            "resources_per_consumer_max": TARGET_RESOURCES_PER_CONSUMER,
            "resources_per_consumer_met": lib["marginal"]["resources_per_consumer"] <= TARGET_RESOURCES_PER_CONSUMER,
        },
    }


# ------------------------------------------------------------------------------------------------ reporting
def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.4g}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:,.0f}"


def format_table(result: dict[str, Any]) -> str:
    """A plain-text table of `run_benchmark`'s result."""
    small, large = result["sizes"]
    lib, hand, ratios = result["sides"][LIBRARY], result["sides"][HAND_WRITTEN], result["ratios"]
    rows: list[tuple[str, Any, Any, Any]] = []
    for key, label in (
        ("seconds_per_consumer", "marginal build+synth s / consumer"),
        ("cpu_seconds_per_consumer", "  same, CPU s (python + jsii node)"),
        ("jsii_calls_per_consumer", "marginal jsii round trips / consumer"),
        ("resources_per_consumer", "marginal resources / consumer"),
        ("template_bytes_per_consumer", "marginal template bytes / consumer"),
    ):
        rows.append((label, lib["marginal"][key], hand["marginal"][key], ratios[key]))
    for n in (str(small), str(large)):
        for key, label in (
            ("seconds_median", "build+synth s"),
            ("cpu_seconds_median", "build+synth CPU s"),
            ("jsii_calls", "jsii round trips"),
            ("resources", "resources"),
            ("template_bytes", "template bytes"),
        ):
            rows.append(
                (f"N={n}: {label}", lib["absolute"][n][key], hand["absolute"][n][key], ratios["absolute"][n][key])
            )
    rows.append(("fixed resources per stack", lib["fixed_resources"], hand["fixed_resources"], None))
    rows.append(("fixed template bytes per stack", lib["fixed_template_bytes"], hand["fixed_template_bytes"], None))
    rows.append(
        (
            f"largest stack under {result['resource_limit']} resources",
            lib["max_consumers_under_limit"],
            hand["max_consumers_under_limit"],
            None,
        )
    )
    rows.append(
        (
            f"largest stack under {result['template_bytes_limit']:,} template bytes",
            lib["max_consumers_under_template_limit"],
            hand["max_consumers_under_template_limit"],
            None,
        )
    )
    header = ("", "library", "hand-written", "lib/hand")
    cells = [header] + [(label, _fmt(a), _fmt(b), _fmt(r)) for label, a, b, r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = [
        f"Synth benchmark: N = {small} and {large} consumers, {result['repetitions']} repetition(s), "
        f"{result['isolation']}; seconds are medians over repetitions",
        "",
    ]
    for index, row in enumerate(cells):
        lines.append(
            "  ".join([row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)])
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [
        "",
        "Spread of lib/hand per repetition (each repetition's marginals, measured side by side): "
        f"wall {_spread(ratios['seconds_per_consumer_by_repetition'])}, "
        f"CPU {_spread(ratios['cpu_seconds_per_consumer_by_repetition'])}",
    ]
    lines += ["", "Marginal resources per consumer, by type:"]
    types = sorted(set(lib["resources_per_consumer_by_type"]) | set(hand["resources_per_consumer_by_type"]))
    width = max((len(t) for t in types), default=0)
    for t in types:
        in_lib, in_hand = (s["resources_per_consumer_by_type"].get(t, 0) for s in (lib, hand))
        lines.append(f"  {t.ljust(width)}  library {_fmt(in_lib):>6}  hand-written {_fmt(in_hand):>6}")
    targets = result["targets"]
    lines += [
        "",
        f"Targets: marginal synth time <= {targets['seconds_ratio_max']}x hand-written: "
        f"{'met' if targets['seconds_ratio_met'] else 'NOT met'} ({_fmt(ratios['seconds_per_consumer'])}x); "
        f"<= {targets['resources_per_consumer_max']} resources per consumer: "
        f"{'met' if targets['resources_per_consumer_met'] else 'NOT met'} "
        f"({_fmt(lib['marginal']['resources_per_consumer'])})",
    ]
    return "\n".join(lines)


def profile_library(sizes: Sequence[int], path: str, top: int = 30) -> str:
    """cProfile one library build + synth at the larger size (after a warm-up); write pstats, return the top."""
    warm_up(sizes, 1)
    profiler = cProfile.Profile()
    profiler.runcall(measure, LIBRARY, max(sizes))
    profiler.dump_stats(path)
    out = _StringSink()
    pstats.Stats(path, stream=out).sort_stats("cumulative").print_stats(top)
    return out.text


class _StringSink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)


# ------------------------------------------------------------------------------------------------ command line
def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synth_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=list(DEFAULT_SIZES), metavar=("N1", "N2"))
    parser.add_argument("--repetitions", type=int, default=DEFAULT_REPETITIONS)
    parser.add_argument("--warmup", type=int, default=1, help="warm-up builds of each side before timing")
    parser.add_argument("--isolate", action="store_true", help="each repetition in a fresh interpreter")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--profile", metavar="PSTATS", help="cProfile the library side at N2 instead")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 when the marginal synth time ratio exceeds {TARGET_SECONDS_RATIO}x (make bench)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--library-first", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    if args.worker:  # one isolated repetition, for --isolate
        warm_up(args.sizes, args.warmup)
        print(json.dumps([asdict(m) for m in run_repetition(args.sizes, args.library_first)]))
        return 0
    if args.profile:
        print(profile_library(args.sizes, args.profile))
        return 0
    result = run_benchmark(args.sizes, args.repetitions, args.warmup, args.isolate)
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    if args.check and not result["targets"]["seconds_ratio_met"]:
        print(
            f"FAILED: library marginal synth time is {result['ratios']['seconds_per_consumer']}x the hand-written "
            f"L2 wiring, above the {TARGET_SECONDS_RATIO}x target",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
