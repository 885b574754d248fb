"""The sample pipeline, end to end on a real Kafka broker: the real handlers, the mappings' settings, moto's AWS.

Why: the sample's handlers had only met hand-built events and a test double of their producers. Here every piece is
the real one except the cloud around it:

- the broker is ``EmbeddedKafka`` (a Kafka-protocol broker on 127.0.0.1), with the topics the templates name
  (``Custom::MskServerlessTopic`` with its partitions; the trade topics from the mapping and the function's
  environment);
- AWS is moto in-process (the caller starts ``moto.mock_aws`` with fake credentials); the resources a function's
  environment refers to (``Ref`` to an SNS topic or a DynamoDB table, a Secrets Manager ARN) are created there,
  and alerts are read back through an SQS queue subscribed to the alert topic, as a subscriber would;
- each function is its own ``handler.py``, loaded as a fresh module (a fresh execution environment) with the
  environment variables its template gives, overridden only where a local resource stands in: the bootstrap
  servers, the moto ARNs and names, and ``KAFKA_SECURITY_PROTOCOL=PLAINTEXT`` so that the producers
  (``kafka_common.producers``: kafka-python, ``produce_all``, flushes, ordered delivery, dead letters) write to the
  plaintext local broker;
- each consumer runs under ``constructs_kafka_lambda.local.LocalRuntime`` with the mapping's settings read from the
  synthesized template (filter, batch size and window, mode, retries, partial batch responses, destination).

``SamplePipeline.audit`` (``sample_app.local.audit``) reads every topic and the alert inbox back and accounts for
each source record: enriched or dead-lettered, settled or dead-lettered, and every valid low reading alerted on
exactly once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import io
import itertools
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from constructs_kafka_lambda.local import EmbeddedKafka, LocalRuntime, MappingSettings, RunResult
from constructs_kafka_lambda.local.failures import ensure_target
from constructs_kafka_lambda.local.settings import settings_from_template
from sample_app.local.audit import (
    SETTLEMENTS_TOPIC,
    TRADE_DEAD_LETTERS,
    Audit,
    audit,
    source_records,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "sample_app" / "functions"
COMMON_DIR = FUNCTIONS_DIR / "common"

FLEET_STACK, TRADE_STACK = "FleetTelemetryStack", "TradeSettlementStack"
ALERTS = f"{FLEET_STACK}/TirePressureAlertsConsumer"
ENRICHER = f"{FLEET_STACK}/TelemetryEnricherConsumer"
SETTLEMENT = f"{TRADE_STACK}/TradeSettlementConsumer"
#: Each consumer's construct path and the function directory whose handler.py it runs.
CONSUMERS: dict[str, str] = {
    ALERTS: "tire_pressure_alerts",
    ENRICHER: "telemetry_enricher",
    SETTLEMENT: "trade_settlement",
}
PRODUCER_FUNCTION = "TelemetryProducerFunction"  # logical-id prefix of the simulator in the fleet template
TRADE_PARTITIONS = 2  # Confluent topics are not in the template: as many partitions as the fleet's
ALERT_INBOX = "tire-pressure-alert-inbox"  # an SQS queue subscribed to the alert topic (raw delivery)
ACCOUNT, REGION = "111111111111", "us-east-1"
_module_ids = itertools.count()


# ------------------------------------------------------------------------------------------------ templates
def synth_context(**extra: Any) -> dict[str, Any]:
    """The context `make synth` gives (cdk.json), bundling off, the lookups a credential-less synth needs, and the
    trade stack's dead-letter topic."""
    cdk_json = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    return {
        **cdk_json,
        "aws:cdk:bundling-stacks": [],  # no pip, no Docker: the handlers run from their source directories
        f"availability-zones:account={ACCOUNT}:region={REGION}": [f"{REGION}a", f"{REGION}b", f"{REGION}c"],
        "confluent_dead_letter_topic": TRADE_DEAD_LETTERS,
        **extra,
    }


