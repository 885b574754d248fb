"""Fixtures for the local runtime's tests: one embedded broker per test process, topics made fresh per test,
records produced by a second, independent Kafka client (confluent-kafka, librdkafka), moto for AWS destinations."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto import mock_aws

from constructs_kafka_lambda.local import EmbeddedKafka, FunctionSettings, LocalRuntime, MappingSettings

_names = itertools.count()


@pytest.fixture(autouse=True)
def _close_runtimes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every LocalRuntime a test makes is closed after it (its Kafka clients hold sockets and threads)."""
    made: list[LocalRuntime] = []
    original = LocalRuntime.__init__

    def remember(self: LocalRuntime, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(LocalRuntime, "__init__", remember)
    yield
    for runtime in made:
        runtime.close()


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


@pytest.fixture(scope="session")
def _producer(kafka: EmbeddedKafka) -> Iterator[Any]:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all", linger_ms=0,
                             max_request_size=16 * 1024 * 1024)  # fmt: skip
    yield producer
    producer.close()


@pytest.fixture
def produce(_producer: Any) -> Callable[..., None]:
    """produce(topic, value, key=None, headers=None, partition=None, timestamp_ms=None): one acknowledged request
    per record (a producer of its own, not the runtime's), so every record is on the broker when it returns.
    test_local_events.py also produces with librdkafka (confluent-kafka), a second client implementation."""

    def send(
        topic: str,
        value: bytes | None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes | None]] | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
    ) -> None:
        _producer.send(topic, value=value, key=key, headers=headers or [], partition=partition,
                       timestamp_ms=timestamp_ms).get(timeout=10)  # fmt: skip

    return send


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
