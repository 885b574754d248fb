"""KafkaLambdaConsumer: every rejected configuration, and the mapping properties that matter."""

from __future__ import annotations

import json
import time
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match, Template

from constructs_kafka_lambda import (
    ConfigError,
    FailureDestination,
    KafkaAuth,
    KafkaCluster,
    KafkaLambdaConsumer,
    ProvisionedPollers,
)

from support import MSK_ARN, fixture_scope, function, new_stack

IAM_CLUSTER = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam())


def consumer(stack: cdk.Stack, construct_id: str = "Consumer", **overrides: Any) -> KafkaLambdaConsumer:
    props: dict[str, Any] = {
        "cluster": IAM_CLUSTER,
        "topic": "orders",
        "function": function(stack, f"{construct_id}Fn"),
    }
    props.update(overrides)
    return KafkaLambdaConsumer(stack, construct_id, **props)


def mapping_of(stack: cdk.Stack) -> dict[str, Any]:
    mappings = Template.from_stack(stack).find_resources("AWS::Lambda::EventSourceMapping")
    assert len(mappings) == 1
    return next(iter(mappings.values()))


# ------------------------------------------------------------------------------------------- the catalogue
INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("topic", {"topic": "x"}, "2-249 characters"),
    ("topic", {"topic": ".hidden"}, "not starting with '.'"),
    ("topic", {"topic": "a" * 250}, "2-249 characters"),
    ("topic", {"topic": "orders topic"}, "[a-zA-Z0-9._-]"),
    ("batch_size", {"batch_size": 0}, "1 to 10000"),
    ("batch_size", {"batch_size": 10_001}, "1 to 10000"),
    ("batch_size", {"batch_size": 1.5}, "whole number"),
    ("batch_size", {"batch_size": True}, "whole number"),
    ("max_batching_window", {"max_batching_window": Duration.seconds(301)}, "0 to 300 seconds"),
    ("max_batching_window", {"max_batching_window": 5}, "Duration"),
    ("starting_position_timestamp", {"starting_position": lambda_.StartingPosition.AT_TIMESTAMP}, "needs the time"),
    ("starting_position_timestamp", {"starting_position_timestamp": 1_700_000_000}, "only used with"),
    (
        "starting_position_timestamp",
        {"starting_position": lambda_.StartingPosition.AT_TIMESTAMP, "starting_position_timestamp": time.time() + 3600},
        "not be in the future",
    ),
    (
        "starting_position_timestamp",
        {"starting_position": lambda_.StartingPosition.AT_TIMESTAMP, "starting_position_timestamp": -5},
        "Unix time",
    ),
    ("consumer_group_id", {"consumer_group_id": ""}, "1-200 characters"),
    ("consumer_group_id", {"consumer_group_id": "a" * 201}, "1-200 characters"),
    ("consumer_group_id", {"consumer_group_id": "group with spaces"}, "1-200 characters"),
    ("retry_attempts", {"retry_attempts": 3}, "only in provisioned mode"),
    ("max_record_age", {"max_record_age": Duration.hours(1)}, "only in provisioned mode"),
    ("bisect_batch_on_error", {"bisect_batch_on_error": True}, "only in provisioned mode"),
    ("report_batch_item_failures", {"report_batch_item_failures": True}, "only in provisioned mode"),
    ("on_failure", {"on_failure": FailureDestination.kafka_topic("orders-failed")}, "only in provisioned mode"),
    (
        "retry_attempts",
        {"provisioned_pollers": ProvisionedPollers(), "retry_attempts": 10_001},
        "0 to 10000",
    ),
    (
        "retry_attempts",
        {"provisioned_pollers": ProvisionedPollers(), "retry_attempts": -2},
        "0 to 10000",
    ),
    (
        "max_record_age",
        {"provisioned_pollers": ProvisionedPollers(), "max_record_age": Duration.seconds(59)},
        "60 s to 604800 s",
    ),
    (
        "max_record_age",
        {"provisioned_pollers": ProvisionedPollers(), "max_record_age": Duration.days(8)},
        "60 s to 604800 s",
    ),
    (
        "on_failure",
        {"provisioned_pollers": ProvisionedPollers(), "on_failure": FailureDestination.kafka_topic("orders")},
        "not be the source topic",
    ),
    ("on_failure", {"on_failure": "s3"}, "FailureDestination"),
    ("cluster", {"cluster": MSK_ARN}, "KafkaCluster"),
    ("enabled", {"enabled": "yes"}, "True or False"),
    ("provisioned_pollers", {"provisioned_pollers": {"minimum": 1}}, "ProvisionedPollers"),
]


