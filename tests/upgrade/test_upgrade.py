"""Upgrades never replace a resource by surprise.

The representative consumers (consumers.py) are synthesized and compared with the committed record of the last
release (record.json): a logical id that is gone or a replacement-sensitive property that changed fails, unless
CHANGELOG.md names it (its `ref`, e.g. "Upgrade/MskIamMapping33C5CF9B Topics") under a "### Breaking" heading of a
version newer than the record's (or Unreleased). At a release, `make upgrade-record` writes the new record.

Also here: the synth-time warning an app gets when its committed record shows a consumer's mapping being replaced.
"""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match

from constructs_kafka_lambda import KafkaAuth, KafkaCluster, KafkaLambdaConsumer, __version__
from constructs_kafka_lambda.planning.cli import main
from constructs_kafka_lambda.upgrade import (
    MAPPING_REPLACEMENT_PROPERTIES,
    MAPPING_TYPE,
    RECORD_CONTEXT_KEY,
    compare,
    read_record,
    record_assembly,
    write_record,
)

from .consumers import RECORD, current_record, schema_create_only
from support import ENV, MSK_ARN, function

CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def changelog_sections(changelog: str | None = None) -> dict[str, str]:
    """Each `## [version]` section's text ("Unreleased" included), by version."""
    text = CHANGELOG.read_text(encoding="utf-8") if changelog is None else changelog
    parts = re.split(r"^## \[([^\]]+)\][^\n]*\n", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def breaking_since(version: str, changelog: str | None = None) -> str:
    """The "### Breaking" text of every section newer than `version` (Unreleased counts)."""
    found = []
    for name, text in changelog_sections(changelog).items():
        if name == "Unreleased" or _version(name) > _version(version):
            for block in re.split(r"^### ", text, flags=re.M)[1:]:
                heading, _, body = block.partition("\n")
                if heading.strip().lower().startswith("breaking"):
                    found.append(body)
    return "\n".join(found)


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    return current_record()


def test_the_record_is_of_a_released_version() -> None:
    committed = read_record(RECORD)
    assert committed["version"] in changelog_sections(), "record.json's version has no CHANGELOG section"
    assert _version(committed["version"]) <= _version(__version__)


def test_no_resource_is_replaced_unless_the_changelog_says_so(record: dict[str, Any]) -> None:
    committed = read_record(RECORD)
    declared = breaking_since(committed["version"])
    undeclared = [d for d in compare(committed, record) if d.ref not in declared]
    assert not undeclared, (
        f"Compared with the record of {committed['version']} (tests/upgrade/record.json), this change replaces or "
        "deletes resources of users' stacks:\n"
        + "\n".join(f"- {d.message}" for d in undeclared)
        + "\nIf that is intended, name each under '### Breaking' in CHANGELOG.md's [Unreleased] section, e.g.:\n"
        + "\n".join(f"- `{d.ref}`: <why, and what users must do>" for d in undeclared)
    )


def test_only_a_breaking_heading_of_a_newer_version_declares_a_change() -> None:
    changelog = (
        "# Changelog\n## [Unreleased]\n### Added\n- `S/A Topics`\n### Breaking\n- `S/B Topics`: moved\n"
        "## [0.3.0] - 2027-01-01\n### Breaking\n- `S/C`: gone\n## [0.2.0] - 2026-12-04\n### Breaking\n- `S/D`\n"
    )
    declared = breaking_since("0.2.0", changelog)
    assert "S/B Topics" in declared and "S/C" in declared
    assert "S/A Topics" not in declared and "S/D" not in declared
    assert "S/C" not in breaking_since("0.3.0", changelog)


def test_every_representative_kind_is_recorded(record: dict[str, Any]) -> None:
    entries = record["stacks"]["Upgrade"].values()
    mappings = [e for e in entries if e["type"] == MAPPING_TYPE]
    assert len(mappings) == 7
    recorded = {name for e in mappings for name in e["properties"]}
    assert recorded == set(MAPPING_REPLACEMENT_PROPERTIES)  # each replacement-sensitive property is exercised
    types = {e["type"] for e in entries}
    assert {"AWS::KMS::Key", "AWS::S3::Bucket", "AWS::SNS::Topic", "AWS::EC2::VPCEndpoint"} <= types


def test_the_mapping_list_covers_cloudformations_create_only_properties() -> None:
    assert set(schema_create_only(MAPPING_TYPE)) <= set(MAPPING_REPLACEMENT_PROPERTIES)


# ------------------------------------------------------------------------------------------------ compare()
def _one(properties: dict[str, Any], logical_id: str = "OrdersMappingAB12", path: str = "S/Orders/Mapping/Resource"):
    entry = {"type": MAPPING_TYPE, "path": path, "properties": properties}
    return {"format": 1, "version": "0.2.0", "stacks": {"S": {logical_id: entry}}}


BASE = {"Topics": ["orders"], "AmazonManagedKafkaEventSourceConfig.ConsumerGroupId": "billing"}


def test_compare_names_changed_properties_and_gone_ids_not_additions() -> None:
    assert compare(_one(BASE), _one(BASE)) == []
    changed = compare(_one(BASE), _one({**BASE, "Topics": ["payments"]}))
    assert [d.ref for d in changed] == ["S/OrdersMappingAB12 Topics"]
    assert '["orders"] to ["payments"]' in changed[0].message
    moved = compare(_one(BASE), _one(BASE, logical_id="OrdersMappingCD34"))
    assert [d.ref for d in moved] == ["S/OrdersMappingAB12"]
    assert "now logical id OrdersMappingCD34" in moved[0].message
    grown = copy.deepcopy(_one(BASE))
    grown["stacks"]["S"]["NewThing"] = {"type": "AWS::SNS::Topic", "path": "S/New", "properties": {}}
    assert compare(_one(BASE), grown) == []


# ------------------------------------------------------------------------------ the synth-time warning
def synth(tmp_path: Path, name: str, record: Path | None, **props: Any) -> tuple[cdk.Stack, Path]:
    context: dict[str, Any] = {"aws:cdk:bundling-stacks": [], "aws:cdk:enable-path-metadata": True}
    if record is not None:
        context[RECORD_CONTEXT_KEY] = str(record)
    outdir = tmp_path / name
    app = cdk.App(context=context, outdir=str(outdir))
    stack = cdk.Stack(app, "Orders", env=ENV)
    props.setdefault("topic", "orders")
    KafkaLambdaConsumer(
        stack,
        props.pop("cid", "Billing"),
        cluster=KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()),
        function=function(stack, "Fn"),
        **props,
    )
    app.synth()
    return stack, outdir


