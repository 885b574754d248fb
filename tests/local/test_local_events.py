"""What reaches the handler: the event's shape, bytes, batches, the payload cap, filters, positions and commits."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from constructs_kafka_lambda.local import LocalRuntime

MSK_ARN = "arn:aws:kafka:us-east-1:111111111111:cluster/demo/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-2"


class Recorder:
    """A handler that keeps every event and context it gets."""

    def __init__(self, result: Any = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []
        self.result = result

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        self.contexts.append(context)
        return self.result

    def records(self) -> list[dict[str, Any]]:
        return [r for event in self.events for items in event["records"].values() for r in items]


def _librdkafka_produce(servers: str, topic: str, records: list[dict[str, Any]]) -> None:
    """Produce with confluent-kafka (librdkafka): a second, independent client implementation."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": servers, "enable.idempotence": True, "log_level": 0})
    for record in records:
        producer.produce(topic, **record)
    assert producer.flush(10) == 0


def test_msk_event_has_the_shape_of_aws_example_event(kafka, topic, settings) -> None:
    name = topic(2)
    _librdkafka_produce(kafka.bootstrap_servers, name, [
        {"value": b'{"psi": 30}', "key": b"truck-1", "headers": [("source", b"\x00\x01\xff"), ("empty", None)],
         "partition": 1},
        {"value": None, "key": None, "partition": 0},  # a tombstone with no key
    ])  # fmt: skip
    handler = Recorder()
    result = LocalRuntime(
        settings(name, msk=True, event_source_arn=MSK_ARN), handler, kafka.bootstrap_servers
    ).run_until_idle(20)
    assert result.idle
    (event,) = handler.events
    # with-msk example event: these keys, in this order, records keyed topic-partition
    assert list(event) == ["eventSource", "eventSourceArn", "bootstrapServers", "records"]
    assert event["eventSource"] == "aws:kafka"
    assert event["eventSourceArn"] == MSK_ARN
    assert event["bootstrapServers"] == kafka.bootstrap_servers
    assert sorted(event["records"]) == [f"{name}-0", f"{name}-1"]
    record = event["records"][f"{name}-1"][0]
    assert set(record) == {"topic", "partition", "offset", "timestamp", "timestampType", "key", "value", "headers"}
    assert (record["topic"], record["partition"], record["offset"]) == (name, 1, 0)
    assert record["timestampType"] == "CREATE_TIME"
    assert abs(record["timestamp"] - time.time() * 1000) < 60_000
    assert base64.b64decode(record["key"]) == b"truck-1"
    assert json.loads(base64.b64decode(record["value"])) == {"psi": 30}
    assert record["headers"] == [{"source": [0, 1, 255]}, {"empty": []}]
    tombstone = event["records"][f"{name}-0"][0]
    assert "key" not in tombstone and "value" not in tombstone
    context = handler.contexts[0]
    assert context.function_name == "orders-fn" and context.aws_request_id
    assert 0 < context.get_remaining_time_in_millis() <= 3000  # the function's default 3 s timeout


def test_self_managed_event_has_no_event_source_arn(kafka, topic, produce, settings) -> None:
    name = topic()
    produce(name, b"x")
    handler = Recorder()
    LocalRuntime(settings(name), handler, kafka.bootstrap_servers).run_until_idle(20)
    assert handler.events[0]["eventSource"] == "SelfManagedKafka"
    assert "eventSourceArn" not in handler.events[0]


@hsettings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.none() | st.binary(max_size=64),
            st.none() | st.binary(max_size=512),
            st.lists(
                st.tuples(st.text(min_size=1, max_size=10), st.binary(max_size=16)),
                max_size=3,
            ),
        ).filter(lambda r: r[0] is not None or r[1] is not None),  # kafka-python refuses a record with neither
        min_size=1,
        max_size=12,
    )
)
def test_arbitrary_bytes_reach_the_handler_byte_exact(kafka, topic, produce, settings, sent) -> None:
    name = topic()
    for key, value, headers in sent:
        produce(name, value, key=key, headers=headers)
    handler = Recorder()
    LocalRuntime(settings(name), handler, kafka.bootstrap_servers).run_until_idle(20)
    got = handler.records()
    assert [r["offset"] for r in got] == list(range(len(sent)))
    for record, (key, value, headers) in zip(got, sent, strict=True):
        assert (base64.b64decode(record["key"]) if "key" in record else None) == key
        assert (base64.b64decode(record["value"]) if "value" in record else None) == value
        assert [(k, bytes(v)) for h in record["headers"] for k, v in h.items()] == headers


def test_batches_hold_at_most_batch_size_in_partition_order(kafka, topic, produce, settings) -> None:
    name = topic(3)
    for i in range(45):
        produce(name, str(i).encode(), partition=i % 3)
    handler = Recorder()
    result = LocalRuntime(settings(name, batch_size=10), handler, kafka.bootstrap_servers).run_until_idle(30)
    assert all(sum(len(v) for v in e["records"].values()) <= 10 for e in handler.events)
    assert len(handler.events) >= 5
    for partition in range(3):
        offsets = [r["offset"] for r in handler.records() if r["partition"] == partition]
        assert offsets == list(range(15))  # every record once, in order
    assert result.committed == {f"{name}-{p}": 15 for p in range(3)}


