"""telemetry_producer: the scheduled simulator that writes fleet-telemetry."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber
from kafka_fn_testkit import (
    MSK_BOOTSTRAP,
    MSK_CLUSTER_ARN,
    FakeContext,
    FakeProducer,
    LoadHandler,
    metric_values,
)

READING_FIELDS = {"vehicle_id", "timestamp", "tire_pressure", "speed_kmh", "engine_temp_c", "battery_v", "lat", "lon"}
SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-22T01:00:00Z",
    "region": "eu-west-1",
    "resources": ["arn:aws:events:eu-west-1:123456789012:rule/fleet-telemetry-every-minute"],
    "detail": {},
}


@pytest.fixture
def producer_mod(load_handler: LoadHandler) -> Any:
    return load_handler("telemetry_producer", BOOTSTRAP_SERVERS=MSK_BOOTSTRAP, TOPIC="fleet-telemetry")


def test_simulation_is_deterministic_for_a_seed(producer_mod: Any) -> None:
    at = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    first = producer_mod.simulate_fleet(20, at, seed=7)
    assert first == producer_mod.simulate_fleet(20, at, seed=7)
    assert first != producer_mod.simulate_fleet(20, at, seed=8)
    assert [r["vehicle_id"] for r in first] == [f"VH-{i:04d}" for i in range(20)]
    for reading in first:
        assert set(reading) == READING_FIELDS
        assert reading["timestamp"].startswith("2026-11-22T01:00:") and reading["timestamp"].endswith("Z")
        assert 20 <= reading["tire_pressure"] <= 37
        assert 0 <= reading["speed_kmh"] <= 120
        assert 12 <= reading["battery_v"] <= 15


def test_about_two_percent_of_readings_have_low_pressure(producer_mod: Any) -> None:
    readings = producer_mod.simulate_fleet(10_000, datetime(2026, 11, 22, tzinfo=UTC), seed=1)
    low = sum(1 for r in readings if r["tire_pressure"] < 32)
    assert 0.01 < low / len(readings) < 0.03


def test_handler_produces_one_keyed_json_reading_per_vehicle_and_flushes_once(
    producer_mod: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLEET_SIZE", "20")
    monkeypatch.setenv("SIMULATION_SEED", "42")
    fake = FakeProducer()
    producer_mod.PRODUCER.override(fake)

    result = producer_mod.handler(SCHEDULED_EVENT, FakeContext())

    assert len(fake.sent) == 20
    assert fake.flush_timeouts == [30.0]
    expected = producer_mod.simulate_fleet(20, datetime(2026, 11, 22, 1, 0, tzinfo=UTC), seed=42)
    for sent, reading in zip(fake.sent, expected, strict=True):
        assert sent.topic == "fleet-telemetry"
        assert sent.key == reading["vehicle_id"].encode()
        assert sent.json == reading
    low = sum(1 for r in expected if r["tire_pressure"] < 32)
    assert result == {"topic": "fleet-telemetry", "produced": 20, "low_pressure": low}
    metrics = metric_values(capsys.readouterr().out)
    assert metrics["ReadingsProduced"] == 20
    assert metrics["LowPressureReadings"] == low


def test_the_seed_can_come_from_the_rule_input(producer_mod: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEET_SIZE", "3")
    runs = []
    for _ in range(2):
        fake = FakeProducer()
        producer_mod.PRODUCER.override(fake)
        producer_mod.handler({**SCHEDULED_EVENT, "seed": 5}, FakeContext())
        runs.append([(r.key, r.value) for r in fake.sent])
    assert runs[0] == runs[1]


def test_the_producer_is_built_once_and_reused(producer_mod: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEET_SIZE", "2")
    built: list[tuple[str, str]] = []
    fake = FakeProducer()

    def fake_factory(servers: str, region: str) -> FakeProducer:
        built.append((servers, region))
        return fake

    monkeypatch.setattr(producer_mod, "msk_iam_producer", fake_factory)
    producer_mod.handler(SCHEDULED_EVENT, FakeContext())
    producer_mod.handler(SCHEDULED_EVENT, FakeContext())
    assert built == [(MSK_BOOTSTRAP, "eu-west-1")]
    assert len(fake.sent) == 4
    assert len(fake.flush_timeouts) == 2


def test_bootstrap_servers_can_be_looked_up_from_the_cluster_arn(
    load_handler: LoadHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    mod = load_handler("telemetry_producer", CLUSTER_ARN=MSK_CLUSTER_ARN, FLEET_SIZE="1")
    built: list[str] = []
    monkeypatch.setattr(mod, "msk_iam_producer", lambda servers, region: built.append(servers) or FakeProducer())
    with Stubber(mod._kafka_api()) as stub:
        stub.add_response(
            "get_bootstrap_brokers", {"BootstrapBrokerStringSaslIam": MSK_BOOTSTRAP}, {"ClusterArn": MSK_CLUSTER_ARN}
        )
        mod.handler(SCHEDULED_EVENT, FakeContext())
        mod.handler(SCHEDULED_EVENT, FakeContext())
        stub.assert_no_pending_responses()
    assert built == [MSK_BOOTSTRAP]


def test_unacknowledged_readings_fail_the_run(
    producer_mod: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLEET_SIZE", "5")
    fake = FakeProducer(fail_when=lambda r: r.key == b"VH-0003")
    producer_mod.PRODUCER.override(fake)
    with pytest.raises(RuntimeError, match="1 of 5 readings were not acknowledged"):
        producer_mod.handler(SCHEDULED_EVENT, FakeContext())
    assert metric_values(capsys.readouterr().out)["ProduceFailures"] == 1
    assert not fake.closed


def test_a_run_with_nothing_delivered_drops_the_producer(producer_mod: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEET_SIZE", "2")
    fake = FakeProducer(flush_hangs=True)
    producer_mod.PRODUCER.override(fake)
    with pytest.raises(RuntimeError):
        producer_mod.handler(SCHEDULED_EVENT, FakeContext())
    assert fake.closed


def test_a_retried_run_repeats_exactly_without_a_seed(producer_mod: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unseeded, the readings are a function of the scheduled time: a retry writes the same bytes, the next minute
    different ones."""
    monkeypatch.setenv("FLEET_SIZE", "5")
    runs = []
    for time in ("2026-11-22T01:00:00Z", "2026-11-22T01:00:00Z", "2026-11-22T01:01:00Z"):
        fake = FakeProducer()
        producer_mod.PRODUCER.override(fake)
        producer_mod.handler({**SCHEDULED_EVENT, "time": time}, FakeContext())
        runs.append([(r.key, r.value) for r in fake.sent])
    assert runs[0] == runs[1] != runs[2]
    assert [json.loads(v)["timestamp"][:16] for _, v in runs[2]] == ["2026-11-22T01:01"] * 5


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize(
    ("event", "env", "message"),
    [
        ({"time": "2026-11-22 01:00:00"}, {}, "event time must be a UTC timestamp"),
        ({"time": 1763773200}, {}, "event time must be a UTC timestamp"),
        ({"seed": "7"}, {}, "event seed must be an integer"),
        ({"seed": True}, {}, "event seed must be an integer"),
        ({}, {"SIMULATION_SEED": "seven"}, "SIMULATION_SEED must be an integer"),
        ({}, {"FLEET_SIZE": "0"}, "FLEET_SIZE must be an integer in 1..10000"),
        ({}, {"FLEET_SIZE": "20k"}, "FLEET_SIZE must be an integer in 1..10000"),
    ],
)
def test_settings_in_another_form_fail_the_run_clearly(
    producer_mod: Any, monkeypatch: pytest.MonkeyPatch, event: dict[str, Any], env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    producer_mod.PRODUCER.override(FakeProducer())
    with pytest.raises(ValueError, match=message):
        producer_mod.handler({**SCHEDULED_EVENT, **event}, FakeContext())


def test_a_manual_invoke_without_time_still_runs(producer_mod: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEET_SIZE", "2")
    fake = FakeProducer()
    producer_mod.PRODUCER.override(fake)
    assert producer_mod.handler({"seed": 7}, FakeContext())["produced"] == 2
