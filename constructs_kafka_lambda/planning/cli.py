"""`python -m constructs_kafka_lambda plan|preview|calibration|record`: the planner and the filter preview from a
shell, and the record of a synthesized app's mappings that later synths compare with (constructs_kafka_lambda.upgrade).

Exit codes: 0 done, 2 bad input (the message names the argument), 3 an optional extra is missing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..errors import ConfigError
from . import constants as c
from .checks import ExtraMissing
from .costs import DESTINATIONS, MODES, NETWORKS

_EXAMPLE = (
    "example: python -m constructs_kafka_lambda plan --records-per-second 2000 --record-bytes 1024 "
    "--partitions 12 --duration-ms 120 --memory-mb 256 --keep 0.02"
)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args, out))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ExtraMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    except (OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m constructs_kafka_lambda",
        description="Plan a Kafka -> Lambda event source mapping, preview what its filters drop (no AWS calls), or "
        "run a consumer locally on a real Kafka broker.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _plan_parser(
        commands.add_parser("plan", help="mode, pollers, throughput, drain time, monthly cost", epilog=_EXAMPLE)
    )
    preview = commands.add_parser("preview", help="which records reach the function under the filters")
    preview.add_argument("--filters", required=True, help="JSON file: a list of patterns (or {'Filters': [...]})")
    preview.add_argument("--records", required=True, help="JSONL file, one record or value a line ('-': stdin)")
    preview.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")
    preview.add_argument("--json", action="store_true", help="print JSON instead of a table")
    preview.set_defaults(run=_run_preview)
    calibration = commands.add_parser("calibration", help="published figures re-run through the planner")
    calibration.set_defaults(run=_run_calibration)
    from ..local.cli import add_parser as add_local_parser  # the local runtime's own options live with it

    add_local_parser(commands)
    record = commands.add_parser(
        "record",
        help="record the mappings of a synthesized app (commit it after a deploy: later synths warn of replacements)",
        epilog='then name the file in cdk.json: {"context": {"constructs-kafka-lambda:record": "FILE"}}',
    )
    record.add_argument("--assembly", default="cdk.out", help="the cloud assembly directory (default cdk.out)")
    record.add_argument("--output", "-o", default="-", help="where to write the record (default: stdout)")
    record.set_defaults(run=_run_record)
    return parser


def _plan_parser(p: argparse.ArgumentParser) -> None:
    load = p.add_mutually_exclusive_group()
    load.add_argument("--records-per-second", type=float, help="records written to the topic per second")
    load.add_argument("--mb-per-second", type=float, help="or the load in MB/s (MB = 10^6 bytes)")
    p.add_argument("--record-bytes", type=float, help="average record size in bytes (value + key)")
    p.add_argument("--partitions", type=int, help="the topic's partitions")
    p.add_argument("--duration-ms", type=float, help="the function's average duration per batch (ms)")
    p.add_argument("--batch-size", type=int, default=c.DEFAULT_BATCH_SIZE)
    p.add_argument("--window", type=float, default=c.DEFAULT_BATCHING_WINDOW_SECONDS, help="batching window (s)")
    p.add_argument("--memory-mb", type=int, help=f"function memory (default {c.DEFAULT_MEMORY_MB})")
    p.add_argument("--arm64", action="store_true", help="the function runs on Arm (Graviton) prices")
    keep = p.add_mutually_exclusive_group()
    keep.add_argument("--keep", type=float, help="share of records the filters keep (0-1)")
    keep.add_argument("--sample-records", help="JSONL sample to measure the share with --filters")
    p.add_argument("--filters", help="JSON file of filter patterns (with --sample-records)")
    p.add_argument("--backlog", type=int, default=0, help="records to catch up on")
    p.add_argument("--drain-target", type=float, help="seconds the backlog must drain within")
    p.add_argument("--mode", choices=MODES, help="plan this mode (default: recommend one)")
    p.add_argument("--min-pollers", type=int)
    p.add_argument("--max-pollers", type=int)
    p.add_argument("--poller-group", action="store_true", help="the mapping shares EPUs in a poller group")
    p.add_argument("--network", choices=NETWORKS, default="vpc_endpoints", help="on-demand path to Lambda/STS")
    p.add_argument("--azs", type=int, default=2, help="availability zones of the endpoints (default 2)")
    p.add_argument("--nat-gateways", type=int, default=1)
    p.add_argument("--uses-secret", action="store_true", help="the cluster auth uses a secret (+1 endpoint)")
    p.add_argument("--failure-destination", choices=DESTINATIONS, default="s3")
    p.add_argument("--failure-ratio", type=float, default=0.0, help="share of batches that end there")
    p.add_argument("--no-mapping-metrics", action="store_true")
    p.add_argument("--free-tier", action="store_true", help="deduct Lambda's monthly free tier")
    p.add_argument("--headroom", type=float, default=c.DEFAULT_HEADROOM)
    p.add_argument("--region", default=c.DEFAULT_REGION)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--plot", metavar="PNG", help="also draw monthly cost against throughput (needs the plot extra)")
    p.add_argument("--sources", action="store_true", help="list every figure the planner uses, with its source")
    p.set_defaults(run=_run_plan)


def plan_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """plan() keyword arguments from parsed CLI arguments (the plot sweeps the same ones)."""
    missing = [flag for flag in ("record_bytes", "partitions", "duration_ms") if getattr(args, flag) is None]
    if missing:
        flag = "--" + missing[0].replace("_", "-")
        raise ConfigError(flag, None, "is required", _EXAMPLE)
    kwargs: dict[str, Any] = {
        "records_per_second": args.records_per_second,
        "mb_per_second": args.mb_per_second,
        "record_bytes": args.record_bytes,
        "partitions": args.partitions,
        "duration_ms_per_batch": args.duration_ms,
        "batch_size": args.batch_size,
        "batching_window_seconds": args.window,
        "memory_mb": args.memory_mb,
        "architecture": "arm64" if args.arm64 else "x86_64",
        "filter_keep_ratio": args.keep,
        "backlog_records": args.backlog,
        "backlog_drain_target_seconds": args.drain_target,
        "mode": args.mode,
        "minimum_pollers": args.min_pollers,
        "maximum_pollers": args.max_pollers,
        "poller_group": args.poller_group,
        "network": args.network,
        "availability_zones": args.azs,
        "nat_gateways": args.nat_gateways,
        "uses_secret": args.uses_secret,
        "failure_destination": args.failure_destination,
        "failure_ratio": args.failure_ratio,
        "mapping_metrics": False if args.no_mapping_metrics else None,
        "free_tier": args.free_tier,
        "headroom": args.headroom,
        "region": args.region,
    }
    if args.sample_records:
        kwargs["sample_records"] = list(read_jsonl(args.sample_records))
        kwargs["filters"] = read_json(args.filters) if args.filters else None
    elif args.filters:
        raise ConfigError("--filters", args.filters, "only counts with --sample-records", "add --sample-records FILE")
    return kwargs


def _run_plan(args: argparse.Namespace, out: TextIO) -> int:
    if args.sources:
        for name, source in c.SOURCES.items():
            print(f"{name:<34}{getattr(c, name)!s:<24}{source}", file=out)
        return 0
    from .plan import plan

    kwargs = plan_arguments(args)
    result = plan(**kwargs)
    print(json.dumps(_jsonable(result), indent=2) if args.json else result.to_table(), file=out)
    if args.plot:
        from .plot import plot_costs

        kwargs.pop("sample_records", None)
        kwargs.pop("filters", None)
        kwargs["filter_keep_ratio"] = result.keep_ratio
        plot_costs(kwargs, args.plot)
        print(f"\nplot written to {args.plot}", file=out)
    return 0


def _run_preview(args: argparse.Namespace, out: TextIO) -> int:
    from .preview import preview_filters

    result = preview_filters(read_json(args.filters), list(read_jsonl(args.records)))
    print(json.dumps(_jsonable(result), indent=2) if args.json else result.to_table(args.limit), file=out)
    return 0


def _run_calibration(args: argparse.Namespace, out: TextIO) -> int:
    from .calibration import calibration_table

    print(calibration_table(), file=out)
    return 0


def _run_record(args: argparse.Namespace, out: TextIO) -> int:
    from ..upgrade import record_assembly, write_record

    record = record_assembly(args.assembly)
    if args.output == "-":
        print(json.dumps(record, indent=1, sort_keys=True), file=out)
    else:
        write_record(record, args.output)
        count = sum(len(resources) for resources in record["stacks"].values())
        print(f"{count} mappings in {len(record['stacks'])} stacks recorded in {args.output}", file=out)
    return 0


def read_json(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_jsonl(path: str) -> Iterator[Any]:
    """One record per non-empty line: JSON when it parses, else the line's text is the message itself."""
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            yield line


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in ("total", "passed", "dropped", "uncertain", "keep_ratio", "monthly_cost"):
            if hasattr(type(value), name) and isinstance(getattr(type(value), name), property):
                data[name] = _jsonable(getattr(value, name))
        return data
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