def warnings(stack: cdk.Stack, warning_id: str) -> list[str]:
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(f"{warning_id}\\]"))
    return [str(w.entry.data) for w in found]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The record an app committed after deploying topic "orders" with the explicit group "billing"."""
    tmp_path = tmp_path_factory.mktemp("deployed")
    _, outdir = synth(tmp_path, "deployed", None, consumer_group_id="billing")
    path = tmp_path / "kafka-mappings.json"
    assert main(["record", "--assembly", str(outdir), "--output", str(path)], out=io.StringIO()) == 0
    return path


def test_the_record_names_the_deployed_mapping(deployed: Path) -> None:
    (entry,) = read_record(deployed)["stacks"]["Orders"].values()
    assert entry["path"] == "Orders/Billing/Mapping/Resource"
    assert entry["properties"]["Topics"] == ["orders"]
    assert entry["properties"]["AmazonManagedKafkaEventSourceConfig.ConsumerGroupId"] == "billing"


def test_a_kept_group_on_a_new_topic_warns_at_synth(tmp_path: Path, deployed: Path) -> None:
    stack, _ = synth(tmp_path, "next", deployed, topic="payments", consumer_group_id="billing")
    (found,) = warnings(stack, "replacement-group-kept")
    message = found
    assert 'Topics changes from ["orders"] to ["payments"]' in message
    assert 'consumer group "billing" stays' in message


def test_a_new_group_with_the_topic_warns_of_the_restart(tmp_path: Path, deployed: Path) -> None:
    stack, _ = synth(tmp_path, "next", deployed, topic="payments", consumer_group_id="payments-billing")
    assert warnings(stack, "replacement-group-kept") == []
    (found,) = warnings(stack, "replacement")
    assert "starts from its starting position" in found


def test_a_moved_consumer_with_its_group_is_seen_by_the_group(tmp_path: Path, deployed: Path) -> None:
    stack, _ = synth(tmp_path, "next", deployed, cid="Invoicing", consumer_group_id="billing")
    (found,) = warnings(stack, "replacement-group-kept")
    assert "its logical id changes from OrdersBilling" not in found  # ids are per stack, no prefix
    assert "its logical id changes from Billing" in found


def test_an_unchanged_or_unrecorded_consumer_says_nothing(tmp_path: Path, deployed: Path) -> None:
    stack, _ = synth(tmp_path, "same", deployed, consumer_group_id="billing", batch_size=500)  # updatable
    assert warnings(stack, "replacement") == [] and warnings(stack, "replacement-group-kept") == []
    stack, _ = synth(tmp_path, "none", None, topic="payments", consumer_group_id="billing")
    assert warnings(stack, "replacement-group-kept") == []


def test_an_unreadable_record_is_a_warning(tmp_path: Path) -> None:
    stack, _ = synth(tmp_path, "bad", tmp_path / "missing.json")
    assert len(warnings(stack, "record-unreadable")) == 1


def test_record_assembly_reads_nested_assemblies(tmp_path: Path) -> None:
    app = cdk.App(context={"aws:cdk:bundling-stacks": [], "aws:cdk:enable-path-metadata": True}, outdir=str(tmp_path))
    stage = cdk.Stage(app, "Prod", env=ENV)
    stack = cdk.Stack(stage, "Orders")
    KafkaLambdaConsumer(
        stack,
        "Billing",
        cluster=KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()),
        topic="orders",
        function=function(stack),
    )
    app.synth()
    record = record_assembly(tmp_path)
    (stack_id,) = record["stacks"]
    assert stack_id.startswith("Prod") and len(record["stacks"][stack_id]) == 1
    write_record(record, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["version"] == __version__
