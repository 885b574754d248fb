"""Observability: alarms that read their own consumer, options and opt-outs, the shared topic and dashboard."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns

from constructs_kafka_lambda import (
    AlarmOptions,
    ConfigError,
    KafkaAuth,
    KafkaCluster,
    KafkaLambdaConsumer,
    Monitoring,
    ProvisionedPollers,
)
from constructs_kafka_lambda.observe.alarms import default_offset_lag_threshold

from support import (
    MSK_ARN,
    cfn_lint_errors,
    fixture_scope,
    function,
    library_findings,
    new_app,
    new_stack,
    synth_findings,
    template_of,
)


def cluster() -> KafkaCluster:
    return KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam())


def consumer(stack: cdk.Stack, cid: str, fn: lambda_.IFunction, topic: str = "orders", **kwargs: Any):
    # These tests watch the mapping's metrics, which are on by default only in provisioned mode: opt in.
    kwargs.setdefault("mapping_metrics", True)
    return KafkaLambdaConsumer(stack, cid, cluster=cluster(), topic=topic, function=fn, **kwargs)


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def alarms_of(template: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    """Alarms whose logical id starts with the consumer's id, keyed by the rest (e.g. 'OffsetLagAlarm')."""
    found = {}
    for key, resource in resources(template, "AWS::CloudWatch::Alarm").items():
        if key.startswith(prefix):
            found[key[len(prefix) : -8]] = resource["Properties"]
    return found


