"""Low tire pressure alerts: MSK Serverless ``fleet-telemetry`` -> one SNS message per vehicle per batch.

Why it exists: it is the sample's on-demand (default) mode consumer. Its event source mapping already filters
on ``tire_pressure < 32``, so every batch is a handful of low readings; a vehicle that reports several of them in
one batch must still page someone once, and a batch that Lambda retries must not page anyone twice.

- Within a batch: readings are grouped by ``vehicle_id`` and only the most severe one (lowest pressure, then
  latest timestamp) is published.
- Across retries: each publish is wrapped in Powertools idempotency keyed on that reading's
  ``[vehicle_id, timestamp]`` and stored in the DynamoDB table named by ``IDEMPOTENCY_TABLE``. A retried batch
  picks the same reading per vehicle, so vehicles already alerted are skipped and only the rest are published.
  Without ``IDEMPOTENCY_TABLE`` (local runs, tests) alerts are published without that guard.

Failure handling (on-demand mode, so no partial-batch response): a malformed record (not base64/UTF-8/JSON, not
an object, missing or non-numeric fields, value over 256 KiB) is logged with its topic/partition/offset, counted
in ``MalformedRecords`` and skipped. Raising would make Lambda retry the batch until the record expires and
stall the partition behind a record that can never succeed. A reading at or above the threshold (a mapping
without its filter) is skipped too. A failed SNS publish is different: it is transient, so after trying every
vehicle the handler raises and Lambda retries the batch, with idempotency keeping the retry from re-alerting.
"""

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from kafka_common import (
    JsonRecord,
    MalformedRecordError,
    RecordRef,
    decode_json_object,
    iter_records,
    optional_number,
    record_ref,
    require_number,
    require_str,
)

logger = Logger()
metrics = Metrics()

DEFAULT_THRESHOLD_PSI = 32.0
CRITICAL_PSI = 28.0
IDEMPOTENCY_TTL_S = 24 * 3600

sns = boto3.client("sns")


@dataclass(frozen=True)
class LowReading:
    vehicle_id: str
    timestamp: str
    tire_pressure: float
    lat: float | None
    lon: float | None
    ref: RecordRef


def parse_reading(record: JsonRecord) -> LowReading:
    value = record.value
    return LowReading(
        vehicle_id=require_str(value, "vehicle_id"),
        timestamp=require_str(value, "timestamp"),
        tire_pressure=require_number(value, "tire_pressure"),
        lat=optional_number(value, "lat"),
        lon=optional_number(value, "lon"),
        ref=record.ref,
    )


def most_severe(readings: list[LowReading]) -> dict[str, tuple[LowReading, int]]:
    """Per vehicle: the reading to alert on (lowest pressure, then latest) and how many low readings it had.

    Deterministic for a given batch, so a retried batch picks the same reading and hits the same idempotency key.
    """
    groups: dict[str, list[LowReading]] = {}
    for reading in readings:
        groups.setdefault(reading.vehicle_id, []).append(reading)
    chosen: dict[str, tuple[LowReading, int]] = {}
    for vid, group in groups.items():
        latest_first = sorted(group, key=lambda r: (r.timestamp, r.ref), reverse=True)
        chosen[vid] = (min(latest_first, key=lambda r: r.tire_pressure), len(group))
    return chosen


def build_alert(reading: LowReading, readings_in_batch: int) -> dict[str, Any]:
    return {
        "vehicle_id": reading.vehicle_id,
        "timestamp": reading.timestamp,
        "tire_pressure": reading.tire_pressure,
        "severity": "CRITICAL" if reading.tire_pressure < CRITICAL_PSI else "LOW",
        "lat": reading.lat,
        "lon": reading.lon,
        "low_readings_in_batch": readings_in_batch,
        "source": reading.ref.log_fields(),
    }


