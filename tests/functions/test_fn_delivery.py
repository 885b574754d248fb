"""kafka_common.delivery: per-key order across failures and retries, permanent vs transient produce errors."""

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kafka import errors as kafka_errors
from kafka_common import RecordRef, SourceRecord, batch_response, read_batch
from kafka_common.delivery import (
    DEAD_LETTER_REASON,
    DEAD_LETTER_SOURCE,
    DEAD_LETTER_STAGE,
    DeliveryReport,
    Fate,
    Work,
    deliver,
    poison_work,
)
from kafka_common.produce_errors import ErrorKind, classify, describe
from kafka_common.producers import FlushBudget, OutboundRecord
from kafka_fn_strategies import PROPERTY
from kafka_fn_testkit import FakeProducer, MappingModel, SentRecord, header, kafka_record, msk_event

OUT = "out"
DLQ = "out-dlq"


class Log:
    """Collects what ``deliver`` logs: (level, message, fields)."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, Any]]] = []

    def __getattr__(self, level: str) -> Any:
        return lambda message, extra=None: self.lines.append((level, message, extra or {}))

    def messages(self) -> list[str]:
        return [message for _, message, _ in self.lines]


def source(partition: int, offset: int, key: str = "k", **extra: Any) -> SourceRecord:
    raw = kafka_record("in", partition, offset, {"key": key}, key=key, **extra)
    return SourceRecord(RecordRef("in", partition, offset), raw)


def work(partition: int, offset: int, key: str, *, value: bytes | None = None) -> Work:
    src = source(partition, offset, key)
    body = value if value is not None else json.dumps({"key": key, "offset": offset}).encode()
    return Work(
        src, output=OutboundRecord(OUT, key.encode(), body, ((("x-source-record", src.ref.label().encode()),)), src.ref)
    )


def run(
    producer: FakeProducer, works: list[Work], *, dlq: str | None = None, seconds: float = 30.0
) -> tuple[DeliveryReport, Log]:
    log = Log()
    budget = FlushBudget(int((seconds + 3) * 1000))
    return deliver(lambda: producer, works, dead_letter_topic=dlq, budget=budget, logger=log), log


def offsets(records: list[SentRecord]) -> list[str]:
    return [r.source for r in records]


def test_a_record_is_sent_only_after_the_previous_one_of_its_key_was_acknowledged() -> None:
    producer = FakeProducer()
    works = [work(0, 1, "A"), work(0, 2, "A"), work(0, 3, "B"), work(1, 7, "A"), work(1, 8, "C"), work(0, 4, "A")]
    report, _ = run(producer, works)
    assert report.retry == [] and report.count(Fate.DELIVERED) == 6
    # Rounds: the r-th record of each key; one flush per round.
    assert len(producer.flush_timeouts) == 4
    assert offsets(producer.on(OUT)) == ["in-0@1", "in-0@3", "in-1@8", "in-0@2", "in-0@4", "in-1@7"]
    assert [r.source for r in producer.on(OUT) if r.key == b"A"] == ["in-0@1", "in-0@2", "in-0@4", "in-1@7"]


def test_a_transient_failure_stops_its_partition_and_reports_from_there() -> None:
    producer = FakeProducer(
        fail_when=lambda r: kafka_errors.NotLeaderForPartitionError() if r.source == "in-0@2" else None
    )
    works = [work(0, 1, "A"), work(0, 2, "B"), work(0, 3, "A"), work(0, 4, "B"), work(0, 5, "C"), work(1, 9, "B")]
    report, log = run(producer, works)
    # Round 1 sends 0@1 (A), 0@2 (B), 0@5 (C); 0@2 fails, so partition 0 stops at 2: 0@5 was already on its way
    # (another key), 0@3 (A's 2nd) and 0@4 (B's 2nd) are not attempted; partition 1 goes on (1@9, B's 3rd).
    assert offsets(producer.on(OUT)) == ["in-0@1", "in-0@5", "in-1@9"]
    assert report.retry == [RecordRef("in", 0, 2), RecordRef("in", 0, 3), RecordRef("in", 0, 4)]
    assert batch_response(report.retry)["batchItemFailures"][0] == {
        "itemIdentifier": {"partition": "in-0", "offset": 2}
    }
    assert report.transient_errors == 1
    assert "produce failed (transient): the record is reported for retry, its partition stops here" in log.messages()
    [(_, _, stopped)] = [line for line in log.lines if line[1].startswith("records not attempted")]
    assert stopped["topic_partition"] == "in-0" and stopped["stopped_at"] == 2 and stopped["offsets"] == [3, 4]


def test_a_failed_send_stops_the_rest_of_its_partition_in_the_same_round() -> None:
    producer = FakeProducer(raise_on_send=lambda r: r.source == "in-0@1")
    report, _ = run(producer, [work(0, 1, "A"), work(0, 2, "B"), work(1, 3, "C")])
    assert offsets(producer.sent) == ["in-1@3"]
    assert report.retry == [RecordRef("in", 0, 1), RecordRef("in", 0, 2)]


@pytest.mark.parametrize(
    "error",
    [
        kafka_errors.TopicAuthorizationFailedError(),
        kafka_errors.InvalidTopicError(),
        kafka_errors.UnknownTopicOrPartitionError(),
        kafka_errors.SaslAuthenticationFailedError(),
        kafka_errors.KafkaConnectionError(),
        kafka_errors.RequestTimedOutError(),
        kafka_errors.IllegalStateError("KafkaProducer already closed!"),
        kafka_errors.ProducerFencedError(),
        RuntimeError("anything unknown"),
    ],
)
def test_transient_and_deployment_errors_are_retried_not_dead_lettered(error: BaseException) -> None:
    assert classify(error) is ErrorKind.TRANSIENT
    producer = FakeProducer(fail_when=lambda _r: error)
    report, _ = run(producer, [work(0, 1, "A")], dlq=DLQ)
    assert report.retry == [RecordRef("in", 0, 1)]
    assert producer.on(DLQ) == []


@pytest.mark.parametrize(
    "error",
    [
        kafka_errors.MessageSizeTooLargeError(),
        kafka_errors.RecordListTooLargeError(),
        kafka_errors.InvalidRecordError(),
        TypeError("All headers items must be (str, bytes) tuples"),
        UnicodeEncodeError("utf-8", "\ud83d", 0, 1, "surrogates not allowed"),
    ],
)
def test_errors_that_name_the_record_are_permanent(error: BaseException) -> None:
    assert classify(error) is ErrorKind.PERMANENT
    assert describe(error).isascii()


def test_kafka_pythons_retriable_flag_agrees_where_it_exists() -> None:
    assert kafka_errors.NotLeaderForPartitionError.retriable and kafka_errors.KafkaTimeoutError.retriable
    assert not kafka_errors.MessageSizeTooLargeError.retriable
    assert (
        describe(kafka_errors.NotEnoughReplicasError("x"))
        == "NotEnoughReplicasError: [Error 19] NotEnoughReplicasError: x (retriable=True)"
    )


def test_a_record_too_large_goes_to_the_dead_letter_topic_and_the_partition_goes_on() -> None:
    huge = b'{"blob": "' + b"x" * 1_100_000 + b'"}'  # over kafka-python's max_request_size once enriched
    works = [work(0, 1, "A"), work(0, 2, "A", value=huge), work(0, 3, "A")]
    producer = FakeProducer(max_request_size=1_048_576)
    report, log = run(producer, works, dlq=DLQ)
    assert offsets(producer.on(OUT)) == ["in-0@1", "in-0@3"]
    [letter] = producer.on(DLQ)
    assert letter.header(DEAD_LETTER_SOURCE) == b"in-0@2"
    assert letter.header(DEAD_LETTER_STAGE) == b"produce"
    assert letter.header(DEAD_LETTER_REASON).startswith(b"MessageSizeTooLargeError")  # type: ignore[union-attr]
    assert letter.key == b"A" and letter.value == json.dumps({"key": "A"}).encode()  # the source record as written
    assert report.retry == [] and report.refs(Fate.DEAD_LETTERED) == [RecordRef("in", 0, 2)] and report.rejected == 1
    assert "record sent to the dead-letter topic" in log.messages()


def test_without_a_dead_letter_topic_a_rejected_record_is_dropped_and_logged() -> None:
    producer = FakeProducer(fail_when=lambda r: kafka_errors.InvalidRecordError() if r.source == "in-0@1" else None)
    report, log = run(producer, [work(0, 1, "A"), work(0, 2, "A")])
    assert offsets(producer.on(OUT)) == ["in-0@2"]
    assert report.refs(Fate.DROPPED) == [RecordRef("in", 0, 1)] and report.retry == []
    [(level, _, fields)] = [
        line for line in log.lines if line[1] == "record dropped: it could not be delivered nor dead-lettered"
    ]
    assert (
        level == "error"
        and fields["offset"] == 1
        and fields["not_dead_lettered"] == "no dead-letter topic is configured"
    )


def test_a_dead_letter_rejected_too_is_dropped_and_one_that_fails_transiently_is_retried() -> None:
    poison = [poison_work(source(0, 1), "value is not JSON"), poison_work(source(1, 5), "value is not JSON")]

    def dlq_fails(record: SentRecord) -> BaseException | None:
        if record.topic != DLQ:
            return None
        return kafka_errors.InvalidRecordError() if record.source == "in-0@1" else kafka_errors.RequestTimedOutError()

    producer = FakeProducer(fail_when=dlq_fails)
    report, _ = run(producer, [*poison, work(0, 2, "A")], dlq=DLQ)
    assert report.refs(Fate.DROPPED) == [RecordRef("in", 0, 1)]
    assert report.retry == [RecordRef("in", 1, 5)]
    assert report.refs(Fate.DELIVERED) == [RecordRef("in", 0, 2)]


def test_poison_without_a_dead_letter_topic_is_skipped_without_building_a_producer() -> None:
    def no_producer() -> Any:
        raise AssertionError("no producer needed")

    log = Log()
    report = deliver(
        no_producer,
        [poison_work(source(0, 1), "value is not JSON")],
        dead_letter_topic=None,
        budget=FlushBudget(60_000),
        logger=log,
    )
    assert report.refs(Fate.SKIPPED) == [RecordRef("in", 0, 1)]
    assert log.lines[0][1] == "skipping malformed record" and log.lines[0][2]["reason"] == "value is not JSON"


def test_a_dead_letter_keeps_what_decodes_of_a_record_that_did_not() -> None:
    raw = {
        **kafka_record("in", 0, 1, b"\xff\xfe", headers=[header("h", b"v"), {"\ud83d": [1]}, {"bad": [999]}]),
        "key": "!!",
    }
    producer = FakeProducer()
    run(producer, [poison_work(SourceRecord(RecordRef("in", 0, 1), raw), "value is not UTF-8")], dlq=DLQ)
    [letter] = producer.on(DLQ)
    assert (letter.key, letter.value) == (None, b"\xff\xfe")
    assert letter.headers[0] == ("h", b"v") and [h[0] for h in letter.headers[1:]] == [
        DEAD_LETTER_SOURCE,
        DEAD_LETTER_STAGE,
        DEAD_LETTER_REASON,
    ]
    tombstone = {**kafka_record("in", 0, 2, None)}
    run(producer, [poison_work(SourceRecord(RecordRef("in", 0, 2), tombstone), "tombstone")], dlq=DLQ)
    assert producer.on(DLQ)[1].value == b""  # kafka-python refuses a record with neither key nor value


def test_records_not_reached_before_the_budget_runs_out_are_reported() -> None:
    clock = [0.0]
    budget = FlushBudget(4_000, clock=lambda: clock[0])

    class SlowFlush(FakeProducer):
        def flush(self, timeout: float | None = None) -> None:
            super().flush(timeout)
            clock[0] += 0.7

    slow = SlowFlush()
    report = deliver(
        lambda: slow,
        [work(0, 1, "A"), work(0, 2, "A"), work(1, 3, "B")],
        dead_letter_topic=None,
        budget=budget,
        logger=Log(),
    )
    assert report.refs(Fate.DELIVERED) == [RecordRef("in", 0, 1), RecordRef("in", 1, 3)]
    assert report.retry == [RecordRef("in", 0, 2)]
    assert slow.flush_timeouts == [1.0]


@st.composite
def keyed_log(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """A source topic: up to 3 partitions of records keyed by one of 3 vehicles."""
    partitions: dict[str, list[dict[str, Any]]] = {}
    for p in range(draw(st.integers(1, 3))):
        count = draw(st.integers(1, 12))
        keys = draw(st.lists(st.sampled_from("ABC"), min_size=count, max_size=count))
        partitions[f"in-{p}"] = [kafka_record("in", p, 100 + i, {"key": k}, key=k) for i, k in enumerate(keys)]
    return partitions


@PROPERTY
@given(
    topic=keyed_log(),
    failures=st.sets(
        st.tuples(st.integers(1, 4), st.integers(0, 2), st.integers(100, 111), st.booleans()), max_size=12
    ),
)
def test_per_key_order_holds_across_failures_and_retries(
    topic: dict[str, list[dict[str, Any]]], failures: set[tuple[int, int, int, bool]]
) -> None:
    """Whatever fails on which attempt (in send or at flush), once the mapping model has retried to the end every
    record is on the output and, per key, each record is first written after every earlier one of its key."""
    producer = FakeProducer()
    attempt = [0]
    fails_at_send = {(a, p, o) for a, p, o, at_send in failures if at_send}
    fails_at_flush = {(a, p, o) for a, p, o, at_send in failures if not at_send}

    def coordinates(record: SentRecord) -> tuple[int, int, int]:
        partition, offset = record.source.removeprefix("in-").split("@")
        return attempt[0], int(partition), int(offset)

    producer.raise_on_send = lambda r: coordinates(r) in fails_at_send
    producer.fail_when = lambda r: coordinates(r) in fails_at_flush

    def invoke(event: dict[str, Any]) -> Any:
        attempt[0] += 1
        works = []
        for src in read_batch(event).records:
            key = json.loads(base64.b64decode(src.raw["value"]))["key"]
            works.append(
                Work(
                    src,
                    output=OutboundRecord(
                        OUT,
                        key.encode(),
                        src.ref.label().encode(),
                        (("x-source-record", src.ref.label().encode()),),
                        src.ref,
                    ),
                )
            )
        report, _ = run(producer, works)
        return batch_response(report.retry)

    model = MappingModel(topic, msk_event)
    model.run(invoke)
    assert model.pending() == []
    first_seen: dict[bytes, list[tuple[int, int]]] = {}
    seen: set[str] = set()
    for record in producer.on(OUT):
        if record.source in seen:
            continue  # a retry may repeat what was already written
        seen.add(record.source)
        partition, offset = record.source.removeprefix("in-").split("@")
        earlier = [o for p, o in first_seen.get(record.key or b"", []) if p == int(partition)]
        assert all(o < int(offset) for o in earlier), f"{record.source} written after a later record of its key"
        first_seen.setdefault(record.key or b"", []).append((int(partition), int(offset)))
    assert len(seen) == sum(len(records) for records in topic.values())