def metric_stats(props: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric an alarm reads: a plain single metric, a labelled one (Metrics) or metric math."""
    if "MetricName" in props:
        return [{k: props[k] for k in ("MetricName", "Namespace", "Dimensions") if k in props}]
    return [q["MetricStat"]["Metric"] for q in props.get("Metrics", []) if "MetricStat" in q]


def dims(metric: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}


def period_of(props: dict[str, Any]) -> int:
    if "Period" in props:
        return props["Period"]
    periods = {q["MetricStat"]["Period"] for q in props["Metrics"] if "MetricStat" in q}
    periods |= {q["Period"] for q in props["Metrics"] if "Expression" in q and "Period" in q}
    assert len(periods) == 1, periods
    return periods.pop()


# ------------------------------------------------------------------------------------- two default consumers
@pytest.fixture(scope="module")
def two() -> dict[str, Any]:
    app = new_app(nag=True)
    stack = new_stack(app)
    fn1, fn2 = function(stack, "Fn1"), function(stack, "Fn2")
    orders = consumer(stack, "Orders", fn1)
    payments = consumer(
        stack, "Payments", fn2, topic="payments", provisioned_pollers=ProvisionedPollers(minimum=1, maximum=10)
    )
    findings = synth_findings(app)
    return {
        "stack": stack,
        "template": template_of(app, "Test"),
        "findings": findings,
        "consumers": {"Orders": (orders, fn1), "Payments": (payments, fn2)},
    }


def test_three_default_alarms_per_consumer_and_seven_resources(two):
    template = two["template"]
    for prefix in ("Orders", "Payments"):
        assert set(alarms_of(template, prefix)) == {"OffsetLagAlarm", "ErrorsAlarm", "FailedRecordsAlarm"}
    counts = Counter(r["Type"] for r in template["Resources"].values())
    # per consumer: function + role (the test's), mapping + policy + 3 alarms (the library's) = 7
    per_consumer = {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Lambda::EventSourceMapping"}
    per_consumer |= {"AWS::IAM::ManagedPolicy", "AWS::CloudWatch::Alarm"}
    assert sum(n for t, n in counts.items() if t in per_consumer) == 2 * 7


@pytest.mark.parametrize("name", ["Orders", "Payments"])
def test_each_alarm_reads_its_own_mapping_and_function(two, name):
    stack, template = two["stack"], two["template"]
    own, fn = two["consumers"][name]
    mapping_ref = {"Ref": stack.resolve(own.cfn_mapping.logical_id)}
    function_ref = {"Ref": stack.resolve(fn.node.default_child.logical_id)}
    alarms = alarms_of(template, name)
    assert alarms
    for alarm in alarms.values():
        for metric in metric_stats(alarm):
            assert metric["Namespace"] == "AWS/Lambda"
            assert dims(metric) in ({"EventSourceMappingUUID": mapping_ref}, {"FunctionName": function_ref})
    lag = metric_stats(alarms["OffsetLagAlarm"])
    assert [(m["MetricName"], dims(m)) for m in lag] == [("SumOffsetLag", {"EventSourceMappingUUID": mapping_ref})]
    errors = {m["MetricName"]: dims(m) for m in metric_stats(alarms["ErrorsAlarm"])}
    assert errors == {
        "Errors": {"FunctionName": function_ref},
        "Throttles": {"FunctionName": function_ref},
        "PollingErrorCount": {"EventSourceMappingUUID": mapping_ref},
        "InvokeErrorCount": {"EventSourceMappingUUID": mapping_ref},
        "OnFailureDestinationDeliveryErrorCount": {"EventSourceMappingUUID": mapping_ref},
    }
    failed = {m["MetricName"] for m in metric_stats(alarms["FailedRecordsAlarm"])}
    assert failed == {"OnFailureDestinationDeliveredEventCount", "DroppedEventCount"}
    assert all("Test/" + name in json.dumps(a["AlarmDescription"]) for a in alarms.values())
    assert all(a["AlarmName"].startswith(f"Test/{name} ") for a in alarms.values())


def test_default_thresholds_periods_and_missing_data(two):
    orders = alarms_of(two["template"], "Orders")
    payments = alarms_of(two["template"], "Payments")
    # on-demand: 100 records x 1 poller x 10; provisioned (max 10 pollers): 100 x 10 x 10
    assert orders["OffsetLagAlarm"]["Threshold"] == default_offset_lag_threshold(100, 1) == 1000
    assert payments["OffsetLagAlarm"]["Threshold"] == default_offset_lag_threshold(100, 10) == 10000
    expected = {"OffsetLagAlarm": (3, 3), "ErrorsAlarm": (3, 2), "FailedRecordsAlarm": (1, 1)}
    for key, (evaluation, datapoints) in expected.items():
        alarm = orders[key]
        assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (evaluation, datapoints)
        assert period_of(alarm) == 300
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert orders["ErrorsAlarm"]["Threshold"] == 0 and orders["FailedRecordsAlarm"]["Threshold"] == 0


def test_one_shared_encrypted_tls_only_topic_receives_every_alarm(two):
    template = two["template"]
    topics = resources(template, "AWS::SNS::Topic")
    assert len(topics) == 1
    ((topic_id, topic),) = topics.items()
    assert "KmsMasterKeyId" in topic["Properties"]
    policy = json.dumps(resources(template, "AWS::SNS::TopicPolicy"))
    assert "aws:SecureTransport" in policy and "cloudwatch.amazonaws.com" in policy
    key_policy = json.dumps(resources(template, "AWS::KMS::Key"))
    assert "cloudwatch.amazonaws.com" in key_policy
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm["Properties"]["OKActions"] == [{"Ref": topic_id}]


def test_one_dashboard_with_a_section_per_consumer(two):
    stack, template = two["stack"], two["template"]
    dashboards = resources(template, "AWS::CloudWatch::Dashboard")
    assert len(dashboards) == 1
    body = json.dumps(next(iter(dashboards.values()))["Properties"]["DashboardBody"])
    for name, (own, _fn) in two["consumers"].items():
        assert f"Test/{name}" in body
        assert stack.resolve(own.cfn_mapping.logical_id) in body
    assert "ProvisionedPollers" in body and "EventPollerUnit" in body  # the provisioned consumer's section


def test_metric_methods_are_the_alarm_metrics(two):
    stack = two["stack"]
    own, _fn = two["consumers"]["Orders"]
    lag = stack.resolve(own.metric_sum_offset_lag().to_metric_config().metric_stat.dimensions)
    assert lag == [{"name": "EventSourceMappingUUID", "value": {"Ref": stack.resolve(own.cfn_mapping.logical_id)}}]
    # names match what they return: metric_offset_lag is AWS's OffsetLag (by function), metric_lag what the alarm reads
    function_lag = own.metric_offset_lag().to_metric_config().metric_stat
    assert function_lag.metric_name == "OffsetLag" and function_lag.dimensions[0].name == "FunctionName"
    assert own.metric_lag().using_metrics["lag"].metric_name == "SumOffsetLag"
    assert own.metric_lag(period=cdk.Duration.minutes(1)).period.to_seconds() == 60
    with pytest.raises(ConfigError):
        own.metric_failed_records(statistic="Maximum")
    errors = own.metric_errors().to_metric_config().metric_stat
    assert errors.metric_name == "Errors" and errors.namespace == "AWS/Lambda"
    assert own.metric_provisioned_pollers().metric_name == "ProvisionedPollers"
    assert own.metric_polled_events().metric_name == "PolledEventCount"
    assert isinstance(own.metric_mapping_errors(), cloudwatch.MathExpression)
    errors = own.metric_processing_errors()
    assert set(errors.using_metrics) == {"err", "thr", "poll", "inv", "dlv"}  # what the errors alarm sums


def test_library_constructs_are_nag_and_cfn_lint_clean(two):
    assert library_findings(two["findings"]) == []
    assert cfn_lint_errors(two["template"]) == []


def test_mapping_metrics_on_when_asked(two):
    for mapping in resources(two["template"], "AWS::Lambda::EventSourceMapping").values():
        assert sorted(mapping["Properties"]["MetricsConfig"]["Metrics"]) == ["ErrorCount", "EventCount", "KafkaMetrics"]


# ------------------------------------------------------------------------------------------------- options
@pytest.fixture(scope="module")
def options() -> dict[str, Any]:
    app = new_app()
    stack = new_stack(app)
    user_topic = sns.Topic(fixture_scope(stack), "PagerTopic")
    consumer(
        stack,
        "Tuned",
        function(stack, "Fn1"),
        batch_size=500,
        monitoring=Monitoring(
            offset_lag=AlarmOptions(
                threshold=42, period=Duration.minutes(1), evaluation_periods=10, datapoints_to_alarm=8
            ),
            errors=False,
            failed_records=AlarmOptions(treat_missing_data=cloudwatch.TreatMissingData.MISSING),
            function_errors=True,
            throttles=AlarmOptions(threshold=5),
            mapping_errors=True,
            dashboard=False,
            alarm_topic=user_topic,
        ),
    )
    consumer(stack, "NoMetrics", function(stack, "Fn2"), mapping_metrics=False, monitoring=Monitoring(dashboard=False))
    consumer(stack, "Quiet", function(stack, "Fn3"), monitoring=Monitoring(alarms=False, dashboard=False))
    consumer(
        stack,
        "Custom",
        function(stack, "Fn4"),
        monitoring=Monitoring(
            dashboard=False, alarm_actions=[cloudwatch_actions.SnsAction(sns.Topic(fixture_scope(stack), "Other"))]
        ),
    )
    consumer(
        stack,
        "Logged",
        function(stack, "Fn5"),
        provisioned_pollers=ProvisionedPollers(minimum=2, maximum=4),
        batch_size=50,
        log_level=lambda_.EventSourceMappingLogLevel.WARN,
        monitoring=Monitoring(dashboard=False),
    )
    app.synth()
    return {"stack": stack, "template": template_of(app, "Test"), "user_topic": user_topic}


def test_alarm_options_override_thresholds_periods_and_switches(options):
    alarms = alarms_of(options["template"], "Tuned")
    assert set(alarms) == {
        "OffsetLagAlarm",
        "FailedRecordsAlarm",
        "FunctionErrorsAlarm",
        "ThrottlesAlarm",
        "MappingErrorsAlarm",
    }
    lag = alarms["OffsetLagAlarm"]
    assert (lag["Threshold"], lag["EvaluationPeriods"], lag["DatapointsToAlarm"]) == (42, 10, 8)
    assert period_of(lag) == 60
    assert alarms["FailedRecordsAlarm"]["TreatMissingData"] == "missing"
    assert alarms["ThrottlesAlarm"]["Threshold"] == 5
    mapping = {m["MetricName"] for m in metric_stats(alarms["MappingErrorsAlarm"])}
    assert mapping == {"PollingErrorCount", "InvokeErrorCount", "OnFailureDestinationDeliveryErrorCount"}


def test_user_topic_and_actions_replace_the_shared_topic(options):
    stack, template = options["stack"], options["template"]
    user_topic_ref = {"Ref": stack.resolve(options["user_topic"].node.default_child.logical_id)}
    for alarm in alarms_of(template, "Tuned").values():
        assert alarm["AlarmActions"] == [user_topic_ref]
    custom = alarms_of(template, "Custom")
    assert len(custom) == 3
    assert all(a["AlarmActions"][0]["Ref"].startswith("FixtureOther") for a in custom.values())
    assert all("OKActions" not in a for a in custom.values())


def test_opt_outs(options):
    template = options["template"]
    assert alarms_of(template, "Quiet") == {}
    assert resources(template, "AWS::CloudWatch::Dashboard") == {}  # no consumer wanted a section
    no_metrics = alarms_of(template, "NoMetrics")
    assert set(no_metrics) == {"OffsetLagAlarm", "ErrorsAlarm"}
    lag = metric_stats(no_metrics["OffsetLagAlarm"])
    assert [(m["MetricName"], set(dims(m))) for m in lag] == [("OffsetLag", {"FunctionName"})]
    assert {m["MetricName"] for m in metric_stats(no_metrics["ErrorsAlarm"])} == {"Errors", "Throttles"}
    mappings = resources(template, "AWS::Lambda::EventSourceMapping")
    assert sum("MetricsConfig" in m["Properties"] for m in mappings.values()) == len(mappings) - 1


def test_log_level_in_provisioned_mode(options):
    stack, template = options["stack"], options["template"]
    logged = stack.node.find_child("Logged")
    mapping = template["Resources"][stack.resolve(logged.cfn_mapping.logical_id)]
    assert mapping["Properties"]["LoggingConfig"] == {"SystemLogLevel": "WARN"}
    assert alarms_of(template, "Logged")["OffsetLagAlarm"]["Threshold"] == 50 * 4 * 10


# ------------------------------------------------------------------------------------------------ rejections
@pytest.mark.parametrize(
    ("kwargs", "prop"),
    [
        ({"log_level": lambda_.EventSourceMappingLogLevel.INFO}, "log_level"),
        ({"monitoring": Monitoring(alarm_actions=[])}, "Monitoring.alarm_actions"),
        ({"monitoring": Monitoring(offset_lag=AlarmOptions(threshold=-1))}, "Monitoring.offset_lag.threshold"),
        ({"monitoring": Monitoring(errors=AlarmOptions(period=Duration.seconds(90)))}, "Monitoring.errors.period"),
        (
            {"monitoring": Monitoring(errors=AlarmOptions(evaluation_periods=2, datapoints_to_alarm=3))},
            "Monitoring.errors.datapoints_to_alarm",
        ),
        ({"monitoring": {"alarms": False}}, "monitoring"),
    ],
)
def test_rejected_configurations(kwargs, prop):
    stack = new_stack()
    with pytest.raises(ConfigError) as error:
        consumer(stack, "Bad", function(stack), **kwargs)
    assert error.value.prop == prop


# ------------------------------------------------------------------------------------------------------ scale
def test_fifty_consumers_share_topic_and_dashboard_far_below_the_resource_limit():
    app = new_app()
    stack = new_stack(app)
    fn = function(stack)
    for index in range(50):
        consumer(stack, f"C{index}", fn, topic=f"topic-{index}")
    app.synth()
    template = template_of(app, "Test")
    counts = Counter(r["Type"] for r in template["Resources"].values())
    assert counts["AWS::SNS::Topic"] == 1 and counts["AWS::CloudWatch::Dashboard"] == 1
    assert counts["AWS::CloudWatch::Alarm"] == 150
    # 5 per consumer (mapping, policy, 3 alarms) + the shared function and role + 8 shared resources
    assert len(template["Resources"]) == 50 * 5 + 2 + 8 < 500


def test_dashboard_body_is_one_fn_sub_with_a_variable_per_token():
    from constructs_kafka_lambda.shared import sub_tokens

    stack = new_stack()
    token = cdk.Token.as_string({"Ref": "Mapping"})
    body = stack.resolve(sub_tokens(f'{{"a":"{token}","b":"{token}","c":"cost ${{literal}}"}}'))
    template, variables = body["Fn::Sub"]
    assert template == '{"a":"${V0}","b":"${V0}","c":"cost ${!literal}"}'
    assert variables == {"V0": {"Ref": "Mapping"}}
    assert sub_tokens('{"plain":"text"}') == '{"plain":"text"}'


# ------------------------------------------------------------------------------------ metric groups (issue 19)
def _names(props: dict[str, Any]) -> set[str]:
    return {m["MetricName"] for m in metric_stats(props)}


@pytest.fixture(scope="module")
def groups() -> dict[str, Any]:
    """Consumers that pay for only some of the mapping's metric groups, with every alarm switched on."""
    app = new_app()
    stack = new_stack(app)
    every_alarm = Monitoring(mapping_errors=True, dashboard=True)
    pollers = ProvisionedPollers(minimum=1, maximum=4)
    chosen = {"Events": ("EventCount",), "Errors": ("ErrorCount", "EventCount"), "Lag": ("KafkaMetrics",)}
    for name, subset in chosen.items():
        consumer(
            stack,
            name,
            function(stack, f"Fn{name}"),
            mapping_metrics=subset,
            provisioned_pollers=pollers,
            monitoring=every_alarm,
        )
    app.synth()
    return {"template": template_of(app, "Test"), "chosen": chosen}


def test_only_the_chosen_groups_are_written_in_the_api_order(groups):
    written = {
        key.split("Mapping")[0]: mapping["Properties"]["MetricsConfig"]["Metrics"]
        for key, mapping in resources(groups["template"], "AWS::Lambda::EventSourceMapping").items()
    }
    assert written == {"Events": ["EventCount"], "Errors": ["EventCount", "ErrorCount"], "Lag": ["KafkaMetrics"]}
    assert cfn_lint_errors(groups["template"]) == []


def test_alarms_exist_only_where_their_group_is_on(groups):
    template = groups["template"]
    events, errors, lag = (alarms_of(template, name) for name in ("Events", "Errors", "Lag"))
    assert events and errors and lag
    # EventCount: the failed-records alarm; without it, none.
    assert "FailedRecordsAlarm" in events and "FailedRecordsAlarm" in errors and "FailedRecordsAlarm" not in lag
    # ErrorCount: the mapping-errors alarm, and the mapping's error counts in the errors alarm.
    assert "MappingErrorsAlarm" in errors and "MappingErrorsAlarm" not in events | lag.keys()
    assert "PollingErrorCount" in _names(errors["ErrorsAlarm"])
    assert _names(events["ErrorsAlarm"]) == _names(lag["ErrorsAlarm"]) == {"Errors", "Throttles"}
    # KafkaMetrics: the lag alarm reads the mapping's SumOffsetLag; without it, the function's OffsetLag.
    assert _names(lag["OffsetLagAlarm"]) == {"SumOffsetLag"}
    assert _names(events["OffsetLagAlarm"]) == _names(errors["OffsetLagAlarm"]) == {"OffsetLag"}


def test_the_dashboard_reads_a_group_only_where_it_is_on(groups):
    dashboards = resources(groups["template"], "AWS::CloudWatch::Dashboard")
    body = json.dumps(next(iter(dashboards.values()))["Properties"]["DashboardBody"])
    sections = body.split("### ")
    by_consumer = {name: next(s for s in sections if s.startswith(f"Test/{name}:")) for name in groups["chosen"]}
    assert "SumOffsetLag" in by_consumer["Lag"] and "PolledEventCount" not in by_consumer["Lag"]
    assert "PolledEventCount" in by_consumer["Events"] and "SumOffsetLag" not in by_consumer["Events"]
    assert "PollingErrorCount" in by_consumer["Errors"] and "PollingErrorCount" not in by_consumer["Events"]


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (("EventCount", "Bogus"), "unknown: 'Bogus'"),
        (("EventCount", "EventCount"), "each group once"),
        ("EventCount", "a collection of the groups"),
        (1, "a collection of the groups"),
    ],
)
def test_groups_outside_the_api_enum_are_refused(value, rule):
    stack = new_stack()
    with pytest.raises(ConfigError) as error:
        consumer(stack, "Bad", function(stack), mapping_metrics=value)
    assert error.value.prop == "mapping_metrics" and rule in error.value.rule


