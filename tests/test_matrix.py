"""Every valid cell: sources x auths x modes x destinations synthesize clean (cdk-nag five packs, CDK's schema
validation, cfn-lint). One stack per source keeps it fast: a stack holds many consumers.

OAuth is in the auth table (self-managed and Confluent Cloud), so its cells come with those sources; cross-account
MSK (KafkaCluster.msk_cross_account) is no source kind of its own and gets its own stack of cells."""

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

from configs import OWNER_CLUSTER_ARN, VPC_CONNECTION_ARN
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
        AuthMechanism.IAM_WEB_IDENTITY: lambda: KafkaAuth.iam_web_identity(audience="kafka-brokers"),
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


# Destinations whose wiring (binding, grants, endpoints) depends on the source's auth: the default S3 bucket and
# kafka:// (which writes with the source's auth). SQS, SNS and none are wired the same whatever the auth, so they
# are crossed with every mode for one auth per source, not with every auth: every auth x mode cell and every
# destination x mode cell is still synthesized, at half the synth time of the full product.
AUTH_DEPENDENT_DESTINATIONS = ("s3", "kafka")


def cells(source: SourceKind) -> list[tuple[AuthMechanism, str, str]]:
    found = []
    mechanisms = sorted(SUPPORTED_AUTH[source], key=lambda m: m.name)
    for mechanism, mode, destination in itertools.product(mechanisms, MODES, DESTINATIONS):
        if destination == "kafka" and mode != "provisioned":
            continue  # rejected: covered by test_consumer
        if destination not in AUTH_DEPENDENT_DESTINATIONS and mechanism is not mechanisms[0]:
            continue
        found.append((mechanism, mode, destination))
    return found


@pytest.mark.parametrize("source", list(SourceKind), ids=lambda s: s.name)
def test_every_auth_mode_and_destination_mode_pair_is_a_cell(source: SourceKind) -> None:
    found = cells(source)
    assert {(m, mode) for m, mode, _ in found} == set(itertools.product(SUPPORTED_AUTH[source], MODES))
    wanted = {(mode, d) for mode, d in itertools.product(MODES, DESTINATIONS) if d != "kafka" or mode == "provisioned"}
    assert {(mode, d) for _, mode, d in found} == wanted


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


# -------------------------------------------------------------------------------------------- cross-account
# MSK multi-VPC connectivity: IAM, SASL/SCRAM and mTLS (no unauthenticated access).
CROSS_ACCOUNT_AUTHS = (AuthMechanism.IAM, AuthMechanism.MUTUAL_TLS, AuthMechanism.SASL_SCRAM_512)


def cross_account_cells() -> list[tuple[AuthMechanism, str, str]]:
    """Every auth x mode, with the default S3 destination and the kafka:// one (which writes to the owner's cluster);
    the SQS/SNS/none destinations do not depend on the source (the MSK stack has them with every auth), so here they
    come with IAM only. That halves the stack, and its synth time, without losing a cross-account interaction."""
    found = []
    for mechanism, mode, destination in itertools.product(CROSS_ACCOUNT_AUTHS, MODES, DESTINATIONS):
        if destination == "kafka" and mode != "provisioned":
            continue  # rejected: covered by test_consumer
        if destination in ("sqs", "sns", "none") and mechanism is not AuthMechanism.IAM:
            continue
        found.append((mechanism, mode, destination))
    return found


@cache
def synthesized_cross_account() -> tuple[list[Finding], dict[str, Any], dict[str, dict[str, Any]]]:
    """(findings, template, topic -> its mapping's properties) of every cross-account cell in one stack."""
    app = new_app(nag=True)
    stack = new_stack(app, "MatrixCrossAccount")
    scope = fixture_scope(stack)
    vpc = ec2.Vpc(scope, "Vpc", max_azs=2, nat_gateways=0)
    group = ec2.SecurityGroup(scope, "Sg", vpc=vpc)
    consumers = {}
    for mechanism, mode, destination in cross_account_cells():
        topic = f"x-{mechanism.name}-{mode}-{destination}".lower().replace("_", "-")
        cluster = KafkaCluster.msk_cross_account(
            VPC_CONNECTION_ARN,
            cluster_arn=OWNER_CLUSTER_ARN,
            auth=_auth(stack, SourceKind.MSK, mechanism),
            vpc=vpc,
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[group],
        )
        consumers[topic] = KafkaLambdaConsumer(
            stack,
            topic,
            cluster=cluster,
            topic=topic,
            function=function(stack, f"{topic}-fn"),
            provisioned_pollers=MODES[mode],
            on_failure=_destination(stack, destination, topic),
        )
    findings = synth_findings(app)
    template = template_of(app, stack.stack_name)
    mappings = {
        topic: template["Resources"][stack.resolve(consumer.cfn_mapping.logical_id)]["Properties"]
        for topic, consumer in consumers.items()
    }
    return findings, template, mappings


def test_every_cross_account_cell_synthesizes_clean_and_reads_through_the_vpc_connection():
    findings, template, mappings = synthesized_cross_account()
    assert len(mappings) == len(cross_account_cells()) == 3 * 2 + 3 + 2 * 3  # s3, kafka, IAM's others
    assert library_findings(findings) == []
    assert cfn_lint_errors(template) == []
    assert {m["EventSourceArn"] for m in mappings.values()} == {VPC_CONNECTION_ARN}
    # kafka:// failures go to a topic of the owner's cluster, and only the IAM cell needs (and gets) WriteData on it.
    writes = [
        s["Resource"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if "kafka-cluster:WriteData" in s["Action"]
    ]
    owner_topics = OWNER_CLUSTER_ARN.replace(":cluster/", ":topic/")
    assert writes == [f"{owner_topics}/x-iam-provisioned-kafka-failed"]


def test_self_managed_iam_cells_are_in_the_matrix():
    """IAM_AUTH and IAM_OAUTHBEARER_AUTH come with the auth table (kafka-cluster-auth): both modes, and kafka://
    (written with the source's auth, so IAM needs WriteData on the failure topic)."""
    for mechanism in (AuthMechanism.IAM, AuthMechanism.IAM_WEB_IDENTITY):
        found = {(mode, d) for m, mode, d in cells(SourceKind.SELF_MANAGED) if m is mechanism}
        assert found >= {("on_demand", "s3"), ("provisioned", "s3"), ("provisioned", "kafka")}, mechanism


def test_oauth_cells_are_in_the_matrix():
    """OAuth comes with the auth table; if it left it, these cells would silently disappear."""
    for source in (SourceKind.SELF_MANAGED, SourceKind.CONFLUENT_CLOUD):
        oauth = [cell for cell in cells(source) if cell[0] is AuthMechanism.OAUTH]
        # s3 in both modes, kafka:// in provisioned mode (the auth-independent destinations ride on one auth)
        assert {(mode, d) for _, mode, d in oauth} >= {
            ("on_demand", "s3"),
            ("provisioned", "s3"),
            ("provisioned", "kafka"),
        }