def test_batching_window_gathers_records_that_arrive_within_it(kafka, topic, produce, settings) -> None:
    name = topic()
    for i in range(5):
        produce(name, str(i).encode())
    handler = Recorder()
    LocalRuntime(settings(name, batching_window_seconds=0.5), handler, kafka.bootstrap_servers).run_until_idle(20)
    assert len(handler.events) == 1 and len(handler.records()) == 5


def test_payload_cap_splits_batches_below_six_megabytes(kafka, topic, produce, settings) -> None:
    name = topic()
    for i in range(6):
        produce(name, bytes([65 + i]) * 1_000_000)  # 1 MB each: 1.33 MB in base64
    handler = Recorder()
    LocalRuntime(settings(name, batch_size=100), handler, kafka.bootstrap_servers).run_until_idle(30)
    sizes = [len(json.dumps(e).encode()) for e in handler.events]
    assert len(handler.events) == 2 and max(sizes) <= 6 * 1024 * 1024
    assert [r["offset"] for r in handler.records()] == list(range(6))


def test_filters_drop_and_commit_records_never_delivered(kafka, topic, produce, settings) -> None:
    name = topic()
    values = [{"psi": 30}, {"psi": 40}, "plain text", {"psi": 20}]
    for value in values:
        produce(name, (value if isinstance(value, str) else json.dumps(value)).encode())
    handler = Recorder()
    runtime = LocalRuntime(
        settings(name, filters=({"value": {"psi": [{"numeric": ["<", 32]}]}},)), handler, kafka.bootstrap_servers
    )
    result = runtime.run_until_idle(20)
    # a plain string against an object pattern passes (kafka-filtering: only the non-value conditions apply)
    assert [base64.b64decode(r["value"]) for r in handler.records()] == [b'{"psi": 30}', b"plain text", b'{"psi": 20}']
    assert [r["offset"] for r in result.filtered_out] == [1]
    assert result.committed == {f"{name}-0": 4}


def test_all_filtered_still_commits(kafka, topic, produce, settings) -> None:
    name = topic()
    produce(name, b'{"psi": 99}')
    handler = Recorder()
    result = LocalRuntime(
        settings(name, filters=({"value": {"psi": [1]}},)), handler, kafka.bootstrap_servers
    ).run_until_idle(20)
    assert handler.events == [] and result.committed == {f"{name}-0": 1}


def test_committed_offsets_win_over_the_starting_position(kafka, topic, produce, settings) -> None:
    name = topic()
    for i in range(3):
        produce(name, str(i).encode())
    first = Recorder()
    LocalRuntime(settings(name, consumer_group_id=f"{name}-g"), first, kafka.bootstrap_servers).run_until_idle(20)
    produce(name, b"3")
    second = Recorder()
    result = LocalRuntime(
        settings(name, consumer_group_id=f"{name}-g"), second, kafka.bootstrap_servers
    ).run_until_idle(20)
    assert [r["offset"] for r in first.records()] == [0, 1, 2]
    assert [r["offset"] for r in second.records()] == [3]
    assert result.committed == {f"{name}-0": 4}


def test_latest_skips_what_was_written_before_the_mapping(kafka, topic, produce, settings) -> None:
    name = topic()
    for i in range(3):
        produce(name, str(i).encode())
    handler = Recorder()
    runtime = LocalRuntime(settings(name, starting_position="LATEST"), handler, kafka.bootstrap_servers)
    assert runtime.run_until_idle(20).idle  # the mapping is created: its position is fixed at the end
    produce(name, b"3")
    runtime.run_until_idle(20)  # and it continues from there
    assert [r["offset"] for r in handler.records()] == [3]


def test_at_timestamp_starts_at_the_first_record_at_or_after_it(kafka, topic, produce, settings) -> None:
    name = topic()
    now = int(time.time() * 1000)
    for i, age in enumerate([300_000, 200_000, 100_000]):
        produce(name, str(i).encode(), timestamp_ms=now - age)
    handler = Recorder()
    start = (now - 150_000) / 1000
    LocalRuntime(settings(name, starting_position="AT_TIMESTAMP", starting_position_timestamp=start), handler,
                 kafka.bootstrap_servers).run_until_idle(20)  # fmt: skip
    assert [r["offset"] for r in handler.records()] == [2]


def test_a_disabled_mapping_reads_nothing(kafka, topic, produce, settings) -> None:
    name = topic()
    produce(name, b"x")
    handler = Recorder()
    result = LocalRuntime(settings(name, enabled=False), handler, kafka.bootstrap_servers).run_until_idle(5)
    assert handler.events == [] and result.committed == {}
