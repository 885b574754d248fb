"""Kafka producers for Lambda: built once per execution environment, flushed in as few waits as order allows.

Why this module exists: a producer costs a TCP+TLS+SASL handshake per broker and a metadata round trip, far
more than producing a batch, so it must outlive the invocation (module scope, built lazily on first use so that
a missing setting fails the invocation rather than the import). Records are sent, then ``flush()`` waits once
for all of them, and only then is each record's future read: one network wait per group of records instead of
one per record, and a per-record verdict. :func:`produce_all` does this once for a producer of its own data;
consumers use ``kafka_common.delivery``, which flushes once per round so that records of one key wait for the
previous one. All flushes of an invocation share one :class:`FlushBudget`.

Producers use ``acks="all"`` and keep kafka-python's default idempotence (no duplicates from the client's own
retries; on MSK with IAM this needs ``kafka-cluster:WriteDataIdempotently`` on the cluster).

Deployed, every producer authenticates over TLS (MSK IAM or SASL/PLAIN). ``KAFKA_SECURITY_PROTOCOL=PLAINTEXT`` is
the one local switch: the sample's local run (``make demo``) sets it so that these producers, unchanged otherwise,
write to the plaintext broker on 127.0.0.1 (:func:`security_protocol`).

This module imports kafka-python; consumers that do not produce must not import it (``kafka_common`` itself
does not).
"""

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kafka import KafkaProducer
from kafka.net.sasl.oauth import AbstractTokenProvider

from .records import RecordRef

log = logging.getLogger(__name__)

#: Settings shared by every producer here. Timeouts are well under a Lambda timeout so that a broker outage
#: shows up as failed futures the handler can report, not as a function timeout that retries everything.
PRODUCER_DEFAULTS: dict[str, Any] = {
    "acks": "all",
    "bootstrap_timeout_ms": 10_000,
    "linger_ms": 5,
    "request_timeout_ms": 10_000,
    "delivery_timeout_ms": 30_000,
    "max_block_ms": 10_000,
    "reconnect_backoff_max_ms": 2_000,
}


class SendFuture(Protocol):
    def get(self, timeout: float | None = None) -> Any: ...


class Producer(Protocol):
    """The part of ``kafka.KafkaProducer`` the handlers use (tests pass a fake with the same methods)."""

    def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> SendFuture: ...

    def flush(self, timeout: float | None = None) -> None: ...

    def close(self, timeout: float | None = None) -> None: ...


@dataclass(frozen=True)
class OutboundRecord:
    topic: str
    key: bytes | None
    value: bytes | None  # None: a tombstone (only with a key)
    headers: tuple[tuple[str, bytes], ...] = ()
    source: RecordRef | None = None


@dataclass(frozen=True)
class ProduceFailure:
    record: OutboundRecord
    error: BaseException


def produce_all(producer: Producer, records: Sequence[OutboundRecord], *, timeout_s: float) -> list[ProduceFailure]:
    """Send every record, flush once, and return the records that were not acknowledged.

    For a producer of its own data (the simulator), where no record depends on another. A record fails if
    ``send`` raises (e.g. too large, metadata unavailable) or its future resolved to an error or was still pending
    when the flush gave up (then it may still be delivered later: at-least-once). Consumers that re-produce
    records use ``kafka_common.delivery.deliver``, which also keeps per-key order and routes permanent errors.
    """
    pending: list[tuple[OutboundRecord, SendFuture]] = []
    failures: list[ProduceFailure] = []
    for record in records:
        try:
            future = producer.send(record.topic, value=record.value, key=record.key, headers=list(record.headers))
        except Exception as exc:
            failures.append(ProduceFailure(record, exc))
        else:
            pending.append((record, future))
    if pending:
        flush(producer, timeout_s)
    for record, future in pending:
        try:
            future.get(timeout=0)
        except Exception as exc:
            failures.append(ProduceFailure(record, exc))
    return failures