def synthesize(outdir: Path, **context: Any) -> dict[str, Path]:
    """Synthesize both sample stacks (bundling off, no cdk-nag: `make synth` runs the packs) into ``outdir``;
    {stack name: template path}."""
    import aws_cdk as cdk

    from sample_app.app import build

    app = cdk.App(context=synth_context(**context), outdir=str(outdir))
    build(app, cdk.Environment(account=ACCOUNT, region=REGION))
    app.synth()
    return {name: outdir / f"{name}.template.json" for name in (FLEET_STACK, TRADE_STACK)}


def _load(template: Path | Mapping[str, Any]) -> dict[str, Any]:
    return dict(template) if isinstance(template, Mapping) else json.loads(Path(template).read_text())


def _resource(template: Mapping[str, Any], prefix: str, kind: str) -> tuple[str, dict[str, Any]]:
    found = [
        (logical_id, resource)
        for logical_id, resource in template["Resources"].items()
        if logical_id.startswith(prefix) and resource["Type"] == kind
    ]
    if len(found) != 1:
        raise LookupError(f"expected one {kind} named {prefix}..., found {[f[0] for f in found]}")
    return found[0]


# ------------------------------------------------------------------------------------------------- handlers
class _Sink(io.TextIOBase):
    """Where the handlers' stdout (Powertools logs and EMF metrics) goes: the current target, switched per run.

    Powertools binds a Logger's stream when its module loads, and reuses the stdlib logger of a service name it has
    seen, so every loaded handler writes here and this forwards to the pipeline of the moment."""

    target: TextIO | None = None

    def write(self, text: str) -> int:
        if self.target is not None:
            self.target.write(text)
        return len(text)

    def writable(self) -> bool:
        return True


SINK = _Sink()


def _importable_common() -> None:
    """``kafka_common`` importable, as the bundler makes it by copying it beside each handler."""
    if str(COMMON_DIR) not in sys.path:
        sys.path.insert(0, str(COMMON_DIR))


