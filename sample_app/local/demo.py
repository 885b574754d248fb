"""`make demo`: the sample pipeline end to end on a real Kafka broker, told as it runs, audited at the end.

    python -m sample_app.local.demo [--fleet-size 40] [--minutes 5] [--seed 7] [--verbose]

Synthesizes both sample stacks (bundling off), starts ``EmbeddedKafka`` and creates the topics the templates name,
serves AWS from moto in-process, runs the simulator's real handler for a few scheduled minutes (its real producer
writes to the broker), adds a few records that are not readings and a desk's worth of trades, then runs every
consumer's real handler under ``LocalRuntime`` with its mapping's settings from the templates. The audit reads every
topic and the alert inbox back; the last line sums it up, and the exit status is 1 if any record was lost or any
side effect duplicated.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sample_app.local.audit import TELEMETRY_TOPIC, TRADE_DEAD_LETTERS, TRADES_TOPIC, Audit, Record
from sample_app.local.pipeline import (
    ALERTS,
    CONSUMERS,
    ENRICHER,
    FLEET_STACK,
    SETTLEMENT,
    TRADE_STACK,
    SamplePipeline,
    synthesize,
)

#: Records a misconfigured gateway writes to the telemetry topic: none is a reading.
BAD_TELEMETRY: list[tuple[bytes | None, bytes | None, str]] = [
    (b"gw-7", b"\xff\xfeTPMS", "not UTF-8"),
    (b"VH-0999", None, "a tombstone"),
    (b"VH-0003", b'{"vehicle_id":"VH-0003","tire_pressure":12.5}', "a low reading without a timestamp"),
    (b"VH-0004", b'{"vehicle_id":"VH-0004","timestamp":"2026-12-04T09:03:00Z","tire_pressure":"low"}',
     "pressure as text"),
]  # fmt: skip


def trade(trade_id: str, side: str, symbol: str, quantity: Any, price: Any, **extra: Any) -> dict[str, Any]:
    return {"trade_id": trade_id, "user_id": "U-0042", "symbol": symbol, "side": side, "quantity": quantity,
            "price": price, "currency": "USD", **extra}  # fmt: skip


#: (trade, the status the settlement rules give it): settlement dates are far from today, so the outcome does not
#: depend on the day the demo runs (the rules compare with the record's own timestamp).
TRADES: list[tuple[dict[str, Any], str]] = [
    (trade("T-1001", "BUY", "AAPL", 100, 215.5), "Completed"),
    (trade("T-1002", "SELL", "MSFT", 40, 431.25, market_open=False), "Pending"),
    (trade("T-1003", "BUY", "NVDA", 12, 141.1, settlement_date="2099-12-31"), "Pending"),
    (trade("T-1004", "BUY", "BRK.A", 5, 712000), "Flagged"),
    (trade("T-1005", "HOLD", "AMZN", 10, 227.0), "Rejected"),
    (trade("T-1006", "SELL", "TSLA", -3, 389.9), "Rejected"),
    (trade("T-1007", "SELL", "AAPL", 25, 216.0, settlement_date="2026-01-02"), "Completed"),
]
#: Records on the trades topic that are not trades at all: poison, for the dead-letter topic.
BAD_TRADES: list[tuple[bytes | None, bytes | None, str]] = [
    (b"T-1008", b"{not json", "not JSON"),
    (b"T-1009", None, "a tombstone"),
    (b"T-1010", b"[1, 2, 3]", "JSON but not an object"),
]


def say(text: str = "") -> None:
    print(text, flush=True)


def describe_mapping(pipeline: SamplePipeline, path: str) -> str:
    s = pipeline.consumer(path).settings
    mode = "provisioned" if s.provisioned else "on-demand"
    parts = [mode, f"batch {s.batch_size}", f"window {s.batching_window_seconds:g} s", s.starting_position]
    if s.filters:
        parts.append("filter " + " | ".join(json.dumps(f, separators=(",", ":")) for f in s.filters))
    if s.report_batch_item_failures:
        parts.append("ReportBatchItemFailures")
    if s.on_failure is not None:
        parts.append(f"on failure -> {s.on_failure.kind}://{s.on_failure.name}")
    return ", ".join(parts)


def run_consumer(pipeline: SamplePipeline, path: str) -> None:
    name = CONSUMERS[path]
    say(f"\n== {name}: {describe_mapping(pipeline, path)}")
    started = time.monotonic()
    result = pipeline.run(path)
    committed = ", ".join(f"{k}={v}" for k, v in sorted(result.committed.items()))
    say(f"   {len(result.invocations)} invocations, {result.delivered} records delivered, "
        f"{len(result.filtered_out)} filtered out, {result.retries} retries in {time.monotonic() - started:.1f} s; "
        f"committed {committed}")  # fmt: skip
    if result.failures or result.dropped or not result.idle:
        say(f"   ! {len(result.failures)} to the failure destination, {len(result.dropped)} dropped, "
            f"stalled {result.stalled}")  # fmt: skip


def tell_alerts(pipeline: SamplePipeline) -> None:
    for alert in sorted(pipeline.alerts(), key=lambda a: (a["timestamp"], a["vehicle_id"])):
        source = alert["source"]
        say(f"   ALERT {alert['severity']:<8} {alert['vehicle_id']} at {alert['tire_pressure']} psi, "
            f"{alert['timestamp']} near ({alert['lat']}, {alert['lon']})  "
            f"[{source['topic']}-{source['partition']}@{source['offset']}]")  # fmt: skip


def tell_dead_letters(records: Sequence[Record]) -> None:
    for record in records:
        say(f"   dead letter {record.header('x-dead-letter-source')} ({record.header('x-dead-letter-stage')}): "
            f"{(record.header('x-dead-letter-reason') or '')[:90]}")  # fmt: skip


def tell_enriched(report: Audit) -> None:
    values = [r.json() for r in report.enriched]
    statuses = Counter(v["tire_status"] for v in values)
    regions = Counter(v["region"] for v in values)
    say(f"   {len(values)} readings enriched -> fleet-telemetry-enriched: "
        + ", ".join(f"{k} {n}" for k, n in sorted(statuses.items())) + "; "
        + ", ".join(f"{k} {n}" for k, n in sorted(regions.items())))  # fmt: skip
    if values:
        first = values[0]
        say(
            f"   e.g. {first['vehicle_id']} {first['timestamp']}: {first['tire_pressure']} psi -> "
            f"tire_status {first['tire_status']}, region {first['region']}, ingested_at {first['ingested_at']}"
        )


def tell_settlements(report: Audit) -> None:
    for record in report.settlements:
        s = record.json()
        what = (f"{s['side']} {s['quantity']} {s['symbol']} @ {s['price']}" if s["status"] != "Rejected"
                else "(rejected fields left out)")  # fmt: skip
        say(
            f"   {(record.key or b'').decode():<7} {what:<34} -> {s['status']:<9} {s['reason']}"
            + (f", notional {s['notional']}" if s["status"] in ("Completed", "Pending") else "")
        )


def summary(report: Audit, pipeline: SamplePipeline, wall: float, running: float) -> str:
    processed = sum(len(run.delivered()) for run in pipeline.consumers.values())
    filtered = sum(len(run.filtered()) for run in pipeline.consumers.values())
    return (
        f"SUMMARY produced={report.produced} processed={processed} filtered={filtered} "
        f"dead-lettered={report.dead_lettered} alerts={len(report.alerts)} settled={len(report.settlements)} "
        f"lost={report.lost} duplicated={report.duplicated} wall={wall:.1f}s (pipeline {running:.1f}s)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fleet-size", type=int, default=40, help="context fleet_size: readings per run (40)")
    parser.add_argument("--minutes", type=int, default=5, help="scheduled runs of the simulator (5)")
    parser.add_argument("--seed", type=int, default=7, help="the schedule's input {'seed': n} (7)")
    parser.add_argument("--verbose", action="store_true", help="print every invocation and commit")
    parser.add_argument(
        "--cdk-out", type=Path, help="read the templates from this cloud assembly instead of synthesizing"
    )
    args = parser.parse_args(argv)
    wall = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="sample-demo-"))
    logging.basicConfig(filename=work / "clients.log", level=logging.WARNING)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_REGION": "us-east-1",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}.items():  # fmt: skip
        os.environ[name] = value  # moto only: no call leaves the process

    from moto import mock_aws

    from constructs_kafka_lambda.local import EmbeddedKafka

    started = time.monotonic()
    if args.cdk_out is not None:
        templates = {name: args.cdk_out / f"{name}.template.json" for name in (FLEET_STACK, TRADE_STACK)}
        say(f"== templates from {args.cdk_out}")
    else:
        say(f"== synthesizing {FLEET_STACK} and {TRADE_STACK} (bundling off, fleet_size={args.fleet_size}, "
            f"confluent_dead_letter_topic={TRADE_DEAD_LETTERS})")  # fmt: skip
        templates = synthesize(work / "cdk.out", fleet_size=args.fleet_size)
        say(f"   {work / 'cdk.out'} ({time.monotonic() - started:.1f} s)")
    running = time.monotonic()
    with mock_aws(), EmbeddedKafka() as kafka, (work / "handlers.log").open("w") as handler_log:
        pipeline = SamplePipeline(kafka, templates, handler_output=handler_log,
                                  log=say if args.verbose else None)  # fmt: skip
        try:
            topics = pipeline.create_topics()
            say(f"== broker: EmbeddedKafka on {kafka.bootstrap_servers}; topics "
                + ", ".join(f"{t} ({n})" for t, n in topics.items()))  # fmt: skip
            env = pipeline.function_env(ALERTS)
            say(
                f"   AWS from moto: SNS {env['ALERT_TOPIC_ARN']} (subscribed: an SQS inbox), "
                f"DynamoDB {env['IDEMPOTENCY_TABLE']} (idempotency), "
                f"secret {pipeline.function_env(SETTLEMENT)['KAFKA_SECRET_ARN'].split(':')[-1]}"
            )

            say(f"\n== telemetry_producer: {args.minutes} scheduled runs, seed {args.seed}")
            first = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
            low = 0
            for minute in range(args.minutes):
                at = (first + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")
                out = pipeline.run_producer(at, args.seed)
                low += out["low_pressure"]
                say(f"   {at}  {out['produced']} readings -> {out['topic']} ({out['low_pressure']} below 32 psi)")
            pipeline.produce(TELEMETRY_TOPIC, [(k, v) for k, v, _ in BAD_TELEMETRY])
            say(f"   a misconfigured gateway adds {len(BAD_TELEMETRY)} records that are not readings: "
                + "; ".join(why for _, _, why in BAD_TELEMETRY))  # fmt: skip

            run_consumer(pipeline, ALERTS)
            poison = len(pipeline.consumer(ALERTS).delivered()) - low
            say(f"   the handler got {low} low readings and {poison} records the filter cannot read (skipped as "
                f"poison, logged); one alert per vehicle:")  # fmt: skip
            tell_alerts(pipeline)
            run_consumer(pipeline, ENRICHER)
            report = pipeline.audit()
            tell_enriched(report)
            tell_dead_letters(report.fleet_dead_letters)

            say(f"\n== the trading desk writes {len(TRADES)} trades and {len(BAD_TRADES)} records that are not "
                f"trades to {TRADES_TOPIC}")  # fmt: skip
            pipeline.produce(TRADES_TOPIC, [(t["trade_id"].encode(), json.dumps(t).encode()) for t, _ in TRADES])
            pipeline.produce(TRADES_TOPIC, [(k, v) for k, v, _ in BAD_TRADES])
            run_consumer(pipeline, SETTLEMENT)
            report = pipeline.audit()
            tell_settlements(report)
            tell_dead_letters(report.trade_dead_letters)

            say("\n== audit: every record read back from the broker and the alert inbox")
            for name, labels in report.missing.items():
                say(f"   {name}: " + (f"{len(labels)} without an outcome: {labels[:5]}" if labels else "all accounted"))
            if report.duplicate_alerts or any(report.repeated.values()) or report.conflicting:
                say(f"   duplicates: alerts {report.duplicate_alerts}, outputs {report.repeated}, "
                    f"conflicting {report.conflicting}")  # fmt: skip
            say(f"   logs: {work / 'handlers.log'} (handlers), {work / 'clients.log'} (Kafka clients)")
        finally:
            pipeline.close()
    now = time.monotonic()
    say(summary(report, pipeline, now - wall, now - running))
    return 1 if report.lost or report.duplicated or report.conflicting else 0


if __name__ == "__main__":
    sys.exit(main())