def flush(producer: Producer, timeout_s: float) -> None:
    """Flush, logging (not raising) a flush that gave up: the futures still pending then tell which records."""
    try:
        producer.flush(timeout=timeout_s)
    except Exception as exc:
        log.warning("flush did not complete within %.1f s: %r", timeout_s, exc)


class LazyProducer:
    """One producer per execution environment, built on first use.

    ``override`` lets a test put a fake in its place; ``reset`` drops (and closes) the producer so that the next
    invocation builds a new one, e.g. after a batch in which nothing could be delivered (stale connections,
    rotated credentials).
    """

    def __init__(self, factory: Callable[[], Producer]) -> None:
        self._factory = factory
        self._producer: Producer | None = None
        self._lock = threading.Lock()

    def get(self) -> Producer:
        with self._lock:
            if self._producer is None:
                self._producer = self._factory()
            return self._producer

    def override(self, producer: Producer | None) -> None:
        with self._lock:
            self._producer = producer

    def send_batch(
        self, records: Sequence[OutboundRecord], remaining_ms: int | None, logger: Any
    ) -> list[ProduceFailure]:
        """``produce_all`` within the invocation's time; logs each failure, and drops the producer when nothing
        at all was delivered (stale connections or credentials: the next invocation reconnects)."""
        if not records:
            return []
        failures = produce_all(self.get(), records, timeout_s=flush_timeout_s(remaining_ms))
        for failure in failures:
            logger.error("produce failed", extra={"key": repr(failure.record.key), "error": repr(failure.error)})
        if len(failures) == len(records):
            self.reset()
        return failures

    def reset(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=0)
            except Exception as exc:
                log.warning("closing the producer failed: %r", exc)


TokenSigner = Callable[[str], tuple[str, int]]


def _msk_signer(region: str) -> tuple[str, int]:
    from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

    token, expiry_ms = MSKAuthTokenProvider.generate_auth_token(region)
    return token, int(expiry_ms)


class MskIamTokenProvider(AbstractTokenProvider):
    """SASL/OAUTHBEARER tokens for MSK IAM auth, signed locally with the function's role credentials.

    A token is a presigned URL valid for 15 minutes; it is reused until ``refresh_margin_s`` before it expires,
    so reconnects in a warm environment do not re-sign each time. Signing needs no network call (no STS
    endpoint needed in the VPC). kafka-python calls this from its sender thread, hence the lock.
    """

    def __init__(
        self,
        region: str,
        *,
        signer: TokenSigner = _msk_signer,
        clock: Callable[[], float] = time.time,
        refresh_margin_s: float = 60.0,
    ) -> None:
        super().__init__()
        if not region:
            raise ValueError("MSK IAM auth needs the AWS Region (AWS_REGION)")
        self._region = region
        self._signer = signer
        self._clock = clock
        self._margin_ms = refresh_margin_s * 1000
        self._token: str | None = None
        self._expiry_ms = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() * 1000 >= self._expiry_ms - self._margin_ms:
                self._token, self._expiry_ms = self._signer(self._region)
            return self._token


def _client_id() -> str:
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "kafka-lambda-sample")


def msk_iam_producer(
    bootstrap_servers: str,
    region: str,
    *,
    producer_cls: Callable[..., Any] = KafkaProducer,
    token_provider: AbstractTokenProvider | None = None,
) -> Producer:
    """A producer for MSK (provisioned or Serverless) with IAM auth: SASL_SSL + OAUTHBEARER on port 9098.

    With ``KAFKA_SECURITY_PROTOCOL=PLAINTEXT`` (local runs only, see :func:`security_protocol`) it connects in
    plaintext without SASL: no token is signed and ``region`` is not needed."""
    if security_protocol() == "PLAINTEXT":
        return _plaintext_producer(bootstrap_servers, producer_cls)
    producer: Producer = producer_cls(
        bootstrap_servers=split_servers(bootstrap_servers),
        security_protocol="SASL_SSL",
        sasl_mechanism="OAUTHBEARER",
        sasl_oauth_token_provider=token_provider or MskIamTokenProvider(region),
        client_id=_client_id(),
        **PRODUCER_DEFAULTS,
    )
    return producer