@contextlib.contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    """os.environ with ``variables`` set, restored afterwards (the handlers read it at import and per call)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class LocalFunction:
    """One function's real ``handler.py`` in a fresh module (a fresh execution environment: its cached producer,
    clients and idempotency layer start clean), called with its environment variables set."""

    def __init__(self, name: str, env: Mapping[str, str]) -> None:
        self.name = name
        self.env = dict(env)
        _importable_common()
        # Named `handler`, as Lambda's runtime imports it (entry `handler.handler`): Powertools idempotency keys
        # begin with the function's module name, so a restarted environment must find the keys of the one that died.
        # It is in sys.modules only while it executes (the four handler.py would clash there).
        spec = importlib.util.spec_from_file_location("handler", FUNCTIONS_DIR / name / "handler.py")
        assert spec is not None and spec.loader is not None
        self.module: ModuleType = importlib.util.module_from_spec(spec)
        self.instance = next(_module_ids)
        saved = sys.modules.get("handler")
        sys.modules["handler"] = self.module
        try:
            with environment(self.env), contextlib.redirect_stdout(SINK):
                spec.loader.exec_module(self.module)
        finally:
            if saved is None:
                sys.modules.pop("handler", None)
            else:
                sys.modules["handler"] = saved

    def producer(self) -> Any:
        """The function's own Kafka producer (built on first use, as its first invocation would), e.g. for a test
        to wrap with a fault."""
        with environment(self.env), contextlib.redirect_stdout(SINK):
            return self.module.PRODUCER.get()

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        with environment(self.env), contextlib.redirect_stdout(SINK):
            return self.module.handler(event, context)


class InvokeContext:
    """The Lambda context of a direct invoke (the simulator's scheduled runs)."""

    def __init__(self, function_name: str, timeout_seconds: float) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.memory_limit_in_mb = 256
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


# ----------------------------------------------------------------------------------------------- pipeline
@dataclass
class ConsumerRun:
    """A consumer's runtime and what its runs saw (several runs when it is restarted)."""

    path: str
    function: LocalFunction
    runtime: LocalRuntime
    results: list[RunResult] = field(default_factory=list)

    @property
    def settings(self) -> MappingSettings:
        return self.runtime.settings

    def delivered(self) -> set[str]:
        """Labels of the distinct source records the handler received."""
        return {
            f"{item['topic']}-{item['partition']}@{item['offset']}"
            for result in self.results
            for event in result.invocations
            for items in event["records"].values()
            for item in items
        }

    def filtered(self) -> set[str]:
        return {f"{r['topic']}-{r['partition']}@{r['offset']}" for res in self.results for r in res.filtered_out}


class SamplePipeline:
    """The sample on ``kafka`` and moto (started by the caller). Build it, ``create_topics``, then produce and run.

    ``templates`` maps stack names to synthesized templates (paths or dicts). ``overrides`` adds or replaces
    environment variables per function directory name (e.g. a smaller ``FLEET_SIZE``); ``settings`` replaces
    mapping settings per consumer path (e.g. ``batching_window_seconds=0`` in tests).
    """

    def __init__(
        self,
        kafka: EmbeddedKafka,
        templates: Mapping[str, Path | Mapping[str, Any]],
        *,
        overrides: Mapping[str, Mapping[str, str]] | None = None,
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        log: Callable[[str], None] | None = None,
        handler_output: TextIO | None = None,
    ) -> None:
        self.kafka = kafka
        self.servers = kafka.bootstrap_servers
        self.template_paths = dict(templates)
        self.templates = {name: _load(t) for name, t in templates.items()}
        self.overrides = {k: dict(v) for k, v in (overrides or {}).items()}
        self.setting_changes = {k: dict(v) for k, v in (settings or {}).items()}
        self.log = log
        SINK.target = handler_output if handler_output is not None else io.StringIO()
        self.consumers: dict[str, ConsumerRun] = {}
        self._alerts: list[dict[str, Any]] = []
        self._aws: dict[str, str] = {}  # template reference -> local ARN or name
        self._inbox_url: str | None = None
        self._producer_function: LocalFunction | None = None
        self._feed: Any = None  # the producer of `produce`

    # ---------------------------------------------------------------------------------------------- topics
    def topics(self) -> dict[str, int]:
        """{topic: partitions}: the fleet's from its Custom::MskServerlessTopic resources, the trades' from the
        settlement mapping and its function's environment (Confluent topics are created outside the stack)."""
        topics = {
            str(r["Properties"]["TopicName"]): int(r["Properties"]["Partitions"])
            for r in self.templates[FLEET_STACK]["Resources"].values()
            if r["Type"] == "Custom::MskServerlessTopic"
        }
        settlement = self.mapping_settings(SETTLEMENT)
        env = self.function_env(SETTLEMENT, settlement)
        for name in (settlement.topic, env.get("OUTPUT_TOPIC", SETTLEMENTS_TOPIC), env.get("DEAD_LETTER_TOPIC")):
            if name:
                topics.setdefault(name, TRADE_PARTITIONS)
        return topics

    def create_topics(self) -> dict[str, int]:
        topics = self.topics()
        for name, partitions in topics.items():
            self.kafka.create_topic(name, partitions=partitions)
        return topics

    # ------------------------------------------------------------------------------------------ environment
    def _stack_of(self, path: str) -> str:
        return FLEET_STACK if path == PRODUCER_FUNCTION else path.split("/", 1)[0]

    def mapping_settings(self, path: str) -> MappingSettings:
        template = self.template_paths[self._stack_of(path)]
        settings = settings_from_template(template if isinstance(template, Path) else dict(template), path)
        changes = self.setting_changes.get(path)
        return dataclasses.replace(settings, **changes) if changes else settings

    def function_env(self, path: str, settings: MappingSettings | None = None) -> dict[str, str]:
        """The function's environment as its template gives it, local resources in place of the cloud's."""
        template = self.templates[self._stack_of(path)]
        if path == PRODUCER_FUNCTION:
            logical_id, resource = _resource(template, PRODUCER_FUNCTION, "AWS::Lambda::Function")
            name = "telemetry_producer"
        else:
            logical_id = (settings or self.mapping_settings(path)).function.name
            resource = template["Resources"][logical_id]
            name = CONSUMERS[path]
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        env = {key: self._resolve(value, template) for key, value in variables.items()}
        for key, value in list(env.items()):
            if ":secretsmanager:" in value and ":secret:" in value:
                env[key] = self._secret(value.split(":secret:", 1)[1])
        if "BOOTSTRAP_SERVERS" in env or "CLUSTER_ARN" in env:
            env.pop("CLUSTER_ARN", None)
            env["BOOTSTRAP_SERVERS"] = self.servers
        env.update(
            {
                "KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",  # the local broker (kafka_common.producers)
                "AWS_LAMBDA_FUNCTION_NAME": logical_id,
                "AWS_REGION": os.environ.get("AWS_REGION", REGION),
            }
        )
        env.update(self.overrides.get(name, {}))
        return env

    def _resolve(self, value: Any, template: Mapping[str, Any]) -> str:
        if isinstance(value, (str, int, float)):
            return str(value)
        if "Ref" in value:
            ref = str(value["Ref"])
            pseudo = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
            if ref in pseudo:
                return pseudo[ref]
            kind = template["Resources"].get(ref, {}).get("Type")
            if kind == "AWS::SNS::Topic":
                return self._sns_topic(ref)
            if kind == "AWS::DynamoDB::Table":
                return self._table(ref)
            raise ValueError(f"no local stand-in for a Ref to {ref} ({kind})")
        if "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "BootstrapServers":
            return self.servers
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(self._resolve(part, template) for part in parts)
        raise ValueError(f"no local stand-in for {json.dumps(value)[:200]}")

    def _sns_topic(self, logical_id: str) -> str:
        if logical_id not in self._aws:
            import boto3

            sns, sqs = boto3.client("sns"), boto3.client("sqs")
            arn = sns.create_topic(Name=logical_id)["TopicArn"]
            url = sqs.create_queue(QueueName=ALERT_INBOX)["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
            self._inbox_url = url
            self._aws[logical_id] = arn
        return self._aws[logical_id]

    def _table(self, logical_id: str) -> str:
        """The idempotency table as the stack defines it: partition key ``id`` (String), on-demand, TTL."""
        if logical_id not in self._aws:
            import boto3

            dynamodb = boto3.client("dynamodb")
            properties = self.templates[FLEET_STACK]["Resources"][logical_id]["Properties"]
            dynamodb.create_table(
                TableName=logical_id,
                KeySchema=properties["KeySchema"],
                AttributeDefinitions=properties["AttributeDefinitions"],
                BillingMode=properties.get("BillingMode", "PAY_PER_REQUEST"),
            )
            ttl = properties.get("TimeToLiveSpecification")
            if ttl:
                dynamodb.update_time_to_live(TableName=logical_id, TimeToLiveSpecification=ttl)
            self._aws[logical_id] = logical_id
        return self._aws[logical_id]

    def _secret(self, name: str) -> str:
        """A Secrets Manager secret in the shape the handler reads (the plaintext broker ignores its values)."""
        if name not in self._aws:
            import boto3

            secrets = boto3.client("secretsmanager")
            value = json.dumps({"username": "local-api-key", "password": "local-api-secret"})
            self._aws[name] = secrets.create_secret(Name=name, SecretString=value)["ARN"]
        return self._aws[name]

    # ------------------------------------------------------------------------------------------- functions
    def producer(self) -> LocalFunction:
        """The simulator (one execution environment, reused like a warm Lambda)."""
        if self._producer_function is None:
            self._producer_function = LocalFunction("telemetry_producer", self.function_env(PRODUCER_FUNCTION))
        return self._producer_function

    def run_producer(self, at: str, seed: int) -> dict[str, Any]:
        """One scheduled run: EventBridge's event (``time``) with the rule's input (``seed``)."""
        _, resource = _resource(self.templates[FLEET_STACK], PRODUCER_FUNCTION, "AWS::Lambda::Function")
        context = InvokeContext("telemetry-producer", float(resource["Properties"].get("Timeout", 60)))
        result: dict[str, Any] = self.producer()({"time": at, "seed": seed}, context)
        return result

    def consumer(self, path: str) -> ConsumerRun:
        """The consumer's runtime, built on first use (its function loaded, its destination created)."""
        if path not in self.consumers:
            self.consumers[path] = self._start(path)
        return self.consumers[path]

    def _start(self, path: str, previous: ConsumerRun | None = None) -> ConsumerRun:
        settings = self.mapping_settings(path)
        if settings.on_failure is not None and settings.on_failure.kind != "kafka":
            ensure_target(settings.on_failure)
        function = LocalFunction(CONSUMERS[path], self.function_env(path, settings))
        log = (lambda message: self.log(f"  [{CONSUMERS[path]}] {message}")) if self.log else None  # type: ignore[misc]
        runtime = LocalRuntime(settings, function, self.servers, log=log)
        run = ConsumerRun(path, function, runtime)
        if previous is not None:
            run.results = previous.results
        return run

    def run(self, path: str, timeout: float = 60.0) -> RunResult:
        """Run a consumer until every partition is read and every record resolved."""
        run = self.consumer(path)
        result = run.runtime.run_until_idle(timeout)
        run.results.append(result)
        return result

    def restart(self, path: str) -> ConsumerRun:
        """A new poller and a new execution environment for the consumer, in the same consumer group: it resumes
        from the offsets committed on the broker, as the mapping does after its poller or function died."""
        old = self.consumers.get(path)
        if old is not None:
            with contextlib.suppress(Exception):
                old.runtime.close()
            with contextlib.suppress(Exception):
                old.function.module.PRODUCER.reset()
        self.consumers[path] = self._start(path, old)
        return self.consumers[path]

    # ------------------------------------------------------------------------------------------------- feed
    def produce(self, topic: str, records: Sequence[tuple[bytes | None, bytes | None]]) -> None:
        """Write (key, value) records with the sample's own producer code (kafka_common, plaintext), as another
        application on the cluster would; a ``None`` value is a tombstone."""
        _importable_common()
        from kafka_common.producers import OutboundRecord, produce_all, sasl_plain_producer

        if self._feed is None:
            with environment({"KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"}):
                self._feed = sasl_plain_producer(self.servers, "local", "local")
        failures = produce_all(self._feed, [OutboundRecord(topic, k, v) for k, v in records], timeout_s=15)
        if failures:
            raise RuntimeError(f"{len(failures)} records not acknowledged by {topic}: {failures[0].error!r}")

    # ------------------------------------------------------------------------------------------------ audit
    def alerts(self) -> list[dict[str, Any]]:
        """Every alert the topic's subscriber received so far (the SQS inbox, drained into a list)."""
        if self._inbox_url is not None:
            import boto3

            sqs = boto3.client("sqs")
            while True:
                messages = sqs.receive_message(QueueUrl=self._inbox_url, MaxNumberOfMessages=10).get("Messages", [])
                if not messages:
                    break
                for message in messages:
                    self._alerts.append(json.loads(message["Body"]))
                    sqs.delete_message(QueueUrl=self._inbox_url, ReceiptHandle=message["ReceiptHandle"])
        return list(self._alerts)

    def audit(self) -> Audit:
        """The audit of what ran: consumers that were never started are not asked for outcomes."""
        report = audit(self.servers, self.alerts())
        for path in set(CONSUMERS) - set(self.consumers):
            report.missing.pop(CONSUMERS[path], None)
        for path, run in self.consumers.items():
            # Records the runtime never resolved (not committed) count as missing too.
            ends = {f"{r.topic}-{r.partition}": r.offset + 1 for r in source_records(report, run.settings.topic)}
            committed = run.runtime.client.committed() if run.runtime.client._consumer is not None else {}
            behind = [f"{key}@{committed.get(key, 0)}..{end - 1}" for key, end in ends.items()
                      if committed.get(key, 0) < end]  # fmt: skip
            if behind:
                report.missing.setdefault(f"{CONSUMERS[path]} (not committed)", []).extend(behind)
        return report

    def close(self) -> None:
        for run in self.consumers.values():
            with contextlib.suppress(Exception):
                run.runtime.close()
            with contextlib.suppress(Exception):
                run.function.module.PRODUCER.reset()
        if self._producer_function is not None:
            with contextlib.suppress(Exception):
                self._producer_function.module.PRODUCER.reset()
        if self._feed is not None:
            with contextlib.suppress(Exception):
                self._feed.close(timeout=0)
        SINK.target = None
