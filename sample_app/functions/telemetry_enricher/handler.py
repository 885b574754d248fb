"""Telemetry enricher: ``fleet-telemetry`` -> ``fleet-telemetry-enriched`` on the same MSK cluster.

Why it exists: it is the sample's provisioned-mode consumer, the mode in which a Kafka mapping can take a
partial-batch response (``ReportBatchItemFailures``). Each reading is produced to ``OUTPUT_TOPIC`` keyed by its
``vehicle_id``, with three fields added: ``tire_status`` (from ``tire_pressure``), ``region`` (from ``lat``/``lon``)
and ``ingested_at`` (the source record's Kafka timestamp), plus the source record's headers and an
``x-source-record: <topic>-<partition>@<offset>`` header.

What it guarantees:

- **No record crashes the batch.** A record is a reading when its value is a JSON object (UTF-8, no duplicate
  names, finite numbers, at most 256 KiB, no string that is not Unicode) with ``vehicle_id`` (1-64 printable
  characters, no surrounding spaces), ``timestamp`` (``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``), ``tire_pressure`` (a
  number in 0..150), a valid base64 key (or none), headers of byte lists, and a Kafka timestamp. Anything else is
  poison: logged with topic/partition/offset and the reason, counted in ``MalformedRecords``, copied to
  ``DEAD_LETTER_TOPIC`` if set (else skipped), and never retried. ``lat``/``lon`` are optional: absent or not a
  number in range, the region is ``unknown``.
- **Per-vehicle order on the output topic, across failures and retries.** Readings of one vehicle from one source
  partition reach ``OUTPUT_TOPIC`` in source-offset order: a reading is sent only after the previous reading of
  its vehicle was acknowledged, and at the first transient failure in a partition nothing later of that partition
  is sent; the reply reports that record and every later unfinished one, so Lambda resumes there
  (``kafka_common.delivery``). A retry can repeat readings already written (at-least-once), never reorder them.
- **Permanent produce errors do not stall the partition.** A record Kafka rejects for good (too large, invalid
  record, unserializable) goes to ``DEAD_LETTER_TOPIC`` if set, else is dropped; either way it is logged and
  counted (``ProduceRejected``, ``DeadLettered`` / ``RecordsDropped``). Transient errors (timeouts, leader changes,
  lost connections, and deployment errors such as a missing permission or unknown topic) are reported for retry.
- **Repeatable.** The output record (key, value, headers) derives only from the source record, so a retry writes
  the same bytes. Two output records are the same reading when ``vehicle_id`` and ``timestamp`` are equal: that is
  the idempotency key consumers of the enriched topic should dedupe on.
- Without ``ReportBatchItemFailures`` on the mapping, set ``REPORT_BATCH_ITEM_FAILURES=false``: the handler then
  raises when any record needs a retry, since Lambda would ignore the reply and commit the batch.
- If nothing could be delivered the producer is dropped, so the next invocation reconnects. If the producer cannot
  be built (no bootstrap setting, brokers unreachable within 10 s) the invocation fails and Lambda retries the batch.
"""

import os
from datetime import datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from kafka_common import (
    BatchItemFailuresError,
    BatchResponse,
    JsonRecord,
    decode_json_object,
    encode_json,
    msk_iam_bootstrap_servers,
    read_batch,
    respond,
)
from kafka_common.delivery import Fate, Work, deliver_source_batch, poison_work
from kafka_common.fields import format_utc, kafka_time, parse_number, parse_text, parse_utc_timestamp, require
from kafka_common.producers import LazyProducer, OutboundRecord, Producer, msk_iam_producer
from kafka_common.records import MalformedRecordError, SourceRecord

logger = Logger()
metrics = Metrics()

SOURCE_HEADER = "x-source-record"
MAX_PSI = 150.0


def tire_status(psi: float) -> str:
    if psi < 28:
        return "CRITICAL"
    if psi < 32:
        return "LOW"
    if psi > 42:
        return "HIGH"
    return "OK"


def geo_region(lat: float | None, lon: float | None) -> str:
    """A coarse region of the contiguous US by longitude; ``other`` outside it, ``unknown`` without a position."""
    if lat is None or lon is None:
        return "unknown"
    if not (24.0 <= lat <= 50.0 and -125.0 <= lon <= -66.0):
        return "other"
    if lon < -105.0:
        return "us-west"
    if lon < -85.0:
        return "us-central"
    return "us-east"


def enrich(record: JsonRecord) -> dict[str, Any]:
    """The reading with its derived fields, or :class:`MalformedRecordError` if it is not a reading."""
    value = record.value
    require(value, "vehicle_id", parse_text, "1-64 printable characters")
    require(value, "timestamp", parse_utc_timestamp, "a UTC timestamp YYYY-MM-DDTHH:MM:SS[.ffffff]Z")
    psi = require(
        value, "tire_pressure", lambda v: parse_number(v, low=0.0, high=MAX_PSI), f"a number in 0..{MAX_PSI:g}"
    )
    ingested: datetime | None = kafka_time(record.timestamp_ms)
    if ingested is None:
        raise MalformedRecordError("record has no valid Kafka timestamp")
    return {
        **value,
        "tire_status": tire_status(psi),
        "region": geo_region(
            parse_number(value.get("lat"), low=-90, high=90), parse_number(value.get("lon"), low=-180, high=180)
        ),
        "ingested_at": format_utc(ingested),
    }


def plan(source: SourceRecord, output_topic: str) -> Work:
    """The output record for one source record, or the poison work saying why there is none."""
    try:
        decoded = decode_json_object(source)
        enriched = enrich(decoded)
        value = encode_json(enriched)
    except MalformedRecordError as exc:
        return poison_work(source, exc.reason)
    output = OutboundRecord(
        topic=output_topic,
        key=enriched["vehicle_id"].encode(),
        value=value,
        headers=(*decoded.headers, (SOURCE_HEADER, source.ref.label().encode())),
        source=source.ref,
    )
    return Work(source, output=output)


@cache
def _kafka_api() -> Any:
    return boto3.client("kafka")


def _build_producer() -> Producer:
    servers = msk_iam_bootstrap_servers(os.environ, _kafka_api)
    return msk_iam_producer(servers, os.environ["AWS_REGION"])


PRODUCER = LazyProducer(_build_producer)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    output_topic = os.environ.get("OUTPUT_TOPIC", "fleet-telemetry-enriched")
    batch = read_batch(event)
    works = [plan(source, output_topic) for source in batch.records]
    report = deliver_source_batch(
        PRODUCER,
        batch,
        works,
        env=os.environ,
        remaining_ms=context.get_remaining_time_in_millis(),
        logger=logger,
        count=_count,
    )
    _count("RecordsEnriched", report.count(Fate.DELIVERED))
    return respond(report.retry, os.environ)


def _count(name: str, value: int) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


# What callers (and the tests) reach on this module: raised when partial batch responses are off.
__all__ = ["BatchItemFailuresError", "handler"]
