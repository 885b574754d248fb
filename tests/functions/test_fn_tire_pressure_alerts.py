"""tire_pressure_alerts: MSK Serverless (on-demand) consumer -> SNS, one alert per vehicle per batch, with
Powertools idempotency driven for real against moto's DynamoDB and alerts read back from an SQS subscription."""

import base64
import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st
from kafka_fn_strategies import EDGE_TIMESTAMPS, PROPERTY, all_refs, kafka_events, shaped_values
from kafka_fn_testkit import FakeContext, LoadHandler, kafka_record, log_lines, metric_values, msk_event

T = "fleet-telemetry"
TABLE = "fleet-alerts-idempotency"


def reading(vid: str, ts: str, psi: float, **extra: Any) -> dict[str, Any]:
    return {
        "vehicle_id": vid,
        "timestamp": ts,
        "tire_pressure": psi,
        "speed_kmh": 80.0,
        "lat": 47.6,
        "lon": -122.3,
        **extra,
    }


@dataclass
class Aws:
    topic_arn: str
    queue_url: str

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert delivered to the topic's SQS subscriber so far (raw delivery), oldest first."""
        sqs = boto3.client("sqs")
        found: list[dict[str, Any]] = []
        while batch := sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", []):
            found.extend(json.loads(m["Body"]) for m in batch)
            for m in batch:
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return found


@pytest.fixture
def services(aws: None) -> Aws:
    sns, sqs, ddb = boto3.client("sns"), boto3.client("sqs"), boto3.client("dynamodb")
    topic_arn = sns.create_topic(Name="fleet-tire-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"})
    return Aws(topic_arn, queue_url)


@pytest.fixture
def alerts(services: Aws, load_handler: LoadHandler) -> Any:
    return load_handler("tire_pressure_alerts", ALERT_TOPIC_ARN=services.topic_arn, IDEMPOTENCY_TABLE=TABLE)


def fail_publishes(module: Any, code: str, vehicles: set[str]) -> None:
    """The next publish for each of ``vehicles`` fails with SNS error ``code`` (raised as botocore raises it)."""

    def hook(params: dict[str, Any], **_kwargs: Any) -> None:
        vid = params["MessageAttributes"]["vehicle_id"]["StringValue"]
        if vid in vehicles:
            vehicles.discard(vid)
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "Publish")

    module.sns.meta.events.register("before-parameter-build.sns.Publish", hook)


