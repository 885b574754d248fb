"""telemetry_enricher: provisioned-mode MSK consumer that re-produces enriched readings, in order, with partial
failures and a dead-letter topic."""

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kafka import errors as kafka_errors
from kafka_fn_strategies import EDGE_TIMESTAMPS, PROPERTY, all_refs, kafka_events, shaped_values
from kafka_fn_testkit import (
    MSK_BOOTSTRAP,
    FakeContext,
    FakeProducer,
    LoadHandler,
    MappingModel,
    SentRecord,
    failure,
    header,
    kafka_record,
    log_lines,
    metric_values,
    msk_event,
)

T = "fleet-telemetry"
OUT = "fleet-telemetry-enriched"
DLQ = "fleet-telemetry-dead-letters"
INGESTED_AT = "2025-11-22T01:00:00.000Z"  # the records' Kafka timestamp (kafka_fn_testkit.RECORD_TIMESTAMP_MS)


def reading(
    vid: str, psi: float, lat: float = 47.6, lon: float = -122.3, ts: str = "2025-11-22T01:00:00.000Z"
) -> dict[str, Any]:
    return {
        "vehicle_id": vid,
        "timestamp": ts,
        "tire_pressure": psi,
        "speed_kmh": 64.2,
        "engine_temp_c": 91.5,
        "battery_v": 13.9,
        "lat": lat,
        "lon": lon,
    }


@pytest.fixture
def enricher(load_handler: LoadHandler) -> Any:
    return load_handler("telemetry_enricher", BOOTSTRAP_SERVERS=MSK_BOOTSTRAP, OUTPUT_TOPIC=OUT)


def mixed_batch() -> dict[str, Any]:
    return msk_event(
        [
            kafka_record(
                T, 0, 100, reading("VH-0001", 34.0), key="VH-0001", headers=[header("traceparent", b"00-1-01")]
            ),
            kafka_record(T, 0, 101, b"definitely { not json", key="VH-0001"),
            kafka_record(T, 0, 102, reading("VH-0002", 27.0, 30.3, -97.7), key="VH-0002"),
            kafka_record(T, 1, 200, b"\xfe\xff\x00\x7b", key="VH-0003"),
            kafka_record(T, 1, 201, {"vehicle_id": "VH-0003", "tire_pressure": 33.0}, key="VH-0003"),
            kafka_record(T, 1, 202, b'{"vehicle_id": "VH-0004", "blob": "' + b"y" * 270_000 + b'"}'),
            kafka_record(T, 1, 203, reading("VH-0005", 30.5, 40.7, -74.0), key="VH-0005"),
            kafka_record(
                T,
                1,
                204,
                b'{"vehicle_id": "VH-0006", "timestamp": "2025-11-22T01:00:00Z", "tire_pressure": 30, "x": "\\ud83d"}',
            ),
            kafka_record(T, 1, 205, reading("VH-0007", 1e308)),
        ]
    )


