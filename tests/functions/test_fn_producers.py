"""kafka_common.producers: building producers (MSK IAM, SASL/PLAIN), their lifetime, the flush budget."""

import base64
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from kafka.net.sasl.oauth import AbstractTokenProvider
from kafka_common import msk_iam_bootstrap_servers
from kafka_common.producers import (
    PRODUCER_DEFAULTS,
    FlushBudget,
    LazyProducer,
    MskIamTokenProvider,
    OutboundRecord,
    flush_timeout_s,
    msk_iam_producer,
    produce_all,
    sasl_plain_producer,
    security_protocol,
)
from kafka_fn_testkit import MSK_CLUSTER_ARN, FakeProducer


def test_produce_all_flushes_once_and_reports_each_failure() -> None:
    producer = FakeProducer(fail_when=lambda r: r.key == b"b", raise_on_send=lambda r: r.key == b"c")
    records = [OutboundRecord("out", k, b"{}") for k in [b"a", b"b", b"c"]]
    failures = produce_all(producer, records, timeout_s=5)
    assert [f.record.key for f in failures] == [b"c", b"b"]
    assert [r.key for r in producer.delivered] == [b"a"]
    assert producer.flush_timeouts == [5]


def test_produce_all_counts_records_still_pending_after_the_flush_as_failed() -> None:
    producer = FakeProducer(flush_hangs=True)
    failures = produce_all(producer, [OutboundRecord("out", b"a", b"{}")], timeout_s=1)
    assert len(failures) == 1


def test_produce_all_does_not_flush_when_nothing_was_sent() -> None:
    producer = FakeProducer()
    assert produce_all(producer, [], timeout_s=1) == []
    assert producer.flush_timeouts == []


def test_flush_budget_is_shared_by_the_flushes_of_an_invocation() -> None:
    now = [100.0]
    budget = FlushBudget(10_000, clock=lambda: now[0])
    assert budget.left_s() == 7.0
    now[0] += 5.5
    assert budget.left_s() == 1.5
    now[0] += 2
    assert budget.left_s() == 0.0


def test_lazy_producer_builds_once_and_reset_closes() -> None:
    built: list[FakeProducer] = []

    def factory() -> FakeProducer:
        built.append(FakeProducer())
        return built[-1]

    lazy = LazyProducer(factory)
    assert lazy.get() is lazy.get()
    assert len(built) == 1
    lazy.reset()
    assert built[0].closed
    assert lazy.get() is built[1]


def test_msk_iam_token_provider_reuses_the_token_until_near_expiry() -> None:
    now = [1_000.0]
    calls: list[str] = []

    def signer(region: str) -> tuple[str, int]:
        calls.append(region)
        return f"token-{len(calls)}", int((now[0] + 900) * 1000)

    provider = MskIamTokenProvider("eu-west-1", signer=signer, clock=lambda: now[0])
    assert isinstance(provider, AbstractTokenProvider)
    assert provider.token() == "token-1"
    now[0] += 800
    assert provider.token() == "token-1"
    now[0] += 50
    assert provider.token() == "token-2"
    assert calls == ["eu-west-1", "eu-west-1"]


def test_msk_iam_token_provider_signs_with_the_real_signer_offline() -> None:
    token = MskIamTokenProvider("eu-west-1").token()
    padded = token + "=" * (-len(token) % 4)
    url = base64.urlsafe_b64decode(padded).decode()
    assert url.startswith("https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect")
    assert "X-Amz-Signature=" in url


class RecordingProducerClass:
    def __init__(self, **config: Any) -> None:
        self.config = config


def test_msk_iam_producer_configuration() -> None:
    producer: Any = msk_iam_producer("b-1:9098, b-2:9098", "eu-west-1", producer_cls=RecordingProducerClass)
    config = producer.config
    assert config["bootstrap_servers"] == ["b-1:9098", "b-2:9098"]
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "OAUTHBEARER"
    assert isinstance(config["sasl_oauth_token_provider"], MskIamTokenProvider)
    assert config["acks"] == "all"
    assert config["client_id"] == "kafka-sample-test"


