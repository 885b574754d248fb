"""kafka_common: record decoding, the partial-batch response, producers and their MSK IAM token provider."""

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes.kafka_event import KafkaEventRecord
from botocore.stub import Stubber
from kafka.net.sasl.oauth import AbstractTokenProvider
from kafka_common import (
    MAX_VALUE_BYTES,
    MalformedRecordError,
    RecordRef,
    batch_response,
    decode_json_object,
    iter_records,
    msk_iam_bootstrap_servers,
    report_batch_item_failures_enabled,
    require_number,
    require_str,
)
from kafka_common.producers import (
    LazyProducer,
    MskIamTokenProvider,
    OutboundRecord,
    flush_timeout_s,
    msk_iam_producer,
    produce_all,
    sasl_plain_producer,
)
from kafka_fn_testkit import (
    MSK_CLUSTER_ARN,
    FakeProducer,
    header,
    kafka_record,
    msk_event,
    self_managed_event,
)

COMMON_DIR = Path(__file__).resolve().parents[2] / "sample_app" / "functions" / "common"


def _record(**kwargs: Any) -> KafkaEventRecord:
    return KafkaEventRecord(kafka_record("t", 0, 1, **kwargs))


def test_iter_records_walks_every_partition_of_msk_and_self_managed_events() -> None:
    records = [kafka_record("a", 0, 5, {"n": 1}), kafka_record("a", 1, 7, {"n": 2}), kafka_record("a", 0, 6, {"n": 3})]
    for event in (msk_event(records), self_managed_event(records)):
        assert [(r.topic, r.partition, r.offset) for r in iter_records(event)] == [
            ("a", 0, 5),
            ("a", 0, 6),
            ("a", 1, 7),
        ]


def test_iter_records_rejects_a_non_kafka_event() -> None:
    with pytest.raises(ValueError, match="not a Kafka event"):
        list(iter_records({"Records": []}))


def test_decode_json_object_reads_key_value_and_headers_as_sent() -> None:
    rec = _record(
        value={"vehicle_id": "VH-1", "tire_pressure": 30.5},
        key="VH-1",
        headers=[header("traceparent", b"00-abc-01"), header("Content-Type", b"application/json")],
    )
    decoded = decode_json_object(rec)
    assert decoded.ref == RecordRef("t", 0, 1)
    assert decoded.key == b"VH-1"
    assert decoded.value == {"vehicle_id": "VH-1", "tire_pressure": 30.5}
    assert decoded.headers == (("traceparent", b"00-abc-01"), ("Content-Type", b"application/json"))
    assert decoded.header("content-type") == b"application/json"
    assert decoded.timestamp_ms == 1_763_773_200_000


def test_decode_json_object_accepts_java_signed_header_bytes() -> None:
    rec = _record(value={"a": 1}, headers=[header("blob", bytes([0x01, 0xFF, 0x80]), signed=True)])
    assert rec["headers"] == [{"blob": [1, -1, -128]}]
    assert decode_json_object(rec).header("blob") == bytes([0x01, 0xFF, 0x80])


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"not json at all", "not JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[1, 2, 3]", "not an object"),
        (b'{"tire_pressure": NaN}', "not JSON"),
        (None, "no value"),
        (b"x" * (MAX_VALUE_BYTES + 1), "more than"),
    ],
)
def test_decode_json_object_names_the_reason_a_record_is_malformed(value: bytes | None, reason: str) -> None:
    with pytest.raises(MalformedRecordError, match=reason):
        decode_json_object(_record(value=value))


def test_decode_json_object_rejects_bad_base64_and_headers() -> None:
    raw = kafka_record("t", 0, 1, {"a": 1})
    raw["value"] = "!!!not-base64!!!"
    with pytest.raises(MalformedRecordError, match="base64"):
        decode_json_object(KafkaEventRecord(raw))
    raw = kafka_record("t", 0, 1, {"a": 1}, headers=[{"h": [300]}])
    with pytest.raises(MalformedRecordError, match="headers"):
        decode_json_object(KafkaEventRecord(raw))


def test_the_size_limit_is_on_the_decoded_value() -> None:
    at_limit = b'"' + b"x" * (MAX_VALUE_BYTES - 12) + b'"'
    rec = kafka_record("t", 0, 1, b'{"p":' + at_limit + b"}")
    assert len(base64.b64decode(rec["value"])) <= MAX_VALUE_BYTES
    assert decode_json_object(KafkaEventRecord(rec)).value["p"].startswith("x")


def test_field_validators() -> None:
    assert require_str({"a": "x"}, "a") == "x"
    assert require_number({"a": 3}, "a") == 3.0
    for bad in ({"a": ""}, {"a": 5}, {}):
        with pytest.raises(MalformedRecordError):
            require_str(bad, "a")
    for bad in ({"a": "31"}, {"a": True}, {"a": None}, {}):
        with pytest.raises(MalformedRecordError):
            require_number(bad, "a")


def test_batch_response_uses_the_kafka_item_identifier_shape() -> None:
    refs = [RecordRef("fleet", 2, 9), RecordRef("fleet", 0, 4), RecordRef("fleet", 2, 9)]
    assert batch_response(refs) == {
        "batchItemFailures": [
            {"itemIdentifier": {"partition": "fleet-0", "offset": 4}},
            {"itemIdentifier": {"partition": "fleet-2", "offset": 9}},
        ]
    }
    assert batch_response([]) == {"batchItemFailures": []}


def test_report_batch_item_failures_switch() -> None:
    assert report_batch_item_failures_enabled({})
    assert report_batch_item_failures_enabled({"REPORT_BATCH_ITEM_FAILURES": "true"})
    assert not report_batch_item_failures_enabled({"REPORT_BATCH_ITEM_FAILURES": "false"})
    assert not report_batch_item_failures_enabled({"REPORT_BATCH_ITEM_FAILURES": "0"})


def test_produce_all_flushes_once_and_reports_each_failure() -> None:
    producer = FakeProducer(fail_when=lambda r: r.key == b"b", raise_on_send=lambda r: r.key == b"c")
    records = [OutboundRecord("out", k, b"{}", source=RecordRef("in", 0, i)) for i, k in enumerate([b"a", b"b", b"c"])]
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


def test_kafka_common_does_not_import_kafka_python() -> None:
    """The alerter ships without kafka-python: importing kafka_common must not need it."""
    code = "import sys, kafka_common; assert 'kafka' not in sys.modules, 'kafka imported'; print('ok')"
    env = {**os.environ, "PYTHONPATH": str(COMMON_DIR)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