def test_enriches_valid_readings_and_skips_malformed_ones(enricher: Any, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeProducer()
    enricher.PRODUCER.override(fake)

    response = enricher.handler(mixed_batch(), FakeContext())

    assert response == {"batchItemFailures": []}
    assert fake.flush_timeouts == [pytest.approx(30.0, abs=0.5)]
    assert [(r.topic, r.key) for r in fake.sent] == [(OUT, b"VH-0001"), (OUT, b"VH-0002"), (OUT, b"VH-0005")]
    assert fake.sent[0].json == {
        **reading("VH-0001", 34.0),
        "tire_status": "OK",
        "region": "us-west",
        "ingested_at": INGESTED_AT,
    }
    assert [(r.json["tire_status"], r.json["region"]) for r in fake.sent] == [
        ("OK", "us-west"),
        ("CRITICAL", "us-central"),
        ("LOW", "us-east"),
    ]
    assert fake.sent[0].headers == [("traceparent", b"00-1-01"), ("x-source-record", b"fleet-telemetry-0@100")]
    assert fake.sent[2].headers == [("x-source-record", b"fleet-telemetry-1@203")]

    out = capsys.readouterr().out
    skipped = log_lines(out, "skipping malformed record")
    assert [(s["topic"], s["partition"], s["offset"]) for s in skipped] == [
        (T, 0, 101),
        (T, 1, 200),
        (T, 1, 201),
        (T, 1, 202),
        (T, 1, 204),
        (T, 1, 205),
    ]
    assert [s["reason"] for s in skipped[2:]] == [
        "field 'timestamp' must be a UTC timestamp YYYY-MM-DDTHH:MM:SS[.ffffff]Z",
        "value is 270037 bytes, more than the 262144 allowed",
        "value holds a string that is not valid Unicode (lone surrogate)",
        "field 'tire_pressure' must be a number in 0..150",
    ]
    metrics = metric_values(out)
    assert (metrics["MalformedRecords"], metrics["RecordsEnriched"], metrics["RecordsDropped"]) == (6, 3, 6)
    assert (metrics["ProduceFailures"], metrics["RecordsRetried"], metrics["DeadLettered"]) == (0, 0, 0)


def test_a_position_out_of_range_is_an_unknown_region_not_a_malformed_reading(enricher: Any) -> None:
    fake = FakeProducer()
    enricher.PRODUCER.override(fake)
    batch = [
        kafka_record(T, 0, 1, reading("VH-1", 30.0, lat=91.0)),
        kafka_record(T, 0, 2, {**reading("VH-2", 30.0), "lon": "x"}),
    ]
    enricher.handler(msk_event(batch), FakeContext())
    assert [r.json["region"] for r in fake.sent] == ["unknown", "unknown"]


def test_per_vehicle_order_holds_when_a_record_fails_mid_batch(enricher: Any) -> None:
    """VH-1's reading at offset 10 fails on the first attempt while VH-2's at 11 succeeds. The old handler sent
    12 and 13 (VH-1) in the same flush, so the retry wrote 10 after them; now they wait for 10."""
    records = {
        f"{T}-0": [
            kafka_record(T, 0, o, reading(v, 30.0), key=v)
            for o, v in [(10, "VH-1"), (11, "VH-2"), (12, "VH-1"), (13, "VH-1")]
        ]
    }
    fake = FakeProducer()
    enricher.PRODUCER.override(fake)
    attempts: list[dict[str, Any]] = []

    def invoke(event: dict[str, Any]) -> Any:
        fake.fail_when = (
            (lambda r: kafka_errors.NotLeaderForPartitionError() if r.source.endswith("@10") else None)
            if not attempts
            else (lambda _r: None)
        )
        attempts.append(enricher.handler(event, FakeContext()))
        return attempts[-1]

    MappingModel(records, msk_event).run(invoke)

    assert attempts[0] == {"batchItemFailures": [failure(T, 0, 10), failure(T, 0, 12), failure(T, 0, 13)]}
    assert attempts[1:] == [{"batchItemFailures": []}]
    assert [r.source for r in fake.on(OUT)] == [f"{T}-0@{o}" for o in (11, 10, 11, 12, 13)]
    assert [r.source for r in fake.on(OUT) if r.key == b"VH-1"] == [f"{T}-0@{o}" for o in (10, 12, 13)]


def test_a_permanent_produce_error_goes_to_the_dead_letter_topic_without_stalling(
    load_handler: LoadHandler, capsys: pytest.CaptureFixture[str]
) -> None:
    enricher = load_handler(
        "telemetry_enricher", BOOTSTRAP_SERVERS=MSK_BOOTSTRAP, OUTPUT_TOPIC=OUT, DEAD_LETTER_TOPIC=DLQ
    )
    fake = FakeProducer()
    enricher.PRODUCER.override(fake)
    big_header = header("trace-baggage", b"b" * 1_100_000)  # a value under 256 KiB, a record over max_request_size
    batch = [
        kafka_record(T, 0, 1, reading("VH-1", 30.0), key="VH-1"),
        kafka_record(T, 0, 2, reading("VH-1", 29.0), key="VH-1", headers=[big_header]),
        kafka_record(T, 0, 3, reading("VH-1", 28.0), key="VH-1"),
        kafka_record(T, 0, 4, b"not json", key="VH-1"),
    ]
    response = enricher.handler(msk_event(batch), FakeContext())

    assert response == {"batchItemFailures": []}
    assert [r.source for r in fake.on(OUT)] == [f"{T}-0@1", f"{T}-0@3"]
    assert [(r.source, r.header("x-dead-letter-stage")) for r in fake.on(DLQ)] == [(f"{T}-0@4", b"decode")]
    out = capsys.readouterr().out
    [dropped] = log_lines(out, "record dropped: it could not be delivered nor dead-lettered")
    assert (dropped["offset"], dropped["stage"]) == (2, "produce")
    assert (
        dropped["reason"].startswith("MessageSizeTooLargeError")
        and "MessageSizeTooLargeError" in dropped["not_dead_lettered"]
    )
    metrics = metric_values(out)
    assert (
        metrics["ProduceRejected"],
        metrics["DeadLettered"],
        metrics["RecordsDropped"],
        metrics["RecordsEnriched"],
    ) == (1, 1, 1, 2)


def test_a_deployment_error_is_retried_not_dropped(enricher: Any) -> None:
    enricher.PRODUCER.override(FakeProducer(fail_when=lambda _r: kafka_errors.TopicAuthorizationFailedError()))
    response = enricher.handler(msk_event([kafka_record(T, 3, 7, reading("VH-1", 30.0))]), FakeContext())
    assert response == {"batchItemFailures": [failure(T, 3, 7)]}


def test_nothing_delivered_reports_every_record_and_drops_the_producer(enricher: Any) -> None:
    fake = FakeProducer(flush_hangs=True)
    enricher.PRODUCER.override(fake)
    response = enricher.handler(mixed_batch(), FakeContext(remaining_ms=8_000))
    # Each partition stops at its first failure (0@100, 1@203): everything from there is reported, poison too.
    reported = [(0, 100), (0, 101), (0, 102), (1, 203), (1, 204), (1, 205)]
    assert response == {"batchItemFailures": [failure(T, p, o) for p, o in reported]}
    assert fake.flush_timeouts == [pytest.approx(5.0, abs=0.5)]
    assert fake.closed


def test_without_partial_batch_responses_a_failed_produce_fails_the_invocation(
    enricher: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORT_BATCH_ITEM_FAILURES", "false")
    enricher.PRODUCER.override(FakeProducer(fail_when=lambda r: r.key == b"VH-0002"))
    with pytest.raises(enricher.BatchItemFailuresError, match="fleet-telemetry-0@102"):
        enricher.handler(mixed_batch(), FakeContext())


def test_the_producer_is_built_once_and_not_for_a_batch_of_malformed_records(
    enricher: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[tuple[str, str]] = []
    fake = FakeProducer()

    def factory(servers: str, region: str) -> FakeProducer:
        built.append((servers, region))
        return fake

    monkeypatch.setattr(enricher, "msk_iam_producer", factory)
    assert enricher.handler(msk_event([kafka_record(T, 0, 1, b"nope")]), FakeContext()) == {"batchItemFailures": []}
    assert built == []
    enricher.handler(mixed_batch(), FakeContext())
    enricher.handler(mixed_batch(), FakeContext())
    assert built == [(MSK_BOOTSTRAP, "eu-west-1")]
    assert len(fake.flush_timeouts) == 2


@pytest.mark.parametrize(
    ("psi", "status"),
    [(20.0, "CRITICAL"), (27.9, "CRITICAL"), (28.0, "LOW"), (31.9, "LOW"), (32.0, "OK"), (42.5, "HIGH")],
)
def test_tire_status(enricher: Any, psi: float, status: str) -> None:
    assert enricher.tire_status(psi) == status


@pytest.mark.parametrize(
    ("lat", "lon", "region"),
    [
        (47.6, -122.3, "us-west"),
        (41.9, -87.6, "us-central"),
        (40.7, -74.0, "us-east"),
        (51.5, -0.1, "other"),
        (None, -74.0, "unknown"),
    ],
)
def test_geo_region(enricher: Any, lat: float | None, lon: float | None, region: str) -> None:
    assert enricher.geo_region(lat, lon) == region


READINGS = shaped_values(
    {
        "vehicle_id": st.sampled_from(["VH-0001", "VH-0002", "VH-0003"]),
        "timestamp": st.sampled_from(EDGE_TIMESTAMPS[:3]),
        "tire_pressure": st.floats(min_value=0, max_value=150),
        "lat": st.floats(min_value=-90, max_value=90),
        "lon": st.floats(min_value=-180, max_value=180),
    }
)


def _check_output(record: SentRecord) -> None:
    value = json.loads(record.value or b"")  # strict JSON: NaN/Infinity would not load with parse_constant below
    json.loads(record.value or b"", parse_constant=lambda c: pytest.fail(f"{c} in output"))
    assert record.key == value["vehicle_id"].encode() and value["vehicle_id"].isprintable()
    assert 0 <= value["tire_pressure"] <= 150
    assert value["ingested_at"].endswith("Z") and value["tire_status"] in {"CRITICAL", "LOW", "OK", "HIGH"}
    (record.value or b"").decode("utf-8")


@PROPERTY
@given(event=kafka_events(T, READINGS))
def test_no_record_crashes_the_batch_and_every_record_is_accounted_for(
    enricher: Any, capsys: pytest.CaptureFixture[str], event: dict[str, Any]
) -> None:
    """Any records: the handler replies; each record is enriched or logged as skipped with its coordinates; and
    the same batch again produces byte-identical records (nothing derives from the clock)."""
    capsys.readouterr()
    runs = []
    for _ in range(2):
        fake = FakeProducer()
        enricher.PRODUCER.override(fake)
        assert enricher.handler(event, FakeContext()) == {"batchItemFailures": []}
        runs.append([(r.topic, r.key, r.value, r.headers) for r in fake.sent])
        for record in fake.sent:
            _check_output(record)
    assert runs[0] == runs[1]
    out = capsys.readouterr().out
    skipped = {(s["topic"], s["partition"], s["offset"]) for s in log_lines(out, "skipping malformed record")}
    enriched = {
        (T, int(r[3][-1][1].split(b"@")[0].rsplit(b"-", 1)[1]), int(r[3][-1][1].split(b"@")[1])) for r in runs[0]
    }
    assert skipped | enriched == all_refs(event) and not skipped & enriched
    assert metric_values(out).get("MalformedRecords", 0) == 2 * len(skipped)
