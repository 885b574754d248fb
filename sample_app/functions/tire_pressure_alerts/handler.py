"""Low tire pressure alerts: MSK Serverless ``fleet-telemetry`` -> one SNS message per vehicle per batch.

Why it exists: it is the sample's on-demand (default) mode consumer. Its event source mapping already filters
on ``tire_pressure < 32``, so every batch is a handful of low readings; a vehicle that reports several of them in
one batch must still page someone once, and a batch that Lambda retries must not page anyone twice.

What it guarantees:

- **No record crashes the batch.** A record is a low reading when its value is a JSON object (UTF-8, no duplicate
  names, finite numbers, at most 256 KiB) with ``vehicle_id`` (1-64 printable characters, no surrounding spaces),
  ``timestamp`` (``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``, UTC) and ``tire_pressure`` (a number in 0..150) below
  ``PRESSURE_THRESHOLD_PSI``, with a valid base64 key (or none) and headers of byte lists. Anything else is
  poison: logged with topic/partition/offset and the reason, counted in ``MalformedRecords``, and skipped (an
  on-demand mapping has no partial-batch reply, and raising would retry the batch until the record expires,
  stalling the partition). ``lat``/``lon`` are optional: absent or not a number in range they are ``null`` in the
  alert, which still goes out. A reading at or above the threshold (a mapping without its filter) is skipped.
- **One alert per vehicle per batch**, on its most severe reading: lowest pressure, then latest ``timestamp``, then
  highest offset. The choice depends only on the batch's records, so a retried batch picks the same reading.
- **No alert twice for the same reading.** Each publish runs under Powertools idempotency on the DynamoDB table
  ``IDEMPOTENCY_TABLE``, keyed on ``[vehicle_id, timestamp]`` with ``timestamp`` normalized to one spelling per
  instant (``...:31Z`` and ``...:31.000Z`` are the same reading): two deliveries are the same alert when the
  vehicle and the instant of the reading are equal. Vehicles already alerted are skipped on a retry
  (``AlertsAlreadySent``); a retry whose batch holds a new, more severe reading alerts on that one. Keys expire
  after 24 hours. Without ``IDEMPOTENCY_TABLE`` (local runs) there is no such guard.
- **Publish failures**: one SNS rejects as invalid (``InvalidParameter``, ``ParameterValueInvalid``,
  ``ValidationException``) would fail on every retry, so the alert is logged, counted in ``AlertsRejected`` and
  dropped. Any other failure (throttling, service errors, a missing permission or key, the topic not found,
  DynamoDB errors, the same reading in progress elsewhere) is transient: after trying every vehicle the handler
  raises (``AlertPublishFailures``) and Lambda retries the batch, idempotency keeping the retry from re-alerting.
"""

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
from botocore.exceptions import ClientError
from kafka_common import JsonRecord, MalformedRecordError, RecordRef, decode_json_object, read_batch
from kafka_common.fields import format_utc, parse_number, parse_text, parse_utc_timestamp, require

logger = Logger()
metrics = Metrics()

