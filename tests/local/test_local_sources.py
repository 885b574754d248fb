"""Where a local run's settings come from (this library's consumers, CDK's own L2 event sources, a cloud assembly
on disk), the CLI, crashes, and the embedded broker's one known bug."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs

from constructs_kafka_lambda import FailureDestination, KafkaAuth, KafkaCluster, KafkaLambdaConsumer, ProvisionedPollers
from constructs_kafka_lambda.errors import ConfigError
from constructs_kafka_lambda.local import LocalRuntime, settings_from_template
from constructs_kafka_lambda.local.from_consumer import settings_from_consumer

MSK_ARN = "arn:aws:kafka:us-east-1:111111111111:cluster/demo/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-2"

REPO = Path(__file__).resolve().parents[2]


def _function(stack: cdk.Stack, name: str) -> lambda_.Function:
    return lambda_.Function(stack, name, runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
                            timeout=Duration.seconds(30), environment={"TABLE": "orders"})  # fmt: skip


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One app: this library's consumer, and CDK's own MSK and self-managed L2 event sources."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    # path metadata as the CDK CLI writes it (`cdk synth` sets this context)
    app = cdk.App(outdir=str(outdir), context={"aws:cdk:bundling-stacks": [], "aws:cdk:enable-path-metadata": True})
    stack = cdk.Stack(app, "Shop", env=cdk.Environment(account="111111111111", region="us-east-1"))
    ours = KafkaLambdaConsumer(
        stack, "Orders", cluster=KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()), topic="orders",
        function=_function(stack, "OrdersFn"), batch_size=50, max_batching_window=Duration.seconds(2),
        consumer_group_id="orders-group", filters=[{"value": {"kind": ["order"]}}],
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=3), retry_attempts=4, bisect_batch_on_error=True,
        report_batch_item_failures=True, on_failure=FailureDestination.kafka_topic("orders-dead-letters"),
        max_record_age=Duration.minutes(5),
    )  # fmt: skip
    l2_msk = _function(stack, "L2MskFn")
    l2_msk.add_event_source(sources.ManagedKafkaEventSource(
        cluster_arn=MSK_ARN, topic="payments", starting_position=lambda_.StartingPosition.LATEST, batch_size=7,
        on_failure=sources.SqsDlq(sqs.Queue(stack, "PaymentsDlq", queue_name="payments-dlq"))))  # fmt: skip
    l2_self = _function(stack, "L2SelfFn")
    secret = secretsmanager.Secret(stack, "BrokerSecret")
    l2_self.add_event_source(sources.SelfManagedKafkaEventSource(
        bootstrap_servers=["b-1.example.com:9096"], topic="clicks", secret=secret,
        starting_position=lambda_.StartingPosition.TRIM_HORIZON, consumer_group_id="clicks-group"))  # fmt: skip
    app.synth()
    return {"template": outdir / "Shop.template.json", "consumer": ours}


def test_for_consumer_and_from_template_read_the_same_settings(assembly) -> None:
    from_template = settings_from_template(assembly["template"], "Shop/Orders")
    from_consumer = settings_from_consumer(assembly["consumer"])
    # the same but for what only synthesis renders: the L2 function's environment (and its asset path)
    assert from_consumer == dataclasses.replace(
        from_template, function=dataclasses.replace(from_template.function, code_path=None, environment={})
    )
    s = from_template
    assert (s.path, s.topic, s.msk, s.event_source_arn) == ("Shop/Orders/Mapping/Resource", "orders", True, MSK_ARN)
    assert (s.batch_size, s.batching_window_seconds, s.consumer_group_id) == (50, 2.0, "orders-group")
    assert (s.provisioned, s.retry_attempts, s.bisect_batch_on_error, s.report_batch_item_failures) == (
        True,
        4,
        True,
        True,
    )
    assert s.max_record_age_seconds == 300 and s.filters == ({"value": {"kind": ["order"]}},)
    assert s.on_failure is not None and (s.on_failure.kind, s.on_failure.name) == ("kafka", "orders-dead-letters")
    assert s.function.timeout_seconds == 30 and s.function.environment == {"TABLE": "orders"}


def test_cdk_l2_event_sources_are_read_too(assembly) -> None:
    msk = settings_from_template(assembly["template"], "Shop/L2MskFn")
    assert (msk.topic, msk.msk, msk.starting_position, msk.batch_size) == ("payments", True, "LATEST", 7)
    assert msk.on_failure is not None and (msk.on_failure.kind, msk.on_failure.name) == ("sqs", "payments-dlq")
    assert msk.batching_window_seconds == 0.5  # AWS's Kafka default when the template sets none
    clicks = settings_from_template(assembly["template"], "Shop/L2SelfFn")
    assert (clicks.msk, clicks.bootstrap_servers, clicks.group_id) == (False, ("b-1.example.com:9096",), "clicks-group")


def test_a_wrong_consumer_name_lists_the_mappings(assembly) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from_template(assembly["template"], "Shop/Nope")
    assert "Shop/Orders" in str(raised.value) and "Shop/L2MskFn" in str(raised.value)
    with pytest.raises(ConfigError, match="3 Kafka mappings"):
        settings_from_template(assembly["template"])


def test_without_path_metadata_a_path_matches_by_logical_id_prefix(assembly) -> None:
    body = json.loads(assembly["template"].read_text())
    for resource in body["Resources"].values():
        resource.pop("Metadata", None)
    assert settings_from_template(body, "Shop/Orders").topic == "orders"
    assert settings_from_template(body, "Shop/L2SelfFn").topic == "clicks"


@pytest.mark.parametrize(("kind", "reference"), [("AWS::MSK::ServerlessCluster", "Ref"),
                                                 ("AWS::MSK::Cluster", "Fn::GetAtt")])  # fmt: skip
def test_an_msk_cluster_of_the_same_template_makes_a_kafka_mapping(kind: str, reference: str) -> None:
    """A stack that creates its cluster refers to it with Ref (no literal ARN, no Kafka config block when there is no
    consumer group id): the sample's FleetTelemetryStack did not read as a Kafka mapping before."""
    source = {"Ref": "Cluster"} if reference == "Ref" else {"Fn::GetAtt": ["Cluster", "Arn"]}
    body = {"Resources": {
        "Cluster": {"Type": kind, "Properties": {"ClusterName": "fleet"}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 60}},
        "Map": {"Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {"EventSourceArn": source, "FunctionName": {"Ref": "Fn"}, "Topics": ["telemetry"]}},
        "Queue": {"Type": "AWS::Lambda::EventSourceMapping",
                  "Properties": {"EventSourceArn": {"Fn::GetAtt": ["Fn", "Arn"]}, "FunctionName": {"Ref": "Fn"}}},
    }}  # fmt: skip
    settings = settings_from_template(body, "Stack/Map")
    assert (settings.topic, settings.msk, settings.event_source) == ("telemetry", True, "aws:kafka")
    assert settings.event_source_arn is not None and settings.event_source_arn.startswith(
        "arn:aws:kafka:us-east-1:000000000000:cluster/fleet/"
    )


