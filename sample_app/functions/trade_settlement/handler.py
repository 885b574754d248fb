"""Trade settlement: Confluent Cloud ``user_trades`` -> ``trade-settlements``.

Why it exists: it is the sample's self-managed Kafka consumer (``"eventSource": "SelfManagedKafka"``, no
``eventSourceArn``), authenticated with SASL/PLAIN (a Confluent Cloud API key). Values are deserialized by
Powertools' Kafka consumer utility (``@kafka_consumer`` with ``VALUE_SCHEMA``, JSON): the stack's mapping validates
values with a Confluent Schema Registry and hands them over as JSON (record format JSON). With record format SOURCE,
``VALUE_SCHEMA`` would describe the wire format (e.g. Avro), not the rules below, which apply to the decoded object.

Each trade is settled by fixed rules, in this order, and produced keyed by ``trade_id``:

1. ``Rejected`` when any field breaks its rule: ``trade_id``, ``user_id``, ``symbol`` must be text of 1-64
   printable characters without surrounding spaces; ``side`` exactly ``BUY`` or ``SELL``; ``quantity`` and
   ``price`` JSON numbers (not booleans, not strings), finite, greater than 0 and at most 1,000,000,000;
   ``settlement_date``, if present and not null, exactly ``YYYY-MM-DD`` (a real date; not ``20261201``, not a
   week or ordinal date); ``market_open``, if present and not null, a boolean; ``currency``, if present and not
   null, three upper-case letters. The reason lists every broken rule.
2. ``Flagged`` when the notional (quantity x price, computed exactly in decimal from the numbers as written,
   rounded half-even to cents) is above ``FLAG_NOTIONAL_THRESHOLD`` (default 1,000,000).
3. ``Pending`` when ``market_open`` is false, or ``settlement_date`` is after the trade date: the UTC date of the
   record's Kafka timestamp.
4. ``Completed`` otherwise.

What it guarantees:

- **No record crashes the batch.** A record whose value is not a JSON object (tombstone, over 256 KiB, not
  base64/UTF-8/JSON, JSON but not an object, schema metadata that is not an object) or that has no valid Kafka
  timestamp has nothing to settle: it is poison, logged with topic/partition/offset and the reason, counted in
  ``MalformedRecords``, copied to ``DEAD_LETTER_TOPIC`` if set (else skipped), never retried. A trade that decodes but breaks the rules is not
  poison: it is settled ``Rejected`` (an auditable outcome), echoing only the fields that passed their rule.
- **Repeatable.** Every field of a settlement derives from the record (its value, Kafka timestamp and coordinates;
  never the clock), so a retry writes the same key, value and headers. Two settlements are the same delivery when
  their ``source`` (topic, partition, offset) is equal; downstream, dedupe on ``trade_id`` (a trade without a valid
  ``trade_id`` is keyed ``<topic>-<partition>@<offset>``).
- **Order and failures** as in ``kafka_common.delivery``: settlements of one ``trade_id`` reach the output topic in
  source-offset order across retries; a transient produce error reports that record and the rest of its partition
  for retry; a permanent one (too large, invalid) goes to ``DEAD_LETTER_TOPIC`` or is dropped, logged and counted
  (``ProduceRejected``), without stalling the partition. With ``REPORT_BATCH_ITEM_FAILURES=false`` the handler
  raises instead of replying.
- The producer uses the same kind of credentials as the mapping: a Secrets Manager secret ``{"username",
  "password"}`` (``KAFKA_SECRET_ARN``), read when the producer is built and kept with it; after a batch in which
  nothing could be delivered both are dropped, so the next invocation reads the secret again (a rotated key). If
  the producer cannot be built (secret unreadable or malformed, brokers unreachable) the invocation fails and
  Lambda retries the batch.
"""