def test_sasl_plain_producer_configuration() -> None:
    producer: Any = sasl_plain_producer("pkc-1:9092", "KEY", "SECRET", producer_cls=RecordingProducerClass)
    assert producer.config["security_protocol"] == "SASL_SSL"
    assert producer.config["sasl_mechanism"] == "PLAIN"
    assert (producer.config["sasl_plain_username"], producer.config["sasl_plain_password"]) == ("KEY", "SECRET")
    assert producer.config["acks"] == "all"


def test_producer_settings_are_accepted_by_kafka_python() -> None:
    from kafka import KafkaProducer
    from kafka_common.producers import PRODUCER_DEFAULTS

    assert set(PRODUCER_DEFAULTS) <= set(KafkaProducer.DEFAULT_CONFIG)


def test_flush_timeout_leaves_a_reserve_of_the_invocation() -> None:
    assert flush_timeout_s(60_000) == 30.0
    assert flush_timeout_s(10_000) == 7.0
    assert flush_timeout_s(500) == 1.0
    assert flush_timeout_s(None) == 30.0


def test_bootstrap_servers_from_env_or_cluster_arn() -> None:
    assert (
        msk_iam_bootstrap_servers({"BOOTSTRAP_SERVERS": "b-1:9098"}, lambda: pytest.fail("no API call")) == "b-1:9098"
    )
    client = boto3.client("kafka")
    with Stubber(client) as stub:
        stub.add_response(
            "get_bootstrap_brokers",
            {"BootstrapBrokerStringSaslIam": "boot-x.kafka-serverless.eu-west-1.amazonaws.com:9098"},
            {"ClusterArn": MSK_CLUSTER_ARN},
        )
        servers = msk_iam_bootstrap_servers({"CLUSTER_ARN": MSK_CLUSTER_ARN}, lambda: client)
        stub.assert_no_pending_responses()
    assert servers == "boot-x.kafka-serverless.eu-west-1.amazonaws.com:9098"
    with pytest.raises(RuntimeError, match="BOOTSTRAP_SERVERS"):
        msk_iam_bootstrap_servers({}, lambda: client)


@pytest.mark.parametrize(
    ("factory", "args"),
    [(msk_iam_producer, ("127.0.0.1:9092", "")), (sasl_plain_producer, ("127.0.0.1:9092", "KEY", "SECRET"))],
)
def test_plaintext_switch_keeps_the_producer_settings_without_tls_or_sasl(
    monkeypatch: pytest.MonkeyPatch, factory: Any, args: tuple[str, ...]
) -> None:
    """KAFKA_SECURITY_PROTOCOL=PLAINTEXT (the sample's local run) drops TLS and SASL, nothing else: the same acks,
    idempotence, timeouts and client id reach kafka-python; no token is signed, no credential is sent (the MSK
    factory needs no Region then)."""
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "plaintext")
    config = factory(*args, producer_cls=RecordingProducerClass).config
    assert config == {
        "bootstrap_servers": ["127.0.0.1:9092"],
        "security_protocol": "PLAINTEXT",
        "client_id": "kafka-sample-test",
        **PRODUCER_DEFAULTS,
    }


@pytest.mark.parametrize("value", ["", "SASL_SSL", " sasl_ssl "])
def test_without_the_switch_producers_use_sasl_ssl(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", value)
    assert security_protocol() == "SASL_SSL"
    assert (
        msk_iam_producer("b-1:9098", "eu-west-1", producer_cls=RecordingProducerClass).config[  # type: ignore[attr-defined]
            "security_protocol"
        ]
        == "SASL_SSL"
    )


@pytest.mark.parametrize("value", ["SSL", "SASL_PLAINTEXT", "plain text"])
def test_an_unknown_security_protocol_fails_the_producer_not_silently(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", value)
    with pytest.raises(ValueError, match="KAFKA_SECURITY_PROTOCOL must be SASL_SSL"):
        sasl_plain_producer("pkc-1:9092", "KEY", "SECRET", producer_cls=RecordingProducerClass)
