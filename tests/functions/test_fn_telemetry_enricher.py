"""telemetry_enricher: provisioned-mode MSK consumer that re-produces enriched readings, with partial failures."""

from datetime import UTC, datetime
from typing import Any

import pytest
from kafka_fn_testkit import (
    MSK_BOOTSTRAP,
    FakeContext,
    FakeProducer,
    LoadHandler,
    emitted_json_lines,
    failure,
    header,
    kafka_record,
    metric_values,
    msk_event,
)

T = "fleet-telemetry"
OUT = "fleet-telemetry-enriched"
NOW = datetime(2026, 11, 22, 1, 0, 5, 250_000, tzinfo=UTC)


def reading(vid: str, psi: float, lat: float = 47.6, lon: float = -122.3) -> dict[str, Any]:
    return {
        "vehicle_id": vid,
        "timestamp": "2026-11-22T01:00:00.000Z",
        "tire_pressure": psi,
        "speed_kmh": 64.2,
        "engine_temp_c": 91.5,
        "battery_v": 13.9,
        "lat": lat,
        "lon": lon,
    }


@pytest.fixture
def enricher(load_handler: LoadHandler, monkeypatch: pytest.MonkeyPatch) -> Any:
    mod = load_handler("telemetry_enricher", BOOTSTRAP_SERVERS=MSK_BOOTSTRAP, OUTPUT_TOPIC=OUT)
    monkeypatch.setattr(mod, "_utcnow", lambda: NOW)
    return mod


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
        ]
    )


def test_enriches_valid_readings_and_skips_malformed_ones(enricher: Any, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeProducer()
    enricher.PRODUCER.override(fake)

    response = enricher.handler(mixed_batch(), FakeContext())

    assert response == {"batchItemFailures": []}
    assert fake.flush_timeouts == [30.0]
    assert [(r.topic, r.key) for r in fake.sent] == [(OUT, b"VH-0001"), (OUT, b"VH-0002"), (OUT, b"VH-0005")]
    assert fake.sent[0].json == {
        **reading("VH-0001", 34.0),
        "tire_status": "OK",
        "region": "us-west",
        "processed_at": "2026-11-22T01:00:05.250Z",
    }
    assert [(r.json["tire_status"], r.json["region"]) for r in fake.sent] == [
        ("OK", "us-west"),
        ("CRITICAL", "us-central"),
        ("LOW", "us-east"),
    ]
    assert fake.sent[0].headers == [("traceparent", b"00-1-01"), ("x-source-record", b"fleet-telemetry-0@100")]
    assert fake.sent[2].headers == [("x-source-record", b"fleet-telemetry-1@203")]

    out = capsys.readouterr().out
    skipped = [line for line in emitted_json_lines(out) if line.get("message") == "skipping malformed record"]
    assert [(s["topic"], s["partition"], s["offset"]) for s in skipped] == [
        (T, 0, 101),
        (T, 1, 200),
        (T, 1, 201),
        (T, 1, 202),
    ]
    assert "timestamp" in skipped[2]["reason"]
    assert "more than" in skipped[3]["reason"]
    metrics = metric_values(out)
    assert (metrics["MalformedRecords"], metrics["RecordsEnriched"], metrics["ProduceFailures"]) == (4, 3, 0)


def test_failed_produces_are_reported_as_batch_item_failures(enricher: Any, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeProducer(fail_when=lambda r: r.key == b"VH-0005", raise_on_send=lambda r: r.key == b"VH-0001")
    enricher.PRODUCER.override(fake)

    response = enricher.handler(mixed_batch(), FakeContext())

    assert response == {"batchItemFailures": [failure(T, 0, 100), failure(T, 1, 203)]}
    assert [r.key for r in fake.delivered] == [b"VH-0002"]
    assert not fake.closed
    errors = [line for line in emitted_json_lines(capsys.readouterr().out) if line.get("message") == "produce failed"]
    assert [(e["topic"], e["partition"], e["offset"]) for e in errors] == [(T, 0, 100), (T, 1, 203)]


def test_nothing_delivered_reports_every_record_and_drops_the_producer(enricher: Any) -> None:
    fake = FakeProducer(flush_hangs=True)
    enricher.PRODUCER.override(fake)
    response = enricher.handler(mixed_batch(), FakeContext(remaining_ms=8_000))
    assert response == {"batchItemFailures": [failure(T, 0, 100), failure(T, 0, 102), failure(T, 1, 203)]}
    assert fake.flush_timeouts == [5.0]
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