import json
import os
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.kafka import ConsumerRecords, SchemaConfig, kafka_consumer
from aws_lambda_powertools.utilities.kafka.consumer_records import ConsumerRecordRecords
from aws_lambda_powertools.utilities.kafka.exceptions import (
    KafkaConsumerDeserializationError,
    KafkaConsumerDeserializationFormatMismatch,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from kafka_common import (
    BatchItemFailuresError,
    BatchResponse,
    MalformedRecordError,
    SourceRecord,
    encode_json,
    read_batch,
    respond,
)
from kafka_common.decoding import decode_value
from kafka_common.delivery import Fate, Work, deliver_source_batch, poison_work
from kafka_common.fields import format_utc, kafka_time, parse_date, parse_decimal, parse_text
from kafka_common.producers import LazyProducer, OutboundRecord, Producer, sasl_plain_producer

logger = Logger()
metrics = Metrics()

#: How values are deserialized (Powertools). JSON: the mapping's schema registry (record format JSON) has decoded
#: and validated them; with record format SOURCE this would be e.g. SchemaConfig(value_schema_type="AVRO", ...).
VALUE_SCHEMA = SchemaConfig(value_schema_type="JSON")
DEFAULT_FLAG_NOTIONAL = Decimal("1000000")
MAX_AMOUNT = Decimal("1000000000")
STATUSES = ("Completed", "Pending", "Flagged", "Rejected")
STATUS_HEADER = "settlement-status"
SOURCE_HEADER = "x-source-record"
#: Wide enough that the product of two bounded numbers of 17 significant digits is exact: no rounding, no overflow.
EXACT = Context(prec=60, rounding=ROUND_HALF_EVEN)
CENT = Decimal("0.01")
_CURRENCY = re.compile(r"[A-Z]{3}")


def _optional(trade: Mapping[str, Any], name: str, valid: bool, rule: str, problems: list[str]) -> None:
    if trade.get(name) is not None and not valid:
        problems.append(f"{name} must be {rule}")


def _problems(trade: Mapping[str, Any], quantity: Decimal | None, price: Decimal | None) -> list[str]:
    problems = [
        f"{name} must be 1-64 printable characters"
        for name in ("trade_id", "user_id", "symbol")
        if parse_text(trade.get(name)) is None
    ]
    if trade.get("side") not in ("BUY", "SELL"):
        problems.append("side must be BUY or SELL")
    if quantity is None:
        problems.append("quantity must be a number > 0 and <= 1000000000")
    if price is None:
        problems.append("price must be a number > 0 and <= 1000000000")
    _optional(trade, "settlement_date", parse_date(trade.get("settlement_date")) is not None, "YYYY-MM-DD", problems)
    _optional(trade, "market_open", isinstance(trade.get("market_open"), bool), "true or false", problems)
    currency = trade.get("currency")
    _optional(
        trade, "currency", isinstance(currency, str) and bool(_CURRENCY.fullmatch(currency)), "3 letters A-Z", problems
    )
    return problems


def _status(
    trade: Mapping[str, Any], problems: list[str], notional: Decimal | None, as_of: datetime, threshold: Decimal
) -> tuple[str, str]:
    settlement_date = parse_date(trade.get("settlement_date"))
    if problems:
        return "Rejected", "; ".join(problems)
    if notional is not None and notional > threshold:
        return "Flagged", f"notional {notional} exceeds {threshold:.2f}"
    if trade.get("market_open") is False:
        return "Pending", "market closed"
    if settlement_date is not None and settlement_date > as_of.date():
        return "Pending", f"settles on {settlement_date.isoformat()}"
    return "Completed", "settled"


def settle(
    trade: Mapping[str, Any], *, as_of: datetime, flag_threshold: Decimal = DEFAULT_FLAG_NOTIONAL
) -> dict[str, Any]:
    """The settlement of one trade as of ``as_of`` (the record's timestamp): status, reason, the valid fields."""
    quantity = parse_decimal(trade.get("quantity"), low=Decimal(0), high=MAX_AMOUNT)
    price = parse_decimal(trade.get("price"), low=Decimal(0), high=MAX_AMOUNT)
    notional = None
    if quantity is not None and price is not None:
        notional = EXACT.multiply(quantity, price).quantize(CENT, context=EXACT)
    problems = _problems(trade, quantity, price)
    status, reason = _status(trade, problems, notional, as_of, flag_threshold)
    currency = trade.get("currency")
    return {
        "trade_id": parse_text(trade.get("trade_id")),
        "user_id": parse_text(trade.get("user_id")),
        "symbol": parse_text(trade.get("symbol")),
        "side": trade.get("side") if trade.get("side") in ("BUY", "SELL") else None,
        "quantity": trade.get("quantity") if quantity is not None else None,
        "price": trade.get("price") if price is not None else None,
        "notional": str(notional) if notional is not None else None,
        "currency": currency if isinstance(currency, str) and _CURRENCY.fullmatch(currency) else None,
        "status": status,
        "reason": reason,
        "as_of": format_utc(as_of),
    }


def _ascii(text: str) -> str:
    return text.encode("ascii", "backslashreplace").decode("ascii")[:300]


def trade_of(source: SourceRecord) -> dict[str, Any]:
    """The record's value as Powertools deserializes it (``VALUE_SCHEMA``), once it is known to be a sane size and
    strict base64; :class:`MalformedRecordError` unless it is an object."""
    decode_value(source.raw)
    metadata = source.raw.get("valueSchemaMetadata")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise MalformedRecordError("valueSchemaMetadata is not an object")
    try:
        value = ConsumerRecordRecords(dict(source.raw), schema_config=VALUE_SCHEMA).value
    except (KafkaConsumerDeserializationError, KafkaConsumerDeserializationFormatMismatch) as exc:
        raise MalformedRecordError(f"value does not deserialize: {_ascii(str(exc))}") from exc
    if not isinstance(value, dict):
        raise MalformedRecordError(f"value is {type(value).__name__}, not an object")
    return value


def plan(source: SourceRecord, output_topic: str, threshold: Decimal) -> tuple[Work, str | None]:
    """The settlement record for one source record (and its status), or the poison work saying why there is none."""
    try:
        trade = trade_of(source)
        as_of = kafka_time(source.timestamp_ms)
        if as_of is None:
            raise MalformedRecordError("record has no valid Kafka timestamp")
        settlement = {**settle(trade, as_of=as_of, flag_threshold=threshold), "source": source.ref.log_fields()}
        value = encode_json(settlement)
    except MalformedRecordError as exc:
        return poison_work(source, exc.reason), None
    key = settlement["trade_id"] or source.ref.label()
    output = OutboundRecord(
        topic=output_topic,
        key=key.encode(),
        value=value,
        headers=((STATUS_HEADER, settlement["status"].encode()), (SOURCE_HEADER, source.ref.label().encode())),
        source=source.ref,
    )
    return Work(source, output=output), settlement["status"]


@cache
def _secrets_api() -> Any:
    return boto3.client("secretsmanager")


def read_credentials(secret_arn: str) -> tuple[str, str]:
    """``(username, password)`` from a ``{"username", "password"}`` secret."""
    secret_string = _secrets_api().get_secret_value(SecretId=secret_arn).get("SecretString")
    try:
        secret = json.loads(secret_string) if isinstance(secret_string, str) else None
    except ValueError:
        secret = None
    username = secret.get("username") if isinstance(secret, dict) else None
    password = secret.get("password") if isinstance(secret, dict) else None
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise ValueError(f"secret {secret_arn} must be JSON with non-empty 'username' and 'password'")
    return username, password


def _build_producer() -> Producer:
    username, password = read_credentials(os.environ["KAFKA_SECRET_ARN"])
    return sasl_plain_producer(os.environ["BOOTSTRAP_SERVERS"], username, password)


PRODUCER = LazyProducer(_build_producer)


def _flag_threshold() -> Decimal:
    raw = os.environ.get("FLAG_NOTIONAL_THRESHOLD", str(DEFAULT_FLAG_NOTIONAL))
    try:
        threshold = Decimal(raw.strip())
    except InvalidOperation:
        threshold = Decimal("NaN")
    if not threshold.is_finite() or threshold < 0:
        raise ValueError(f"FLAG_NOTIONAL_THRESHOLD must be a finite number >= 0, got {raw!r}")
    return threshold


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@kafka_consumer(schema_config=VALUE_SCHEMA)
def handler(records: ConsumerRecords, context: LambdaContext) -> BatchResponse:
    output_topic = os.environ.get("OUTPUT_TOPIC", "trade-settlements")
    threshold = _flag_threshold()
    batch = read_batch(records.raw_event)
    planned = [plan(source, output_topic, threshold) for source in batch.records]
    works = [work for work, _ in planned]
    report = deliver_source_batch(
        PRODUCER,
        batch,
        works,
        env=os.environ,
        remaining_ms=context.get_remaining_time_in_millis(),
        logger=logger,
        count=_count,
    )
    delivered = set(report.refs(Fate.DELIVERED))
    for status in STATUSES:
        _count(f"Trades{status}", sum(1 for work, s in planned if s == status and work.ref in delivered))
    return respond(report.retry, os.environ)


def _count(name: str, value: int) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


# What callers (and the tests) reach on this module: raised when partial batch responses are off.
__all__ = ["BatchItemFailuresError", "handler"]
