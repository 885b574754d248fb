"""Fleet telemetry simulator: one reading per vehicle per scheduled run, produced to MSK Serverless.

Why it exists: the sample pipeline needs a steady, realistic stream on ``fleet-telemetry`` without anything
outside AWS. An EventBridge rule invokes this every minute; it writes ``FLEET_SIZE`` JSON readings keyed by
vehicle id (so one vehicle's readings stay in order on one partition), about 2 % of them with a tire pressure
under 32 psi so that the filtered alerting consumer has something to do.

Auth is MSK IAM (SASL/OAUTHBEARER over TLS, token signed locally by aws-msk-iam-sasl-signer-python). The
producer is built once per execution environment and reused; each run sends every reading and flushes once.

Repeatable: the readings are a function of the seed (``{"seed": 7}`` in the rule's input, else env
``SIMULATION_SEED``, else 0) and of EventBridge's scheduled ``time``, never of the clock, so a retried run
produces byte-identical readings (same keys, values and timestamps), which the idempotent alerter downstream
recognizes as the same readings. Only a manual invoke without ``time`` uses the current time. A ``time`` or
``seed`` in another form, or a ``FLEET_SIZE`` outside 1..10000, fails the run with a message saying so.

A run in which any reading is not acknowledged raises, so that it shows in the function's ``Errors`` metric
(EventBridge then retries it, and the retry writes the same readings).
"""

import json
import os
import random
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from kafka_common import msk_iam_bootstrap_servers
from kafka_common.fields import format_utc, parse_utc_timestamp
from kafka_common.producers import (
    LazyProducer,
    OutboundRecord,
    Producer,
    msk_iam_producer,
)

logger = Logger()
metrics = Metrics()

LOW_PRESSURE_SHARE = 0.02
DEFAULT_FLEET_SIZE = 20
# Depots the simulated vehicles drive around (lat, lon): Seattle, San Francisco, Austin, Chicago, New York.
DEPOTS: tuple[tuple[float, float], ...] = (
    (47.6062, -122.3321),
    (37.7749, -122.4194),
    (30.2672, -97.7431),
    (41.8781, -87.6298),
    (40.7128, -74.0060),
)


def vehicle_id(index: int) -> str:
    return f"VH-{index:04d}"


def simulate_reading(index: int, at: datetime, rng: random.Random) -> dict[str, Any]:
    """One reading of vehicle ``index``; ``rng`` decides everything that is not fixed by the vehicle."""
    low = rng.random() < LOW_PRESSURE_SHARE
    tire_pressure = rng.uniform(22.0, 31.5) if low else rng.uniform(32.5, 36.5)
    depot_lat, depot_lon = DEPOTS[index % len(DEPOTS)]
    moving = rng.random() < 0.8
    at_ms = at + timedelta(milliseconds=rng.randrange(60_000))
    return {
        "vehicle_id": vehicle_id(index),
        "timestamp": at_ms.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "tire_pressure": round(tire_pressure, 1),
        "speed_kmh": round(rng.uniform(20.0, 120.0), 1) if moving else 0.0,
        "engine_temp_c": round(rng.gauss(92.0, 4.0), 1),
        "battery_v": round(rng.uniform(12.2, 14.6), 2),
        "lat": round(depot_lat + rng.uniform(-0.25, 0.25), 5),
        "lon": round(depot_lon + rng.uniform(-0.25, 0.25), 5),
    }


def simulate_fleet(fleet_size: int, at: datetime, seed: int = 0) -> list[dict[str, Any]]:
    """A reading for every vehicle. A function of ``seed`` and ``at`` alone (a string seed is hashed with SHA-512,
    the same in every process), so each scheduled minute differs and a retried run repeats it exactly."""
    rng = random.Random(f"{seed}/{format_utc(at)}")
    return [simulate_reading(i, at, rng) for i in range(fleet_size)]


def _run_time(event: Any) -> datetime:
    """EventBridge's scheduled ``time`` (``YYYY-MM-DDTHH:MM:SSZ``), which makes a retried run repeat exactly. A
    manual invoke without ``time`` runs at the current time (pass ``time`` to repeat a run); a ``time`` in any
    other form fails the run rather than being replaced by the clock."""
    raw = event.get("time") if isinstance(event, dict) else None
    if raw is None:
        return datetime.now(UTC)
    moment = parse_utc_timestamp(raw)
    if moment is None:
        raise ValueError(f"event time must be a UTC timestamp YYYY-MM-DDTHH:MM:SS[.ffffff]Z, got {str(raw)[:100]!r}")
    return moment


def _seed(event: Any) -> int:
    """The rule input's ``seed`` (an integer), else env ``SIMULATION_SEED`` (an integer), else 0."""
    raw = event.get("seed") if isinstance(event, dict) else None
    if raw is not None:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(f"event seed must be an integer, got {str(raw)[:100]!r}")
        return raw
    env = os.environ.get("SIMULATION_SEED", "").strip()
    if not env:
        return 0
    if not re.fullmatch(r"-?[0-9]{1,30}", env):
        raise ValueError(f"SIMULATION_SEED must be an integer, got {env[:100]!r}")
    return int(env)


def _fleet_size() -> int:
    raw = os.environ.get("FLEET_SIZE", str(DEFAULT_FLEET_SIZE)).strip()
    if not re.fullmatch(r"[0-9]{1,5}", raw) or not 1 <= int(raw) <= 10_000:
        raise ValueError(f"FLEET_SIZE must be an integer in 1..10000, got {raw[:100]!r}")
    return int(raw)


@cache
def _kafka_api() -> Any:
    return boto3.client("kafka")


def _build_producer() -> Producer:
    servers = msk_iam_bootstrap_servers(os.environ, _kafka_api)
    return msk_iam_producer(servers, os.environ["AWS_REGION"])


PRODUCER = LazyProducer(_build_producer)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    topic = os.environ.get("TOPIC", "fleet-telemetry")
    readings = simulate_fleet(_fleet_size(), _run_time(event), _seed(event))
    outbound = [
        OutboundRecord(
            topic=topic,
            key=r["vehicle_id"].encode(),
            value=json.dumps(r, separators=(",", ":")).encode(),
        )
        for r in readings
    ]
    failures = PRODUCER.send_batch(outbound, context.get_remaining_time_in_millis(), logger)
    low = sum(1 for r in readings if r["tire_pressure"] < 32)
    metrics.add_metric(name="ReadingsProduced", unit=MetricUnit.Count, value=len(outbound) - len(failures))
    metrics.add_metric(name="LowPressureReadings", unit=MetricUnit.Count, value=low)
    if failures:
        metrics.add_metric(name="ProduceFailures", unit=MetricUnit.Count, value=len(failures))
        first = failures[0]
        raise RuntimeError(
            f"{len(failures)} of {len(outbound)} readings were not acknowledged by {topic}; "
            f"first: key={first.record.key!r} error={first.error!r}"
        )
    logger.info("readings produced", extra={"topic": topic, "count": len(outbound), "low_pressure": low})
    return {"topic": topic, "produced": len(outbound), "low_pressure": low}
