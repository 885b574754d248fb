"""The sample app: both stacks synthesize with zero cdk-nag findings (all five packs) and no cfn-lint errors, wire
what the README promises, and match their snapshots (asset hashes stripped).

Synthesized once per module with bundling off; update snapshots with `pytest tests/test_sample_app.py --snapshot-update`.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from cfnlint.api import ManualArgs, lint
from syrupy.extensions.json import JSONSnapshotExtension

try:
    import fcntl
except ImportError:  # Windows: no xdist-shared cache, each worker synthesizes into its own directory
    fcntl = None  # type: ignore[assignment]

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # sample_app is not an installed package
    sys.path.insert(0, str(REPO_ROOT))

from sample_app.app import add_nag_packs, build  # noqa: E402
from sample_app.stacks import FleetTelemetryStack, TradeSettlementStack  # noqa: E402
from sample_app.stacks.fleet_telemetry import LOW_PRESSURE_FILTER  # noqa: E402
from sample_app.stacks.settings import (  # noqa: E402
    SCHEMA_REGISTRY_SECRET_PLACEHOLDER,
    SCHEMA_REGISTRY_URL_PLACEHOLDER,
    TradeSettings,
)

ACCOUNT, REGION = "111111111111", "us-east-1"
STACKS = ("FleetTelemetryStack", "TradeSettlementStack")
CONTEXT = {
    "aws:cdk:bundling-stacks": [],  # no pip, no Docker: the tests look at templates, not at bundles
    # What `cdk synth` with credentials would look up and cache in cdk.context.json.
    f"availability-zones:account={ACCOUNT}:region={REGION}": [f"{REGION}a", f"{REGION}b", f"{REGION}c"],
    **json.loads((REPO_ROOT / "cdk.json").read_text())["context"],
}


def _synthesize(outdir: Path) -> list[str]:
    """Synthesize the sample app with all five packs into outdir; return the cdk-nag findings."""
    app = cdk.App(context=CONTEXT, outdir=str(outdir))
    add_nag_packs(app)
    build(app, cdk.Environment(account=ACCOUNT, region=REGION))
    try:
        app.synth()
    except Exception:  # cdk-nag findings make synth raise "Validation failed"
        report = outdir / "validation-report.json"
        if not report.exists():
            raise
        return _findings(json.loads(report.read_text()))
    return []


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """(cloud assembly dir, cdk-nag findings), synthesized once per session even under pytest-xdist: the
    first worker synthesizes under a file lock, the others read its result."""
    if fcntl is None or "PYTEST_XDIST_WORKER" not in os.environ:
        outdir = tmp_path_factory.mktemp("sample-app")
        return outdir, _synthesize(outdir)
    # Under xdist each worker's basetemp is <session dir>/popen-gwN: the parent is this session's, shared by all
    # its workers (without xdist the parent is shared by every session, hence the branch above).
    shared = tmp_path_factory.getbasetemp().parent
    outdir = shared / "sample-app.out"
    done = shared / "sample-app.findings.json"
    with (shared / "sample-app.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            outdir.mkdir(exist_ok=True)
            done.write_text(json.dumps(_synthesize(outdir)))
    return outdir, json.loads(done.read_text())


@pytest.fixture(scope="module")
def templates(synthesized: tuple[Path, list[str]]) -> dict[str, dict[str, Any]]:
    outdir, _ = synthesized
    return {name: json.loads((outdir / f"{name}.template.json").read_text()) for name in STACKS}


def _findings(report: dict[str, Any]) -> list[str]:
    return [
        f"{violation['ruleName']} at {construct.get('constructPath', construct)}"
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        for construct in violation.get("violatingConstructs", violation.get("violatingResources", []))
    ]


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def only(template: dict[str, Any], kind: str) -> dict[str, Any]:
    found = list(resources(template, kind).values())
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]["Properties"]


def mapping_of(template: dict[str, Any], function_prefix: str) -> dict[str, Any]:
    """The event source mapping whose FunctionName refers to the function with this logical-id prefix."""
    for mapping in resources(template, "AWS::Lambda::EventSourceMapping").values():
        if json.dumps(mapping["Properties"]["FunctionName"]).startswith(f'{{"Ref": "{function_prefix}'):
            return mapping["Properties"]
    raise AssertionError(f"no mapping for {function_prefix}")


# -------------------------------------------------------------------------------------- compliance
def test_zero_cdk_nag_findings(synthesized: tuple[Path, list[str]]) -> None:
    _, findings = synthesized
    assert findings == []


@pytest.mark.parametrize("name", STACKS)
def test_cfn_lint_has_no_errors(templates: dict[str, dict[str, Any]], name: str) -> None:
    matches = lint(json.dumps(templates[name]), config=ManualArgs(regions=[REGION]))
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")] == []


# ------------------------------------------------------------------------------------- key wiring
def test_alerts_mapping_filters_low_tire_pressure_in_on_demand_mode(templates: dict[str, dict[str, Any]]) -> None:
    mapping = mapping_of(templates["FleetTelemetryStack"], "TirePressureAlertsFunction")
    assert mapping["Topics"] == ["fleet-telemetry"]
    assert [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]] == [LOW_PRESSURE_FILTER]
    assert "ProvisionedPollerConfig" not in mapping


def test_enricher_mapping_has_provisioned_pollers_and_partial_batches(templates: dict[str, dict[str, Any]]) -> None:
    mapping = mapping_of(templates["FleetTelemetryStack"], "TelemetryEnricherFunction")
    assert mapping["Topics"] == ["fleet-telemetry"]
    assert mapping["ProvisionedPollerConfig"] == {"MinimumPollers": 1, "MaximumPollers": 2}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def produce_grants(template: dict[str, Any], function_prefix: str) -> dict[str, list[dict[str, Any]]]:
    """The library's grant_produce policies of one function (logical id <prefix>FunctionKafkaProduce...), keyed by
    the topic their WriteData statement names."""
    found: dict[str, list[dict[str, Any]]] = {}
    for logical_id, policy in resources(template, "AWS::IAM::ManagedPolicy").items():
        if not logical_id.startswith(f"{function_prefix}FunctionKafkaProduce"):
            continue
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        [write] = [s for s in statements if "kafka-cluster:WriteData" in s["Action"]]
        topic = write["Resource"]["Fn::Join"][1][-1].rsplit("/", 1)[1]
        found[topic] = statements
    return found


def kafka_cluster_actions(statements: list[dict[str, Any]]) -> set[str]:
    actions = (s["Action"] if isinstance(s["Action"], list) else [s["Action"]] for s in statements)
    return {a for group in actions for a in group if a.startswith("kafka-cluster:")}


def test_producers_are_granted_by_the_library_one_topic_each(templates: dict[str, dict[str, Any]]) -> None:
    """The producer and the enricher write with cluster.grant_produce: idempotent writes on the cluster, WriteData
    on their own topics only, nothing that reads or administers."""
    template = templates["FleetTelemetryStack"]
    producer = produce_grants(template, "TelemetryProducer")
    enricher = produce_grants(template, "TelemetryEnricher")
    assert sorted(producer) == ["fleet-telemetry"]
    assert sorted(enricher) == ["fleet-telemetry-dead-letters", "fleet-telemetry-enriched"]
    for statements in [*producer.values(), *enricher.values()]:
        assert statements, "an empty grant policy would pass the checks below vacuously"
        assert kafka_cluster_actions(statements) == {
            "kafka-cluster:Connect",
            "kafka-cluster:WriteDataIdempotently",
            "kafka-cluster:DescribeTopic",
            "kafka-cluster:WriteData",
        }
        [connect] = [s for s in statements if "kafka-cluster:Connect" in s["Action"]]
        assert connect["Resource"] == {"Ref": next(iter(resources(template, "AWS::MSK::ServerlessCluster")))}


def test_only_the_topic_admin_has_hand_written_kafka_cluster_statements(templates: dict[str, dict[str, Any]]) -> None:
    """Every kafka-cluster action in the sample comes from the library (consumer or grant policies), except the
    custom resource that creates topics, for which the library has no grant."""
    template = templates["FleetTelemetryStack"]
    hand_written = {
        logical_id
        for logical_id, policy in resources(template, "AWS::IAM::ManagedPolicy").items()
        if kafka_cluster_actions(policy["Properties"]["PolicyDocument"]["Statement"])
        and "constructs_kafka_lambda" not in policy["Properties"].get("Description", "")
    }
    assert [i.startswith("TopicsAdminAccessPolicy") for i in hand_written] == [True]


@pytest.mark.parametrize("function_prefix", ["TelemetryProducer", "TelemetryEnricher"])
def test_producer_functions_wait_for_their_grants(templates: dict[str, dict[str, Any]], function_prefix: str) -> None:
    template = templates["FleetTelemetryStack"]
    functions = resources(template, "AWS::Lambda::Function")
    [function] = [v for k, v in functions.items() if k.startswith(f"{function_prefix}Function")]
    grants = {k for k in resources(template, "AWS::IAM::ManagedPolicy") if k.startswith(f"{function_prefix}Function")}
    assert grants and grants <= set(function["DependsOn"])


def test_enricher_dead_letters_to_its_own_topic(templates: dict[str, dict[str, Any]]) -> None:
    """DEAD_LETTER_TOPIC names the topic the stack creates and grants, and the mapping waits for that topic."""
    template = templates["FleetTelemetryStack"]
    enricher = next(
        v["Properties"]
        for k, v in resources(template, "AWS::Lambda::Function").items()
        if k.startswith("TelemetryEnricherFunction")
    )
    assert enricher["Environment"]["Variables"]["DEAD_LETTER_TOPIC"] == "fleet-telemetry-dead-letters"
    assert enricher["Environment"]["Variables"]["OUTPUT_TOPIC"] == "fleet-telemetry-enriched"
    topics = {v["Properties"]["TopicName"]: k for k, v in resources(template, "Custom::MskServerlessTopic").items()}
    mappings = resources(template, "AWS::Lambda::EventSourceMapping")
    [enricher_mapping] = [
        v
        for v in mappings.values()
        if json.dumps(v["Properties"]["FunctionName"]).startswith('{"Ref": "TelemetryEnricher')
    ]
    assert {topics["fleet-telemetry"], topics["fleet-telemetry-dead-letters"]} <= set(enricher_mapping["DependsOn"])


def test_topics_are_created_by_the_stack(templates: dict[str, dict[str, Any]]) -> None:
    topics = resources(templates["FleetTelemetryStack"], "Custom::MskServerlessTopic").values()
    assert sorted(t["Properties"]["TopicName"] for t in topics) == [
        "fleet-telemetry",
        "fleet-telemetry-dead-letters",
        "fleet-telemetry-enriched",
    ]
    assert {t["Properties"]["Partitions"] for t in topics} == {2}


def _handler_constant(function: str, name: str) -> int:
    """An integer constant of a sample handler (e.g. `X = 24 * 3600`), read without importing the handler."""
    tree = ast.parse((REPO_ROOT / "sample_app" / "functions" / function / "handler.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [name]:
            return _product(node.value)
    raise AssertionError(f"{name} not found in {function}")


def _product(node: ast.expr) -> int:
    """An integer literal or a product of them (the way durations are written), evaluated without eval."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _product(node.left) * _product(node.right)
    raise AssertionError(f"not a product of integers: {ast.unparse(node)}")


