"""A literal MSK cluster ARN of another account (issue 19, from aws-cdk-lib's and SAM's own Kafka tests): Lambda reads
such a cluster only through an MSK managed VPC connection (Lambda guide, msk-cross-account), so the plain `msk()`
description is refused with the way out, and an environment-agnostic stack, whose account is unknown, gets a
warning instead."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match

from constructs_kafka_lambda import ConfigError, KafkaAuth, KafkaCluster, KafkaLambdaConsumer

from support import MSK_ARN, fixture_scope, function, new_app, new_stack

OTHER_ACCOUNT_ARN = MSK_ARN.replace("111111111111", "222222222222")
CONNECTION = "arn:aws:kafka:us-east-1:111111111111:vpc-connection/222222222222/demo/0a1b2c3d-3"


def _consumer(stack: cdk.Stack, cluster: KafkaCluster) -> KafkaLambdaConsumer:
    return KafkaLambdaConsumer(stack, "Consumer", cluster=cluster, topic="orders", function=function(stack))


@pytest.mark.parametrize("factory", [KafkaCluster.msk, KafkaCluster.msk_serverless])
def test_another_accounts_cluster_is_refused_pointing_to_msk_cross_account(factory):
    stack = new_stack()
    with pytest.raises(ConfigError) as error:
        _consumer(stack, factory(OTHER_ACCOUNT_ARN, auth=KafkaAuth.iam()))
    assert error.value.prop == "cluster" and error.value.value == OTHER_ACCOUNT_ARN
    assert "222222222222" in error.value.rule and "111111111111" in error.value.rule
    if factory is KafkaCluster.msk:
        assert "KafkaCluster.msk_cross_account" in error.value.fix
    else:
        assert "cannot be cross-account" in error.value.rule


def test_the_same_cluster_through_its_vpc_connection_is_accepted():
    stack = new_stack()
    cluster = KafkaCluster.msk_cross_account(CONNECTION, cluster_arn=OTHER_ACCOUNT_ARN, auth=KafkaAuth.iam())
    assert _consumer(stack, cluster).cluster.vpc_connection_arn == CONNECTION


def test_the_stacks_own_account_and_a_token_arn_are_accepted_without_a_warning():
    stack = new_stack()
    _consumer(stack, KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()))
    parameter = cdk.CfnParameter(fixture_scope(stack), "ClusterArn", type="String")
    KafkaLambdaConsumer(
        stack,
        "FromParameter",
        cluster=KafkaCluster.msk(parameter.value_as_string, auth=KafkaAuth.iam()),
        topic="orders",
        function=function(stack, "Fn2"),
    )
    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp(".*account is unknown at synth.*"))


def test_an_environment_agnostic_stack_gets_a_warning():
    stack = cdk.Stack(new_app(), "Agnostic")
    _consumer(stack, KafkaCluster.msk(OTHER_ACCOUNT_ARN, auth=KafkaAuth.iam()))
    Annotations.from_stack(stack).has_warning(
        "/Agnostic/Consumer",
        Match.string_like_regexp(".*222222222222.*account is unknown at synth.*msk_cross_account.*"),
    )


def test_the_warning_is_said_once_per_cluster_and_stack_on_its_first_consumer():
    """The advice is about the cluster and the stack, the same for every consumer: 45 copies would help no one."""
    stack = cdk.Stack(new_app(), "Agnostic")
    cluster = KafkaCluster.msk(OTHER_ACCOUNT_ARN, auth=KafkaAuth.iam())
    _consumer(stack, cluster)
    KafkaLambdaConsumer(stack, "Second", cluster=cluster, topic="payments", function=function(stack, "Fn2"))
    KafkaLambdaConsumer(
        stack,
        "OtherCluster",
        cluster=KafkaCluster.msk(OTHER_ACCOUNT_ARN.replace("/demo/", "/other/"), auth=KafkaAuth.iam()),
        topic="orders",
        function=function(stack, "Fn3"),
    )
    warned = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(".*account is unknown.*"))
    assert sorted(w.id for w in warned) == ["/Agnostic/Consumer", "/Agnostic/OtherCluster"]