def test_the_plan_prices_only_the_chosen_groups():
    stack = new_stack()
    chosen = consumer(stack, "Some", function(stack), mapping_metrics=("EventCount", "KafkaMetrics"))
    every = consumer(stack, "All", function(stack, "Fn2"), topic="orders-2")
    load = {"records_per_second": 100, "record_bytes": 500, "partitions": 6, "duration_ms_per_batch": 200}
    assert chosen.plan(**load).on_demand.usd("metrics") == pytest.approx((7 + 2) * 0.30)
    assert every.plan(**load).on_demand.usd("metrics") == pytest.approx(14 * 0.30)


def test_a_single_metric_alarm_takes_the_plain_form_with_the_right_statistic_field():
    """One metric is written as CloudWatch's plain form: a standard statistic in Statistic, a percentile in
    ExtendedStatistic (CloudFormation rejects a percentile in Statistic); the mapping's UUID is read only when a
    mapping metric needs it."""
    from constructs_kafka_lambda.observe.metrics import ConsumerMetrics

    asked: list[str] = []

    def uuid() -> str:
        asked.append("uuid")
        return "uuid-token"

    stack = new_stack()
    metrics = ConsumerMetrics(function(stack), uuid, mapping_metrics=False, function_name="fn")
    maximum = metrics.alarm_metric("offset_lag", 60)
    assert maximum["statistic"] == "Maximum" and maximum["extended_statistic"] is None
    assert maximum["dimensions"] == [{"name": "FunctionName", "value": "fn"}] and maximum["period"] == 60
    percentile = metrics.alarm_metric("duration", 300)
    assert percentile["statistic"] is None and percentile["extended_statistic"] == "p99"
    assert asked == []
    assert metrics.alarm_metric("sum_offset_lag", 300)["dimensions"][0]["value"] == "uuid-token"
    metrics.alarm_metric("sum_offset_lag", 300)
    assert asked == ["uuid"], "read once, on first use"
