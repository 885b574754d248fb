"""The sample app: both stacks synthesize with zero cdk-nag findings (all five packs) and no cfn-lint errors, wire
what the README promises, and match their snapshots (asset hashes stripped).

Synthesized once per module with bundling off; update snapshots with `pytest tests/test_sample_app.py --snapshot-update`.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
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
from sample_app.stacks.fleet_telemetry import LOW_PRESSURE_FILTER  # noqa: E402

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


def test_enricher_may_write_only_to_the_enriched_topic(templates: dict[str, dict[str, Any]]) -> None:
    template = templates["FleetTelemetryStack"]
    policies = resources(template, "AWS::IAM::ManagedPolicy")
    access = next(v for k, v in policies.items() if k.startswith("TelemetryEnricherAccessPolicy"))
    statements = {s["Sid"]: s for s in access["Properties"]["PolicyDocument"]["Statement"]}
    write = statements["ProduceToTopic"]
    assert sorted(write["Action"]) == ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]
    assert json.dumps(write["Resource"]).endswith('"/fleet-telemetry-enriched"]]}')
    assert "kafka-cluster:Connect" in statements["ConnectAndProduceIdempotently"]["Action"]


def test_topics_are_created_by_the_stack(templates: dict[str, dict[str, Any]]) -> None:
    topics = resources(templates["FleetTelemetryStack"], "Custom::MskServerlessTopic").values()
    assert sorted(t["Properties"]["TopicName"] for t in topics) == ["fleet-telemetry", "fleet-telemetry-enriched"]
    assert {t["Properties"]["Partitions"] for t in topics} == {2}


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


def stable(template: dict[str, Any]) -> dict[str, Any]:
    """The template without asset hashes, CDK metadata and the bootstrap-version rule/parameter."""
    data: dict[str, Any] = json.loads(_ASSET_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True)))
    data.pop("Rules", None)
    data.pop("Parameters", None)
    for resource in data.get("Resources", {}).values():
        resource.pop("Metadata", None)
    data.get("Resources", {}).pop("CDKMetadata", None)
    data.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    return data


@pytest.mark.parametrize("name", STACKS)
def test_template_snapshot(templates: dict[str, dict[str, Any]], name: str, snapshot: Any) -> None:
    assert stable(templates[name]) == snapshot(extension_class=JSONSnapshotExtension)