def test_for_consumer_runs_the_handler_with_the_consumer_settings(assembly, kafka, produce) -> None:
    kafka.create_topic("orders", partitions=2)
    kafka.create_topic("orders-dead-letters")
    for i, kind in enumerate(["order", "refund", "order", "order"]):
        produce("orders", json.dumps({"kind": kind, "n": i}).encode(), partition=i % 2)
    got: list[dict[str, Any]] = []
    result = LocalRuntime.for_consumer(assembly["consumer"], handler=lambda e, _c: got.append(e),
                                       bootstrap_servers=kafka.bootstrap_servers).run_until_idle(20)  # fmt: skip
    values = [
        json.loads(base64.b64decode(r["value"]))["n"] for e in got for items in e["records"].values() for r in items
    ]
    assert sorted(values) == [0, 2, 3] and len(result.filtered_out) == 1
    assert result.committed == {"orders-0": 2, "orders-1": 2}
    assert got[0]["eventSource"] == "aws:kafka" and got[0]["eventSourceArn"] == MSK_ARN


def test_cli_runs_a_template_consumer_on_the_embedded_broker(assembly, tmp_path) -> None:
    (tmp_path / "payments.py").write_text(textwrap.dedent("""
        import base64, os
        def handler(event, context):
            values = [base64.b64decode(r["value"]) for rs in event["records"].values() for r in rs]
            if b"poison" in values:
                raise ValueError("cannot pay " + os.environ["CURRENCY"])
    """))  # fmt: skip
    (tmp_path / "records.jsonl").write_text('{"amount": 1}\n{"amount": 2}\n')
    command = [sys.executable, "-m", "constructs_kafka_lambda", "local", "--template", str(assembly["template"]),
               "--consumer", "Shop/L2MskFn", "--handler", "payments:handler", "--embedded", "--aws", "moto",
               "--records", str(tmp_path / "records.jsonl"), "--env", "CURRENCY=EUR", "--timeout", "30"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO), "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1"}
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "produced 2 records to payments" in out
    # LATEST: the mapping starts at the end, so the records produced before it are not delivered
    assert "0 invocations" in out and "idle" in out