@pytest.mark.parametrize(
    ("prop", "overrides", "rule"), INVALID, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(INVALID)]
)
def test_invalid_configuration_is_rejected_at_construction(prop, overrides, rule):
    stack = new_stack()
    with pytest.raises(ConfigError) as err:
        consumer(stack, **overrides)
    assert err.value.prop == prop
    assert rule in str(err.value)
    assert "Fix:" in str(err.value)


@pytest.mark.parametrize(
    ("make", "rule"),
    [
        (lambda: ProvisionedPollers(minimum=0), "1 to 200"),
        (lambda: ProvisionedPollers(minimum=201, maximum=300), "1 to 200"),
        (lambda: ProvisionedPollers(maximum=2001), "1 to 2000"),
        (lambda: ProvisionedPollers(minimum=10, maximum=5), "must not exceed"),
        (lambda: ProvisionedPollers(group_name="has space"), "[a-zA-Z0-9-_]"),
        (lambda: ProvisionedPollers(group_name="g" * 129), "1-128"),
        (lambda: FailureDestination.kafka_topic("dlq"), "at least 4"),
        (lambda: FailureDestination.kafka_topic("kafka://orders-dlq"), "scheme is added"),
        (lambda: FailureDestination.none(""), "stated reason"),
        (lambda: FailureDestination.sns(None), "needs a topic"),  # type: ignore[arg-type]
        (lambda: FailureDestination.sqs("queue"), "sqs.IQueue"),  # type: ignore[arg-type]
        (lambda: KafkaAuth.unauthenticated(tls="yes"), "True or False"),  # type: ignore[arg-type]
    ],
)
def test_descriptions_are_validated_when_built(make, rule):
    with pytest.raises(ConfigError, match=None) as err:
        make()
    assert rule in str(err.value)


def test_function_timeout_over_14_minutes_is_rejected():
    stack = new_stack()
    fn = function(stack, "Slow", timeout=Duration.minutes(15))
    with pytest.raises(ConfigError, match="14 minutes") as err:
        KafkaLambdaConsumer(stack, "C", cluster=IAM_CLUSTER, topic="orders", function=fn)
    assert err.value.prop == "function.timeout"


def test_function_without_a_known_role_is_rejected():
    stack = new_stack()
    fn = lambda_.Function.from_function_arn(
        fixture_scope(stack), "Imported", "arn:aws:lambda:us-east-1:111111111111:function:consumer"
    )
    with pytest.raises(ConfigError, match="no known execution role"):
        KafkaLambdaConsumer(stack, "C", cluster=IAM_CLUSTER, topic="orders", function=fn)


def test_tokens_are_let_through():
    stack = new_stack()
    topic = cdk.CfnParameter(stack, "Topic").value_as_string
    size = cdk.CfnParameter(stack, "Size", type="Number").value_as_number
    consumer(stack, topic=topic, batch_size=size)
    assert mapping_of(stack)["Properties"]["Topics"] == [{"Ref": "Topic"}]


