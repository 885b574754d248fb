"""The late-2026 surface and the CDK-shaped API: schema registries, queue mode, OAuth, cross-account MSK, poller
groups, tags, alarms as IAlarm, grants, FilterCriteria, synth-time re-checks, construct paths in errors, defaults."""

from __future__ import annotations

import ast
import json
import pathlib
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns

from constructs_kafka_lambda import (
    ConfigError,
    ConsumerAlarm,
    ConsumptionMode,
    KafkaAuth,
    KafkaCluster,
    KafkaLambdaConsumer,
    NetworkAccess,
    ProvisionedPollers,
    SchemaRegistry,
)

from support import MSK_ARN, fixture_scope, function, new_stack

GLUE = "arn:aws:glue:us-east-1:111111111111:registry/fleet"
VPC_CONNECTION = "arn:aws:kafka:us-east-1:111111111111:vpc-connection/222222222222/orders/1a2b3c4d-5e6f"
OWNER_CLUSTER = "arn:aws:kafka:us-east-1:222222222222:cluster/orders/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-2"
PROVISIONED = ProvisionedPollers(minimum=1, maximum=4)


def secret(stack: cdk.Stack, name: str) -> secretsmanager.Secret:
    key = kms.Key(fixture_scope(stack), f"{name}Key", enable_key_rotation=True)
    return secretsmanager.Secret(fixture_scope(stack), name, encryption_key=key)


def mapping(stack: cdk.Stack, consumer: KafkaLambdaConsumer) -> dict[str, Any]:
    template = cdk.assertions.Template.from_stack(stack).to_json()
    return template["Resources"][stack.resolve(consumer.cfn_mapping.logical_id)]["Properties"]


def policy_statements(stack: cdk.Stack, consumer: KafkaLambdaConsumer) -> list[dict[str, Any]]:
    template = cdk.assertions.Template.from_stack(stack).to_json()
    doc = template["Resources"][stack.resolve(consumer.policy.node.default_child.logical_id)]["Properties"]
    return doc["PolicyDocument"]["Statement"]


def msk_consumer(stack: cdk.Stack, cid: str = "C", **kwargs: Any) -> KafkaLambdaConsumer:
    kwargs.setdefault("cluster", KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()))
    kwargs.setdefault("function", function(stack, f"{cid}Fn"))
    return KafkaLambdaConsumer(stack, cid, topic="orders", **kwargs)


# ------------------------------------------------------------------------------------------ schema registry
def test_glue_registry_writes_config_and_grants_registry_and_schemas() -> None:
    stack = new_stack()
    registry = SchemaRegistry.glue(GLUE, record_format="SOURCE", validate=("KEY", "VALUE"))
    consumer = msk_consumer(stack, provisioned_pollers=PROVISIONED, schema_registry=registry)
    config = mapping(stack, consumer)["AmazonManagedKafkaEventSourceConfig"]["SchemaRegistryConfig"]
    assert config == {
        "SchemaRegistryURI": GLUE,
        "EventRecordFormat": "SOURCE",
        "SchemaValidationConfigs": [{"Attribute": "KEY"}, {"Attribute": "VALUE"}],
    }
    statements = policy_statements(stack, consumer)
    assert {"Effect": "Allow", "Action": "glue:GetRegistry", "Resource": GLUE} in statements
    assert {
        "Effect": "Allow",
        "Action": "glue:GetSchemaVersion",
        "Resource": [GLUE, "arn:aws:glue:us-east-1:111111111111:schema/fleet/*"],
    } in statements
    assert "SchemaRegistryErrorCount" in json.dumps(cdk.assertions.Template.from_stack(stack).to_json())


