"""trade_settlement: Confluent Cloud (SelfManagedKafka) consumer that settles trades; Powertools' Kafka consumer
utility for values, moto's Secrets Manager for the API key."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st
from kafka import errors as kafka_errors
from kafka_fn_strategies import EDGE_DATES, PROPERTY, all_refs, kafka_events, shaped_values
from kafka_fn_testkit import (
    CONFLUENT_BOOTSTRAP,
    FakeContext,
    FakeProducer,
    LoadHandler,
    failure,
    kafka_record,
    log_lines,
    metric_values,
    self_managed_event,
)

T = "user_trades"
OUT = "trade-settlements"
DLQ = "trade-settlements-dead-letters"
AS_OF = datetime(2025, 11, 22, 1, 0, tzinfo=UTC)  # RECORD_TIMESTAMP_MS
API_KEY = {"username": "CKEY123", "password": "csecret/xyz"}


def trade(trade_id: str, /, **overrides: Any) -> dict[str, Any]:
    base = {
        "trade_id": trade_id,
        "user_id": "U-42",
        "symbol": "AMZN",
        "side": "BUY",
        "quantity": 10,
        "price": 215.5,
        "currency": "USD",
        "trade_time": "2025-11-22T00:59:58Z",
        "settlement_date": "2025-11-22",
        "market_open": True,
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    ("overrides", "status", "reason"),
    [
        ({}, "Completed", "settled"),
        ({"settlement_date": "2025-11-21"}, "Completed", "settled"),
        ({"settlement_date": None, "market_open": None, "currency": None}, "Completed", "settled"),
        ({"quantity": None}, "Rejected", "quantity must be a number > 0 and <= 1000000000"),
        ({"quantity": "10"}, "Rejected", "quantity"),
        ({"quantity": True}, "Rejected", "quantity"),
        ({"quantity": -5}, "Rejected", "quantity"),
        ({"quantity": float("nan")}, "Rejected", "quantity"),
        ({"quantity": float("inf")}, "Rejected", "quantity"),
        ({"quantity": 1e308, "price": 1e308}, "Rejected", "quantity must be"),
        ({"quantity": 10**30}, "Rejected", "quantity"),
        ({"quantity": 1_000_000_001}, "Rejected", "quantity"),
        ({"price": 0}, "Rejected", "price"),
        ({"price": -1.25}, "Rejected", "price"),
        ({"side": "HOLD"}, "Rejected", "side"),
        ({"side": "buy"}, "Rejected", "side"),
        ({"symbol": ""}, "Rejected", "symbol"),
        ({"symbol": " AMZN"}, "Rejected", "symbol"),
        ({"trade_id": "\ud83d"}, "Rejected", "trade_id"),
        ({"user_id": "U\x00"}, "Rejected", "user_id"),
        ({"settlement_date": "22/11/2025"}, "Rejected", "settlement_date must be YYYY-MM-DD"),
        ({"settlement_date": "20251122"}, "Rejected", "settlement_date must be YYYY-MM-DD"),
        ({"settlement_date": "2025-W47-6"}, "Rejected", "settlement_date"),
        ({"settlement_date": "2025-02-29"}, "Rejected", "settlement_date"),
        ({"settlement_date": 20251122}, "Rejected", "settlement_date"),
        ({"market_open": "false"}, "Rejected", "market_open must be true or false"),
        ({"currency": "usd"}, "Rejected", "currency must be 3 letters A-Z"),
        ({"quantity": 10_000, "price": 100.01}, "Flagged", "notional 1000100.00 exceeds 1000000.00"),
        ({"quantity": 10_000, "price": 100.01, "market_open": False}, "Flagged", "exceeds"),
        ({"quantity": 1e9, "price": 1e9}, "Flagged", "notional 1000000000000000000.00 exceeds"),
        ({"quantity": 10_000, "price": 100}, "Completed", "settled"),
        ({"quantity": 5e-324, "price": 1e-320}, "Completed", "settled"),
        ({"market_open": False}, "Pending", "market closed"),
        ({"settlement_date": "2025-11-24"}, "Pending", "settles on 2025-11-24"),
    ],
)
def test_settlement_rules(load_handler: LoadHandler, overrides: dict[str, Any], status: str, reason: str) -> None:
    settlement = load_handler("trade_settlement").settle(trade("T-1", **overrides), as_of=AS_OF)
    assert settlement["status"] == status
    assert reason in settlement["reason"]


def test_the_reason_lists_every_broken_rule_and_only_valid_fields_are_echoed(load_handler: LoadHandler) -> None:
    settle = load_handler("trade_settlement").settle
    settlement = settle(
        {"side": "SHORT", "quantity": float("nan"), "price": 3, "user_id": "U-1", "currency": 7}, as_of=AS_OF
    )
    assert settlement == {
        "trade_id": None,
        "user_id": "U-1",
        "symbol": None,
        "side": None,
        "quantity": None,
        "price": 3,
        "notional": None,
        "currency": None,
        "status": "Rejected",
        "reason": "trade_id must be 1-64 printable characters; symbol must be 1-64 printable characters; "
        "side must be BUY or SELL; quantity must be a number > 0 and <= 1000000000; currency must be 3 letters A-Z",
        "as_of": "2025-11-22T01:00:00.000Z",
    }


def test_the_notional_is_exact_decimal_rounded_half_even_to_cents(load_handler: LoadHandler) -> None:
    settle = load_handler("trade_settlement").settle
    assert (
        settle(trade("T", quantity=3, price=0.1), as_of=AS_OF)["notional"] == "0.30"
    )  # float would say 0.30000000000000004
    assert settle(trade("T", quantity=1, price=0.125), as_of=AS_OF)["notional"] == "0.12"
    assert settle(trade("T", quantity=1, price=0.135), as_of=AS_OF)["notional"] == "0.14"
    assert (
        settle(trade("T", quantity=999_999_999, price=999_999_999.99), as_of=AS_OF)["notional"]
        == "999999998990000000.01"
    )
    flagged = settle(trade("T", quantity=5, price=30.0), as_of=AS_OF, flag_threshold=Decimal("100"))
    assert (flagged["status"], flagged["reason"]) == ("Flagged", "notional 150.00 exceeds 100.00")
    tiny = settle(trade("T", quantity=5, price=30.0), as_of=AS_OF, flag_threshold=Decimal("1e-999999"))
    assert (tiny["status"], tiny["reason"]) == ("Flagged", "notional 150.00 exceeds 0.00")
    assert settle(trade("T"), as_of=AS_OF, flag_threshold=Decimal("1e999999"))["status"] == "Completed"


def test_pending_is_decided_by_the_records_date_not_the_clock(load_handler: LoadHandler) -> None:
    """Settles on 2025-11-23, recorded on 2025-11-22: Pending however late it is processed (the old handler said
    Completed once the wall clock passed midnight)."""
    settle = load_handler("trade_settlement").settle
    assert settle(trade("T", settlement_date="2025-11-23"), as_of=AS_OF)["status"] == "Pending"
    assert (
        settle(trade("T", settlement_date="2025-11-23"), as_of=datetime(2025, 11, 23, tzinfo=UTC))["status"]
        == "Completed"
    )


# ------------------------------------------------------------------------------------------------ the handler


class ProducerFactory:
    """Stands in for ``sasl_plain_producer``: records the credentials and hands out fakes in turn."""

    def __init__(self, *producers: FakeProducer) -> None:
        self.producers = list(producers)
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, servers: str, username: str, password: str) -> FakeProducer:
        self.calls.append((servers, username, password))
        return self.producers.pop(0)


@pytest.fixture
def secret_arn(aws: None) -> str:
    return str(
        boto3.client("secretsmanager").create_secret(Name="confluent-api-key", SecretString=json.dumps(API_KEY))["ARN"]
    )


@pytest.fixture
def settlement(aws: None, secret_arn: str, load_handler: LoadHandler) -> Any:
    return load_handler(
        "trade_settlement", BOOTSTRAP_SERVERS=CONFLUENT_BOOTSTRAP, OUTPUT_TOPIC=OUT, KAFKA_SECRET_ARN=secret_arn
    )


def trades_batch() -> dict[str, Any]:
    return self_managed_event(
        [
            kafka_record(T, 0, 7, trade("T-1001"), key="U-42"),
            kafka_record(T, 0, 8, trade("T-1002", price=0), key="U-42"),
            kafka_record(T, 0, 9, b"\x80\x81 not utf-8", key="U-42"),
            kafka_record(T, 2, 30, trade("T-1003", quantity=50_000, price=25.0), key="U-7"),
            kafka_record(T, 2, 31, trade("T-1004", settlement_date="2025-11-24"), key="U-7"),
            kafka_record(T, 2, 32, b'"just a string"', key="U-7"),
            kafka_record(T, 2, 33, {"user_id": "U-7", "symbol": "AMZN"}, key="U-7"),
            kafka_record(T, 2, 34, trade("T-1005"), timestamp=-1),
        ]
    )


def test_settles_every_decodable_trade_and_produces_it_keyed_by_trade_id(
    settlement: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    event = trades_batch()
    assert event["eventSource"] == "SelfManagedKafka" and "eventSourceArn" not in event
    fake = FakeProducer()
    factory = ProducerFactory(fake)
    monkeypatch.setattr(settlement, "sasl_plain_producer", factory)

    assert settlement.handler(event, FakeContext()) == {"batchItemFailures": []}

    assert factory.calls == [(CONFLUENT_BOOTSTRAP, "CKEY123", "csecret/xyz")]  # from moto's Secrets Manager
    assert [(r.topic, r.key, r.json["status"]) for r in fake.sent] == [
        (OUT, b"T-1001", "Completed"),
        (OUT, b"T-1002", "Rejected"),
        (OUT, b"T-1003", "Flagged"),
        (OUT, b"T-1004", "Pending"),
        (OUT, b"user_trades-2@33", "Rejected"),
    ]
    first = fake.sent[0].json
    assert first["as_of"] == "2025-11-22T01:00:00.000Z"
    assert first["source"] == {"topic": T, "partition": 0, "offset": 7}
    assert first["notional"] == "2155.00"
    assert fake.sent[1].headers == [("settlement-status", b"Rejected"), ("x-source-record", b"user_trades-0@8")]
    assert (
        fake.sent[4].json["reason"].startswith("trade_id must be 1-64 printable characters; side must be BUY or SELL")
    )

    out = capsys.readouterr().out
    skipped = log_lines(out, "skipping malformed record")
    assert [(s["offset"], s["reason"]) for s in skipped] == [
        (
            9,
            "value does not deserialize: Error trying to deserialize json data -  UnicodeDecodeError: 'utf-8' codec can't decode byte 0x80 in position 0: invalid start byte",
        ),
        (32, "value is str, not an object"),
        (34, "record has no valid Kafka timestamp"),
    ]
    metrics = metric_values(out)
    assert metrics["MalformedRecords"] == 3
    trades = {k: v for k, v in metrics.items() if k.startswith("Trades")}
    assert trades == {"TradesCompleted": 1, "TradesRejected": 2, "TradesFlagged": 1, "TradesPending": 1}


def test_values_are_deserialized_by_powertools_kafka_consumer(settlement: Any) -> None:
    """The handler is wrapped by Powertools' @kafka_consumer and reads values through its deserializer: a value the
    schema metadata says is Avro is refused by the JSON deserializer (what a registry-fed mapping would send)."""
    assert settlement.VALUE_SCHEMA.value_schema_type == "JSON"
    fake = FakeProducer()
    settlement.PRODUCER.override(fake)
    avro = {**kafka_record(T, 0, 1, trade("T-1")), "valueSchemaMetadata": {"dataFormat": "AVRO", "schemaId": "1"}}
    odd = {**kafka_record(T, 0, 2, trade("T-2")), "valueSchemaMetadata": "junk"}
    settlement.handler(self_managed_event([avro, odd, kafka_record(T, 0, 3, trade("T-3"))]), FakeContext())
    assert [r.key for r in fake.sent] == [b"T-3"]


def test_a_retry_writes_the_same_bytes(settlement: Any) -> None:
    runs = []
    for _ in range(2):
        fake = FakeProducer()
        settlement.PRODUCER.override(fake)
        settlement.handler(trades_batch(), FakeContext())
        runs.append([(r.key, r.value, r.headers) for r in fake.sent])
    assert runs[0] == runs[1] and len(runs[0]) == 5


def test_failed_produces_are_reported_and_the_secret_is_read_once(
    settlement: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeProducer(fail_when=lambda r: r.key in {b"T-1002", b"T-1004"})
    factory = ProducerFactory(fake)
    monkeypatch.setattr(settlement, "sasl_plain_producer", factory)
    first = settlement.handler(trades_batch(), FakeContext())
    fake.fail_when = lambda _r: None
    second = settlement.handler(trades_batch(), FakeContext())
    # Each partition from its first failure on: 0@8 (and poison 0@9), 2@31 and the poison after it; 2@33 (another
    # key, sent in the same round) was delivered.
    assert first == {"batchItemFailures": [failure(T, p, o) for p, o in [(0, 8), (0, 9), (2, 31), (2, 32), (2, 34)]]}
    assert second == {"batchItemFailures": []}
    assert len(factory.calls) == 1


def test_a_rejected_settlement_goes_to_the_dead_letter_topic(
    aws: None, secret_arn: str, load_handler: LoadHandler, capsys: pytest.CaptureFixture[str]
) -> None:
    mod = load_handler(
        "trade_settlement", BOOTSTRAP_SERVERS=CONFLUENT_BOOTSTRAP, KAFKA_SECRET_ARN=secret_arn, DEAD_LETTER_TOPIC=DLQ
    )
    fake = FakeProducer(fail_when=lambda r: kafka_errors.InvalidRecordError() if r.key == b"T-1003" else None)
    mod.PRODUCER.override(fake)
    assert mod.handler(trades_batch(), FakeContext()) == {"batchItemFailures": []}
    assert [r.source for r in fake.on(DLQ)] == [f"{T}-0@9", f"{T}-2@30", f"{T}-2@32", f"{T}-2@34"]
    assert fake.on(DLQ)[1].header("x-dead-letter-stage") == b"produce"
    assert fake.on(DLQ)[1].value == json.dumps(trade("T-1003", quantity=50_000, price=25.0)).encode()
    assert [r.key for r in fake.on("trade-settlements")] == [b"T-1001", b"T-1002", b"T-1004", b"user_trades-2@33"]
    metrics = metric_values(capsys.readouterr().out)
    assert (metrics["DeadLettered"], metrics["ProduceRejected"], metrics["TradesFlagged"]) == (4, 1, 0)


def test_after_a_batch_with_nothing_delivered_the_rotated_secret_is_read(
    settlement: Any, secret_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead, fresh = FakeProducer(fail_when=lambda _r: True), FakeProducer()
    factory = ProducerFactory(dead, fresh)
    monkeypatch.setattr(settlement, "sasl_plain_producer", factory)
    batch = self_managed_event([kafka_record(T, 1, 5, trade("T-9"))])
    assert settlement.handler(batch, FakeContext()) == {"batchItemFailures": [failure(T, 1, 5)]}
    assert dead.closed
    boto3.client("secretsmanager").put_secret_value(
        SecretId=secret_arn, SecretString=json.dumps({**API_KEY, "password": "rotated"})
    )
    assert settlement.handler(batch, FakeContext()) == {"batchItemFailures": []}
    assert [c[2] for c in factory.calls] == ["csecret/xyz", "rotated"]
    assert [r.key for r in fresh.delivered] == [b"T-9"]


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize("secret_string", [json.dumps({"username": "k"}), "not json", json.dumps(["k", "p"])])
def test_a_secret_without_credentials_fails_the_invocation(
    settlement: Any, secret_arn: str, secret_string: str
) -> None:
    boto3.client("secretsmanager").put_secret_value(SecretId=secret_arn, SecretString=secret_string)
    with pytest.raises(ValueError, match="'username' and 'password'"):
        settlement.handler(trades_batch(), FakeContext())


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_a_missing_secret_fails_the_invocation(aws: None, load_handler: LoadHandler) -> None:
    mod = load_handler(
        "trade_settlement",
        BOOTSTRAP_SERVERS=CONFLUENT_BOOTSTRAP,
        KAFKA_SECRET_ARN="arn:aws:secretsmanager:eu-west-1:123456789012:secret:gone-AbCdEf",
    )
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        mod.handler(trades_batch(), FakeContext())


def test_without_partial_batch_responses_a_failed_produce_fails_the_invocation(
    settlement: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORT_BATCH_ITEM_FAILURES", "false")
    settlement.PRODUCER.override(FakeProducer(fail_when=lambda r: r.key == b"T-1003"))
    with pytest.raises(settlement.BatchItemFailuresError, match="user_trades-2@30"):
        settlement.handler(trades_batch(), FakeContext())


def test_the_flag_threshold_comes_from_the_environment(settlement: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAG_NOTIONAL_THRESHOLD", "1000")
    fake = FakeProducer()
    settlement.PRODUCER.override(fake)
    settlement.handler(self_managed_event([kafka_record(T, 0, 1, trade("T-1", quantity=10, price=200))]), FakeContext())
    assert fake.sent[0].json["status"] == "Flagged"


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize("value", ["NaN", "-1", "lots", "Infinity"])
def test_a_flag_threshold_that_is_not_a_number_fails_clearly(
    settlement: Any, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FLAG_NOTIONAL_THRESHOLD", value)
    with pytest.raises(ValueError, match="FLAG_NOTIONAL_THRESHOLD must be a finite number >= 0"):
        settlement.handler(trades_batch(), FakeContext())


TRADES = shaped_values(
    {
        "trade_id": st.sampled_from(["T-1", "T-2", "T-3"]),
        "user_id": st.just("U-42"),
        "symbol": st.sampled_from(["AMZN", "MSFT"]),
        "side": st.sampled_from(["BUY", "SELL"]),
        "quantity": st.one_of(st.integers(1, 10**9), st.floats(min_value=1e-300, max_value=1e9)),
        "price": st.floats(min_value=1e-300, max_value=1e9),
        "settlement_date": st.sampled_from([*EDGE_DATES[:1], "2025-11-21", "2025-11-23"]),
        "market_open": st.booleans(),
        "currency": st.sampled_from(["USD", "EUR"]),
    }
)


@PROPERTY
@given(event=kafka_events(T, TRADES))
def test_no_record_crashes_the_batch_and_every_record_is_accounted_for(
    settlement: Any, capsys: pytest.CaptureFixture[str], event: dict[str, Any]
) -> None:
    capsys.readouterr()
    runs = []
    for _ in range(2):
        fake = FakeProducer()
        settlement.PRODUCER.override(fake)
        assert settlement.handler(event, FakeContext()) == {"batchItemFailures": []}
        runs.append([(r.key, r.value, r.headers) for r in fake.sent])
        for record in fake.sent:
            value = json.loads(record.value or b"", parse_constant=lambda c: pytest.fail(f"{c} in output"))
            assert (
                value["status"] in settlement.STATUSES and record.key == (value["trade_id"] or record.source).encode()
            )
            if value["notional"] is not None:
                assert Decimal(value["notional"]) <= Decimal(10**18)
    assert runs[0] == runs[1]
    out = capsys.readouterr().out
    skipped = {(s["topic"], s["partition"], s["offset"]) for s in log_lines(out, "skipping malformed record")}
    settled = {
        (v["source"]["topic"], v["source"]["partition"], v["source"]["offset"])
        for _, raw, _ in runs[0]
        for v in [json.loads(raw or b"")]
    }
    assert skipped | settled == all_refs(event) and not skipped & settled