# --------------------------------------------------------------------------------------- what gets synthesized
def test_defaults_are_the_safe_choice():
    stack = new_stack()
    consumer(stack)
    props = mapping_of(stack)["Properties"]
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["BatchSize"] == 100
    assert props["Enabled"] is True
    assert props["EventSourceArn"] == MSK_ARN
    assert props["Topics"] == ["orders"]
    assert props["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][1] == "Arn"
    assert "MetricsConfig" not in props  # on-demand: AWS documents the mapping metrics for provisioned mode
    assert "ProvisionedPollerConfig" not in props
    buckets = Template.from_stack(stack).find_resources("AWS::S3::Bucket")
    failed = [b for b in buckets.values() if "KMSMasterKeyID" in str(b)]
    assert len(failed) == 1
    bucket = failed[0]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 90
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "failed-records/"
    # Access logs are delivered through a bucket policy, not the legacy LogDeliveryWrite ACL (cfn-lint W3045).
    assert not any("AccessControl" in b["Properties"] for b in buckets.values())
    log_delivery = [
        statement
        for policy in Template.from_stack(stack).find_resources("AWS::S3::BucketPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Principal") == {"Service": "logging.s3.amazonaws.com"}
    ]
    assert len(log_delivery) == 1 and log_delivery[0]["Action"] == "s3:PutObject"
    assert log_delivery[0]["Effect"] == "Allow"


def test_all_options_reach_the_mapping():
    stack = new_stack()
    consumer(
        stack,
        batch_size=500,
        max_batching_window=Duration.seconds(2),
        starting_position=lambda_.StartingPosition.AT_TIMESTAMP,
        starting_position_timestamp=1_700_000_000,
        consumer_group_id="orders-billing",
        filters=[{"value": {"amount": [{"numeric": [">", 100]}]}}],
        provisioned_pollers=ProvisionedPollers(minimum=2, maximum=20, group_name="orders"),
        retry_attempts=5,
        max_record_age=Duration.hours(6),
        bisect_batch_on_error=True,
        report_batch_item_failures=True,
        enabled=False,
    )
    props = mapping_of(stack)["Properties"]
    assert props["BatchSize"] == 500
    assert props["MaximumBatchingWindowInSeconds"] == 2
    assert props["StartingPosition"] == "AT_TIMESTAMP"
    assert props["StartingPositionTimestamp"] == 1_700_000_000
    assert props["AmazonManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": "orders-billing"}
    assert props["FilterCriteria"] == {"Filters": [{"Pattern": '{"value":{"amount":[{"numeric":[">",100]}]}}'}]}
    assert props["ProvisionedPollerConfig"] == {"MinimumPollers": 2, "MaximumPollers": 20, "PollerGroupName": "orders"}
    assert props["MaximumRetryAttempts"] == 5
    assert props["MaximumRecordAgeInSeconds"] == 21600
    assert props["BisectBatchOnFunctionError"] is True
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["Enabled"] is False


def test_explicit_false_is_the_on_demand_behaviour_and_not_written():
    stack = new_stack()
    consumer(stack, bisect_batch_on_error=False, report_batch_item_failures=False)
    props = mapping_of(stack)["Properties"]
    assert "BisectBatchOnFunctionError" not in props and "FunctionResponseTypes" not in props


def test_infinite_retries_and_record_age_in_provisioned_mode():
    stack = new_stack()
    consumer(stack, provisioned_pollers=ProvisionedPollers(), retry_attempts=-1, max_record_age=-1)
    props = mapping_of(stack)["Properties"]
    assert props["MaximumRetryAttempts"] == -1 and props["MaximumRecordAgeInSeconds"] == -1
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("caps retries at 10"))
    assert warnings


def test_kafka_destination_in_provisioned_mode_is_granted_write():
    stack = new_stack()
    c = consumer(
        stack, provisioned_pollers=ProvisionedPollers(), on_failure=FailureDestination.kafka_topic("orders-failed")
    )
    props = mapping_of(stack)["Properties"]
    assert props["DestinationConfig"] == {"OnFailure": {"Destination": "kafka://orders-failed"}}
    assert c.failure_destination is None
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
                            "Effect": "Allow",
                            "Resource": MSK_ARN.replace(":cluster/", ":topic/") + "/orders-failed",
                        }
                    ]
                )
            }
        },
    )


def test_opt_out_of_destination_is_explicit_and_warned():
    stack = new_stack()
    c = consumer(stack, on_failure=FailureDestination.none("metrics samples: losing one is harmless"))
    assert "DestinationConfig" not in mapping_of(stack)["Properties"]
    assert c.failure_destination is None
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("failed batches are not kept"))
    assert not Template.from_stack(stack).find_resources("AWS::S3::Bucket")


