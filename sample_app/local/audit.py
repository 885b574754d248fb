"""The audit of a local run: every topic and the alert inbox read back, every source record accounted for.

Independent of the handlers: it reads records with its own Kafka consumer and decides what a low reading is by
itself, so a handler bug shows up as a record without an outcome (``missing``), an output written twice
(``repeated``, allowed only byte for byte: at-least-once Kafka writes) or twice different (``conflicting``, never).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TELEMETRY_TOPIC, ENRICHED_TOPIC = "fleet-telemetry", "fleet-telemetry-enriched"
FLEET_DEAD_LETTERS = "fleet-telemetry-dead-letters"
TRADES_TOPIC, SETTLEMENTS_TOPIC = "user_trades", "trade-settlements"
#: The settlement stack's optional dead-letter topic (context `confluent_dead_letter_topic`), on in the local run.
TRADE_DEAD_LETTERS = "user_trades-dead-letters"
LOW_PSI = 32.0
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")


# ------------------------------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Record:
    """A record read back from the broker."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp: int

    @property
    def label(self) -> str:
        return f"{self.topic}-{self.partition}@{self.offset}"

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", "replace")
        return None

    def json(self) -> Any:
        try:
            return json.loads(self.value) if self.value is not None else None
        except ValueError:
            return None


