"""One representative template per source kind: cdk-nag (five packs) and cfn-lint clean, and a snapshot.

The late-2026 kinds (schema registries, queue mode, Confluent OAuth, cross-account MSK, poller groups) and the client
grants are built together into one stack ("NewKinds", synthesized once): clean as a whole, one snapshot per kind of
what that kind created, and the properties that matter asserted per kind.

The snapshot is a safety net; the properties that matter are asserted here and in test_consumer/test_iam.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest

from configs import (
    CONFLUENT_REGISTRY_URL,
    GLUE_REGISTRY_ARN,
    GRANTEES,
    NEW_KINDS,
    POLLER_GROUP,
    REPRESENTATIVE,
    SELF_MANAGED_IAM_SERVERS,
    VPC_CONNECTION_ARN,
    WEB_IDENTITY_AUDIENCE,
    client_grants,
)
from support import (
    FIXTURE,
    Finding,
    cfn_lint_errors,
    library_findings,
    new_app,
    new_stack,
    stable,
    synth_findings,
    template_of,
)


@cache
def synthesized(name: str) -> tuple[list[Finding], dict[str, Any]]:
    app = new_app(nag=True)
    stack = new_stack(app, "Representative")
    REPRESENTATIVE[name](stack)
    findings = synth_findings(app)
    return findings, template_of(app, "Representative")


@pytest.mark.parametrize("name", sorted(REPRESENTATIVE))
def test_no_cdk_nag_finding_on_what_the_library_creates(name):
    findings, _ = synthesized(name)
    assert library_findings(findings) == []


@pytest.mark.parametrize("name", sorted(REPRESENTATIVE))
def test_cfn_lint_reports_no_error(name):
    _, template = synthesized(name)
    assert cfn_lint_errors(template) == []


@pytest.mark.parametrize("name", sorted(REPRESENTATIVE))
def test_template_snapshot(name, snapshot):
    _, template = synthesized(name)
    mappings = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert len(mappings) == 1
    assert mappings[0]["DependsOn"], "the mapping waits for its policy"
    assert stable(template) == snapshot


def test_unacknowledged_wildcards_stay_findings():
    """The acknowledgements are exact: a wildcard the library did not add is still reported."""
    from aws_cdk import aws_iam as iam

    app = new_app(nag=True)
    stack = new_stack(app, "Wild")
    consumer = REPRESENTATIVE["msk_iam"](stack)
    consumer.policy.add_statements(iam.PolicyStatement(actions=["logs:PutLogEvents"], resources=["arn:aws:logs:*:*:*"]))
    findings = library_findings(synth_findings(app))
    assert [f.rule for f in findings] == ["AwsSolutions-IAM5[Resource::arn:aws:logs:*:*:*]"]


# ------------------------------------------------------------------------------------------ late-2026 kinds
NEW_STACK = "NewKinds"
SHARED = "KafkaLambdaShared"  # the stack's shared bucket, alarm topic and dashboard: every consumer's, no kind's
KINDS = sorted([*NEW_KINDS, "client_grants"])


@cache
def new_kinds() -> tuple[list[Finding], dict[str, Any], dict[str, tuple[str, ...]]]:
    """(findings, template, kind -> logical ids of the resources it added) of one stack holding every new kind.

    A kind's resources are those that appeared while it was built, wherever they live (its consumer, endpoints
    added to the VPC's shared set, rules the library adds to the fixture's security groups), except the fixtures
    themselves and the stack's shared bucket/topic/dashboard, which belong to no kind.
    """
    app = new_app(nag=True)
    stack = new_stack(app, NEW_STACK)
    added: dict[str, tuple[str, ...]] = {}
    seen: set[str] = set()
    for name in KINDS:
        NEW_KINDS[name](stack) if name in NEW_KINDS else client_grants(stack)
        resources = {c.node.path: c for c in stack.node.find_all() if _belongs_to_a_kind(c)}
        added[name] = tuple(sorted(stack.resolve(resources[p].logical_id) for p in set(resources) - seen))
        seen |= set(resources)
    return synth_findings(app), template_of(app, NEW_STACK), added


def _belongs_to_a_kind(construct: Any) -> bool:
    if not isinstance(construct, cdk.CfnResource):
        return False
    path = construct.node.path
    if path.startswith(f"{NEW_STACK}/{SHARED}/"):
        return False
    rule = construct.cfn_resource_type in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress")
    return rule or not path.startswith(f"{NEW_STACK}/{FIXTURE}/")


def resources_of(kind: str) -> dict[str, dict[str, Any]]:
    """The resources a kind added."""
    _, template, added = new_kinds()
    return {logical_id: template["Resources"][logical_id] for logical_id in added[kind]}


def mappings_of(kind: str) -> list[dict[str, Any]]:
    found = [r for r in resources_of(kind).values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert found, kind
    return found


def test_new_kinds_have_no_cdk_nag_or_schema_finding_on_what_the_library_creates():
    findings, _, _ = new_kinds()
    assert library_findings(findings) == []
    assert any(f"/{FIXTURE}/" in f.path for f in findings), "the packs ran (the fixtures' own findings are there)"


def test_new_kinds_cfn_lint_reports_no_error():
    _, template, _ = new_kinds()
    assert cfn_lint_errors(template) == []


@pytest.mark.parametrize("kind", KINDS)
def test_new_kind_snapshot(kind, snapshot):
    created = resources_of(kind)
    for resource in created.values():
        if resource["Type"] == "AWS::Lambda::EventSourceMapping":
            assert resource["DependsOn"], "the mapping waits for its policy"
    assert stable({"Resources": created}) == snapshot


def test_glue_registry_mapping_validates_key_and_value_and_keeps_the_source_format():
    [mapping] = mappings_of("glue_registry")
    config = mapping["Properties"]["AmazonManagedKafkaEventSourceConfig"]
    assert config == {
        "ConsumerGroupId": "fleet-telemetry-avro",
        "SchemaRegistryConfig": {
            "SchemaRegistryURI": GLUE_REGISTRY_ARN,
            "EventRecordFormat": "SOURCE",
            "SchemaValidationConfigs": [{"Attribute": "KEY"}, {"Attribute": "VALUE"}],
        },
    }
    assert mapping["Properties"]["ProvisionedPollerConfig"] == {"MinimumPollers": 1, "MaximumPollers": 4}
    [errors] = [r for k, r in resources_of("glue_registry").items() if k.startswith("GlueRegistryErrorsAlarm")]
    names = [m["MetricStat"]["Metric"]["MetricName"] for m in errors["Properties"]["Metrics"] if "MetricStat" in m]
    assert "SchemaRegistryErrorCount" in names  # registry errors count as errors


def test_confluent_registry_mapping_sends_basic_auth_and_root_ca_together():
    [mapping] = mappings_of("confluent_registry")
    props = mapping["Properties"]
    registry = props["SelfManagedKafkaEventSourceConfig"]["SchemaRegistryConfig"]
    assert registry["SchemaRegistryURI"] == CONFLUENT_REGISTRY_URL
    assert registry["EventRecordFormat"] == "JSON"
    assert registry["SchemaValidationConfigs"] == [{"Attribute": "VALUE"}]
    assert [c["Type"] for c in registry["AccessConfigs"]] == ["BASIC_AUTH", "SERVER_ROOT_CA_CERTIFICATE"]
    assert registry["AccessConfigs"][0]["URI"] == {"Ref": next(iter(_fixture_ids("RegistryBasicAuth")))}
    assert "secret:registry/root-ca" in str(registry["AccessConfigs"][1]["URI"])
    assert [c["Type"] for c in props["SourceAccessConfigurations"]] == ["SASL_SCRAM_512_AUTH"]
    assert "VpcConfig" not in props and "SELF_MANAGED_VPC" not in str(props)  # public brokers


def test_queue_mode_mapping_has_a_share_group_and_no_stream_only_settings():
    [mapping] = mappings_of("queue_self_managed")
    props = mapping["Properties"]
    assert props["SelfManagedKafkaEventSourceConfig"] == {
        "ConsumerGroupId": "work-items-share",
        "ConsumptionMode": "Queue",
    }
    assert not {"StartingPosition", "StartingPositionTimestamp", "MaximumBatchingWindowInSeconds"} & set(props)
    types = [c["Type"] for c in props["SourceAccessConfigurations"]]
    assert types.count("VPC_SUBNET") == 2 and types.count("VPC_SECURITY_GROUP") == 1 and "BASIC_AUTH" in types
    alarms = [k for k, r in resources_of("queue_self_managed").items() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert alarms and not any("OffsetLag" in k for k in alarms)  # share groups have no offset lag


def test_confluent_oauth_mapping_sends_the_secret_then_plain_parameters():
    [mapping] = mappings_of("confluent_oauth")
    configs = mapping["Properties"]["SourceAccessConfigurations"]
    assert [c["Type"] for c in configs] == [
        "OAUTHBEARER_AUTH",
        "OAUTHBEARER_SCOPE",
        "OAUTHBEARER_LOGICAL_CLUSTER",
        "OAUTHBEARER_IDENTITY_POOL",
    ]
    assert configs[0]["URI"] == {"Ref": next(iter(_fixture_ids("ConfluentOAuth")))}
    assert [c["URI"] for c in configs[1:]] == ["kafka", "lkc-abc12", "pool-AbC1"]


def test_cross_account_mapping_reads_through_the_vpc_connection():
    [mapping] = mappings_of("msk_cross_account")
    props = mapping["Properties"]
    assert props["EventSourceArn"] == VPC_CONNECTION_ARN
    assert props["AmazonManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": "orders-from-222222222222"}
    assert props["ProvisionedPollerConfig"] == {"MinimumPollers": 1, "MaximumPollers": 4}
    ingress = [
        r["Properties"]
        for r in resources_of("msk_cross_account").values()
        if r["Type"] == "AWS::EC2::SecurityGroupIngress"
    ]
    assert {(i["FromPort"], i["ToPort"]) for i in ingress} == {(9098, 9098)}  # IAM port, group to itself


def test_poller_group_mappings_share_the_group_name():
    configs = sorted(
        (m["Properties"]["ProvisionedPollerConfig"] for m in mappings_of("poller_group")),
        key=lambda c: c["MaximumPollers"],
    )
    assert configs == [
        {"MinimumPollers": 1, "MaximumPollers": 6, "PollerGroupName": POLLER_GROUP},
        {"MinimumPollers": 1, "MaximumPollers": 10, "PollerGroupName": POLLER_GROUP},
    ]


def test_client_grants_are_one_managed_policy_per_grantee_on_its_role():
    created = resources_of("client_grants")
    policies = {k: r for k, r in created.items() if r["Type"] == "AWS::IAM::ManagedPolicy"}
    roles = {k for k, r in created.items() if r["Type"] == "AWS::IAM::Role"}
    assert len(policies) == len(roles) == 8
    assert {p["Properties"]["Roles"][0]["Ref"] for p in policies.values()} == roles
    assert all(len(p["Properties"]["Roles"]) == 1 for p in policies.values())
    assert all(k.startswith(GRANTEES) for k in created)


def _ingress_ports(kind: str) -> set[tuple[int, int]]:
    return {
        (r["Properties"]["FromPort"], r["Properties"]["ToPort"])
        for r in resources_of(kind).values()
        if r["Type"] == "AWS::EC2::SecurityGroupIngress"
        and "SourceSecurityGroupId" in r["Properties"]
        and r["Properties"]["FromPort"] != 443
    }


def test_self_managed_iam_mapping_is_iam_auth_without_uri_with_its_root_ca_and_broker_port_rule():
    """kafka-cluster-auth: IAM_AUTH, "omit the URI field"; the root CA a custom domain usually needs; the cluster
    group admits itself on the servers' port (9098, MSK's IAM listener)."""
    [mapping] = mappings_of("self_managed_iam")
    props = mapping["Properties"]
    configs = props["SourceAccessConfigurations"]
    assert configs[0] == {"Type": "IAM_AUTH"}
    assert [c["Type"] for c in configs[1:]] == [
        "SERVER_ROOT_CA_CERTIFICATE",
        "VPC_SUBNET",
        "VPC_SUBNET",
        "VPC_SECURITY_GROUP",
    ]
    assert "EventSourceArn" not in props  # cluster_arn scopes the grants; the mapping reads the bootstrap servers
    assert props["SelfManagedEventSource"]["Endpoints"]["KafkaBootstrapServers"] == SELF_MANAGED_IAM_SERVERS
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == "kafka://shipments-failed"
    assert _ingress_ports("self_managed_iam") == {(9098, 9098)}


def test_self_managed_iam_without_cluster_arn_is_public_iam_auth_only():
    [mapping] = mappings_of("self_managed_iam_any_cluster")
    assert mapping["Properties"]["SourceAccessConfigurations"] == [{"Type": "IAM_AUTH"}]
    assert not _ingress_ports("self_managed_iam_any_cluster")  # public brokers: no security group to open


def test_web_identity_mapping_is_its_type_without_uri_and_the_audience_and_nothing_else_oauth():
    [mapping] = mappings_of("self_managed_web_identity")
    configs = mapping["Properties"]["SourceAccessConfigurations"]
    assert configs[:2] == [
        {"Type": "IAM_OAUTHBEARER_AUTH"},
        {"Type": "OAUTHBEARER_AUDIENCE", "URI": WEB_IDENTITY_AUDIENCE},
    ]
    assert {c["Type"] for c in configs[2:]} == {"VPC_SUBNET", "VPC_SECURITY_GROUP"}
    assert _ingress_ports("self_managed_web_identity") == {(9096, 9096)}


def _fixture_ids(prefix: str) -> list[str]:
    """Logical ids of the fixture's resources whose construct id starts with prefix (CDK prefixes the path)."""
    _, template, _ = new_kinds()
    return [k for k in template["Resources"] if k.startswith(f"{FIXTURE}{prefix}")]