def alert_subject(alert: dict[str, Any]) -> str:
    """SNS subjects must be ASCII without control characters and at most 100 characters: a vehicle id from the
    stream must not turn into a publish that fails on every retry."""
    text = f"{alert['severity']} tire pressure: {alert['vehicle_id']} at {alert['tire_pressure']} psi"
    ascii_text = "".join(c if " " <= c <= "~" else "?" for c in text)
    return ascii_text[:100]


def _publish(alert: dict[str, Any], sent: list[str] | None = None) -> dict[str, Any]:
    """Publish one alert. ``sent`` (not part of the idempotency key) records publishes that really happened,
    as opposed to replays of a stored result."""
    response = sns.publish(
        TopicArn=os.environ["ALERT_TOPIC_ARN"],
        Subject=alert_subject(alert),
        Message=json.dumps(alert, separators=(",", ":")),
        MessageAttributes={
            "vehicle_id": {"DataType": "String", "StringValue": alert["vehicle_id"]},
            "severity": {"DataType": "String", "StringValue": alert["severity"]},
        },
    )
    if sent is not None:
        sent.append(alert["vehicle_id"])
    return {"message_id": response["MessageId"]}


def _idempotency_config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="[vehicle_id, timestamp]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_TTL_S,
    )


IDEMPOTENCY_TABLE = os.environ.get("IDEMPOTENCY_TABLE", "").strip()
idempotency_config: IdempotencyConfig | None = None
publish_alert: Callable[..., dict[str, Any]]
if IDEMPOTENCY_TABLE:
    dynamodb = boto3.client("dynamodb")
    idempotency_config = _idempotency_config()
    publish_alert = idempotent_function(
        _publish,
        data_keyword_argument="alert",
        persistence_store=DynamoDBPersistenceLayer(table_name=IDEMPOTENCY_TABLE, boto3_client=dynamodb),
        config=idempotency_config,
    )
else:
    publish_alert = _publish


def _threshold() -> float:
    return float(os.environ.get("PRESSURE_THRESHOLD_PSI", DEFAULT_THRESHOLD_PSI))


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if idempotency_config is not None:
        idempotency_config.register_lambda_context(context)
    threshold = _threshold()
    readings: list[LowReading] = []
    malformed = 0
    for record in iter_records(event):
        try:
            reading = parse_reading(decode_json_object(record))
        except MalformedRecordError as exc:
            malformed += 1
            logger.warning("skipping malformed record", extra={**record_ref(record).log_fields(), "reason": exc.reason})
            continue
        if reading.tire_pressure >= threshold:
            logger.info("skipping reading at or above threshold", extra=reading.ref.log_fields())
            continue
        readings.append(reading)

    chosen = most_severe(readings)
    alerted: list[str] = []
    sent: list[str] = []
    errors: list[tuple[str, Exception]] = []
    for vid in sorted(chosen):
        reading, count = chosen[vid]
        try:
            publish_alert(alert=build_alert(reading, count), sent=sent)
        except Exception as exc:
            logger.exception("alert not published", extra={"vehicle_id": vid, **reading.ref.log_fields()})
            errors.append((vid, exc))
        else:
            alerted.append(vid)

    metrics.add_metric(name="MalformedRecords", unit=MetricUnit.Count, value=malformed)
    metrics.add_metric(name="AlertsPublished", unit=MetricUnit.Count, value=len(sent))
    metrics.add_metric(name="AlertsAlreadySent", unit=MetricUnit.Count, value=len(alerted) - len(sent))
    metrics.add_metric(name="LowReadingsCoalesced", unit=MetricUnit.Count, value=len(readings) - len(chosen))
    if errors:
        metrics.add_metric(name="AlertPublishFailures", unit=MetricUnit.Count, value=len(errors))
        raise RuntimeError(
            f"{len(errors)} alert(s) not published ({', '.join(v for v, _ in errors)}); the batch will be retried"
        ) from errors[0][1]
    return {"alerted": alerted, "published": sent, "malformed": malformed}
