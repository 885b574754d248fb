"""Failure handling by mode: retries, retry limits, record age, bisect, partial batch responses, time-outs, and the
failure destinations in AWS's documented record formats (S3, SQS and SNS through moto, kafka:// on the broker)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import boto3
import pytest

from constructs_kafka_lambda.local import FailureTarget, FunctionSettings, LocalRuntime

MSK_ARN = "arn:aws:kafka:us-east-1:111111111111:cluster/demo/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-2"


class Flaky:
    """Fails while `fail(event)` says so; records what it saw."""

    def __init__(self, fail: Any, response: Any = None) -> None:
        self.fail = fail
        self.response = response
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        if self.fail(event, len(self.events)):
            raise RuntimeError("downstream unavailable")
        return self.response(event) if callable(self.response) else self.response

    def offsets(self, n: int) -> list[int]:
        return [r["offset"] for items in self.events[n]["records"].values() for r in items]

    def values(self) -> list[bytes]:
        return [base64.b64decode(r["value"]) for e in self.events for items in e["records"].values() for r in items]


def values_in(event: dict[str, Any]) -> list[bytes]:
    return [base64.b64decode(r["value"]) for items in event["records"].values() for r in items]


def test_on_demand_retries_the_same_batch_until_it_succeeds(kafka, topic, produce, settings) -> None:
    name = topic()
    for i in range(3):
        produce(name, str(i).encode())
    handler = Flaky(lambda _e, n: n <= 3)
    result = LocalRuntime(settings(name, retry_attempts=1), handler, kafka.bootstrap_servers).run_until_idle(20)
    # on-demand ignores retry settings: the same batch again and again, then success and the commit
    assert [handler.offsets(n) for n in range(4)] == [[0, 1, 2]] * 4
    assert result.retries == 3 and result.failures == [] and result.committed == {f"{name}-0": 3}


def test_on_demand_stalls_without_skipping_when_it_never_succeeds(kafka, topic, produce, settings) -> None:
    name = topic()
    produce(name, b"poison")
    result = LocalRuntime(settings(name), Flaky(lambda _e, _n: True), kafka.bootstrap_servers,
                          retry_delay=0.05, max_retry_delay=0.1).run_until_idle(1.5)  # fmt: skip
    assert not result.idle and result.stalled == {f"{name}-0": 0}
    assert result.committed == {} and len(result.invocations) >= 3


def test_provisioned_retries_then_sqs_gets_aws_metadata_record(kafka, topic, produce, settings, aws) -> None:
    name = topic(2)
    queue_url = boto3.client("sqs").create_queue(QueueName="orders-dlq")["QueueUrl"]
    for i in range(4):
        produce(name, str(i).encode(), partition=i % 2)
    target = FailureTarget("sqs", "orders-dlq", "arn:aws:sqs:us-east-1:111111111111:orders-dlq")
    handler = Flaky(lambda _e, _n: True)
    mapping = settings(name, msk=True, event_source_arn=MSK_ARN, provisioned=True, retry_attempts=2, on_failure=target)
    result = LocalRuntime(mapping, handler, kafka.bootstrap_servers).run_until_idle(20)
    assert len(handler.events) == 3  # the first attempt and two retries
    messages = boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    (record,) = [json.loads(m["Body"]) for m in messages]
    assert record == result.failures[0]
    assert set(record) == {"requestContext", "responseContext", "version", "timestamp", "KafkaBatchInfo"}
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"] == mapping.function.arn
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    info = record["KafkaBatchInfo"]
    assert info["batchSize"] == 4 and info["eventSourceArn"] == MSK_ARN
    assert info["bootstrapServers"] == kafka.bootstrap_servers and info["payloadSize"] > 0
    assert info["recordsInfo"][f"{name}-0"]["firstRecordOffset"] == "0"
    assert info["recordsInfo"][f"{name}-0"]["lastRecordOffset"] == "1"
    assert info["recordsInfo"][f"{name}-1"]["lastRecordTimestamp"].endswith("Z")
    assert "payload" not in record  # SQS and SNS: metadata only
    assert result.committed == {f"{name}-0": 2, f"{name}-1": 2}  # delivered to the destination, then committed


def test_infinite_retries_with_a_destination_stop_after_ten(kafka, topic, produce, settings) -> None:
    name, dead = topic(), topic()
    produce(name, b"x")
    handler = Flaky(lambda _e, _n: True)
    mapping = settings(name, provisioned=True, on_failure=FailureTarget("kafka", dead, f"kafka://{dead}"))
    LocalRuntime(mapping, handler, kafka.bootstrap_servers, retry_delay=0.001, max_retry_delay=0.001).run_until_idle(20)
    assert len(handler.events) == 11  # kafka-retry-configurations: -1 with a destination means at most 10 retries


def test_s3_destination_keeps_the_whole_batch(kafka, topic, produce, settings, aws) -> None:
    name = topic()
    boto3.client("s3").create_bucket(Bucket="failed-batches")
    produce(name, b"a", key=b"k")
    target = FailureTarget("s3", "failed-batches", "arn:aws:s3:::failed-batches")
    handler = Flaky(lambda _e, _n: True)
    runtime = LocalRuntime(
        settings(name, provisioned=True, retry_attempts=0, on_failure=target), handler, kafka.bootstrap_servers
    )
    runtime.run_until_idle(20)
    (listed,) = boto3.client("s3").list_objects_v2(Bucket="failed-batches")["Contents"]
    assert listed["Key"].startswith(f"aws/lambda/{runtime.settings.mapping_uuid}/{name}-0/")
    body = json.loads(boto3.client("s3").get_object(Bucket="failed-batches", Key=listed["Key"])["Body"].read())
    assert body["payload"] == handler.events[0]  # the event the function got: replayable
    assert "recordsInfo" in body["KafkaBatchInfo"]


def test_sns_destination_gets_metadata(kafka, topic, produce, settings, aws) -> None:
    name = topic()
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic_arn = sns.create_topic(Name="failures")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="failures-copy")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    produce(name, b"a")
    target = FailureTarget("sns", "failures", "arn:aws:sns:us-east-1:111111111111:failures")
    LocalRuntime(settings(name, provisioned=True, retry_attempts=0, on_failure=target), Flaky(lambda _e, _n: True),
                 kafka.bootstrap_servers).run_until_idle(20)  # fmt: skip
    (message,) = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted" and "payload" not in record


def test_bisect_isolates_the_poison_record_for_a_kafka_destination(kafka, topic, produce, settings) -> None:
    name, dead = topic(), topic()
    for i in range(8):
        produce(name, b"poison" if i == 5 else str(i).encode(), key=f"key-{i}".encode())
    handler = Flaky(lambda event, _n: b"poison" in values_in(event))
    mapping = settings(name, batch_size=8, provisioned=True, retry_attempts=1, bisect_batch_on_error=True,
                       on_failure=FailureTarget("kafka", dead, f"kafka://{dead}"))  # fmt: skip
    result = LocalRuntime(mapping, handler, kafka.bootstrap_servers).run_until_idle(20)
    delivered_ok = [v for e in handler.events if b"poison" not in values_in(e) for v in values_in(e)]
    assert sorted(delivered_ok) == sorted(str(i).encode() for i in range(8) if i != 5)  # each good one got through
    (failure,) = result.failures
    assert failure["KafkaBatchInfo"]["recordInfo"]["offset"] == "5"
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert base64.b64decode(failure["payload"]["records"][f"{name}-0"][0]["value"]) == b"poison"
    # the dead-letter topic holds it, keyed like the original record
    dead_letters = LocalRuntime(settings(dead), Flaky(lambda _e, _n: False), kafka.bootstrap_servers)
    dead_handler = dead_letters.handler
    dead_letters.run_until_idle(20)
    (letter,) = [r for e in dead_handler.events for items in e["records"].values() for r in items]
    assert base64.b64decode(letter["key"]) == b"key-5"
    assert json.loads(base64.b64decode(letter["value"]))["KafkaBatchInfo"]["recordInfo"]["offset"] == "5"
    assert result.committed == {f"{name}-0": 8}


def test_partial_batch_response_retries_from_the_lowest_failed_offset(kafka, topic, produce, settings) -> None:
    name = topic(2)
    for i in range(6):
        produce(name, str(i).encode(), partition=i % 2)  # partition 0: offsets 0,1,2; partition 1: 0,1,2

    def respond(event: dict[str, Any]) -> dict[str, Any]:
        if len(handler.events) > 1:
            return {"batchItemFailures": []}
        return {"batchItemFailures": [
            {"itemIdentifier": {"partition": f"{name}-0", "offset": 2}},
            {"itemIdentifier": {"partition": f"{name}-0", "offset": 1}},
        ]}  # fmt: skip

    handler = Flaky(lambda _e, _n: False, respond)
    mapping = settings(name, batch_size=10, provisioned=True, report_batch_item_failures=True)
    result = LocalRuntime(mapping, handler, kafka.bootstrap_servers).run_until_idle(20)
    assert len(handler.events) == 2
    assert handler.events[1]["records"] == {f"{name}-0": handler.events[0]["records"][f"{name}-0"][1:]}
    assert result.committed == {f"{name}-0": 3, f"{name}-1": 3}


def test_an_invalid_partial_response_fails_the_whole_batch(kafka, topic, produce, settings) -> None:
    name = topic()
    for i in range(3):
        produce(name, str(i).encode())
    handler = Flaky(lambda _e, _n: False, lambda _e: {"batchItemFailures": [{"itemIdentifier": {"offset": 1}}]}
                    if len(handler.events) == 1 else None)  # fmt: skip
    LocalRuntime(settings(name, provisioned=True, report_batch_item_failures=True), handler,
                 kafka.bootstrap_servers).run_until_idle(20)  # fmt: skip
    assert [handler.offsets(0), handler.offsets(1)] == [[0, 1, 2], [0, 1, 2]]


def test_records_older_than_max_record_age_never_reach_the_function(kafka, topic, produce, settings) -> None:
    name, dead = topic(), topic()
    now = int(time.time() * 1000)
    produce(name, b"old", timestamp_ms=now - 3_600_000)
    produce(name, b"new", timestamp_ms=now)
    handler = Flaky(lambda _e, _n: False)
    mapping = settings(name, provisioned=True, max_record_age_seconds=60,
                       on_failure=FailureTarget("kafka", dead, f"kafka://{dead}"))  # fmt: skip
    result = LocalRuntime(mapping, handler, kafka.bootstrap_servers).run_until_idle(20)
    assert handler.values() == [b"new"]
    (failure,) = result.failures
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    assert result.committed == {f"{name}-0": 2}


def test_exhausted_records_without_a_destination_are_dropped_and_committed(kafka, topic, produce, settings) -> None:
    name = topic()
    produce(name, b"x")
    result = LocalRuntime(settings(name, provisioned=True, retry_attempts=0), Flaky(lambda _e, _n: True),
                          kafka.bootstrap_servers).run_until_idle(20)  # fmt: skip
    assert len(result.dropped) == 1 and result.committed == {f"{name}-0": 1}


def test_a_handler_past_the_function_timeout_is_a_function_error(kafka, topic, produce, settings) -> None:
    name = topic()
    produce(name, b"x")
    calls: list[float] = []

    def slow(event: dict[str, Any], context: Any) -> None:
        calls.append(context.get_remaining_time_in_millis())
        if len(calls) == 1:
            time.sleep(0.25)

    fn = FunctionSettings("slow-fn", "arn:aws:lambda:us-east-1:111111111111:function:slow-fn", timeout_seconds=0.2)
    result = LocalRuntime(settings(name, function=fn), slow, kafka.bootstrap_servers).run_until_idle(20)
    assert len(calls) == 2 and calls[0] <= 200 and result.retries == 1


def test_a_record_above_the_payload_cap_goes_to_the_destination_uninvoked(kafka, topic, produce, settings) -> None:
    name, dead = topic(), topic()
    produce(name, b"x" * 5_000_000)  # 6.7 MB in base64: no event can carry it
    produce(name, b"small")
    handler = Flaky(lambda _e, _n: False)
    mapping = settings(name, on_failure=FailureTarget("kafka", dead, f"kafka://{dead}"))
    result = LocalRuntime(mapping, handler, kafka.bootstrap_servers).run_until_idle(30)
    assert handler.values() == [b"small"]
    (failure,) = result.failures
    assert failure["requestContext"]["condition"] == "MaximumPayloadSizeExceeded"
    assert failure["responseContext"] is None and result.committed == {f"{name}-0": 2}


@pytest.mark.parametrize("mode", ["on-demand", "provisioned"])
def test_order_is_kept_per_partition_across_retries(kafka, topic, produce, settings, mode) -> None:
    name = topic(2)
    for i in range(20):
        produce(name, f"{i % 2}:{i}".encode(), partition=i % 2)
    handler = Flaky(lambda _e, n: n % 3 == 1)  # every third invocation fails
    mapping = settings(name, batch_size=3, provisioned=mode == "provisioned", retry_attempts=-1)
    result = LocalRuntime(mapping, handler, kafka.bootstrap_servers).run_until_idle(30)
    succeeded = [e for n, e in enumerate(handler.events, 1) if n % 3 != 1]
    for partition in (0, 1):
        seen = [r["offset"] for e in succeeded for r in e["records"].get(f"{name}-{partition}", [])]
        assert seen == list(range(10))
    assert result.committed == {f"{name}-0": 10, f"{name}-1": 10}
