"""Every valid cell: sources x auths x modes x destinations synthesize clean (cdk-nag five packs, CDK's schema
validation, cfn-lint). One stack per source keeps it fast: a stack holds many consumers."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns

from constructs_kafka_lambda import (
    FailureDestination,
    KafkaAuth,
    KafkaCluster,
    KafkaLambdaConsumer,
    ProvisionedPollers,
)
from constructs_kafka_lambda.source.auth import SUPPORTED_AUTH, AuthMechanism, SourceKind

from support import (
    MSK_ARN,
    Finding,
    cfn_lint_errors,
    fixture_scope,
    function,
    library_findings,
    new_app,
    new_stack,
    synth_findings,
    template_of,
)

MODES = {"on_demand": None, "provisioned": ProvisionedPollers(minimum=1, maximum=4)}
DESTINATIONS = ["s3", "sqs", "sns", "kafka", "none"]


def _auth(stack: cdk.Stack, source: SourceKind, mechanism: AuthMechanism) -> KafkaAuth:
    scope = fixture_scope(stack)
    key = scope.node.try_find_child("Key") or kms.Key(scope, "Key", enable_key_rotation=True)
    name = f"AmazonMSK_{source.name}_{mechanism.name}".lower().replace("amazonmsk", "AmazonMSK")
    secret = scope.node.try_find_child(mechanism.name) or secretsmanager.Secret(
        scope, mechanism.name, secret_name=name, encryption_key=key
    )
    makers: dict[AuthMechanism, Callable[[], KafkaAuth]] = {
        AuthMechanism.IAM: KafkaAuth.iam,
        AuthMechanism.SASL_SCRAM_512: lambda: KafkaAuth.scram_sha_512(secret),
        AuthMechanism.SASL_SCRAM_256: lambda: KafkaAuth.scram_sha_256(secret),
        AuthMechanism.SASL_PLAIN: lambda: KafkaAuth.sasl_plain(secret),
        AuthMechanism.MUTUAL_TLS: lambda: KafkaAuth.mutual_tls(secret),
        AuthMechanism.UNAUTHENTICATED: lambda: KafkaAuth.unauthenticated(tls=True),
        AuthMechanism.OAUTH: lambda: KafkaAuth.oauth(
            secret, scope="kafka", logical_cluster="lkc-abc12", identity_pool="pool-AbC1"
        ),
    }
    return makers[mechanism]()


def _cluster(stack: cdk.Stack, source: SourceKind, auth: KafkaAuth) -> KafkaCluster:
    scope = fixture_scope(stack)
    vpc = scope.node.try_find_child("Vpc") or ec2.Vpc(scope, "Vpc", max_azs=2, nat_gateways=0)
    group = scope.node.try_find_child("Sg") or ec2.SecurityGroup(scope, "Sg", vpc=vpc)
    servers = ["b-1.kafka.internal:9096", "b-2.kafka.internal:9096"]
    if source is SourceKind.MSK:
        return KafkaCluster.msk(MSK_ARN, auth=auth, vpc=vpc, security_groups=[group])
    if source is SourceKind.MSK_SERVERLESS:
        return KafkaCluster.msk_serverless(MSK_ARN, vpc=vpc, security_groups=[group])
    if source is SourceKind.SELF_MANAGED:
        subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        return KafkaCluster.self_managed(servers, auth=auth, vpc=vpc, subnets=subnets, security_groups=[group])
    assert auth.secret is not None
    servers = ["pkc-1.us-east-1.aws.confluent.cloud:9092"]
    if auth.mechanism is AuthMechanism.OAUTH:
        return KafkaCluster.confluent_cloud(servers, oauth=auth)
    return KafkaCluster.confluent_cloud(servers, api_key=auth.secret)


def _destination(stack: cdk.Stack, kind: str, topic: str) -> FailureDestination:
    if kind == "s3":
        return FailureDestination.s3()
    if kind == "sqs":
        return FailureDestination.sqs()
    if kind == "sns":
        scope = fixture_scope(stack)
        found = scope.node.try_find_child("Topic")
        return FailureDestination.sns(
            found or sns.Topic(scope, "Topic", enforce_ssl=True, master_key=scope.node.find_child("Key"))
        )
    if kind == "kafka":
        return FailureDestination.kafka_topic(f"{topic}-failed")
    return FailureDestination.none("matrix test: a deliberate, reasoned opt-out")


def cells(source: SourceKind) -> list[tuple[AuthMechanism, str, str]]:
    found = []
    for mechanism, mode, destination in itertools.product(
        sorted(SUPPORTED_AUTH[source], key=lambda m: m.name), MODES, DESTINATIONS
    ):
        if destination == "kafka" and mode != "provisioned":
            continue  # rejected: covered by test_consumer
        found.append((mechanism, mode, destination))
    return found


@cache
def synthesized(source: SourceKind) -> tuple[int, list[Finding], dict[str, Any]]:
    app = new_app(nag=True)
    stack = new_stack(app, f"Matrix{source.name.title().replace('_', '')}")
    count = 0
    for mechanism, mode, destination in cells(source):
        topic = f"t-{mechanism.name}-{mode}-{destination}".lower().replace("_", "-")
        cluster = _cluster(stack, source, _auth(stack, source, mechanism))
        KafkaLambdaConsumer(
            stack,
            topic,
            cluster=cluster,
            topic=topic,
            function=function(stack, f"{topic}-fn"),
            provisioned_pollers=MODES[mode],
            on_failure=_destination(stack, destination, topic),
        )
        count += 1
    return count, synth_findings(app), template_of(app, stack.stack_name)


@pytest.mark.parametrize("source", list(SourceKind), ids=lambda s: s.name)
def test_every_valid_cell_synthesizes_clean(source):
    count, findings, template = synthesized(source)
    mappings = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert len(mappings) == count == len(cells(source))
    assert library_findings(findings) == []
    assert cfn_lint_errors(template) == []