def test_confluent_registry_combines_basic_auth_and_root_ca_and_grants_both_secrets() -> None:
    stack = new_stack()
    basic, ca = secret(stack, "Basic"), secret(stack, "Ca")
    registry = SchemaRegistry.confluent(
        "https://psrc-1.us-east-1.aws.confluent.cloud", basic_auth=basic, root_ca_certificate=ca
    )
    cluster = KafkaCluster.self_managed(["b-1.example.com:9096"], auth=KafkaAuth.sasl_plain(secret(stack, "Plain")))
    consumer = msk_consumer(stack, cluster=cluster, provisioned_pollers=PROVISIONED, schema_registry=registry)
    config = mapping(stack, consumer)["SelfManagedKafkaEventSourceConfig"]["SchemaRegistryConfig"]
    assert [c["Type"] for c in config["AccessConfigs"]] == ["BASIC_AUTH", "SERVER_ROOT_CA_CERTIFICATE"]
    granted = [s for s in policy_statements(stack, consumer) if s["Action"] == "secretsmanager:GetSecretValue"]
    resources = [r for s in granted for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
    assert len(resources) == 3  # the cluster's secret and both registry secrets


@pytest.mark.parametrize(
    ("build", "prop"),
    [
        (lambda s: SchemaRegistry.glue("not-an-arn"), "SchemaRegistry.glue(registry)"),
        (lambda s: SchemaRegistry.glue(GLUE, record_format="AVRO"), "SchemaRegistry(record_format)"),
        (lambda s: SchemaRegistry.glue(GLUE, validate=("VALUE", "VALUE")), "SchemaRegistry(validate)"),
        (lambda s: SchemaRegistry.confluent("http://insecure"), "SchemaRegistry.confluent(url)"),
        (
            lambda s: SchemaRegistry.confluent(
                "https://r.example.com", basic_auth=secret(s, "A"), client_certificate=secret(s, "B")
            ),
            "SchemaRegistry.confluent",
        ),
    ],
)
def test_bad_registries_are_rejected(build: Any, prop: str) -> None:
    with pytest.raises(ConfigError) as error:
        build(new_stack())
    assert error.value.prop == prop


def test_registry_is_provisioned_only() -> None:
    with pytest.raises(ConfigError, match="provisioned mode") as error:
        msk_consumer(new_stack(), schema_registry=SchemaRegistry.glue(GLUE))
    assert error.value.prop == "schema_registry"


# -------------------------------------------------------------------------------------------- queue mode
def self_managed(stack: cdk.Stack) -> KafkaCluster:
    return KafkaCluster.self_managed(["b-1.example.com:9096"], auth=KafkaAuth.scram_sha_512(secret(stack, "S")))


def test_queue_mode_writes_consumption_mode_and_no_position_and_replaces_on_switch() -> None:
    stack = new_stack()
    consumer = msk_consumer(stack, cluster=self_managed(stack), consumption_mode=ConsumptionMode.QUEUE)
    props = mapping(stack, consumer)
    assert props["SelfManagedKafkaEventSourceConfig"] == {"ConsumptionMode": "Queue"}
    assert "StartingPosition" not in props and "MaximumBatchingWindowInSeconds" not in props
    assert consumer.cfn_mapping.node.id == "Resource" and consumer.event_source_mapping.node.id == "MappingQueue"
    assert "offset_lag" not in consumer.alarms  # share groups have no offset lag to alarm on


@pytest.mark.parametrize(
    "prop",
    ["starting_position", "starting_position_timestamp", "max_batching_window"],
)
def test_queue_mode_rejects_what_does_not_apply(prop: str) -> None:
    stack = new_stack()
    value = {
        "starting_position": lambda_.StartingPosition.LATEST,
        "starting_position_timestamp": 1_700_000_000,
        "max_batching_window": cdk.Duration.seconds(1),
    }[prop]
    with pytest.raises(ConfigError) as error:
        msk_consumer(stack, cluster=self_managed(stack), consumption_mode=ConsumptionMode.QUEUE, **{prop: value})
    assert error.value.prop == prop and "queue mode" in error.value.rule


def test_queue_mode_is_self_managed_only() -> None:
    with pytest.raises(ConfigError, match="self-managed Kafka only"):
        msk_consumer(new_stack(), consumption_mode=ConsumptionMode.QUEUE)


# ------------------------------------------------------------------------------------------------- OAuth
def test_confluent_cloud_oauth_writes_plain_parameters_and_grants_only_the_secret() -> None:
    stack = new_stack()
    credentials = secret(stack, "OAuth")
    oauth = KafkaAuth.oauth(credentials, scope="kafka", logical_cluster="lkc-abc12", identity_pool="pool-XyZ")
    cluster = KafkaCluster.confluent_cloud(["pkc-1.us-east-1.aws.confluent.cloud:9092"], oauth=oauth)
    consumer = msk_consumer(stack, cluster=cluster)
    configs = mapping(stack, consumer)["SourceAccessConfigurations"]
    assert [c["Type"] for c in configs] == [
        "OAUTHBEARER_AUTH",
        "OAUTHBEARER_SCOPE",
        "OAUTHBEARER_LOGICAL_CLUSTER",
        "OAUTHBEARER_IDENTITY_POOL",
    ]
    assert configs[2]["URI"] == "lkc-abc12"


def test_confluent_oauth_needs_logical_cluster_and_pool_and_bad_values_fail() -> None:
    stack = new_stack()
    with pytest.raises(ConfigError, match="logical cluster"):
        KafkaCluster.confluent_cloud(["pkc-1.aws.confluent.cloud:9092"], oauth=KafkaAuth.oauth(secret(stack, "O")))
    with pytest.raises(ConfigError) as error:
        KafkaAuth.oauth(secret(stack, "P"), scope="a,b")
    assert error.value.prop == "KafkaAuth.oauth(scope)"
    assert KafkaAuth.oauth(secret(stack, "Q"), scope="kafka.read kafka.write").oauth_parameters == (
        ("OAUTHBEARER_SCOPE", "kafka.read kafka.write"),
    )  # space-separated scopes (RFC 6749 3.3), as the API's URI pattern allows
    with pytest.raises(ConfigError, match="exactly one"):
        KafkaCluster.confluent_cloud(["pkc-1.aws.confluent.cloud:9092"])


# ------------------------------------------------------------------------------------ cross-account MSK
def test_cross_account_reads_through_the_vpc_connection_with_owner_scoped_grants() -> None:
    stack = new_stack()
    cluster = KafkaCluster.msk_cross_account(VPC_CONNECTION, cluster_arn=OWNER_CLUSTER, auth=KafkaAuth.iam())
    consumer = msk_consumer(stack, cluster=cluster, provisioned_pollers=PROVISIONED)
    assert mapping(stack, consumer)["EventSourceArn"] == VPC_CONNECTION
    statements = policy_statements(stack, consumer)
    assert {"Effect": "Allow", "Action": "kafka:DescribeVpcConnection", "Resource": VPC_CONNECTION} in statements
    topic = OWNER_CLUSTER.replace(":cluster/", ":topic/") + "/orders"
    assert any(s["Resource"] == topic for s in statements)


def test_cross_account_rejects_unauthenticated_and_mismatched_owner() -> None:
    with pytest.raises(ConfigError, match="multi-VPC"):
        KafkaCluster.msk_cross_account(VPC_CONNECTION, cluster_arn=OWNER_CLUSTER, auth=KafkaAuth.unauthenticated())
    with pytest.raises(ConfigError, match="account 222222222222"):
        KafkaCluster.msk_cross_account(VPC_CONNECTION, cluster_arn=MSK_ARN, auth=KafkaAuth.iam())


# ---------------------------------------------------------------------------------------- poller groups
def test_poller_group_total_pollers_is_checked_across_the_app_naming_every_member() -> None:
    stack = new_stack()
    for i in range(2):
        msk_consumer(stack, f"G{i}", provisioned_pollers=ProvisionedPollers(minimum=1, maximum=900, group_name="g"))
    with pytest.raises(ConfigError) as error:
        msk_consumer(stack, "G2", provisioned_pollers=ProvisionedPollers(minimum=1, maximum=300, group_name="g"))
    assert "2100" in error.value.rule and "Test/G0" in error.value.rule and error.value.path == "Test/G2"


# ------------------------------------------------------------------------------------------------- tags
def test_tags_reach_the_mapping_and_the_alarms() -> None:
    stack = new_stack()
    consumer = msk_consumer(stack)
    cdk.Tags.of(consumer).add("team", "payments")
    assert {"Key": "team", "Value": "payments"} in mapping(stack, consumer)["Tags"]
    # and every taggable resource the consumer creates (its alarms; IAM managed policies take no tags)
    template = cdk.assertions.Template.from_stack(stack).to_json()["Resources"]
    for alarm in consumer.alarms.values():
        assert {"Key": "team", "Value": "payments"} in template[stack.resolve(alarm.cfn_alarm.logical_id)][
            "Properties"
        ]["Tags"]


# --------------------------------------------------------------------------------------- CDK-shaped API
def test_alarms_are_ialarms_that_take_actions_and_compose() -> None:
    stack = new_stack()
    consumer = msk_consumer(stack)
    alarm = consumer.alarms["errors"]
    assert isinstance(alarm, ConsumerAlarm)
    topic = sns.Topic(fixture_scope(stack), "Pager", enforce_ssl=True)
    alarm.add_alarm_action(actions.SnsAction(topic))
    composite = cloudwatch.CompositeAlarm(
        fixture_scope(stack),
        "Any",
        alarm_rule=cloudwatch.AlarmRule.any_of(consumer.alarms["errors"], consumer.alarms["offset_lag"]),
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    cfn = template["Resources"][stack.resolve(alarm.cfn_alarm.logical_id)]["Properties"]
    assert stack.resolve(topic.topic_arn) in cfn["AlarmActions"]
    rule = json.dumps(template["Resources"][stack.resolve(composite.node.default_child.logical_id)]["Properties"])
    assert "ALARM(" in rule and stack.resolve(alarm.cfn_alarm.logical_id) in rule


def test_grant_produce_and_consume_are_least_privilege_managed_policies() -> None:
    stack = new_stack()
    cluster = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam())
    producer, reader = function(stack, "Producer"), function(stack, "Reader")
    produce = cluster.grant_produce(producer, "orders")
    consume = cluster.grant_consume(reader, "orders", consumer_group_id="audit")
    template = cdk.assertions.Template.from_stack(stack).to_json()

    def actions_of(policy: Any) -> dict[str, Any]:
        doc = template["Resources"][stack.resolve(policy.node.default_child.logical_id)]["Properties"]["PolicyDocument"]
        return {json.dumps(s["Action"]): s["Resource"] for s in doc["Statement"]}

    produced = actions_of(produce)
    assert produced[json.dumps(["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"])] == MSK_ARN
    assert produced[json.dumps(["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"])].endswith("/orders")
    consumed = actions_of(consume)
    assert consumed[json.dumps(["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"])].endswith("/audit")
    assert not any("WriteData" in a for a in consumed)


def test_cdk_filter_criteria_output_is_accepted() -> None:
    stack = new_stack()
    pattern = lambda_.FilterCriteria.filter({"value": {"speed": lambda_.FilterRule.is_equal(1)}})
    consumer = msk_consumer(stack, filters=[pattern])
    filters = mapping(stack, consumer)["FilterCriteria"]["Filters"]
    assert json.loads(filters[0]["Pattern"]) == {"value": {"speed": [{"numeric": ["=", 1]}]}}


def test_duplicate_filters_and_millisecond_windows_are_config_errors_with_the_path() -> None:
    stack = new_stack()
    with pytest.raises(ConfigError) as error:
        msk_consumer(stack, "Dup", filters=[{"value": {"a": [1]}}, {"value": {"a": [1]}}])
    assert error.value.prop == "filters[1]" and str(error.value).startswith("[Test/Dup]")
    with pytest.raises(ConfigError) as error:
        msk_consumer(stack, "Millis", max_batching_window=cdk.Duration.millis(500))
    assert "whole seconds" in error.value.rule and "Duration.millis" not in error.value.fix


def test_escape_hatch_edits_are_rechecked_at_synth() -> None:
    stack = new_stack()
    consumer = msk_consumer(stack)
    consumer.cfn_mapping.batch_size = 0
    consumer.cfn_mapping.maximum_retry_attempts = 3
    errors = stack.node.validate()
    assert any(e.startswith("[Test/C] BatchSize=0") for e in errors)
    assert any("MaximumRetryAttempts" in e and "provisioned" in e for e in errors)
    clean = new_stack()
    msk_consumer(clean)
    assert clean.node.validate() == []
    provisioned = msk_consumer(stack, "P", provisioned_pollers=PROVISIONED, filters=[{"value": {"a": [1]}}])
    provisioned.cfn_mapping.provisioned_poller_config = {"minimumPollers": 5, "maximumPollers": 2}
    provisioned.cfn_mapping.filter_criteria = {"filters": [{"pattern": "{}"}, {"pattern": "{}"}]}
    errors = [e for e in stack.node.validate() if e.startswith("[Test/P] ")]
    assert any("MinimumPollers=5" in e for e in errors) and any("unique filters" in e for e in errors)
    with pytest.raises(RuntimeError, match=r"\[Test/P\] MinimumPollers=5"):  # what `cdk synth` says
        cdk.Stage.of(stack).synth()


def test_tokens_set_on_the_l1_are_resolved_before_the_recheck() -> None:
    """The recheck skips CDK's resolve when the checked properties are plain values; a Lazy must still be read."""
    import jsii

    @jsii.implements(cdk.IStableNumberProducer)
    class Zero:
        def produce(self) -> int:
            return 0

    stack = new_stack()
    consumer = msk_consumer(stack)
    consumer.cfn_mapping.batch_size = cdk.Lazy.number(Zero())
    assert any("BatchSize=0" in e for e in stack.node.validate())


def test_unauthenticated_on_an_iam_cluster_is_rejected_because_lambda_would_use_iam() -> None:
    from aws_cdk import aws_msk as msk

    stack = new_stack()
    cfn = msk.CfnCluster(
        fixture_scope(stack),
        "Msk",
        cluster_name="demo",
        kafka_version="3.6.0",
        number_of_broker_nodes=2,
        broker_node_group_info={"clientSubnets": ["subnet-1", "subnet-2"], "instanceType": "kafka.m5.large"},
        client_authentication={"sasl": {"iam": {"enabled": True}}, "unauthenticated": {"enabled": True}},
    )
    with pytest.raises(ConfigError, match="Lambda uses IAM"):
        KafkaCluster.msk(cfn, auth=KafkaAuth.unauthenticated())


# ------------------------------------------------------------------------------------------------ defaults
def test_mapping_metrics_default_on_in_provisioned_mode_only() -> None:
    stack = new_stack()
    on_demand, provisioned = msk_consumer(stack, "OnDemand"), msk_consumer(stack, "P", provisioned_pollers=PROVISIONED)
    assert "MetricsConfig" not in mapping(stack, on_demand)
    assert set(mapping(stack, provisioned)["MetricsConfig"]["Metrics"]) == {"EventCount", "ErrorCount", "KafkaMetrics"}
    assert set(on_demand.alarms) == {"offset_lag", "errors"} and "failed_records" in provisioned.alarms


def test_nat_subnets_get_no_interface_endpoints_by_default_isolated_ones_do() -> None:
    stack = new_stack()
    scope = fixture_scope(stack)
    vpc = ec2.Vpc(scope, "Vpc", max_azs=2, nat_gateways=1)
    group = ec2.SecurityGroup(scope, "Brokers", vpc=vpc)
    msk_consumer(
        stack, "Nat", cluster=KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam(), vpc=vpc, security_groups=[group])
    )
    template = cdk.assertions.Template.from_stack(stack)
    interface = template.find_resources("AWS::EC2::VPCEndpoint", {"Properties": {"VpcEndpointType": "Interface"}})
    assert interface == {}
    isolated = new_stack(name="Isolated")
    vpc2 = ec2.Vpc(
        fixture_scope(isolated),
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="iso", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    group2 = ec2.SecurityGroup(fixture_scope(isolated), "Brokers", vpc=vpc2)
    cluster = KafkaCluster.msk(
        MSK_ARN,
        auth=KafkaAuth.iam(),
        vpc=vpc2,
        security_groups=[group2],
        subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
    )
    msk_consumer(isolated, "Iso", cluster=cluster)
    assert len(cdk.assertions.Template.from_stack(isolated).find_resources("AWS::EC2::VPCEndpoint")) >= 2


# --------------------------------------------------------------------------------------------- the house
def test_the_package_has_no_import_cycle() -> None:
    """Walk module-level imports of every module, TYPE_CHECKING blocks included (a cycle hidden there is still a
    cycle of the design); a cycle fails with its path. Imports inside functions are deliberate lazy loads."""
    root = pathlib.Path(__file__).parent.parent / "constructs_kafka_lambda"
    graph: dict[str, set[str]] = {}
    for file in root.rglob("*.py"):
        parts = list(file.relative_to(root.parent).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = name if file.name == "__init__.py" else name.rsplit(".", 1)[0]
        edges: set[str] = set()
        body = ast.parse(file.read_text()).body
        guarded = [n for b in body if isinstance(b, ast.If) and "TYPE_CHECKING" in ast.unparse(b.test) for n in b.body]
        for node in [*body, *guarded]:
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
                if node.module:
                    edges.add(target)
                edges.update(f"{target}.{a.name}" for a in node.names)
        graph[name] = edges
    modules = set(graph)
    for module in modules:
        graph[module] = {e for e in graph[module] if e in modules and e != module}

    def visit(module: str, path: list[str]) -> None:
        for nxt in graph[module]:
            assert nxt not in path, f"import cycle: {' -> '.join([*path, nxt])}"
            visit(nxt, [*path, nxt])

    for module in modules:
        if module != "constructs_kafka_lambda":  # the root re-exports; nothing imports it back
            visit(module, [module])


def test_no_module_over_about_400_lines() -> None:
    root = pathlib.Path(__file__).parent.parent / "constructs_kafka_lambda"
    long = {f.name: n for f in root.rglob("*.py") if (n := len(f.read_text().splitlines())) > 450}
    assert long == {}


# ------------------------------------------------------------------------------------------------ planning
def test_consumer_plan_uses_its_settings_and_warns_about_pollers_above_partitions() -> None:
    stack = new_stack()
    consumer = msk_consumer(stack, provisioned_pollers=ProvisionedPollers(minimum=1, maximum=50), batch_size=200)
    result = consumer.plan(
        records_per_second=1000, record_bytes=1024, partitions=12, duration_ms_per_batch=100, backlog_records=10**6
    )
    assert result.maximum_pollers <= 12
    # the expected provisioned drain (autoscaling from the consumer's minimum of 1), beside its bounds
    drain = result.drain
    assert drain.floor <= drain.provisioned_at_maximum <= drain.provisioned <= drain.provisioned_at_minimum
    assert "expected drain" in result.to_table()
    warnings = cdk.assertions.Annotations.from_stack(stack).find_warning(
        "*", cdk.assertions.Match.string_like_regexp("partitions")
    )
    assert warnings and "Test/C" in warnings[0].id


def test_consumer_preview_uses_its_filters() -> None:
    stack = new_stack()
    consumer = msk_consumer(stack, filters=[{"value": {"tire_pressure": [{"numeric": ["<", 32]}]}}])
    preview = consumer.preview_filters([{"tire_pressure": 30}, {"tire_pressure": 35}])
    assert [v.passed for v in preview.records] == [True, False]


# ------------------------------------------------------------------------------- found by the contract suite
def test_secret_arns_over_200_characters_are_rejected() -> None:
    stack = new_stack()
    long = secretsmanager.Secret.from_secret_complete_arn(
        fixture_scope(stack), "Long", f"arn:aws:secretsmanager:us-east-1:111111111111:secret:{'s' * 141}-AbCdEf"
    )
    with pytest.raises(ConfigError, match="at most 200 characters") as error:
        KafkaAuth.sasl_plain(long)
    assert error.value.prop == "KafkaAuth.sasl_plain(secret)"


@pytest.mark.parametrize(
    ("prop", "value", "rule"),
    [
        ("max_record_age", cdk.Duration.millis(60_500), "whole seconds"),
        ("max_record_age", cdk.Duration.minutes(cdk.Token.as_number({"Ref": "Age"})), "in seconds"),
        ("max_batching_window", cdk.Duration.minutes(cdk.Token.as_number({"Ref": "Window"})), "in seconds"),
    ],
)
def test_durations_cdk_cannot_convert_are_config_errors(prop: str, value: cdk.Duration, rule: str) -> None:
    with pytest.raises(ConfigError, match=rule) as error:
        msk_consumer(new_stack(), provisioned_pollers=PROVISIONED, **{prop: value})
    assert error.value.prop == prop


def test_token_seconds_are_kept_as_tokens() -> None:
    stack = new_stack()
    window = cdk.Duration.seconds(cdk.CfnParameter(stack, "Window", type="Number").value_as_number)
    consumer = msk_consumer(stack, max_batching_window=window)
    assert mapping(stack, consumer)["MaximumBatchingWindowInSeconds"] == {"Ref": "Window"}


def test_imported_subnets_without_route_tables_warn_instead_of_crashing() -> None:
    stack = new_stack()
    vpc = ec2.Vpc.from_vpc_attributes(
        fixture_scope(stack),
        "Imported",
        vpc_id="vpc-1",
        availability_zones=["us-east-1a"],
        private_subnet_ids=["subnet-1"],
    )
    group = ec2.SecurityGroup.from_security_group_id(fixture_scope(stack), "G", "sg-1")
    cluster = KafkaCluster.msk_serverless(MSK_ARN, vpc=vpc, security_groups=[group])
    msk_consumer(stack, cluster=cluster, network_access=NetworkAccess.vpc_endpoints())
    warnings = cdk.assertions.Annotations.from_stack(stack).find_warning(
        "*", cdk.assertions.Match.string_like_regexp("route tables")
    )
    assert warnings


def test_queue_mode_acknowledges_only_the_outdated_schema_finding() -> None:
    stack = new_stack()
    consumer = msk_consumer(stack, cluster=self_managed(stack), consumption_mode=ConsumptionMode.QUEUE)
    assert "CloudFormation-Validate::F3002" in json.dumps(stack.resolve(consumer.cfn_mapping.node.metadata))


def test_string_tokens_in_filters_warn_about_escaping() -> None:
    stack = new_stack()
    name = cdk.CfnParameter(stack, "Name").value_as_string
    msk_consumer(stack, filters=[{"value": {"name": [name]}}])
    found = cdk.assertions.Annotations.from_stack(stack).find_warning(
        "*", cdk.assertions.Match.string_like_regexp("unescaped")
    )
    assert found


def test_every_metric_method_returns_the_metric_it_is_named_after() -> None:
    from constructs_kafka_lambda.observe.methods import MetricMethods
    from constructs_kafka_lambda.observe.metrics import FUNCTION_METRICS, MAPPING_METRICS

    stack = new_stack()
    consumer = msk_consumer(stack, provisioned_pollers=PROVISIONED)
    methods = [name for name in dir(MetricMethods) if name.startswith("metric_")]
    assert len(methods) == len(MAPPING_METRICS) + len(FUNCTION_METRICS) + 4  # + lag and three sums
    mapping_id = {"Ref": stack.resolve(consumer.cfn_mapping.logical_id)}
    for key, (name, statistic, _label) in {**MAPPING_METRICS, **FUNCTION_METRICS}.items():
        metric = getattr(consumer, f"metric_{key}")(period=cdk.Duration.minutes(1))
        config = metric.to_metric_config().metric_stat
        assert (config.metric_name, config.statistic, config.period.to_seconds()) == (name, statistic, 60), key
        dimensions = {d.name: stack.resolve(d.value) for d in config.dimensions}
        assert dimensions == ({"EventSourceMappingUUID": mapping_id} if key in MAPPING_METRICS else dimensions), key
        if key in FUNCTION_METRICS:
            assert set(dimensions) == {"FunctionName"}, key
    sums = {
        "metric_mapping_errors": {"poll", "inv", "dlv"},
        "metric_failed_records": {"sent", "dropped"},
        "metric_processing_errors": {"err", "thr", "poll", "inv", "dlv"},
        "metric_lag": {"lag"},
    }
    for method, ids in sums.items():
        expression = getattr(consumer, method)(label="x", period=cdk.Duration.minutes(5))
        assert set(expression.using_metrics) == ids and expression.label == "x", method


def test_every_package_type_on_the_public_surface_is_exported_from_the_root() -> None:
    """Walk the annotations of the public constructors, factories, dataclass fields and functions: any type the
    package defines must be importable from `constructs_kafka_lambda` itself."""
    import dataclasses
    import inspect
    import typing

    import constructs_kafka_lambda as root

    exported = {getattr(root, name) for name in root.__all__}
    seen: set[type] = set()

    def types_in(annotation: Any) -> list[type]:
        found = [annotation] if isinstance(annotation, type) else []
        for arg in typing.get_args(annotation):
            found += types_in(arg)
        return found

    def visit(obj: Any) -> None:
        hints: dict[str, Any] = {}
        targets = [obj.__init__] if isinstance(obj, type) else [obj]
        if isinstance(obj, type):
            targets += [m for _, m in inspect.getmembers(obj, inspect.isfunction) if not m.__name__.startswith("_")]
        for target in targets:
            with contextlib.suppress(Exception):
                hints |= typing.get_type_hints(target)
        if dataclasses.is_dataclass(obj):
            hints |= typing.get_type_hints(obj)
        for annotation in hints.values():
            for found in types_in(annotation):
                if found.__module__.startswith("constructs_kafka_lambda") and found not in seen:
                    seen.add(found)
                    assert found in exported, f"{found.__qualname__} (on {obj}) is not exported from the root"
                    visit(found)

    import contextlib

    for name in root.__all__:
        visit(getattr(root, name))
    assert len(seen) >= 10


def test_provisioned_consumers_are_not_admitted_to_the_shared_interface_endpoints() -> None:
    stack = new_stack()
    scope = fixture_scope(stack)
    vpc = ec2.Vpc(
        scope,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="iso", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    isolated = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    on_demand_sg, provisioned_sg = ec2.SecurityGroup(scope, "A", vpc=vpc), ec2.SecurityGroup(scope, "B", vpc=vpc)
    for cid, group, pollers in (("OnDemand", on_demand_sg, None), ("Provisioned", provisioned_sg, PROVISIONED)):
        cluster = KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam(), vpc=vpc, subnets=isolated, security_groups=[group])
        msk_consumer(stack, cid, cluster=cluster, provisioned_pollers=pollers)
    ingress = cdk.assertions.Template.from_stack(stack).find_resources("AWS::EC2::SecurityGroupIngress")
    https_from = [
        stack.resolve(r["Properties"].get("SourceSecurityGroupId"))
        for r in ingress.values()
        if r["Properties"]["FromPort"] == 443
    ]
    assert {"Fn::GetAtt": [stack.resolve(on_demand_sg.node.default_child.logical_id), "GroupId"]} in https_from
    assert {"Fn::GetAtt": [stack.resolve(provisioned_sg.node.default_child.logical_id), "GroupId"]} not in https_from