def read_topics(bootstrap_servers: str, topics: Sequence[str], timeout: float = 15.0) -> dict[str, list[Record]]:
    """Every record of each topic, in partition and offset order, with one consumer (ends from fetch high
    watermarks, see ``constructs_kafka_lambda.local.broker``)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=None, enable_auto_commit=False,
                             fetch_max_wait_ms=50, client_id="sample-local-audit")  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        assigned = []
        for topic in topics:
            partitions = consumer.partitions_for_topic(topic)
            while not partitions and time.monotonic() < deadline:
                time.sleep(0.05)
                partitions = consumer.partitions_for_topic(topic)
            assigned += [TopicPartition(topic, p) for p in sorted(partitions or ())]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        records: dict[str, list[Record]] = {topic: [] for topic in topics}
        while time.monotonic() < deadline:
            for tp, messages in consumer.poll(timeout_ms=100, max_records=10_000).items():
                for m in messages:
                    headers = tuple((str(k), bytes(v or b"")) for k, v in (m.headers or []))
                    record = Record(tp.topic, tp.partition, m.offset, m.key, m.value, headers, m.timestamp)
                    records[tp.topic].append(record)
            ends = {tp: consumer.highwater(tp) for tp in assigned}
            if all(end is not None and consumer.position(tp) >= end for tp, end in ends.items()):
                return {topic: sorted(found, key=lambda r: (r.partition, r.offset)) for topic, found in records.items()}
        raise TimeoutError(f"could not read {', '.join(topics)} to their ends within {timeout:.0f} s")
    finally:
        consumer.close()


def is_low_reading(record: Record) -> bool:
    """The audit's own reading of a telemetry record (independent of the handlers): a JSON object with a vehicle id,
    a UTC timestamp and a numeric tire pressure under 32 psi is a low reading that must be alerted on."""
    value = record.json()
    if not isinstance(value, dict):
        return False
    vehicle, stamp, psi = value.get("vehicle_id"), value.get("timestamp"), value.get("tire_pressure")
    return (
        isinstance(vehicle, str)
        and 1 <= len(vehicle) <= 64
        and vehicle.strip() == vehicle
        and vehicle.isprintable()
        and isinstance(stamp, str)
        and bool(_TIMESTAMP.fullmatch(stamp))
        and isinstance(psi, (int, float))
        and not isinstance(psi, bool)
        and 0 <= psi < LOW_PSI
    )


# -------------------------------------------------------------------------------------------------- audit
@dataclass
class Audit:
    """Every source record accounted for, from what is on the broker and in the alert inbox."""

    telemetry: list[Record]
    trades: list[Record]
    enriched: list[Record]
    fleet_dead_letters: list[Record]
    settlements: list[Record]
    trade_dead_letters: list[Record]
    alerts: list[dict[str, Any]]
    low_readings: list[Record] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # consumer -> source labels without an outcome
    repeated: dict[str, list[str]] = field(default_factory=dict)  # output -> labels written more than once
    conflicting: list[str] = field(default_factory=list)  # repeated outputs whose bytes differ (never allowed)

    @property
    def produced(self) -> int:
        return len(self.telemetry) + len(self.trades)

    @property
    def dead_lettered(self) -> int:
        return len({r.header("x-dead-letter-source") for r in self.fleet_dead_letters + self.trade_dead_letters})

    @property
    def lost(self) -> int:
        return sum(len(labels) for labels in self.missing.values())

    @property
    def duplicate_alerts(self) -> list[tuple[str, str]]:
        counts = Counter((a["vehicle_id"], a["timestamp"]) for a in self.alerts)
        return sorted(key for key, n in counts.items() if n > 1)

    @property
    def duplicated(self) -> int:
        """Side effects that happened more than once: alerts for the same reading, and output records written
        again for the same source record (at-least-once Kafka writes; byte-identical, see ``conflicting``)."""
        counts = Counter((a["vehicle_id"], a["timestamp"]) for a in self.alerts)
        return sum(n - 1 for n in counts.values()) + sum(len(labels) for labels in self.repeated.values())

    def settlement_of(self) -> dict[str, list[dict[str, Any]]]:
        """trade_id (or source label) -> its settlements, in output order."""
        by_trade: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in self.settlements:
            by_trade[(record.key or b"").decode()].append(record.json())
        return dict(by_trade)


def _outputs_by_source(records: Sequence[Record], header: str) -> dict[str, list[Record]]:
    found: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        source = record.header(header)
        if source is not None:
            found[source].append(record)
    return found


def audit(bootstrap_servers: str, alerts: list[dict[str, Any]]) -> Audit:
    """Read every topic back and account for each source record (see :class:`Audit`)."""
    names = (TELEMETRY_TOPIC, TRADES_TOPIC, ENRICHED_TOPIC, FLEET_DEAD_LETTERS, SETTLEMENTS_TOPIC, TRADE_DEAD_LETTERS)
    topics = read_topics(bootstrap_servers, names)
    result = Audit(
        telemetry=topics[TELEMETRY_TOPIC],
        trades=topics[TRADES_TOPIC],
        enriched=topics[ENRICHED_TOPIC],
        fleet_dead_letters=topics[FLEET_DEAD_LETTERS],
        settlements=topics[SETTLEMENTS_TOPIC],
        trade_dead_letters=topics[TRADE_DEAD_LETTERS],
        alerts=alerts,
    )
    outputs = {
        "enriched": _outputs_by_source(result.enriched, "x-source-record"),
        "fleet dead letters": _outputs_by_source(result.fleet_dead_letters, "x-dead-letter-source"),
        "settlements": _outputs_by_source(result.settlements, "x-source-record"),
        "trade dead letters": _outputs_by_source(result.trade_dead_letters, "x-dead-letter-source"),
    }
    for name, by_source in outputs.items():
        result.repeated[name] = sorted(label for label, copies in by_source.items() if len(copies) > 1)
        for label, copies in by_source.items():
            if len({(c.key, c.value, c.headers) for c in copies}) > 1:
                result.conflicting.append(f"{name}: {label}")
    result.missing["telemetry_enricher"] = [
        r.label
        for r in result.telemetry
        if r.label not in outputs["enriched"] and r.label not in outputs["fleet dead letters"]
    ]
    result.missing["trade_settlement"] = [
        r.label
        for r in result.trades
        if r.label not in outputs["settlements"] and r.label not in outputs["trade dead letters"]
    ]
    # Alerts: one per vehicle per batch on its most severe reading, so a low reading is covered by the alert made
    # from it, or by its vehicle's alert that coalesced several low readings of one batch (one at least as low).
    result.low_readings = [r for r in result.telemetry if is_low_reading(r)]
    alerted = {_alert_source(a) for a in alerts}
    uncovered = []
    for reading in result.low_readings:
        value = reading.json()
        if reading.label in alerted:
            continue
        if any(
            a["vehicle_id"] == value["vehicle_id"]
            and a.get("low_readings_in_batch", 1) > 1
            and a["tire_pressure"] <= value["tire_pressure"]
            for a in alerts
        ):
            continue
        uncovered.append(reading.label)
    result.missing["tire_pressure_alerts"] = uncovered
    return result


def _alert_source(alert: Mapping[str, Any]) -> str:
    source = alert.get("source") or {}
    return f"{source.get('topic')}-{source.get('partition')}@{source.get('offset')}"


def source_records(report: Audit, topic: str) -> list[Record]:
    records = report.telemetry if topic == TELEMETRY_TOPIC else report.trades if topic == TRADES_TOPIC else []
    last: dict[tuple[str, int], Record] = {}
    for record in records:
        last[(record.topic, record.partition)] = record
    return list(last.values())