def test_backup_plan_acknowledgement_states_the_handlers_idempotency_expiry() -> None:
    hours = _handler_constant("tire_pressure_alerts", "IDEMPOTENCY_TTL_S") // 3600
    assert hours == 24
    stack = FleetTelemetryStack(cdk.App(context=CONTEXT), "Fleet", env=cdk.Environment(account=ACCOUNT, region=REGION))
    reasons = [
        reason
        for entry in stack.idempotency_table.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for rule, reason in entry.data.items()
        if rule.endswith("-DynamoDBInBackupPlan")
    ]
    assert len(reasons) == 3
    assert all(f"expire after {hours} hours" in r for r in reasons), reasons


def test_confluent_mapping_uses_basic_auth_and_provisioned_pollers(templates: dict[str, dict[str, Any]]) -> None:
    mapping = mapping_of(templates["TradeSettlementStack"], "TradeSettlementFunction")
    assert mapping["Topics"] == ["user_trades"]
    assert mapping["SelfManagedEventSource"] == {
        "Endpoints": {"KafkaBootstrapServers": ["pkc-xxxxx.us-east-1.aws.confluent.cloud:9092"]}
    }
    [access] = mapping["SourceAccessConfigurations"]
    assert access["Type"] == "BASIC_AUTH"
    assert "secret:kafka-lambda-sample/confluent-api-key" in json.dumps(access["URI"])
    assert mapping["ProvisionedPollerConfig"]["MinimumPollers"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_settlement_reads_values_through_the_confluent_schema_registry(templates: dict[str, dict[str, Any]]) -> None:
    """Values are validated against the registry and handed to the function as JSON (the handler's JSON
    SchemaConfig); the registry's own API key is an imported secret the mapping's policy may read."""
    template = templates["TradeSettlementStack"]
    mapping = mapping_of(template, "TradeSettlementFunction")
    config = mapping["SelfManagedKafkaEventSourceConfig"]["SchemaRegistryConfig"]
    assert config["SchemaRegistryURI"] == SCHEMA_REGISTRY_URL_PLACEHOLDER
    assert config["EventRecordFormat"] == "JSON"
    assert config["SchemaValidationConfigs"] == [{"Attribute": "VALUE"}]
    [access] = config["AccessConfigs"]
    assert access["Type"] == "BASIC_AUTH"
    assert json.dumps(access["URI"]).endswith(f':secret:{SCHEMA_REGISTRY_SECRET_PLACEHOLDER}"]]}}')
    policies = resources(template, "AWS::IAM::ManagedPolicy")
    consumer = next(v for k, v in policies.items() if k.startswith("TradeSettlementConsumerPolicy"))
    reads = [
        json.dumps(s["Resource"])
        for s in consumer["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "secretsmanager:GetSecretValue"
    ]
    assert len(reads) == 2  # the cluster's API key and the registry's, each with its random ARN suffix matched
    assert any(r.endswith(f':secret:{SCHEMA_REGISTRY_SECRET_PLACEHOLDER}-??????"]]}}') for r in reads), reads


def test_settlement_producer_is_granted_the_api_key_by_the_library(templates: dict[str, dict[str, Any]]) -> None:
    """On Confluent Cloud grant_produce is read access to the API key (topics are authorised by Confluent ACLs)."""
    template = templates["TradeSettlementStack"]
    grants = {
        k: v["Properties"]["PolicyDocument"]["Statement"]
        for k, v in resources(template, "AWS::IAM::ManagedPolicy").items()
        if k.startswith("TradeSettlementFunctionKafkaProduce")
    }
    [statements] = grants.values()
    [read] = statements
    assert read["Action"] == "secretsmanager:GetSecretValue"
    assert json.dumps(read["Resource"]).endswith(':secret:kafka-lambda-sample/confluent-api-key-??????"]]}')
    settlement = next(
        v for k, v in resources(template, "AWS::Lambda::Function").items() if k.startswith("TradeSettlementFunction")
    )
    assert set(grants) <= set(settlement["DependsOn"])
    assert "DEAD_LETTER_TOPIC" not in settlement["Properties"]["Environment"]["Variables"]  # default: none


def trade_template(context: dict[str, Any]) -> dict[str, Any]:
    app = cdk.App(context={**CONTEXT, **context})
    stack = TradeSettlementStack(app, "Trades", env=cdk.Environment(account=ACCOUNT, region=REGION))
    return Template.from_stack(stack).to_json()


def test_trade_context_keys_set_the_registry_and_the_dead_letter_topic() -> None:
    template = trade_template(
        {
            "confluent_schema_registry_url": "https://psrc-abc12.eu-west-1.aws.confluent.cloud",
            "confluent_schema_registry_secret_name": "prod/registry-key",
            "confluent_dead_letter_topic": "user_trades-dead-letters",
        }
    )
    mapping = mapping_of(template, "TradeSettlementFunction")
    config = mapping["SelfManagedKafkaEventSourceConfig"]["SchemaRegistryConfig"]
    assert config["SchemaRegistryURI"] == "https://psrc-abc12.eu-west-1.aws.confluent.cloud"
    assert json.dumps(config["AccessConfigs"][0]["URI"]).endswith(':secret:prod/registry-key"]]}')
    settlement = next(
        v["Properties"]
        for k, v in resources(template, "AWS::Lambda::Function").items()
        if k.startswith("TradeSettlementFunction")
    )
    assert settlement["Environment"]["Variables"]["DEAD_LETTER_TOPIC"] == "user_trades-dead-letters"


@pytest.mark.parametrize("bad", ["has space", "x" * 250, "..", "trades/dead"])
def test_a_bad_dead_letter_topic_fails_at_synth(bad: str) -> None:
    with pytest.raises(ValueError, match="confluent_dead_letter_topic"):
        TradeSettings.from_context(cdk.App(context={"confluent_dead_letter_topic": bad}).node)


def test_an_empty_dead_letter_topic_means_none() -> None:
    assert (
        TradeSettings.from_context(cdk.App(context={"confluent_dead_letter_topic": " "}).node).dead_letter_topic is None
    )


def test_alert_topic_is_encrypted_with_the_stacks_key(templates: dict[str, dict[str, Any]]) -> None:
    topics = resources(templates["FleetTelemetryStack"], "AWS::SNS::Topic")
    alerts = next(v["Properties"] for k, v in topics.items() if k.startswith("TirePressureAlertTopic"))
    assert alerts["KmsMasterKeyId"]["Fn::GetAtt"][0].startswith("Key")
    assert all("KmsMasterKeyId" in topic["Properties"] for topic in topics.values())


@pytest.mark.parametrize("name", STACKS)
def test_function_roles_have_no_aws_managed_policies(templates: dict[str, dict[str, Any]], name: str) -> None:
    """Every role the sample defines lists customer-managed policies only. (CDK's own provider for closing the
    VPC's default security group is the one exception: it is CDK's, not the sample's.)"""
    for logical_id, role in resources(templates[name], "AWS::IAM::Role").items():
        if logical_id.startswith("CustomVpcRestrictDefaultSG"):
            continue
        arns = role["Properties"].get("ManagedPolicyArns", [])
        assert all(set(arn) == {"Ref"} for arn in arns), f"{logical_id}: {arns}"
        assert "Policies" not in role["Properties"], f"{logical_id} has inline policies"


@pytest.mark.parametrize("name", STACKS)
def test_functions_follow_the_sample_standards(templates: dict[str, dict[str, Any]], name: str) -> None:
    functions = {
        k: v["Properties"]
        for k, v in resources(templates[name], "AWS::Lambda::Function").items()
        if v["Properties"].get("Runtime", "").startswith("python")
    }
    assert functions
    for logical_id, fn in functions.items():
        assert fn["Runtime"] == "python3.14", logical_id
        assert fn["Architectures"] == ["x86_64"], logical_id
        assert fn["TracingConfig"] == {"Mode": "Active"}, logical_id
        assert fn["Timeout"] <= 14 * 60 and fn["MemorySize"] >= 128, logical_id
        assert fn["ReservedConcurrentExecutions"] >= 1, logical_id
        assert "DeadLetterConfig" in fn and "VpcConfig" in fn and "LoggingConfig" in fn, logical_id
        assert "POWERTOOLS_METRICS_NAMESPACE" in fn["Environment"]["Variables"], logical_id


def test_simulator_schedule_follows_context(templates: dict[str, dict[str, Any]]) -> None:
    rule = only(templates["FleetTelemetryStack"], "AWS::Events::Rule")
    assert rule["ScheduleExpression"] == "rate(1 minute)"
    assert rule["State"] == "ENABLED"
    assert "DeadLetterConfig" in rule["Targets"][0]


def test_simulator_can_be_switched_off() -> None:
    app = cdk.App(context={**CONTEXT, "simulator_enabled": "false", "fleet_size": "3"})
    fleet, _ = build(app, cdk.Environment(account=ACCOUNT, region=REGION))
    template = app.synth().get_stack_by_name(fleet.stack_name).template
    assert only(template, "AWS::Events::Rule")["State"] == "DISABLED"
    producer = next(
        v["Properties"]
        for k, v in resources(template, "AWS::Lambda::Function").items()
        if k.startswith("TelemetryProducerFunction")
    )
    assert producer["Environment"]["Variables"]["FLEET_SIZE"] == "3"


# -------------------------------------------------------------------------------------- snapshots
_ASSET_HASH = re.compile(r"[0-9a-f]{64}")
# The library names a grant policy Kafka{Produce,Consume}<8 hex of a digest of the cluster ARN...> and CDK appends
# its own 8-character hash. With a cluster construct the ARN is a token, whose text depends on construction order
# (see test_grant_policy_logical_ids_are_stable_across_syntheses), so the snapshot names those policies by content.
_GRANT_ID = re.compile(r"\b(\w+?Kafka(?:Produce|Consume))[0-9a-f]{8}[0-9A-F]{8}\b")


def stable(template: dict[str, Any]) -> dict[str, Any]:
    """The template without asset hashes, CDK metadata and the bootstrap-version rule/parameter, grant policies
    named by what they grant."""
    text = _ASSET_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True))
    for logical_id, name in _grant_ids(template):
        text = text.replace(logical_id, name)
    data: dict[str, Any] = json.loads(text)
    data.pop("Rules", None)
    data.pop("Parameters", None)
    for resource in data.get("Resources", {}).values():
        resource.pop("Metadata", None)
        if "DependsOn" in resource:  # CDK sorts it by logical id: again once the grant policies are renamed
            resource["DependsOn"] = sorted(resource["DependsOn"])
    data.get("Resources", {}).pop("CDKMetadata", None)
    data.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    return data


