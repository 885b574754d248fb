"""trade_settlement: Confluent Cloud (SelfManagedKafka) consumer that settles trades, with partial failures."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.stub import Stubber
from kafka_fn_testkit import (
    CONFLUENT_BOOTSTRAP,
    FakeContext,
    FakeProducer,
    LoadHandler,
    emitted_json_lines,
    failure,
    kafka_record,
    metric_values,
    self_managed_event,
)

T = "user_trades"
OUT = "trade-settlements"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:confluent-api-key-AbCdEf"
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
TODAY = NOW.date()


def trade(trade_id: str, **overrides: Any) -> dict[str, Any]:
    base = {
        "trade_id": trade_id,
        "user_id": "U-42",
        "symbol": "AMZN",
        "side": "BUY",
        "quantity": 10,
        "price": 215.5,
        "currency": "USD",
        "trade_time": "2026-11-22T15:29:58Z",
        "settlement_date": "2026-11-22",
        "market_open": True,
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    ("overrides", "status", "reason"),
    [
        ({}, "Completed", "settled"),
        ({"settlement_date": "2026-11-21"}, "Completed", "settled"),
        ({"quantity": None}, "Rejected", "quantity"),
        ({"quantity": "10"}, "Rejected", "quantity"),
        ({"quantity": True}, "Rejected", "quantity"),
        ({"quantity": -5}, "Rejected", "quantity"),
        ({"price": 0}, "Rejected", "price"),
        ({"price": -1.25}, "Rejected", "price"),
        ({"side": "HOLD"}, "Rejected", "side"),
        ({"symbol": ""}, "Rejected", "symbol"),
        ({"settlement_date": "22/11/2026"}, "Rejected", "settlement_date"),
        ({"quantity": 10_000, "price": 100.01}, "Flagged", "notional 1000100.00 exceeds 1000000.00"),
        ({"quantity": 10_000, "price": 100.01, "market_open": False}, "Flagged", "exceeds"),
        ({"quantity": 10_000, "price": 100}, "Completed", "settled"),
        ({"market_open": False}, "Pending", "market closed"),
        ({"settlement_date": "2026-11-24"}, "Pending", "settles on 2026-11-24"),
    ],
)
def test_settlement_rules(load_handler: LoadHandler, overrides: dict[str, Any], status: str, reason: str) -> None:
    settlement = load_handler("trade_settlement").settle(trade("T-1", **overrides), today=TODAY)
    assert settlement["status"] == status
    assert reason in settlement["reason"]


def test_settlement_fields(load_handler: LoadHandler) -> None:
    mod = load_handler("trade_settlement")
    assert mod.settle(trade("T-7", quantity=3, price=0.1), today=TODAY) == {
        "trade_id": "T-7",
        "user_id": "U-42",
        "symbol": "AMZN",
        "side": "BUY",
        "quantity": 3,
        "price": 0.1,
        "notional": 0.3,
        "currency": "USD",
        "status": "Completed",
        "reason": "settled",
    }
    flagged = mod.settle(trade("T-8", quantity=5, price=30.0), today=TODAY, flag_threshold=Decimal("100"))
    assert flagged["status"] == "Flagged"


@pytest.fixture
def settlement(load_handler: LoadHandler, monkeypatch: pytest.MonkeyPatch) -> Any:
    mod = load_handler(
        "trade_settlement", BOOTSTRAP_SERVERS=CONFLUENT_BOOTSTRAP, OUTPUT_TOPIC=OUT, KAFKA_SECRET_ARN=SECRET_ARN
    )
    monkeypatch.setattr(mod, "_utcnow", lambda: NOW)
    return mod


class ProducerFactory:
    """Stands in for ``sasl_plain_producer``: records the credentials and hands out fakes in turn."""

    def __init__(self, *producers: FakeProducer) -> None:
        self.producers = list(producers)
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, servers: str, username: str, password: str) -> FakeProducer:
        self.calls.append((servers, username, password))
        return self.producers.pop(0)


def stub_secret(stub: Stubber, username: str = "CKEY123", password: str = "csecret/xyz") -> None:
    stub.add_response(
        "get_secret_value",
        {
            "ARN": SECRET_ARN,
            "Name": "confluent-api-key",
            "SecretString": json.dumps({"username": username, "password": password}),
        },
        {"SecretId": SECRET_ARN},
    )


def trades_batch() -> dict[str, Any]:
    return self_managed_event(
        [
            kafka_record(T, 0, 7, trade("T-1001"), key="U-42"),
            kafka_record(T, 0, 8, trade("T-1002", price=0), key="U-42"),
            kafka_record(T, 0, 9, b"\x80\x81 not utf-8", key="U-42"),
            kafka_record(T, 2, 30, trade("T-1003", quantity=50_000, price=25.0), key="U-7"),
            kafka_record(T, 2, 31, trade("T-1004", settlement_date="2026-11-24"), key="U-7"),
            kafka_record(T, 2, 32, b'"just a string"', key="U-7"),
            kafka_record(T, 2, 33, {"user_id": "U-7", "symbol": "AMZN"}, key="U-7"),
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
    with Stubber(settlement._secrets_api()) as secrets:
        stub_secret(secrets)
        response = settlement.handler(event, FakeContext())
        secrets.assert_no_pending_responses()

    assert response == {"batchItemFailures": []}
    assert factory.calls == [(CONFLUENT_BOOTSTRAP, "CKEY123", "csecret/xyz")]
    assert fake.flush_timeouts == [30.0]
    assert [(r.topic, r.key, r.json["status"]) for r in fake.sent] == [
        (OUT, b"T-1001", "Completed"),
        (OUT, b"T-1002", "Rejected"),
        (OUT, b"T-1003", "Flagged"),
        (OUT, b"T-1004", "Pending"),
        (OUT, b"user_trades-2@33", "Rejected"),
    ]
    first = fake.sent[0].json
    assert first["settled_at"] == "2026-11-22T15:30:00.000Z"
    assert first["source"] == {"topic": T, "partition": 0, "offset": 7}
    assert first["notional"] == 2155.0
    assert fake.sent[1].headers == [("settlement-status", b"Rejected")]
    assert fake.sent[4].json["reason"].startswith("missing trade_id; side must be BUY or SELL")

    out = capsys.readouterr().out
    skipped = [line for line in emitted_json_lines(out) if line.get("message") == "skipping malformed record"]
    assert [(s["topic"], s["partition"], s["offset"]) for s in skipped] == [(T, 0, 9), (T, 2, 32)]
    metrics = metric_values(out)
    assert metrics["MalformedRecords"] == 2
    trades = {k: v for k, v in metrics.items() if k.startswith("Trades")}
    assert trades == {"TradesCompleted": 1, "TradesRejected": 2, "TradesFlagged": 1, "TradesPending": 1}


def test_failed_produces_are_reported_and_the_secret_is_read_once(
    settlement: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeProducer(fail_when=lambda r: r.key in {b"T-1002", b"T-1004"})
    factory = ProducerFactory(fake)
    monkeypatch.setattr(settlement, "sasl_plain_producer", factory)
    with Stubber(settlement._secrets_api()) as secrets:
        stub_secret(secrets)
        first = settlement.handler(trades_batch(), FakeContext())
        fake.fail_when = lambda _r: False
        second = settlement.handler(trades_batch(), FakeContext())
        secrets.assert_no_pending_responses()
    assert first == {"batchItemFailures": [failure(T, 0, 8), failure(T, 2, 31)]}
    assert second == {"batchItemFailures": []}
    assert len(factory.calls) == 1


def test_after_a_batch_with_nothing_delivered_the_secret_is_read_again(
    settlement: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead, fresh = FakeProducer(fail_when=lambda _r: True), FakeProducer()
    factory = ProducerFactory(dead, fresh)
    monkeypatch.setattr(settlement, "sasl_plain_producer", factory)
    batch = self_managed_event([kafka_record(T, 1, 5, trade("T-9"))])
    with Stubber(settlement._secrets_api()) as secrets:
        stub_secret(secrets, password="old")
        stub_secret(secrets, password="rotated")
        assert settlement.handler(batch, FakeContext()) == {"batchItemFailures": [failure(T, 1, 5)]}
        assert dead.closed
        assert settlement.handler(batch, FakeContext()) == {"batchItemFailures": []}
        secrets.assert_no_pending_responses()
    assert [c[2] for c in factory.calls] == ["old", "rotated"]
    assert [r.key for r in fresh.delivered] == [b"T-9"]


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_a_secret_without_credentials_fails_the_invocation(settlement: Any) -> None:
    with Stubber(settlement._secrets_api()) as secrets:
        secrets.add_response(
            "get_secret_value", {"SecretString": json.dumps({"username": "k"})}, {"SecretId": SECRET_ARN}
        )
        with pytest.raises(ValueError, match="'username' and 'password'"):
            settlement.handler(trades_batch(), FakeContext())


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