def test_one_alert_per_vehicle_on_its_most_severe_reading(
    alerts: Any, services: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    event = msk_event(
        [
            kafka_record(T, 0, 10, reading("VH-0001", "2025-11-22T01:00:01.000Z", 30.1), key="VH-0001"),
            kafka_record(T, 0, 11, reading("VH-0001", "2025-11-22T01:00:31Z", 27.5), key="VH-0001"),
            kafka_record(T, 0, 12, reading("VH-0001", "2025-11-22T01:00:45.000Z", 29.0), key="VH-0001"),
            kafka_record(T, 1, 40, reading("VH-0002", "2025-11-22T01:00:02.000Z", 31.0, lat=91.0), key="VH-0002"),
        ]
    )
    result = alerts.handler(event, FakeContext())

    assert result == {
        "alerted": ["VH-0001", "VH-0002"],
        "published": ["VH-0001", "VH-0002"],
        "rejected": [],
        "malformed": 0,
    }
    first, second = services.alerts()
    assert first == {
        "vehicle_id": "VH-0001",
        "timestamp": "2025-11-22T01:00:31.000Z",
        "tire_pressure": 27.5,
        "severity": "CRITICAL",
        "lat": 47.6,
        "lon": -122.3,
        "low_readings_in_batch": 3,
        "source": {"topic": T, "partition": 0, "offset": 11},
    }
    assert (second["vehicle_id"], second["severity"], second["low_readings_in_batch"], second["lat"]) == (
        "VH-0002",
        "LOW",
        1,
        None,
    )
    metrics = metric_values(capsys.readouterr().out)
    assert (metrics["AlertsPublished"], metrics["LowReadingsCoalesced"], metrics["MalformedRecords"]) == (2, 2, 0)


def test_ties_go_to_the_latest_reading_then_the_highest_offset(load_handler: LoadHandler, services: Aws) -> None:
    alerts = load_handler("tire_pressure_alerts", ALERT_TOPIC_ARN=services.topic_arn)
    event = msk_event(
        [
            kafka_record(T, 0, 1, reading("VH-3", "2025-11-22T01:00:05.000Z", 30.0)),
            kafka_record(T, 0, 2, reading("VH-3", "2025-11-22T01:00:50.000Z", 30.0)),
            kafka_record(T, 0, 3, reading("VH-3", "2025-11-22T01:00:05.000Z", 30.0)),
            kafka_record(T, 0, 4, reading("VH-4", "2025-11-22T01:00:05.000Z", 30.0)),
            kafka_record(T, 0, 5, reading("VH-4", "2025-11-22T01:00:05Z", 30.0)),
        ]
    )
    alerts.handler(event, FakeContext())
    assert [(a["vehicle_id"], a["source"]["offset"]) for a in services.alerts()] == [("VH-3", 2), ("VH-4", 5)]


def test_malformed_records_are_logged_and_skipped_never_retried(
    alerts: Any, services: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    ts = "2025-11-22T01:00:00.000Z"
    event = msk_event(
        [
            kafka_record(T, 0, 1, b"not json"),
            kafka_record(T, 0, 2, b"\xc3\x28\xa0\xa1"),
            kafka_record(T, 0, 3, {"vehicle_id": "VH-0009", "timestamp": ts}),
            kafka_record(T, 0, 4, {"vehicle_id": "VH-0009", "timestamp": ts, "tire_pressure": "low"}),
            kafka_record(T, 0, 5, b'{"pad": "' + b"x" * 300_000 + b'"}'),
            kafka_record(T, 0, 6, None),
            kafka_record(
                T, 0, 7, b'{"vehicle_id": "\\ud83d", "timestamp": "2025-11-22T01:00:00Z", "tire_pressure": 25}'
            ),
            kafka_record(
                T, 0, 8, b'{"vehicle_id": "VH-8", "timestamp": "2025-11-22T01:00:00Z", "tire_pressure": -1e400}'
            ),
            kafka_record(T, 0, 9, reading("VH-0009", "2025-W47-6T01:00:00Z", 25.0)),
            kafka_record(T, 0, 10, reading("VH-\x00", ts, 25.0)),
            kafka_record(T, 1, 11, reading("VH-0004", ts, 33.5)),
            kafka_record(T, 1, 12, reading("VH-0005", ts, 25.0)),
        ]
    )
    result = alerts.handler(event, FakeContext())

    assert (result["alerted"], result["malformed"]) == (["VH-0005"], 10)
    assert [a["vehicle_id"] for a in services.alerts()] == ["VH-0005"]
    out = capsys.readouterr().out
    skipped = log_lines(out, "skipping malformed record")
    assert [(s["topic"], s["partition"], s["offset"]) for s in skipped] == [(T, 0, n) for n in range(1, 11)]
    assert [s["reason"] for s in skipped[2:]] == [
        "field 'tire_pressure' must be a number in 0..150",
        "field 'tire_pressure' must be a number in 0..150",
        "value is 300011 bytes, more than the 262144 allowed",
        "record has no value (tombstone)",
        "field 'vehicle_id' must be 1-64 printable characters",
        "value is not JSON: number out of the range of a double",
        "field 'timestamp' must be a UTC timestamp YYYY-MM-DDTHH:MM:SS[.ffffff]Z",
        "field 'vehicle_id' must be 1-64 printable characters",
    ]
    assert "not JSON" in skipped[0]["reason"] and "not UTF-8" in skipped[1]["reason"]
    assert metric_values(out)["MalformedRecords"] == 10


def test_a_transient_failure_fails_the_batch_after_trying_every_vehicle_and_the_retry_does_not_alert_twice(
    alerts: Any, services: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = msk_event(
        [
            kafka_record(T, 0, 100, reading("VH-0001", "2025-11-22T01:00:01.000Z", 29.0)),
            kafka_record(T, 0, 101, reading("VH-0002", "2025-11-22T01:00:02.000Z", 26.0)),
            kafka_record(T, 0, 102, reading("VH-0003", "2025-11-22T01:00:03.000Z", 27.0)),
        ]
    )
    fail_publishes(alerts, "Throttled", {"VH-0002"})
    with pytest.raises(RuntimeError, match=r"1 alert\(s\) not published \(VH-0002\); the batch will be retried"):
        alerts.handler(batch, FakeContext())
    assert [a["vehicle_id"] for a in services.alerts()] == ["VH-0001", "VH-0003"]
    assert metric_values(capsys.readouterr().out)["AlertPublishFailures"] == 1

    # Lambda retries the same batch: VH-0001 and VH-0003 are COMPLETED in DynamoDB; only VH-0002 is published.
    result = alerts.handler(batch, FakeContext())
    assert (result["alerted"], result["published"]) == (["VH-0001", "VH-0002", "VH-0003"], ["VH-0002"])
    assert [a["vehicle_id"] for a in services.alerts()] == ["VH-0002"]
    metrics = metric_values(capsys.readouterr().out)
    assert (metrics["AlertsPublished"], metrics["AlertsAlreadySent"]) == (1, 2)
    items = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    assert sorted(i["status"]["S"] for i in items) == ["COMPLETED"] * 3
    assert all(i["id"]["S"].startswith("kafka-sample-test.") for i in items)


def test_two_spellings_of_the_same_reading_are_one_alert_and_the_offset_does_not_matter(
    alerts: Any, services: Aws
) -> None:
    same = [reading("VH-0001", "2025-11-22T01:00:01Z", 29.0), reading("VH-0001", "2025-11-22T01:00:01.000000Z", 29.0)]
    other = reading("VH-0001", "2025-11-22T01:01:01.000Z", 29.0)
    for offset, value in ((5, same[0]), (9, same[1]), (10, other)):
        alerts.handler(msk_event([kafka_record(T, 3, offset, value)]), FakeContext())
    assert [(a["timestamp"], a["source"]["offset"]) for a in services.alerts()] == [
        ("2025-11-22T01:00:01.000Z", 5),
        ("2025-11-22T01:01:01.000Z", 10),
    ]


def test_an_alert_sns_rejects_as_invalid_is_dropped_not_retried_forever(
    alerts: Any, services: Aws, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build = alerts.build_alert

    def oversized(reading: Any, count: int) -> dict[str, Any]:
        alert = build(reading, count)
        return {**alert, "pad": "x" * 300_000} if alert["vehicle_id"] == "VH-1" else alert

    monkeypatch.setattr(alerts, "build_alert", oversized)
    event = msk_event(
        [
            kafka_record(T, 0, 1, reading("VH-1", "2025-11-22T01:00:01Z", 25.0)),
            kafka_record(T, 0, 2, reading("VH-2", "2025-11-22T01:00:01Z", 25.0)),
        ]
    )
    result = alerts.handler(event, FakeContext())  # moto answers InvalidParameter: Message too long
    assert (result["rejected"], result["published"]) == (["VH-1"], ["VH-2"])
    out = capsys.readouterr().out
    assert metric_values(out)["AlertsRejected"] == 1
    [line] = log_lines(out, "alert rejected by SNS as invalid: dropped (a retry would fail the same way)")
    assert (line["vehicle_id"], line["offset"]) == ("VH-1", 1) and "InvalidParameter" in line["error"]


@pytest.mark.parametrize("code", ["NotFound", "AuthorizationError", "KMSDisabled", "InternalError"])
def test_errors_a_retry_can_cure_fail_the_batch(alerts: Any, code: str) -> None:
    fail_publishes(alerts, code, {"VH-1"})
    with pytest.raises(RuntimeError, match="the batch will be retried"):
        alerts.handler(msk_event([kafka_record(T, 0, 1, reading("VH-1", "2025-11-22T01:00:01Z", 25.0))]), FakeContext())


def test_a_deleted_topic_fails_the_batch_and_leaves_no_idempotency_record(alerts: Any, services: Aws) -> None:
    boto3.client("sns").delete_topic(TopicArn=services.topic_arn)
    with pytest.raises(RuntimeError) as raised:
        alerts.handler(msk_event([kafka_record(T, 0, 1, reading("VH-1", "2025-11-22T01:00:01Z", 25.0))]), FakeContext())
    assert "NotFound" in repr(raised.value.__cause__)
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize("value", ["nan", "-1", "200", "low"])
def test_a_threshold_out_of_range_fails_clearly(alerts: Any, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PRESSURE_THRESHOLD_PSI", value)
    with pytest.raises(ValueError, match=r"PRESSURE_THRESHOLD_PSI must be a number in 0\.\.150"):
        alerts.handler(msk_event([]), FakeContext())


def test_the_sns_subject_is_always_valid(alerts: Any) -> None:
    alert = {"severity": "LOW", "vehicle_id": "VÉHICULE-\n" + "9" * 200, "tire_pressure": 30.0}
    subject = alerts.alert_subject(alert)
    assert len(subject) == 100
    assert subject.startswith("LOW tire pressure: V?HICULE-?999")
    assert subject.isascii() and subject.isprintable()


def test_no_dynamodb_without_idempotency_table(load_handler: LoadHandler, services: Aws) -> None:
    alerts = load_handler("tire_pressure_alerts", ALERT_TOPIC_ARN=services.topic_arn)
    assert alerts.idempotency_config is None
    assert not hasattr(alerts, "dynamodb")


READINGS = shaped_values(
    {
        "vehicle_id": st.sampled_from(["VH-0001", "VH-0002", "VH-0003"]),
        "timestamp": st.sampled_from(EDGE_TIMESTAMPS[:3]),
        "tire_pressure": st.floats(min_value=0, max_value=40),
        "lat": st.floats(min_value=-90, max_value=90),
        "lon": st.floats(min_value=-180, max_value=180),
    }
)


def coordinates(line: dict[str, Any]) -> tuple[str, int, int]:
    return line["topic"], line["partition"], line["offset"]


def _vehicle(record: dict[str, Any]) -> str:
    return str(json.loads(base64.b64decode(record["value"]))["vehicle_id"])


@settings(PROPERTY, max_examples=50)  # each example publishes through moto's SNS, SQS and DynamoDB
@given(event=kafka_events(T, READINGS))
def test_no_record_crashes_the_batch_and_each_low_vehicle_is_alerted_once(
    alerts: Any, capsys: pytest.CaptureFixture[str], event: dict[str, Any]
) -> None:
    """Any records: the handler returns (SNS and DynamoDB working); every record is skipped as malformed, skipped
    as at/above the threshold, or one of the readings behind exactly one alert per vehicle."""
    capsys.readouterr()
    result = alerts.handler(event, FakeContext())
    out = capsys.readouterr().out
    skipped = {coordinates(line) for line in log_lines(out, "skipping malformed record")}
    high = {coordinates(line) for line in log_lines(out, "skipping reading at or above threshold")}
    low = all_refs(event) - skipped - high
    by_ref = {(r["topic"], r["partition"], r["offset"]): r for chunk in event["records"].values() for r in chunk}
    assert result["malformed"] == len(skipped)
    assert result["alerted"] == sorted({_vehicle(by_ref[ref]) for ref in low})
    assert result["rejected"] == []