def test_latest_starting_position_warns():
    stack = new_stack()
    consumer(stack, starting_position=lambda_.StartingPosition.LATEST)
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("can miss records"))


def test_sqs_destination_is_metadata_only_and_send_only():
    stack = new_stack()
    queue = sqs.Queue(fixture_scope(stack), "Dlq", enforce_ssl=True)
    c = consumer(stack, on_failure=FailureDestination.sqs(queue))
    assert c.failure_destination is queue
    statements = _policy_statements(stack)
    assert {
        "Action": "sqs:SendMessage",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [_logical_id(queue), "Arn"]},
    } in statements
    assert not any("sqs:ReceiveMessage" in str(s) or "sqs:DeleteMessage" in str(s) for s in statements)


def test_default_resources_are_shared_per_stack():
    stack = new_stack()
    for i in range(3):
        consumer(stack, f"C{i}", topic=f"topic-{i}")
    sqs_consumer = consumer(stack, "Q", on_failure=FailureDestination.sqs())
    consumer(stack, "Q2", on_failure=FailureDestination.sqs())
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::EventSourceMapping", 5)
    template.resource_count_is("AWS::S3::Bucket", 2)  # the failed-records bucket and its access-log bucket
    template.resource_count_is("AWS::SQS::Queue", 1)
    template.resource_count_is("AWS::KMS::Key", 1)
    assert sqs_consumer.failure_destination is not None


def test_two_consumers_of_one_function_and_topic_on_two_clusters_do_not_collide():
    stack = new_stack()
    fn = function(stack, "Shared")
    other = KafkaCluster.msk(MSK_ARN.replace("demo", "other"), auth=KafkaAuth.iam())
    KafkaLambdaConsumer(stack, "A", cluster=IAM_CLUSTER, topic="orders", function=fn)
    KafkaLambdaConsumer(stack, "B", cluster=other, topic="orders", function=fn)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::EventSourceMapping", 2)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 2)


def test_mapping_depends_on_its_policy():
    stack = new_stack()
    c = consumer(stack)
    mapping = mapping_of(stack)
    assert _logical_id(c.policy) in mapping["DependsOn"]


def test_no_aws_managed_policy_is_attached():
    stack = new_stack()
    consumer(stack)
    template = Template.from_stack(stack)
    attached = [
        json.dumps(arn)
        for role in template.find_resources("AWS::IAM::Role").values()
        for arn in role["Properties"].get("ManagedPolicyArns", [])
    ]
    # The fixture function brings CDK's AWSLambdaBasicExecutionRole; the consumer adds no AWS managed policy (CDK's
    # L2 adds AWSLambdaMSKExecutionRole), only its own customer-managed policy, attached through its Roles.
    assert all("AWSLambdaBasicExecutionRole" in arn for arn in attached)
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    assert policy["Properties"]["Roles"]


def test_public_attributes():
    stack = new_stack()
    c = consumer(stack)
    assert c.function.function_arn
    assert isinstance(c.event_source_mapping, lambda_.EventSourceMapping)
    assert isinstance(c.cfn_mapping, lambda_.CfnEventSourceMapping)
    assert c.failure_destination is not None and hasattr(c.failure_destination, "bucket_arn")
    assert isinstance(c.policy, iam.ManagedPolicy)
    assert c.provisioned is False


def _policy_statements(stack: cdk.Stack) -> list[dict[str, Any]]:
    policies = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]


def _logical_id(construct: Any) -> str:
    child = construct.node.default_child
    return cdk.Stack.of(construct).resolve(child.logical_id)


def test_cluster_in_another_region_is_rejected():
    stack = new_stack()
    cluster = KafkaCluster.msk(MSK_ARN.replace("us-east-1", "eu-west-1"), auth=KafkaAuth.iam())
    with pytest.raises(ConfigError, match="only in the function's own Region"):
        consumer(stack, cluster=cluster)