def _grant_ids(template: dict[str, Any]) -> list[tuple[str, str]]:
    """(logical id, stable name) of each grant policy: <prefix><topic> when a statement names the topic (MSK IAM),
    else <prefix><digest of the policy document>."""
    found = []
    for logical_id, resource in template["Resources"].items():
        match = _GRANT_ID.fullmatch(logical_id)
        if match is None:
            continue
        document = resource["Properties"]["PolicyDocument"]
        topics = [
            s["Resource"]["Fn::Join"][1][-1].rsplit("/", 1)[1]
            for s in document["Statement"]
            if "kafka-cluster:DescribeTopic" in s["Action"]
        ]
        name = topics[0] if topics else hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:8]
        found.append((logical_id, f"{match.group(1)}<{name}>"))
    return found


@pytest.mark.parametrize("name", STACKS)
def test_template_snapshot(templates: dict[str, dict[str, Any]], name: str, snapshot: Any) -> None:
    assert stable(templates[name]) == snapshot(extension_class=JSONSnapshotExtension)


def test_grant_policy_logical_ids_are_stable_across_syntheses() -> None:
    def grant_ids() -> list[str]:
        """The grant policies' logical ids of a fresh app (the same code, later in the same process)."""
        app = cdk.App(context=CONTEXT)
        stack = FleetTelemetryStack(app, "Fleet", env=cdk.Environment(account=ACCOUNT, region=REGION))
        return sorted(k for k in Template.from_stack(stack).to_json()["Resources"] if _GRANT_ID.fullmatch(k))

    first = grant_ids()
    assert len(first) == 3
    assert grant_ids() == first
