"""The Python-side token check agrees with CDK's own on every kind of value the constructs validate; every parameter of
KafkaLambdaConsumer given a token either carries it to the template or refuses it with a ConfigError naming it."""

from __future__ import annotations

import inspect
import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_kafka_lambda import (
    ConfigError,
    KafkaAuth,
    KafkaCluster,
    KafkaLambdaConsumer,
    Monitoring,
    ProvisionedPollers,
)
from constructs_kafka_lambda.tokens import is_unresolved

from support import MSK_ARN, fixture_scope, function, new_stack

REF = {"Ref": "Param"}


CASES = [
    cdk.Token.as_string(REF),
    f"prefix-{cdk.Token.as_string(REF)}-suffix",
    cdk.Token.as_number(REF),
    cdk.Token.as_list(REF),
    cdk.Aws.REGION,
    cdk.Token.as_string(cdk.Aws.ACCOUNT_ID),
    "orders",
    "",
    0,
    100,
    1.5,
    -1e300,
    True,
    None,
    ["a", "b"],
    [],
    cdk.Duration.seconds(5),
]


# Ids by position: token strings differ between pytest-xdist workers, and ids must not.
@pytest.mark.parametrize("value", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_agrees_with_cdk(value):
    assert is_unresolved(value) == cdk.Token.is_unresolved(value)


def test_infinity_is_not_a_token():
    # (jsii cannot even carry Infinity to CDK: the check must stay in Python for it)
    assert is_unresolved(float("inf")) is False


_plain_text = st.text().filter(lambda t: "{Token[" not in t)  # the markers CDK puts in token strings


@settings(max_examples=50, deadline=None)
@given(
    st.one_of(
        _plain_text,
        st.integers(min_value=-(2**53), max_value=2**53),
        st.floats(allow_nan=False, allow_infinity=False),  # jsii cannot carry NaN or infinity to CDK
        st.lists(_plain_text, max_size=3),
    )
)
def test_plain_values_agree_with_cdk(value):
    """Arbitrary plain values: the Python check says exactly what CDK says (a huge negative float can be CDK's own
    number-token encoding; then both must say so)."""
    assert is_unresolved(value) == cdk.Token.is_unresolved(value)


# ------------------------------------------------------------------------------------- the token sweep
# Every parameter of KafkaLambdaConsumer, given each kind of token a CloudFormation parameter makes: the token either
# reaches the template (as a Ref to the parameter, on the L1 where CDK's L2 refuses it) or the constructor raises a
# ConfigError naming the parameter. Anything else (a jsii TypeError, a token silently dropped) fails.
TOKEN_KINDS = ("string", "number", "list", "resolvable", "duration")
_PROVISIONED_ONLY = {"retry_attempts", "max_record_age", "bisect_batch_on_error", "report_batch_item_failures"}
_PROVISIONED_ONLY |= {"log_level", "schema_registry"}


def _consumer_parameters() -> list[str]:
    signature = inspect.signature(KafkaLambdaConsumer.__init__)
    return [name for name in signature.parameters if name not in ("self", "scope", "construct_id")]


def _token(stack: cdk.Stack, kind: str) -> tuple[Any, str]:
    """A token of `kind` made from a new CloudFormation parameter, and the parameter's logical id."""
    scope = fixture_scope(stack)
    if kind in ("number", "duration"):
        parameter = cdk.CfnParameter(scope, "Token", type="Number", default=5)
        number = parameter.value_as_number
        return (cdk.Duration.seconds(number) if kind == "duration" else number), stack.resolve(parameter.logical_id)
    if kind == "list":
        parameter = cdk.CfnParameter(scope, "Token", type="CommaDelimitedList", default="a,b")
        return parameter.value_as_list, stack.resolve(parameter.logical_id)
    parameter = cdk.CfnParameter(scope, "Token", type="String", default="true")
    value = parameter.value_as_string
    return (cdk.Token.as_any(value) if kind == "resolvable" else value), stack.resolve(parameter.logical_id)


def _base(stack: cdk.Stack, parameter: str) -> dict[str, Any]:
    """A valid consumer in which `parameter` applies (provisioned-only ones in provisioned mode, and so on)."""
    kwargs: dict[str, Any] = {
        "cluster": KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()),
        "topic": "orders",
        "function": function(stack),
        "monitoring": Monitoring(alarms=False, dashboard=False),
    }
    if parameter in _PROVISIONED_ONLY or parameter == "mapping_metrics":
        kwargs["provisioned_pollers"] = ProvisionedPollers(minimum=1, maximum=10)
    if parameter == "starting_position_timestamp":
        kwargs["starting_position"] = lambda_.StartingPosition.AT_TIMESTAMP
    if parameter == "filter_encryption":
        kwargs["filters"] = [{"value": {"a": [1]}}]
    return kwargs


def test_the_sweep_covers_every_parameter() -> None:
    assert len(_consumer_parameters()) >= 23
    assert {"enabled", "mapping_metrics", "cluster", "consumption_mode"} <= set(_consumer_parameters())


@pytest.mark.parametrize("kind", TOKEN_KINDS)
@pytest.mark.parametrize("parameter", _consumer_parameters())
def test_a_token_reaches_the_template_or_is_a_config_error_naming_the_parameter(parameter: str, kind: str) -> None:
    stack = new_stack()
    token, logical_id = _token(stack, kind)
    kwargs = {**_base(stack, parameter), parameter: token}
    try:
        KafkaLambdaConsumer(stack, "Consumer", **kwargs)
    except ConfigError as error:
        assert error.prop.split("(")[0].split("[")[0].split(".")[0] == parameter, error
        return
    template = json.dumps(Template.from_stack(stack).to_json())
    assert json.dumps({"Ref": logical_id}) in template, (
        f"{parameter}: the {kind} token was accepted but is not in the template"
    )


def test_an_enabled_parameter_reaches_the_mapping() -> None:
    """Issue 19: a CloudFormation parameter for `enabled` crashed with a TypeError inside CDK's L2."""
    stack = new_stack()
    parameter = cdk.CfnParameter(fixture_scope(stack), "Enabled", type="String", allowed_values=["true", "false"])
    KafkaLambdaConsumer(
        stack,
        "Consumer",
        cluster=KafkaCluster.msk(MSK_ARN, auth=KafkaAuth.iam()),
        topic="orders",
        function=function(stack),
        enabled=parameter.value_as_string,
    )
    mapping = next(iter(Template.from_stack(stack).find_resources("AWS::Lambda::EventSourceMapping").values()))
    assert mapping["Properties"]["Enabled"] == {"Ref": stack.resolve(parameter.logical_id)}