def test_secret_in_another_region_is_rejected():
    from aws_cdk import aws_secretsmanager as secretsmanager

    stack = new_stack()
    secret = secretsmanager.Secret.from_secret_complete_arn(
        fixture_scope(stack), "Far", "arn:aws:secretsmanager:eu-west-1:111111111111:secret:kafka-AbCdEf"
    )
    cluster = KafkaCluster.self_managed(["b-1.example.com:9096"], auth=KafkaAuth.sasl_plain(secret))
    with pytest.raises(ConfigError, match="auth secret is in eu-west-1"):
        consumer(stack, cluster=cluster)


def test_msk_serverless_cannot_be_cross_account():
    stack = new_stack()
    cluster = KafkaCluster.msk_serverless(MSK_ARN.replace("111111111111", "222222222222"))
    with pytest.raises(ConfigError, match="cannot be cross-account"):
        consumer(stack, cluster=cluster)
    # A provisioned cluster of another account is read only through an MSK VPC connection (issue 19: it was accepted).
    provisioned = KafkaCluster.msk(MSK_ARN.replace("111111111111", "222222222222"), auth=KafkaAuth.iam())
    with pytest.raises(ConfigError, match="msk_cross_account"):
        consumer(stack, "CrossAccountProvisioned", cluster=provisioned)


BAD_VALUES: dict[str, list[Any]] = {
    "topic": [None, 42, "", "a b", "x" * 300, ["orders"]],
    "batch_size": [None, "100", -1, 0, 10_001, 2.5, True],
    "max_batching_window": [300, "1s", Duration.minutes(6)],
    "starting_position": ["LATEST", 0],
    "consumer_group_id": [42, "", "a b", "g" * 201],
    "filters": ["value", {"value": {}}, [{"key": ["x"]}], [{"value": {"a": 5}}], [{"value": {"a": [{"nope": 1}]}}]],
    "provisioned_pollers": [1, {"minimum": 1}],
    "on_failure": ["s3", FailureDestination, 0],
    "retry_attempts": [3, -1],
    "enabled": ["true", 1, None],
    "function": [None, "arn:aws:lambda:us-east-1:111111111111:function:f"],
    "cluster": [None, MSK_ARN, "kafka"],
}


@pytest.mark.parametrize(
    ("prop", "value"),
    [(prop, value) for prop, values in BAD_VALUES.items() for value in values],
    ids=[f"{prop}-{i}" for prop, values in BAD_VALUES.items() for i in range(len(values))],
)
def test_bad_input_is_always_a_config_error_naming_the_property(prop, value):
    """Never a jsii stack trace or a bare TypeError: the message names the property and says how to fix it."""
    stack = new_stack()
    with pytest.raises(ConfigError) as err:
        consumer(stack, **{prop: value})
    assert err.value.prop.split(".")[0].split("[")[0] in (prop, "function", "starting_position_timestamp")
    assert "Fix:" in str(err.value)


def test_ten_consumers_on_one_role_warn_about_the_managed_policy_quota():
    stack = new_stack()
    fn = function(stack, "Busy")
    for i in range(10):
        KafkaLambdaConsumer(stack, f"C{i}", cluster=IAM_CLUSTER, topic=f"topic-{i}", function=fn)
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("managed policy"))
    assert len(warnings) == 1 and "C9" in warnings[0].id


def test_filter_patterns_can_be_encrypted_with_a_customer_key():
    from aws_cdk import aws_kms as kms

    stack = new_stack()
    key = kms.Key(fixture_scope(stack), "FilterKey", enable_key_rotation=True)
    consumer(stack, filters=[{"value": {"a": [1]}}], filter_encryption=key)
    props = mapping_of(stack)["Properties"]
    assert props["KmsKeyArn"] == {"Fn::GetAtt": [_logical_id(key), "Arn"]}
    (key_resource,) = [
        r for k, r in Template.from_stack(stack).find_resources("AWS::KMS::Key").items() if k == _logical_id(key)
    ]
    lambda_statements = [
        s
        for s in key_resource["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "lambda.amazonaws.com"}
    ]
    assert lambda_statements and "kms:Decrypt" in json.dumps([s["Action"] for s in lambda_statements])
    with pytest.raises(ConfigError, match="there are none"):
        consumer(new_stack(), filter_encryption=kms.Key(fixture_scope(new_stack()), "Unused"))