DEFAULT_THRESHOLD_PSI = 32.0
CRITICAL_PSI = 28.0
MAX_PSI = 150.0
IDEMPOTENCY_TTL_S = 24 * 3600
#: SNS error codes for a request that is invalid as such: retrying the same alert cannot succeed.
PERMANENT_SNS_ERRORS = frozenset(
    {"InvalidParameter", "ParameterValueInvalid", "InvalidParameterValue", "ValidationException"}
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

sns = boto3.client("sns")


@dataclass(frozen=True)
class LowReading:
    vehicle_id: str
    reading_time: datetime
    tire_pressure: float
    lat: float | None
    lon: float | None
    ref: RecordRef


def parse_reading(record: JsonRecord) -> LowReading:
    value = record.value
    return LowReading(
        vehicle_id=require(value, "vehicle_id", parse_text, "1-64 printable characters"),
        reading_time=require(value, "timestamp", parse_utc_timestamp, "a UTC timestamp YYYY-MM-DDTHH:MM:SS[.ffffff]Z"),
        tire_pressure=require(
            value, "tire_pressure", lambda v: parse_number(v, low=0.0, high=MAX_PSI), f"a number in 0..{MAX_PSI:g}"
        ),
        lat=parse_number(value.get("lat"), low=-90.0, high=90.0),
        lon=parse_number(value.get("lon"), low=-180.0, high=180.0),
        ref=record.ref,
    )


def most_severe(readings: list[LowReading]) -> dict[str, tuple[LowReading, int]]:
    """Per vehicle: the reading to alert on (lowest pressure, then latest, then highest offset) and how many low
    readings it had. A function of the readings alone, so a retried batch hits the same idempotency key."""
    chosen: dict[str, tuple[LowReading, int]] = {}
    for reading in readings:
        best, count = chosen.get(reading.vehicle_id, (reading, 0))
        chosen[reading.vehicle_id] = (reading if _severity_rank(reading) <= _severity_rank(best) else best, count + 1)
    return chosen


def _severity_rank(reading: LowReading) -> tuple[float, timedelta, int, str]:
    """Smaller is more severe: lower pressure, then later reading, then higher offset (then partition name)."""
    return (reading.tire_pressure, _EPOCH - reading.reading_time, -reading.ref.offset, reading.ref.topic_partition)


def build_alert(reading: LowReading, readings_in_batch: int) -> dict[str, Any]:
    return {
        "vehicle_id": reading.vehicle_id,
        "timestamp": format_utc(reading.reading_time),
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
        Message=json.dumps(alert, separators=(",", ":"), allow_nan=False),
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


def is_permanent(error: BaseException) -> bool:
    """Whether SNS refused the request as invalid (see ``PERMANENT_SNS_ERRORS``)."""
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in PERMANENT_SNS_ERRORS


def _threshold() -> float:
    raw = os.environ.get("PRESSURE_THRESHOLD_PSI", str(DEFAULT_THRESHOLD_PSI))
    try:
        threshold = parse_number(float(raw), low=0.0, high=MAX_PSI)
    except ValueError:
        threshold = None
    if threshold is None:
        raise ValueError(f"PRESSURE_THRESHOLD_PSI must be a number in 0..{MAX_PSI:g}, got {raw!r}")
    return threshold


def low_readings(event: dict[str, Any], threshold: float) -> tuple[list[LowReading], int]:
    """The batch's low readings and how many of its records were poison (each logged)."""
    batch = read_batch(event)
    for where in batch.unaddressable:
        logger.warning("skipping record without topic/partition/offset", extra={"record": where})
    readings: list[LowReading] = []
    malformed = len(batch.unaddressable)
    for source in batch.records:
        try:
            reading = parse_reading(decode_json_object(source))
        except MalformedRecordError as exc:
            malformed += 1
            logger.warning("skipping malformed record", extra={**source.ref.log_fields(), "reason": exc.reason})
            continue
        if reading.tire_pressure >= threshold:
            logger.info("skipping reading at or above threshold", extra=reading.ref.log_fields())
            continue
        readings.append(reading)
    return readings, malformed


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if idempotency_config is not None:
        idempotency_config.register_lambda_context(context)
    readings, malformed = low_readings(event, _threshold())
    chosen = most_severe(readings)
    alerted: list[str] = []
    sent: list[str] = []
    rejected: list[str] = []
    errors: list[tuple[str, Exception]] = []
    for vid in sorted(chosen):
        reading, count = chosen[vid]
        try:
            publish_alert(alert=build_alert(reading, count), sent=sent)
        except Exception as exc:
            fields = {"vehicle_id": vid, **reading.ref.log_fields(), "error": repr(exc)[:500]}
            if is_permanent(exc):
                logger.error(
                    "alert rejected by SNS as invalid: dropped (a retry would fail the same way)", extra=fields
                )
                rejected.append(vid)
            else:
                logger.error("alert not published (transient): the batch will be retried", extra=fields)
                errors.append((vid, exc))
        else:
            alerted.append(vid)

    metrics.add_metric(name="MalformedRecords", unit=MetricUnit.Count, value=malformed)
    metrics.add_metric(name="AlertsPublished", unit=MetricUnit.Count, value=len(sent))
    metrics.add_metric(name="AlertsAlreadySent", unit=MetricUnit.Count, value=len(alerted) - len(sent))
    metrics.add_metric(name="AlertsRejected", unit=MetricUnit.Count, value=len(rejected))
    metrics.add_metric(name="LowReadingsCoalesced", unit=MetricUnit.Count, value=len(readings) - len(chosen))
    if errors:
        metrics.add_metric(name="AlertPublishFailures", unit=MetricUnit.Count, value=len(errors))
        raise RuntimeError(
            f"{len(errors)} alert(s) not published ({', '.join(v for v, _ in errors)}); the batch will be retried"
        ) from errors[0][1]
    return {"alerted": alerted, "published": sent, "rejected": rejected, "malformed": malformed}
