"""Fixtures for the local runtime's tests: one embedded broker per test process, topics made fresh per test,
records produced by a second, independent Kafka client (confluent-kafka, librdkafka), moto for AWS destinations."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto import mock_aws

from constructs_kafka_lambda.local import EmbeddedKafka, FunctionSettings, MappingSettings

_names = itertools.count()


@pytest.fixture(scope="session")
def kafka() -> Iterator[EmbeddedKafka]:
    with EmbeddedKafka() as broker:
        yield broker


@pytest.fixture
def topic(kafka: EmbeddedKafka, request: pytest.FixtureRequest) -> Callable[..., str]:
    """make_topic(partitions=1) -> a new topic's name, unique to this test."""

    def make(partitions: int = 1, name: str | None = None) -> str:
        made = name or f"t{os.getpid()}-{next(_names)}-{request.node.name[:40]}".replace("[", "-").replace("]", "")
        made = "".join(c if c.isalnum() or c in "-_." else "_" for c in made)
        kafka.create_topic(made, partitions=partitions)
        return made

    return make


@pytest.fixture
def produce(kafka: EmbeddedKafka) -> Iterator[Callable[..., None]]:
    """produce(topic, value, key=None, headers=None, partition=None, timestamp_ms=None), one request per record
    (flushed), so every record is on the broker when it returns."""
    from confluent_kafka import Producer

    producer = Producer(
        {
            "bootstrap.servers": kafka.bootstrap_servers,
            "enable.idempotence": True,
            "message.max.bytes": 16 * 1024 * 1024,
            "linger.ms": 0,
            "log_level": 0,
        }
    )  # fmt: skip  (quiet when the broker stops at the end of the session)

    def send(
        topic: str,
        value: bytes | None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes | None]] | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
    ) -> None:
        options: dict[str, Any] = {"value": value, "key": key}
        if headers is not None:
            options["headers"] = headers
        if partition is not None:
            options["partition"] = partition
        if timestamp_ms is not None:
            options["timestamp"] = timestamp_ms
        errors: list[Any] = []
        producer.produce(topic, on_delivery=lambda error, _m: errors.append(error) if error else None, **options)
        producer.flush(10)
        assert not errors, errors

    yield send
    producer.flush(10)


@pytest.fixture
def settings() -> Callable[..., MappingSettings]:
    """settings(topic, **fields) -> MappingSettings with a fast batching window (0) unless given."""

    def make(topic: str, **fields: Any) -> MappingSettings:
        function = fields.pop(
            "function", FunctionSettings("orders-fn", "arn:aws:lambda:us-east-1:111111111111:function:orders-fn")
        )
        fields.setdefault("batching_window_seconds", 0)
        return MappingSettings(path=f"Test/{topic}", topic=topic, function=function, **fields)

    return make


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield
