"""Trade settlement: Confluent Cloud ``user_trades`` -> ``trade-settlements``.

Why it exists: it is the sample's self-managed Kafka consumer (``"eventSource": "SelfManagedKafka"``, no
``eventSourceArn``), authenticated with SASL/PLAIN (a Confluent Cloud API key). It settles each trade by fixed
rules, in this order, and produces the result keyed by ``trade_id``:

1. ``Rejected``: ``trade_id``/``user_id``/``symbol`` missing, ``side`` not BUY/SELL, ``quantity`` or ``price``
   missing, not a number, or not > 0, or an unparsable ``settlement_date``.
2. ``Flagged``: notional (quantity x price) above ``FLAG_NOTIONAL_THRESHOLD`` (default 1,000,000).
3. ``Pending``: ``market_open`` is false, or ``settlement_date`` (YYYY-MM-DD) is after today (UTC).
4. ``Completed`` otherwise.

The producer uses the same kind of credentials as the mapping: a Secrets Manager secret
``{"username", "password"}`` whose ARN is ``KAFKA_SECRET_ARN``. It is read once, when the producer is built,
and both are kept for the life of the execution environment; after a batch in which nothing could be
delivered (e.g. a rotated key) both are dropped, so the next invocation reads the secret again.

Failure handling, decided per record:

- A trade that decodes but breaks the rules is not an error: it is settled as ``Rejected`` (an auditable
  outcome on the output topic).
- A record that does not decode at all (not base64/UTF-8/JSON, not a JSON object, value over 256 KiB) has
  nothing to settle: it is logged with topic/partition/offset and the reason, counted in ``MalformedRecords``
  and skipped (reported as a success), so a poison record never blocks the partition.
- A record whose produce fails is reported in ``batchItemFailures`` for Lambda to retry (at-least-once: a
  retry can re-deliver settlements of the same batch, so consumers dedupe on ``trade_id``). With
  ``REPORT_BATCH_ITEM_FAILURES=false`` (mapping without ``ReportBatchItemFailures``) the handler raises instead.
- If the producer cannot be built (secret unreadable or malformed, brokers unreachable within 10 s) the
  invocation fails and Lambda retries the whole batch.
"""

import json
import os
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
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
    record_ref,
    report_batch_item_failures_enabled,
)
from kafka_common.producers import (
    LazyProducer,
    OutboundRecord,
    Producer,
    sasl_plain_producer,
)

logger = Logger()
metrics = Metrics()

DEFAULT_FLAG_NOTIONAL = Decimal("1000000")
STATUSES = ("Completed", "Pending", "Flagged", "Rejected")


def _positive_decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number > 0 else None


def _text(raw: Any) -> str | None:
    return raw.strip() if isinstance(raw, str) and raw.strip() else None


def settle(trade: dict[str, Any], *, today: date, flag_threshold: Decimal = DEFAULT_FLAG_NOTIONAL) -> dict[str, Any]:
    """The settlement of one trade: its status, the reason, and the fields it was decided on."""
    trade_id = _text(trade.get("trade_id"))
    side = trade.get("side")
    quantity = _positive_decimal(trade.get("quantity"))
    price = _positive_decimal(trade.get("price"))
    notional = quantity * price if quantity is not None and price is not None else None
    settlement_date: date | None = None
    problems: list[str] = []
    for name in ("trade_id", "user_id", "symbol"):
        if _text(trade.get(name)) is None:
            problems.append(f"missing {name}")
    if side not in ("BUY", "SELL"):
        problems.append("side must be BUY or SELL")
    if quantity is None:
        problems.append("quantity must be a number > 0")
    if price is None:
        problems.append("price must be a number > 0")
    raw_date = trade.get("settlement_date")
    if raw_date is not None:
        try:
            settlement_date = date.fromisoformat(str(raw_date))
        except ValueError:
            problems.append("settlement_date must be YYYY-MM-DD")

    if problems:
        status, reason = "Rejected", "; ".join(problems)
    elif notional is not None and notional > flag_threshold:
        status, reason = "Flagged", f"notional {notional:.2f} exceeds {flag_threshold:.2f}"
    elif trade.get("market_open") is False:
        status, reason = "Pending", "market closed"
    elif settlement_date is not None and settlement_date > today:
        status, reason = "Pending", f"settles on {settlement_date.isoformat()}"
    else:
        status, reason = "Completed", "settled"
    return {
        "trade_id": trade_id,
        "user_id": trade.get("user_id"),
        "symbol": trade.get("symbol"),
        "side": side,
        "quantity": trade.get("quantity"),
        "price": trade.get("price"),
        "notional": float(round(notional, 2)) if notional is not None else None,
        "currency": trade.get("currency"),
        "status": status,
        "reason": reason,
    }


