"""The sample pipeline end to end on a real Kafka broker (`EmbeddedKafka`), record by record, and under faults.

Everything is the sample's own: each function's `handler.py` (loaded fresh, with its template's environment), its
real kafka-python producer (`KAFKA_SECURITY_PROTOCOL=PLAINTEXT`, the only local switch), and each mapping's
settings read from the synthesized templates (the committed snapshots, which `tests/test_sample_app.py` proves equal
to a fresh synthesis) under `LocalRuntime`. AWS is moto in-process. Only the batching window is set to 0 (speed) and,
where a test says so, a function's timeout. Faults are injected around the real clients (a process killed in the
middle of a batch, SNS throttling, Kafka refusing a record), never in place of them.

Each fault test quotes the README guarantee it proves (README, "What the sample's handlers guarantee", and
`sample_app/functions/README.md`).

Each test gets its own broker (Tansu starts in milliseconds): the topic names are fixed by the templates, and a
fresh broker is how a test starts from empty topics and committed offsets without renaming them.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # sample_app is not an installed package
    sys.path.insert(0, str(REPO_ROOT))

from constructs_kafka_lambda.local import EmbeddedKafka  # noqa: E402
from sample_app.local.audit import TELEMETRY_TOPIC, TRADE_DEAD_LETTERS, TRADES_TOPIC, Audit  # noqa: E402
from sample_app.local.demo import BAD_TELEMETRY, BAD_TRADES, TRADES  # noqa: E402
from sample_app.local.pipeline import (  # noqa: E402
    ALERTS,
    CONSUMERS,
    ENRICHER,
    FLEET_STACK,
    SETTLEMENT,
    TRADE_STACK,
    SamplePipeline,
)

SNAPSHOTS = REPO_ROOT / "tests" / "__snapshots__" / "test_sample_app"
TEMPLATES = {name: SNAPSHOTS / f"test_template_snapshot[{name}].json" for name in (FLEET_STACK, TRADE_STACK)}
AT = "2026-12-04T09:00:00Z"


class ProcessKilled(BaseException):
    """The poller and the function die here (a BaseException: nothing in the handler or the runtime catches it, as
    nothing catches SIGKILL)."""


def reading(vehicle: str, second: int, psi: float, minute: int = 0) -> tuple[bytes, bytes]:
    value = {"vehicle_id": vehicle, "timestamp": f"2026-12-04T09:{minute:02d}:{second:02d}.000Z", "tire_pressure": psi,
             "speed_kmh": 50.0, "lat": 47.6, "lon": -122.3}  # fmt: skip
    return vehicle.encode(), json.dumps(value).encode()


@pytest.fixture(scope="module")
def _moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One moto per module, emptied per test (starting moto replaces boto3's default session, and every fresh
    session parses the service models again: ~0.3 s per test with five services)."""
    none = str(tmp_path_factory.mktemp("aws") / "none")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                            "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                            "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none}.items():  # fmt: skip
            patch.setenv(name, value)
        mock = mock_aws()
        mock.start()
        try:
            yield mock
        finally:
            mock.stop()


@pytest.fixture
def aws(_moto: Any) -> None:
    """moto's in-process AWS, empty for the test."""
    _moto.reset()


def make_pipeline(kafka: EmbeddedKafka, **settings: dict[str, Any]) -> SamplePipeline:
    changes = {path: {"batching_window_seconds": 0, **settings.get(CONSUMERS[path], {})} for path in CONSUMERS}
    pipeline = SamplePipeline(
        kafka,
        TEMPLATES,
        overrides={
            "telemetry_producer": {"FLEET_SIZE": "12"},
            # The stack's context `confluent_dead_letter_topic` sets this (tests/test_sample_app.py); the snapshot
            # is synthesized without it.
            "trade_settlement": {"DEAD_LETTER_TOPIC": TRADE_DEAD_LETTERS},
        },
        settings=changes,
    )
    pipeline.create_topics()
    return pipeline


