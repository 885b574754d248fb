"""Telemetry enricher: ``fleet-telemetry`` -> ``fleet-telemetry-enriched`` on the same MSK cluster.

Why it exists: it is the sample's provisioned-mode consumer, the mode in which a Kafka mapping can take a
partial-batch response (``ReportBatchItemFailures``). Each reading gets ``tire_status``, a coarse geographic
``region`` and ``processed_at`` and is produced keyed by ``vehicle_id`` (per-vehicle order is kept on the output
topic). The producer (MSK IAM) is built once per execution environment; each batch is sent whole, flushed once,
and only then are the per-record results read.

Failure handling, decided per record:

- Malformed record (not base64/UTF-8/JSON, not an object, ``vehicle_id``/``timestamp``/``tire_pressure`` missing
  or of the wrong type, value over 256 KiB): logged with topic/partition/offset and the reason, counted in
  ``MalformedRecords``, and skipped, i.e. reported as a success. Retrying cannot fix it, and reporting it would
  make Lambda retry it (and with on-demand semantics stall its partition) until it expires.
- Record whose produce fails (send raised, broker error, not acknowledged before the single flush gave up):
  reported in ``batchItemFailures`` as ``{"partition": "<topic>-<partition>", "offset": n}`` so Lambda retries
  it. Records of the same batch that were delivered may be delivered again on that retry: the output is
  at-least-once, and consumers of the enriched topic should be idempotent on (vehicle_id, timestamp).
- If the mapping has no ``ReportBatchItemFailures`` (on-demand mode), set ``REPORT_BATCH_ITEM_FAILURES=false``:
  the handler then raises on any produce failure instead, since Lambda would ignore the response and commit.
- If nothing in a batch could be delivered the producer is dropped, so the next invocation reconnects.
- If the producer cannot be built (brokers unreachable within 10 s, no bootstrap setting) the invocation fails
  and Lambda retries the whole batch: nothing was processed, so there is nothing to report per record.
"""

import json
import os
from datetime import UTC, datetime
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
    MalformedRecordError,
    batch_response,
    decode_json_object,
    iter_records,
    msk_iam_bootstrap_servers,
    optional_number,
    record_ref,
    report_batch_item_failures_enabled,
    require_number,
    require_str,
)
from kafka_common.producers import (
    LazyProducer,
    OutboundRecord,
    Producer,
    msk_iam_producer,
)

logger = Logger()
metrics = Metrics()

SOURCE_HEADER = "x-source-record"


def tire_status(psi: float) -> str:
    if psi < 28:
        return "CRITICAL"
    if psi < 32:
        return "LOW"
    if psi > 42:
        return "HIGH"
    return "OK"


def geo_region(lat: float | None, lon: float | None) -> str:
    """A coarse region of the contiguous US by longitude; anything else is ``other``/``unknown``."""
    if lat is None or lon is None:
        return "unknown"
    if not (24.0 <= lat <= 50.0 and -125.0 <= lon <= -66.0):
        return "other"
    if lon < -105.0:
        return "us-west"
    if lon < -85.0:
        return "us-central"
    return "us-east"


def enrich(record: JsonRecord, processed_at: datetime) -> dict[str, Any]:
    """The reading with its derived fields, or :class:`MalformedRecordError` if it is not a reading."""
    value = record.value
    require_str(value, "vehicle_id")
    require_str(value, "timestamp")
    psi = require_number(value, "tire_pressure")
    return {
        **value,
        "tire_status": tire_status(psi),
        "region": geo_region(optional_number(value, "lat"), optional_number(value, "lon")),
        "processed_at": processed_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def _utcnow() -> datetime:
    return datetime.now(UTC)


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
    processed_at = _utcnow()
    outbound: list[OutboundRecord] = []
    malformed = 0
    for record in iter_records(event):
        ref = record_ref(record)
        try:
            decoded = decode_json_object(record)
            enriched = enrich(decoded, processed_at)
        except MalformedRecordError as exc:
            malformed += 1
            logger.warning("skipping malformed record", extra={**ref.log_fields(), "reason": exc.reason})
            continue
        source = f"{ref.topic_partition}@{ref.offset}".encode()
        outbound.append(
            OutboundRecord(
                topic=output_topic,
                key=enriched["vehicle_id"].encode(),
                value=json.dumps(enriched, separators=(",", ":")).encode(),
                headers=(*decoded.headers, (SOURCE_HEADER, source)),
                source=ref,
            )
        )

    failures = PRODUCER.send_batch(outbound, context.get_remaining_time_in_millis(), logger)

    metrics.add_metric(name="MalformedRecords", unit=MetricUnit.Count, value=malformed)
    metrics.add_metric(name="RecordsEnriched", unit=MetricUnit.Count, value=len(outbound) - len(failures))
    metrics.add_metric(name="ProduceFailures", unit=MetricUnit.Count, value=len(failures))
    failed = sorted({f.record.source for f in failures if f.record.source is not None})
    if failed and not report_batch_item_failures_enabled(os.environ):
        raise BatchItemFailuresError(failed)
    return batch_response(failed)
