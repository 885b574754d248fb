"""tire_pressure_alerts: MSK Serverless (on-demand) consumer -> SNS, one alert per vehicle per batch."""

import json
import time
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from kafka_fn_testkit import (
    FakeContext,
    LoadHandler,
    capture_params,
    emitted_json_lines,
    kafka_record,
    metric_values,
    msk_event,
)

TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:fleet-tire-alerts"
TABLE = "fleet-alerts-idempotency"
T = "fleet-telemetry"


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


def publish_response(n: int) -> dict[str, Any]:
    return {"MessageId": f"8f1b7c2e-0000-4000-8000-{n:012d}"}


PUBLISH_PARAMS = {"TopicArn": TOPIC_ARN, "Subject": ANY, "Message": ANY, "MessageAttributes": ANY}


@pytest.fixture
def alerts(load_handler: LoadHandler) -> Any:
    return load_handler("tire_pressure_alerts", ALERT_TOPIC_ARN=TOPIC_ARN)


def test_one_alert_per_vehicle_on_its_most_severe_reading(alerts: Any, capsys: pytest.CaptureFixture[str]) -> None:
    event = msk_event(
        [
            kafka_record(T, 0, 10, reading("VH-0001", "2026-11-22T01:00:01.000Z", 30.1), key="VH-0001"),
            kafka_record(T, 0, 11, reading("VH-0001", "2026-11-22T01:00:31.000Z", 27.5), key="VH-0001"),
            kafka_record(T, 0, 12, reading("VH-0001", "2026-11-22T01:00:45.000Z", 29.0), key="VH-0001"),
            kafka_record(T, 1, 40, reading("VH-0002", "2026-11-22T01:00:02.000Z", 31.0), key="VH-0002"),
        ]
    )
    published = capture_params(alerts.sns, "sns.Publish")
    with Stubber(alerts.sns) as sns:
        sns.add_response("publish", publish_response(1), PUBLISH_PARAMS)
        sns.add_response("publish", publish_response(2), PUBLISH_PARAMS)
        result = alerts.handler(event, FakeContext())
        sns.assert_no_pending_responses()

    assert result == {"alerted": ["VH-0001", "VH-0002"], "published": ["VH-0001", "VH-0002"], "malformed": 0}
    first, second = (json.loads(p["Message"]) for p in published)
    assert first == {
        "vehicle_id": "VH-0001",
        "timestamp": "2026-11-22T01:00:31.000Z",
        "tire_pressure": 27.5,
        "severity": "CRITICAL",
        "lat": 47.6,
        "lon": -122.3,
        "low_readings_in_batch": 3,
        "source": {"topic": T, "partition": 0, "offset": 11},
    }
    assert published[0]["Subject"] == "CRITICAL tire pressure: VH-0001 at 27.5 psi"
    assert published[0]["MessageAttributes"]["vehicle_id"] == {"DataType": "String", "StringValue": "VH-0001"}
    assert (second["vehicle_id"], second["severity"], second["low_readings_in_batch"]) == ("VH-0002", "LOW", 1)
    metrics = metric_values(capsys.readouterr().out)
    assert (metrics["AlertsPublished"], metrics["LowReadingsCoalesced"], metrics["MalformedRecords"]) == (2, 2, 0)


def test_ties_on_pressure_go_to_the_latest_reading(alerts: Any) -> None:
    event = msk_event(
        [
            kafka_record(T, 0, 1, reading("VH-0003", "2026-11-22T01:00:05.000Z", 30.0)),
            kafka_record(T, 0, 2, reading("VH-0003", "2026-11-22T01:00:50.000Z", 30.0)),
        ]
    )
    published = capture_params(alerts.sns, "sns.Publish")
    with Stubber(alerts.sns) as sns:
        sns.add_response("publish", publish_response(1), PUBLISH_PARAMS)
        alerts.handler(event, FakeContext())
    assert json.loads(published[0]["Message"])["timestamp"] == "2026-11-22T01:00:50.000Z"