@pytest.fixture
def pipeline(aws: None) -> Iterator[SamplePipeline]:
    with EmbeddedKafka() as kafka:
        made = make_pipeline(kafka)
        try:
            yield made
        finally:
            made.close()


def assert_nothing_lost(report: Audit) -> None:
    assert {name: labels for name, labels in report.missing.items() if labels} == {}
    assert report.conflicting == []


def alerts_by_reading(report: Audit) -> Counter[tuple[str, str]]:
    return Counter((a["vehicle_id"], f"{a['source']['topic']}-{a['source']['partition']}@{a['source']['offset']}")
                   for a in report.alerts)  # fmt: skip


# ----------------------------------------------------------------------------------------------- end to end


class DelegatingProducer:
    """The handler's real kafka-python producer with one fault injected by a subclass's `send`."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def send(self, topic: str, **kwargs: Any) -> Any:
        return self.inner.send(topic, **kwargs)

    def flush(self, timeout: float | None = None) -> None:
        self.inner.flush(timeout=timeout)

    def close(self, timeout: float | None = None) -> None:
        self.inner.close(timeout=timeout)


def test_the_whole_pipeline_record_by_record(pipeline: SamplePipeline) -> None:
    """Readings from the real simulator and a few hand-made low ones, bad records, trades: every reading enriched
    once, every low reading alerted once, every trade settled once with the status its rules give, every poison
    record in a dead-letter topic with its origin; nothing lost, nothing twice, every offset committed."""
    out = pipeline.run_producer(AT, seed=7)
    assert out["produced"] == 12
    lows = [reading("VH-0901", 5, 30.5), reading("VH-0902", 6, 24.0), reading("VH-0903", 7, 31.9)]
    pipeline.produce(TELEMETRY_TOPIC, lows)
    pipeline.produce(TELEMETRY_TOPIC, [(k, v) for k, v, _ in BAD_TELEMETRY])
    pipeline.produce(TRADES_TOPIC, [(t["trade_id"].encode(), json.dumps(t).encode()) for t, _ in TRADES])
    pipeline.produce(TRADES_TOPIC, [(k, v) for k, v, _ in BAD_TRADES])
    for path in (ALERTS, ENRICHER, SETTLEMENT):
        result = pipeline.run(path)
        assert result.idle and not result.failures and not result.dropped, (path, result.summary())

    report = pipeline.audit()
    assert_nothing_lost(report)
    assert report.duplicated == 0
    readings = [r for r in report.telemetry if r.key and r.json() and "speed_kmh" in r.json()]
    assert len(readings) == 12 + 3

    # Enricher: each reading exactly once on the enriched topic, keyed by its vehicle, fields added.
    enriched = defaultdict(list)
    for record in report.enriched:
        enriched[record.header("x-source-record")].append(record)
    for source in readings:
        [output] = enriched[source.label]
        value = output.json()
        assert output.key == source.key
        assert {k: value[k] for k in source.json()} == source.json()
        assert value["tire_status"] in {"OK", "LOW", "CRITICAL", "HIGH"} and value["region"] != "unknown"

    # Alerter: every reading below 32 psi (the simulator's and ours) raised exactly one alert, naming it.
    low = [r for r in readings if r.json()["tire_pressure"] < 32]
    assert {r.label for r in lows_of(report)} == {r.label for r in low}
    assert alerts_by_reading(report) == Counter((r.json()["vehicle_id"], r.label) for r in low)
    severity = {a["vehicle_id"]: a["severity"] for a in report.alerts}
    assert (severity["VH-0901"], severity["VH-0902"], severity["VH-0903"]) == ("LOW", "CRITICAL", "LOW")
    # The mapping's filter kept every reading at or above 32 psi from the alerter; every low one reached it. (Records
    # whose value the filter cannot read, such as the tombstone, pass it as AWS's filtering table says: the alerter
    # skips them as poison.)
    alerter = pipeline.consumers[ALERTS]
    assert {r.label for r in low} <= alerter.delivered()
    assert {r.label for r in readings if r not in low} <= alerter.filtered()

    # Settlement: every trade exactly once, with the status its rules give.
    settled = report.settlement_of()
    for trade, status in TRADES:
        [settlement] = settled[trade["trade_id"]]
        assert settlement["status"] == status, (trade, settlement)
    assert len(report.settlements) == len(TRADES)

    # Poison: every record that is not a reading or a trade is in its dead-letter topic, with where it came from.
    bad_telemetry = [r for r in report.telemetry if r not in readings]
    assert len(bad_telemetry) == len(BAD_TELEMETRY)
    assert sorted(str(d.header("x-dead-letter-source")) for d in report.fleet_dead_letters) == sorted(
        r.label for r in bad_telemetry
    )
    bad_trades = [r for r in report.trades if r.key in {k for k, _, _ in BAD_TRADES}]
    for source in bad_trades:
        [letter] = [d for d in report.trade_dead_letters if d.header("x-dead-letter-source") == source.label]
        assert (letter.key, letter.value) == (source.key, source.value)
        assert letter.header("x-dead-letter-stage") == "decode" and letter.header("x-dead-letter-reason")
    assert len(report.trade_dead_letters) == len(BAD_TRADES)


def lows_of(report: Audit) -> list[Any]:
    return report.low_readings


# -------------------------------------------------------------------------------------------------- faults
@pytest.mark.parametrize("dies", ["before-publish", "after-publish"])
def test_alerter_killed_mid_batch_resumes_without_losing_or_repeating_an_alert(aws: None, dies: str) -> None:
    """README: "a batch that Lambda retries must not page anyone twice" / "Vehicles already alerted are skipped on a
    retry (AlertsAlreadySent)"; local runtime: "offsets committed to the broker only after success".

    The process dies in the middle of a batch, after the first vehicle's alert went out and as the second one's is
    about to: nothing of the batch is committed, the restarted consumer gets the whole batch again, and idempotency
    skips the vehicle already alerted. The second vehicle's idempotency record was left in progress by the dead
    invocation: Powertools refuses it until the dead invocation's time-out has passed (1 s here), then it is alerted,
    once.

    after-publish pins the one window idempotency cannot close: SNS accepted the second alert and the process died
    before Powertools recorded it, so that alert goes out again once its in-progress record expires (SNS publishes
    and DynamoDB writes are not one transaction). Every other vehicle is still alerted exactly once."""
    with EmbeddedKafka() as kafka:
        pipeline = make_pipeline(kafka)
        try:
            function = pipeline.mapping_settings(ALERTS).function
            pipeline.setting_changes[ALERTS]["function"] = dataclasses.replace(function, timeout_seconds=1.0)
            lows = [reading(f"VH-09{i:02d}", i, 25.0 + i) for i in range(4)]
            pipeline.produce(TELEMETRY_TOPIC, lows)
            run = pipeline.consumer(ALERTS)
            module: Any = run.function.module
            real_sns = module.sns
            calls: list[str] = []

            class DyingSns:
                def publish(self, **request: Any) -> Any:
                    calls.append(request["Subject"])
                    if len(calls) == 2 and dies == "before-publish":
                        raise ProcessKilled()
                    response = real_sns.publish(**request)
                    if len(calls) == 2:
                        raise ProcessKilled()
                    return response

            module.sns = DyingSns()
            with pytest.raises(ProcessKilled):
                pipeline.run(ALERTS)
            assert len(pipeline.alerts()) == (1 if dies == "before-publish" else 2)  # sent before the crash
            assert run.runtime.client.committed() == {}  # nothing of the batch was committed
            table = run.function.env["IDEMPOTENCY_TABLE"]
            items = boto3.client("dynamodb").scan(TableName=table)["Items"]
            assert sorted(item["status"]["S"] for item in items) == ["COMPLETED", "INPROGRESS"]

            pipeline.restart(ALERTS)
            result = pipeline.run(ALERTS, timeout=30)
            assert result.idle
            report = pipeline.audit()
            assert_nothing_lost(report)
            alerted = Counter(a["vehicle_id"] for a in report.alerts)
            twice = {"VH-0901": 2} if dies == "after-publish" else {}
            assert alerted == {**{f"VH-09{i:02d}": 1 for i in range(4)}, **twice}
            assert sum(result.committed.values()) == len(lows)
        finally:
            pipeline.close()


def test_settlement_killed_mid_batch_settles_every_trade_exactly_once_after_dedupe(pipeline: SamplePipeline) -> None:
    """README: "Retries repeat exactly ... settlements [deduplicated] on trade_id"; "A retry may repeat records, never
    reorder them".

    The process dies after handing three settlements to its producer (unflushed). Nothing is committed; the restart
    settles the whole batch again. Settlements that had reached the broker before the crash are there twice, byte
    for byte the same (at-least-once Kafka writes: the handler promises repeatable output, not exactly-once writes);
    deduplicated on trade_id, every trade is settled exactly once with its status, and no trade is missing."""
    pipeline.produce(TRADES_TOPIC, [(t["trade_id"].encode(), json.dumps(t).encode()) for t, _ in TRADES])
    run = pipeline.consumer(SETTLEMENT)
    real = run.function.module.PRODUCER
    sends: list[bytes | None] = []

    inner = run.function.producer()  # the function's real producer, built as its first invocation would

    class DyingProducer:
        def send(self, topic: str, **kwargs: Any) -> Any:
            sends.append(kwargs.get("key"))
            if len(sends) == 4:
                raise ProcessKilled()
            return inner.send(topic, **kwargs)

        def flush(self, timeout: float | None = None) -> None:
            inner.flush(timeout=timeout)

        def close(self, timeout: float | None = None) -> None:
            inner.close(timeout=timeout)

    real.override(DyingProducer())
    with pytest.raises(ProcessKilled):
        pipeline.run(SETTLEMENT)
    assert run.runtime.client.committed() == {}

    pipeline.restart(SETTLEMENT)
    assert pipeline.run(SETTLEMENT).idle
    report = pipeline.audit()
    assert_nothing_lost(report)
    for trade, status in TRADES:
        copies = report.settlement_of()[trade["trade_id"]]
        assert len({json.dumps(c, sort_keys=True) for c in copies}) == 1  # repeats are identical: dedupe is safe
        assert copies[0]["status"] == status
    assert len(report.repeated["settlements"]) <= 3  # only what was sent before the crash can repeat


def test_sns_throttling_for_a_while_is_retried_until_every_vehicle_is_alerted_once(pipeline: SamplePipeline) -> None:
    """functions README: "Any other failure (throttling, service errors ...) fails the batch after every vehicle was
    tried; the retry re-alerts none of the vehicles already alerted." On-demand mode retries the batch until it
    succeeds."""
    from botocore.exceptions import ClientError

    pipeline.produce(TELEMETRY_TOPIC, [reading(f"VH-09{i:02d}", i, 20.0 + i) for i in range(5)])
    run = pipeline.consumer(ALERTS)
    module: Any = run.function.module
    real_sns = module.sns
    attempts: list[str] = []

    class ThrottledSns:
        def publish(self, **request: Any) -> Any:
            attempts.append(request["MessageAttributes"]["vehicle_id"]["StringValue"])
            if len(attempts) in (2, 3, 7):  # two invocations fail part-way; the first vehicle gets through
                raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")
            return real_sns.publish(**request)

    module.sns = ThrottledSns()
    result = pipeline.run(ALERTS)
    assert result.retries == 2
    assert [isinstance(r, Exception) for r in result.responses] == [True, True, False]
    report = pipeline.audit()
    assert_nothing_lost(report)
    assert sorted(a["vehicle_id"] for a in report.alerts) == [f"VH-09{i:02d}" for i in range(5)]
    assert report.duplicate_alerts == []
    assert Counter(attempts)["VH-0900"] == 1  # alerted on the first try, skipped by idempotency on the retries


def test_enricher_transient_produce_failures_are_retried_in_order_per_vehicle(pipeline: SamplePipeline) -> None:
    """README: "Order survives failures. The enricher writes each vehicle's readings to fleet-telemetry-enriched in
    source-offset order ... at a partition's first transient failure nothing later of it is sent; the reply names
    that record and every later unfinished one, so Lambda resumes there."

    Kafka times out on a few sends in the middle of the batch (kafka-python's retriable KafkaTimeoutError): the
    handler replies with batchItemFailures, the runtime resumes each partition at the failed offset, and every
    vehicle's three readings arrive in order, each once."""
    from kafka.errors import KafkaTimeoutError

    for minute in range(3):
        pipeline.run_producer(f"2026-12-04T09:{minute:02d}:00Z", seed=11)
    run = pipeline.consumer(ENRICHER)
    real = run.function.module.PRODUCER
    inner = run.function.producer()
    count = {"sends": 0}

    class FlakyProducer(DelegatingProducer):
        def send(self, topic: str, **kwargs: Any) -> Any:
            count["sends"] += 1
            if 10 <= count["sends"] <= 13:
                raise KafkaTimeoutError("Failed to update metadata after 10.0 secs.")
            return inner.send(topic, **kwargs)

    real.override(FlakyProducer(inner))
    result = pipeline.run(ENRICHER)
    assert result.retries >= 1
    assert any(isinstance(r, dict) and r.get("batchItemFailures") for r in result.responses)
    report = pipeline.audit()
    assert_nothing_lost(report)
    assert report.duplicated == 0
    order: dict[str, list[int]] = defaultdict(list)
    for record in report.enriched:  # partition and offset order of the output topic
        order[(record.key or b"").decode()].append(int(str(record.header("x-source-record")).rsplit("@", 1)[1]))
    assert len(order) == 12
    for vehicle, offsets in order.items():
        assert len(offsets) == 3 and offsets == sorted(offsets), (vehicle, offsets)


def test_a_record_kafka_rejects_for_good_is_dead_lettered_without_stalling(pipeline: SamplePipeline) -> None:
    """README: "Errors that name the record (too large, invalid record, unserializable) go to the dead-letter topic
    ..., without stalling the partition." The broker refuses one enriched reading as too large; it is copied to
    fleet-telemetry-dead-letters (stage produce, with the reason and its origin) and every other reading goes on."""
    from kafka.errors import MessageSizeTooLargeError

    pipeline.run_producer(AT, seed=3)
    run = pipeline.consumer(ENRICHER)
    real = run.function.module.PRODUCER
    inner = run.function.producer()

    class RefusingProducer(DelegatingProducer):
        def send(self, topic: str, **kwargs: Any) -> Any:
            if topic == "fleet-telemetry-enriched" and kwargs.get("key") == b"VH-0005":
                raise MessageSizeTooLargeError("The message is 1048577 bytes when serialized")
            return inner.send(topic, **kwargs)

    real.override(RefusingProducer(inner))
    result = pipeline.run(ENRICHER)
    assert result.retries == 0 and result.idle
    report = pipeline.audit()
    assert_nothing_lost(report)
    [source] = [r for r in report.telemetry if r.key == b"VH-0005"]
    [letter] = report.fleet_dead_letters
    assert letter.header("x-dead-letter-source") == source.label
    assert letter.header("x-dead-letter-stage") == "produce"
    assert "MessageSizeTooLargeError" in (letter.header("x-dead-letter-reason") or "")
    assert (letter.key, letter.value) == (source.key, source.value)
    assert len(report.enriched) == 11 and b"VH-0005" not in {r.key for r in report.enriched}


def test_a_simulator_run_that_fails_is_retried_with_the_same_readings(pipeline: SamplePipeline) -> None:
    """functions README: "A run in which any reading is not acknowledged raises ... EventBridge then retries it, and
    the retry writes the same readings"; "the alerter's idempotency then recognizes the readings".

    Two sends of a scheduled run time out: the run raises. The retry (same event) writes the same bytes; the
    readings that had got through are on the topic twice, and the alerter still alerts once per low reading."""
    from kafka.errors import KafkaTimeoutError

    producer = pipeline.producer()
    real = producer.module.PRODUCER
    inner = producer.producer()
    count = {"sends": 0}

    class FlakyProducer:
        def send(self, topic: str, **kwargs: Any) -> Any:
            count["sends"] += 1
            if count["sends"] in (3, 4):
                raise KafkaTimeoutError("Failed to update metadata after 10.0 secs.")
            return inner.send(topic, **kwargs)

        def flush(self, timeout: float | None = None) -> None:
            inner.flush(timeout=timeout)

        def close(self, timeout: float | None = None) -> None:
            inner.close(timeout=timeout)

    real.override(FlakyProducer())
    # seed 5 at 09:00: the simulator's 2 % share gives at least one low reading among 12? Pin it with the fleet.
    at, seed = AT, 1
    readings = producer.module.simulate_fleet(12, producer.module.parse_utc_timestamp(at), seed)
    with pytest.raises(RuntimeError, match="2 of 12 readings were not acknowledged"):
        pipeline.run_producer(at, seed)
    assert pipeline.run_producer(at, seed)["produced"] == 12  # the retry
    pipeline.produce(TELEMETRY_TOPIC, [reading("VH-0950", 1, 22.0)])
    pipeline.produce(TELEMETRY_TOPIC, [reading("VH-0950", 1, 22.0)])  # a repeated low reading, as a retry writes
    assert pipeline.run(ALERTS).idle
    report = pipeline.audit()
    values = Counter(r.value for r in report.telemetry)
    assert len(values) == 12 + 1 and sum(values.values()) == 10 + 12 + 2  # repeats are the same bytes
    expected = {json.dumps(r, separators=(",", ":")).encode() for r in readings}
    assert expected <= set(values)
    low = {(r["vehicle_id"], r["timestamp"]) for r in readings if r["tire_pressure"] < 32}
    alerted = Counter((a["vehicle_id"], a["timestamp"]) for a in report.alerts)
    assert set(alerted) == low | {("VH-0950", "2026-12-04T09:00:01.000Z")}
    assert report.duplicate_alerts == []


def test_a_restarted_consumer_group_resumes_at_its_committed_offsets(pipeline: SamplePipeline) -> None:
    """Local runtime: "offsets committed to the broker only after success ... (at least once, never skipped)"; the
    mapping's consumer group is the state that survives its pollers. A new poller (and a new execution environment)
    in the same group reads only what was produced after the last commit: nothing processed twice, nothing skipped."""
    pipeline.run_producer(AT, seed=2)
    first = pipeline.run(ENRICHER)
    assert first.delivered == 12 and sum(first.committed.values()) == 12
    pipeline.restart(ENRICHER)
    pipeline.run_producer("2026-12-04T09:01:00Z", seed=2)
    second = pipeline.run(ENRICHER)
    assert second.delivered == 12
    first_offsets = {(i["partition"], i["offset"]) for e in first.invocations for v in e["records"].values() for i in v}
    second_offsets = {(i["partition"], i["offset"]) for e in second.invocations for v in e["records"].values()
                      for i in v}  # fmt: skip
    assert not first_offsets & second_offsets
    report = pipeline.audit()
    assert_nothing_lost(report)
    assert report.duplicated == 0 and len(report.enriched) == 24