def test_cli_imports_the_functions_own_handler_from_its_asset_with_its_environment(tmp_path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(textwrap.dedent("""
        import os
        def main(event, context):
            count = sum(len(rs) for rs in event["records"].values())
            print(f"GREETING={os.environ['GREETING']} records={count} fn={context.function_name}")
    """))  # fmt: skip
    outdir = tmp_path / "cdk.out"
    app = cdk.App(outdir=str(outdir), context={"aws:cdk:bundling-stacks": [], "aws:cdk:enable-path-metadata": True})
    stack = cdk.Stack(app, "Hello")
    fn = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="app.main",
                          code=lambda_.Code.from_asset(str(code)), environment={"GREETING": "hi"})  # fmt: skip
    fn.add_event_source(sources.SelfManagedKafkaEventSource(
        bootstrap_servers=["b-1.example.com:9092"], topic="greetings", batch_size=10,
        starting_position=lambda_.StartingPosition.TRIM_HORIZON,
        secret=secretsmanager.Secret(stack, "S")))  # fmt: skip
    app.synth()
    (tmp_path / "records.jsonl").write_text("a\nb\nc\n")
    command = [sys.executable, "-m", "constructs_kafka_lambda", "local", "--template",
               str(outdir / "Hello.template.json"), "--embedded", "--records", str(tmp_path / "records.jsonl")]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO), "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1"}
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "GREETING=hi records=3 fn=Fn" in done.stdout  # its own code, environment and name (the logical id)
    assert "committed greetings-0=3" in done.stdout


def test_a_crash_mid_batch_loses_nothing_and_skips_nothing(kafka, topic, produce, settings) -> None:
    """The runtime dies inside the handler (no exception handling can run); a new one with the same group
    delivers every record at least once."""
    name = topic(2)
    for i in range(30):
        produce(name, str(i).encode(), partition=i % 2)
    seen: list[bytes] = []

    class Killed(BaseException):
        pass

    def dies_in_the_third_batch(event: dict[str, Any], _context: Any) -> None:
        seen.extend(base64.b64decode(r["value"]) for items in event["records"].values() for r in items)
        if len(seen) > 10:
            raise Killed()

    mapping = settings(name, batch_size=5, consumer_group_id=f"{name}-group")
    with pytest.raises(Killed):
        LocalRuntime(mapping, dies_in_the_third_batch, kafka.bootstrap_servers).run_until_idle(20)
    before = len(seen)
    result = LocalRuntime(mapping, lambda e, _c: dies_in_the_third_batch.__call__ if False else seen.extend(
        base64.b64decode(r["value"]) for items in e["records"].values() for r in items), kafka.bootstrap_servers).run_until_idle(20)  # fmt: skip
    assert set(seen) == {str(i).encode() for i in range(30)}  # at least once
    assert len(seen) - before < 30  # the restart resumed from the committed offsets, not from the start
    assert result.committed == {f"{name}-0": 15, f"{name}-1": 15}


def test_a_killed_process_loses_nothing(kafka, topic, produce, tmp_path) -> None:
    """SIGKILL in the middle of a batch, in a separate process; then a restart in this one."""
    name = topic()
    for i in range(20):
        produce(name, str(i).encode())
    log = tmp_path / "seen.txt"
    script = textwrap.dedent(f"""
        import base64, os, signal
        from constructs_kafka_lambda.local import FunctionSettings, LocalRuntime, MappingSettings
        def handler(event, context):
            with open({str(log)!r}, "a") as out:
                for items in event["records"].values():
                    for r in items:
                        out.write(base64.b64decode(r["value"]).decode() + "\\n")
                out.flush()
                if sum(1 for _ in open({str(log)!r})) >= 8:
                    os.kill(os.getpid(), signal.SIGKILL)
        settings = MappingSettings(path="Crash", topic={name!r}, batch_size=3, batching_window_seconds=0,
                                   consumer_group_id={name + "-g"!r}, function=FunctionSettings("f", "arn:f"))
        LocalRuntime(settings, handler, {kafka.bootstrap_servers!r}).run_until_idle(30)
    """)
    env = {**os.environ, "PYTHONPATH": str(REPO), "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr[-2000:]
    from constructs_kafka_lambda.local import FunctionSettings, MappingSettings

    first = log.read_text().split()
    again: list[str] = []
    restart = MappingSettings(path="Crash", topic=name, batch_size=3, batching_window_seconds=0,
                              consumer_group_id=f"{name}-g", function=FunctionSettings("f", "arn:f"))  # fmt: skip
    LocalRuntime(restart, lambda e, _c: again.extend(base64.b64decode(r["value"]).decode()
                 for items in e["records"].values() for r in items), kafka.bootstrap_servers).run_until_idle(20)  # fmt: skip
    assert sorted(set(first + again), key=int) == [str(i) for i in range(20)]
    assert int(again[0]) <= int(first[-1])  # redelivery starts at or before the batch that was in flight


def test_embedded_broker_end_offsets_bug_is_still_there(kafka, topic) -> None:
    """local-broker.md: ListOffsets reports a wrong end after a multi-record producer batch; the runtime reads
    ends from fetches instead. If this fails, the broker was fixed: simplify client.high_watermarks."""
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    name = topic()
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap_servers, linger_ms=50)
    for i in range(5):
        producer.send(name, str(i).encode())
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=kafka.bootstrap_servers)
    tp = TopicPartition(name, 0)
    listed = consumer.end_offsets([tp])[tp]
    consumer.close()
    from constructs_kafka_lambda.local.client import KafkaClient

    assert KafkaClient(kafka.bootstrap_servers, "probe").high_watermarks([tp]) == {tp: 5}
    assert listed != 5