def test_malformed_records_are_logged_and_skipped_never_retried(
    alerts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    event = msk_event(
        [
            kafka_record(T, 0, 1, b"not json"),
            kafka_record(T, 0, 2, b"\xc3\x28\xa0\xa1"),
            kafka_record(T, 0, 3, {"vehicle_id": "VH-0009", "timestamp": "2026-11-22T01:00:00Z"}),
            kafka_record(T, 0, 4, {"vehicle_id": "VH-0009", "timestamp": "t", "tire_pressure": "low"}),
            kafka_record(T, 0, 5, b'{"pad": "' + b"x" * 300_000 + b'"}'),
            kafka_record(T, 0, 6, None),
            kafka_record(T, 1, 7, reading("VH-0004", "2026-11-22T01:00:00.000Z", 33.5)),
            kafka_record(T, 1, 8, reading("VH-0005", "2026-11-22T01:00:00.000Z", 25.0)),
        ]
    )
    with Stubber(alerts.sns) as sns:
        sns.add_response("publish", publish_response(1), PUBLISH_PARAMS)
        result = alerts.handler(event, FakeContext())
        sns.assert_no_pending_responses()

    assert result["alerted"] == ["VH-0005"]
    assert result["malformed"] == 6
    out = capsys.readouterr().out
    skipped = [line for line in emitted_json_lines(out) if line.get("message") == "skipping malformed record"]
    assert [(s["topic"], s["partition"], s["offset"]) for s in skipped] == [(T, 0, n) for n in range(1, 7)]
    reasons = [s["reason"] for s in skipped]
    assert "not JSON" in reasons[0]
    assert "not UTF-8" in reasons[1]
    assert "tire_pressure" in reasons[2] and "tire_pressure" in reasons[3]
    assert "more than the 262144 allowed" in reasons[4]
    assert "no value" in reasons[5]
    assert metric_values(out)["MalformedRecords"] == 6


def test_a_batch_of_only_malformed_records_succeeds_without_publishing(alerts: Any) -> None:
    with Stubber(alerts.sns) as sns:
        assert alerts.handler(msk_event([kafka_record(T, 0, 1, b"\x00\x01")]), FakeContext())["alerted"] == []
        sns.assert_no_pending_responses()


def test_a_failed_publish_fails_the_batch_after_trying_every_vehicle(
    alerts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    event = msk_event(
        [
            kafka_record(T, 0, 1, reading("VH-0001", "2026-11-22T01:00:00.000Z", 30.0)),
            kafka_record(T, 0, 2, reading("VH-0002", "2026-11-22T01:00:00.000Z", 30.0)),
        ]
    )
    with Stubber(alerts.sns) as sns:
        sns.add_client_error("publish", "Throttling", "Rate exceeded", 400)
        sns.add_response("publish", publish_response(2), PUBLISH_PARAMS)
        with pytest.raises(RuntimeError, match=r"1 alert\(s\) not published \(VH-0001\)"):
            alerts.handler(event, FakeContext())
        sns.assert_no_pending_responses()
    assert metric_values(capsys.readouterr().out)["AlertPublishFailures"] == 1


def test_the_sns_subject_is_always_valid(alerts: Any) -> None:
    alert = {"severity": "LOW", "vehicle_id": "VÉHICULE-\n" + "9" * 200, "tire_pressure": 30.0}
    subject = alerts.alert_subject(alert)
    assert len(subject) == 100
    assert subject.startswith("LOW tire pressure: V?HICULE-?999")
    assert subject.isascii() and subject.isprintable()


def test_no_dynamodb_without_idempotency_table(alerts: Any) -> None:
    assert alerts.idempotency_config is None
    assert not hasattr(alerts, "dynamodb")


def _completed_item(key: str, message_id: str) -> dict[str, Any]:
    return {
        "id": {"S": key},
        "status": {"S": "COMPLETED"},
        "expiration": {"N": str(int(time.time()) + 3600)},
        "data": {"S": json.dumps({"message_id": message_id})},
    }


PUT_PARAMS = {
    "TableName": TABLE,
    "Item": ANY,
    "ConditionExpression": ANY,
    "ExpressionAttributeNames": ANY,
    "ExpressionAttributeValues": ANY,
    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
}
UPDATE_PARAMS = {
    "TableName": TABLE,
    "Key": ANY,
    "UpdateExpression": ANY,
    "ExpressionAttributeNames": ANY,
    "ExpressionAttributeValues": ANY,
}


def test_a_retried_batch_does_not_alert_twice(load_handler: LoadHandler, capsys: pytest.CaptureFixture[str]) -> None:
    alerts = load_handler("tire_pressure_alerts", ALERT_TOPIC_ARN=TOPIC_ARN, IDEMPOTENCY_TABLE=TABLE)
    batch = [
        kafka_record(T, 0, 100, reading("VH-0001", "2026-11-22T01:00:01.000Z", 29.0)),
        kafka_record(T, 0, 101, reading("VH-0002", "2026-11-22T01:00:02.000Z", 26.0)),
    ]
    puts = capture_params(alerts.dynamodb, "dynamodb.PutItem")

    # First delivery: VH-0001 is published, VH-0002's publish fails, so the batch fails.
    with Stubber(alerts.dynamodb) as ddb, Stubber(alerts.sns) as sns:
        ddb.add_response("put_item", {}, PUT_PARAMS)
        sns.add_response("publish", publish_response(1), PUBLISH_PARAMS)
        ddb.add_response("update_item", {}, UPDATE_PARAMS)
        ddb.add_response("put_item", {}, PUT_PARAMS)
        sns.add_client_error("publish", "InternalError", "try again", 500)
        ddb.add_response("delete_item", {}, {"TableName": TABLE, "Key": ANY})
        with pytest.raises(RuntimeError):
            alerts.handler(msk_event(batch), FakeContext())
        ddb.assert_no_pending_responses()
        sns.assert_no_pending_responses()
    vh1_key = puts[0]["Item"]["id"]["S"]
    assert puts[0]["Item"]["status"] == {"S": "INPROGRESS"}
    assert puts[0]["Item"]["in_progress_expiration"]  # the Lambda context was registered
    assert vh1_key.startswith("kafka-sample-test.") and "#" in vh1_key

    # Lambda retries the same batch: VH-0001's record is COMPLETED, so only VH-0002 is published.
    capsys.readouterr()
    with Stubber(alerts.dynamodb) as ddb, Stubber(alerts.sns) as sns:
        ddb.add_client_error(
            "put_item",
            "ConditionalCheckFailedException",
            "The conditional request failed",
            400,
            modeled_fields={"Item": _completed_item(vh1_key, publish_response(1)["MessageId"])},
        )
        ddb.add_response("put_item", {}, PUT_PARAMS)
        sns.add_response("publish", publish_response(3), PUBLISH_PARAMS)
        ddb.add_response("update_item", {}, UPDATE_PARAMS)
        result = alerts.handler(msk_event(batch), FakeContext())
        ddb.assert_no_pending_responses()
        sns.assert_no_pending_responses()
    assert result["alerted"] == ["VH-0001", "VH-0002"]
    assert result["published"] == ["VH-0002"]
    metrics = metric_values(capsys.readouterr().out)
    assert (metrics["AlertsPublished"], metrics["AlertsAlreadySent"]) == (1, 1)
    assert puts[2]["Item"]["id"] == {"S": vh1_key}


def test_the_idempotency_key_is_the_reading_not_its_offset(load_handler: LoadHandler) -> None:
    alerts = load_handler("tire_pressure_alerts", ALERT_TOPIC_ARN=TOPIC_ARN, IDEMPOTENCY_TABLE=TABLE)
    puts = capture_params(alerts.dynamodb, "dynamodb.PutItem")
    same = reading("VH-0001", "2026-11-22T01:00:01.000Z", 29.0)
    other = reading("VH-0001", "2026-11-22T01:01:01.000Z", 29.0)
    for offset, value in ((5, same), (9, same), (10, other)):
        with Stubber(alerts.dynamodb) as ddb, Stubber(alerts.sns) as sns:
            ddb.add_response("put_item", {}, PUT_PARAMS)
            sns.add_response("publish", publish_response(offset), PUBLISH_PARAMS)
            ddb.add_response("update_item", {}, UPDATE_PARAMS)
            alerts.handler(msk_event([kafka_record(T, 3, offset, value)]), FakeContext())
    keys = [p["Item"]["id"]["S"] for p in puts]
    assert keys[0] == keys[1] != keys[2]