def sasl_plain_producer(
    bootstrap_servers: str,
    username: str,
    password: str,
    *,
    producer_cls: Callable[..., Any] = KafkaProducer,
) -> Producer:
    """A producer for SASL/PLAIN over TLS, e.g. Confluent Cloud with an API key and secret.

    With ``KAFKA_SECURITY_PROTOCOL=PLAINTEXT`` (local runs only, see :func:`security_protocol`) it connects in
    plaintext and does not send the credentials."""
    if security_protocol() == "PLAINTEXT":
        return _plaintext_producer(bootstrap_servers, producer_cls)
    producer: Producer = producer_cls(
        bootstrap_servers=split_servers(bootstrap_servers),
        security_protocol="SASL_SSL",
        sasl_mechanism="PLAIN",
        sasl_plain_username=username,
        sasl_plain_password=password,
        client_id=_client_id(),
        **PRODUCER_DEFAULTS,
    )
    return producer


#: The environment variable of the local switch (:func:`security_protocol`).
SECURITY_PROTOCOL_ENV = "KAFKA_SECURITY_PROTOCOL"


def security_protocol(env: Mapping[str, str] | None = None) -> str:
    """``SASL_SSL`` (the deployed functions: unset or ``SASL_SSL``) or ``PLAINTEXT`` (env
    ``KAFKA_SECURITY_PROTOCOL=PLAINTEXT``).

    Why: the local runtime's broker (``constructs_kafka_lambda.local.EmbeddedKafka``, or any Kafka on a developer's
    machine) listens in plaintext on 127.0.0.1, and the sample's local run (``make demo``) must run these very
    producers, with their settings, delivery and flushes, against it instead of a test double. The stacks never set
    the variable; any other value fails the producer's construction (and so the invocation) rather than silently
    connecting in a way nobody asked for.
    """
    raw = (env if env is not None else os.environ).get(SECURITY_PROTOCOL_ENV, "").strip().upper()
    if raw in ("", "SASL_SSL"):
        return "SASL_SSL"
    if raw == "PLAINTEXT":
        return "PLAINTEXT"
    raise ValueError(f"{SECURITY_PROTOCOL_ENV} must be SASL_SSL (the default) or PLAINTEXT, got {raw[:50]!r}")


def _plaintext_producer(bootstrap_servers: str, producer_cls: Callable[..., Any]) -> Producer:
    """The same producer settings without TLS or SASL, for a local broker (see :func:`security_protocol`)."""
    log.warning("%s=PLAINTEXT: producing without TLS or authentication (local runs only)", SECURITY_PROTOCOL_ENV)
    producer: Producer = producer_cls(
        bootstrap_servers=split_servers(bootstrap_servers),
        security_protocol="PLAINTEXT",
        client_id=_client_id(),
        **PRODUCER_DEFAULTS,
    )
    return producer


def split_servers(bootstrap_servers: str) -> list[str]:
    servers = [s.strip() for s in bootstrap_servers.split(",") if s.strip()]
    if not servers:
        raise ValueError("no bootstrap servers given")
    return servers


def flush_timeout_s(remaining_ms: int | None, *, reserve_s: float = 3.0, cap_s: float = 30.0) -> float:
    """How long an invocation may spend flushing: what is left of it minus a reserve, at least 1 s, at most
    ``cap_s``."""
    if remaining_ms is None:
        return cap_s
    return max(1.0, min(cap_s, remaining_ms / 1000 - reserve_s))


class FlushBudget:
    """The flushing time of one invocation (:func:`flush_timeout_s`), shared by its successive flushes."""

    def __init__(self, remaining_ms: int | None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._ends_at = clock() + flush_timeout_s(remaining_ms)

    def left_s(self) -> float:
        return max(0.0, self._ends_at - self._clock())