def _settlement_key(settlement: dict[str, Any], record: JsonRecord) -> bytes:
    """``trade_id``; a trade without one is keyed by its source coordinates (still one partition per source)."""
    if settlement["trade_id"]:
        return str(settlement["trade_id"]).encode()
    return f"{record.ref.topic_partition}@{record.ref.offset}".encode()


def _utcnow() -> datetime:
    return datetime.now(UTC)


@cache
def _secrets_api() -> Any:
    return boto3.client("secretsmanager")


def read_credentials(secret_arn: str) -> tuple[str, str]:
    """``(username, password)`` from a ``{"username", "password"}`` secret."""
    secret = json.loads(_secrets_api().get_secret_value(SecretId=secret_arn)["SecretString"])
    username, password = secret.get("username"), secret.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise ValueError(f"secret {secret_arn} must be JSON with non-empty 'username' and 'password'")
    return username, password


def _build_producer() -> Producer:
    username, password = read_credentials(os.environ["KAFKA_SECRET_ARN"])
    return sasl_plain_producer(os.environ["BOOTSTRAP_SERVERS"], username, password)


PRODUCER = LazyProducer(_build_producer)


def _flag_threshold() -> Decimal:
    return Decimal(os.environ.get("FLAG_NOTIONAL_THRESHOLD", str(DEFAULT_FLAG_NOTIONAL)))


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    output_topic = os.environ.get("OUTPUT_TOPIC", "trade-settlements")
    now = _utcnow()
    threshold = _flag_threshold()
    outbound: list[OutboundRecord] = []
    counts = dict.fromkeys(STATUSES, 0)
    malformed = 0
    for record in iter_records(event):
        try:
            decoded = decode_json_object(record)
        except MalformedRecordError as exc:
            malformed += 1
            logger.warning("skipping malformed record", extra={**record_ref(record).log_fields(), "reason": exc.reason})
            continue
        settlement = settle(decoded.value, today=now.date(), flag_threshold=threshold)
        settlement["settled_at"] = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        settlement["source"] = decoded.ref.log_fields()
        counts[settlement["status"]] += 1
        outbound.append(
            OutboundRecord(
                topic=output_topic,
                key=_settlement_key(settlement, decoded),
                value=json.dumps(settlement, separators=(",", ":")).encode(),
                headers=(("settlement-status", settlement["status"].encode()),),
                source=decoded.ref,
            )
        )

    failures = PRODUCER.send_batch(outbound, context.get_remaining_time_in_millis(), logger)

    metrics.add_metric(name="MalformedRecords", unit=MetricUnit.Count, value=malformed)
    metrics.add_metric(name="ProduceFailures", unit=MetricUnit.Count, value=len(failures))
    for status, count in counts.items():
        metrics.add_metric(name=f"Trades{status}", unit=MetricUnit.Count, value=count)
    failed = sorted({f.record.source for f in failures if f.record.source is not None})
    if failed and not report_batch_item_failures_enabled(os.environ):
        raise BatchItemFailuresError(failed)
    return batch_response(failed)
