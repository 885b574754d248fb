"""The library fixes the contract suite led to, one test each, with hand-written values on both sides of each rule.

- bootstrap servers follow the API's Endpoint pattern, ports are 1-65535, servers are unique (CloudFormation);
- every pattern in limits.py matches whole strings (a trailing newline passed `re.match` with `$`, and CDK then
  raised a jsii error for the consumer group instead of a ConfigError);
- duplicate filter patterns are refused (CloudFormation: FilterCriteria.Filters uniqueItems).
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager

from constructs_kafka_lambda import ConfigError, KafkaAuth, KafkaCluster, KafkaLambdaConsumer, limits
from constructs_kafka_lambda.mapping.filters import validate_filters

from .config import ACCOUNT, MSK_ARN, REGION

SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:kafka/credentials-AbCdEf"


@pytest.fixture(scope="module")
def stack() -> cdk.Stack:
    app = cdk.App(context={"aws:cdk:bundling-stacks": []})
    return cdk.Stack(app, "Fixes", env=cdk.Environment(account=ACCOUNT, region=REGION))


@pytest.fixture(scope="module")
def auth(stack: cdk.Stack) -> KafkaAuth:
    return KafkaAuth.sasl_plain(secretsmanager.Secret.from_secret_complete_arn(stack, "Credentials", SECRET_ARN))


@pytest.fixture(scope="module")
def function(stack: cdk.Stack) -> lambda_.Function:
    return lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )


# ------------------------------------------------------------------------------------------ bootstrap servers
@pytest.mark.parametrize(
    "server",
    [
        "b-1.example.com:9092",
        "B1.EXAMPLE.COM:1",
        "b.example.com:65535",
        "10.0.0.1:9092",
        "localhost:9092",
        "x:9092",
        "b" * 291 + ".com:9092",  # 300 characters, the API's maximum
    ],
)
def test_servers_the_api_accepts_are_accepted(server: str, auth: KafkaAuth) -> None:
    assert KafkaCluster.self_managed([server], auth=auth).bootstrap_servers == (server,)


@pytest.mark.parametrize(
    ("server", "rule"),
    [
        ("b_1.example.com:9092", "no '_'"),
        ("-b1.example.com:9092", "starting or ending with '-'"),
        ("b1-.example.com:9092", "starting or ending with '-'"),
        ("b1..example.com:9092", "no empty label"),
        ("b1.example.com.:9092", "no empty label"),
        ("b1.example.com:0", "1-65535"),
        ("b1.example.com:65536", "1-65535"),
        ("b1.example.com:99999", "1-65535"),
        ("b1.example.com:100000", "1-65535"),
        ("b1.example.com:009092", "1-65535"),
        ("b1.example.com", "'host:port'"),
        ("b1.example.com:", "'host:port'"),
        ("https://b1.example.com:9092", "without a scheme"),
        ("b1.example.com:9092\n", "'host:port'"),
        ("b" * 292 + ".com:9092", "at most 300"),
    ],
)
def test_servers_the_api_rejects_raise_config_error(server: str, rule: str, auth: KafkaAuth) -> None:
    with pytest.raises(ConfigError) as error:
        KafkaCluster.self_managed(["ok.example.com:9092", server], auth=auth)
    assert error.value.prop == "bootstrap_servers[1]"
    assert error.value.value == server
    assert rule in error.value.rule
    assert "broker-1.example.com:9092" in error.value.fix


def test_duplicate_servers_are_refused_naming_both(auth: KafkaAuth) -> None:
    with pytest.raises(ConfigError) as error:
        KafkaCluster.self_managed(["a.example.com:9092", "b.example.com:9092", "a.example.com:9092"], auth=auth)
    assert error.value.prop == "bootstrap_servers[2]"
    assert "bootstrap_servers[0]" in error.value.rule
    assert "unique" in error.value.rule


def test_ten_servers_are_the_most(auth: KafkaAuth) -> None:
    ten = [f"b-{i}.example.com:9092" for i in range(10)]
    assert len(KafkaCluster.self_managed(ten, auth=auth).bootstrap_servers) == 10
    with pytest.raises(ConfigError, match="1 to 10"):
        KafkaCluster.self_managed([*ten, "b-10.example.com:9092"], auth=auth)


def test_confluent_cloud_servers_follow_the_same_rule(stack: cdk.Stack) -> None:
    key = secretsmanager.Secret.from_secret_complete_arn(stack, "ApiKey", SECRET_ARN.replace("credentials", "key"))
    with pytest.raises(ConfigError) as error:
        KafkaCluster.confluent_cloud(["pkc_1.us-east-1.aws.confluent.cloud:9092"], api_key=key)
    assert error.value.prop == "bootstrap_servers[0]"


def test_the_server_pattern_is_the_api_endpoint_pattern_with_a_named_port() -> None:
    match = limits.BOOTSTRAP_SERVER_PATTERN.match("b-1.example.com:9092")
    assert match is not None and match["port"] == "9092"
    assert limits.BOOTSTRAP_SERVER_PATTERN.pattern.startswith(
        r"\A(?:" + limits.API_ENDPOINT_PATTERN.removesuffix("[0-9]{1,5}")
    )


# ------------------------------------------------------------------------------------- whole-string patterns
@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        (limits.TOPIC_PATTERN, "orders\n"),
        (limits.CONSUMER_GROUP_PATTERN, "group\n"),
        (limits.POLLER_GROUP_NAME_PATTERN, "pollers\n"),
        (limits.BOOTSTRAP_SERVER_PATTERN, "b.example.com:9092\n"),
        (limits.ACCESS_URI_PATTERN, "lkc-1\n"),
    ],
)
def test_a_trailing_newline_does_not_match(pattern: object, value: str) -> None:
    assert pattern.match(value) is None  # type: ignore[attr-defined]
    assert pattern.match(value.rstrip("\n")) is not None  # type: ignore[attr-defined]


@pytest.mark.parametrize("topic", ["orders\n", "!orders", "tôpic", ".orders", "a"])
def test_topics_kafka_or_the_api_reject_raise_config_error(topic: str, function: lambda_.Function) -> None:
    scope = cdk.Stack.of(function)
    with pytest.raises(ConfigError) as error:
        KafkaLambdaConsumer(
            scope,
            f"T{abs(hash(topic))}",
            cluster=KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()),
            topic=topic,
            function=function,
        )
    assert error.value.prop == "topic"


def test_a_consumer_group_with_a_trailing_newline_is_a_config_error_not_a_jsii_error(
    function: lambda_.Function,
) -> None:
    """Before: the group passed `re.match(...$)`, and CDK's EventSourceMapping raised a jsii ValidationError."""
    with pytest.raises(ConfigError) as error:
        KafkaLambdaConsumer(
            cdk.Stack.of(function),
            "Group",
            cluster=KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()),
            topic="orders",
            function=function,
            consumer_group_id="orders-consumers\n",
        )
    assert error.value.prop == "consumer_group_id"


# ------------------------------------------------------------------------------------------------- filters
def test_duplicate_filters_are_refused_naming_both() -> None:
    pattern = {"value": {"a": [1]}}
    with pytest.raises(ConfigError) as error:
        validate_filters([pattern, {"value": {"b": [2]}}, dict(pattern)])
    assert error.value.prop == "filters[2]"
    assert "filters[0]" in error.value.rule and "unique" in error.value.rule
    assert "remove filters[2]" in error.value.fix


def test_the_same_pattern_with_keys_in_another_order_is_a_duplicate() -> None:
    with pytest.raises(ConfigError, match="same pattern"):
        validate_filters([{"value": {"a": [1], "b": [2]}}, {"value": {"b": [2], "a": [1]}}])


def test_patterns_that_differ_only_in_json_types_are_distinct() -> None:
    """True == 1 in Python, but {"a": [true]} and {"a": [1]} are different patterns to Lambda."""
    assert len(validate_filters([{"value": {"a": [True]}}, {"value": {"a": [1]}}])) == 2
