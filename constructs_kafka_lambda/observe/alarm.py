"""`ConsumerAlarm`: a consumer's alarm as a `cloudwatch.IAlarm`, over an L1 alarm built from plain JSON.

The alarms are L1 `CfnAlarm`s written from JSON (one jsii object each, for synth speed: the L2 `Alarm` costs one per
metric and per action). Users still expect CDK's alarm API, so this thin Python object implements `IAlarm` on top:
`add_alarm_action` / `add_ok_action` / `add_insufficient_data_action` bind CDK alarm actions onto the L1, and
`AlarmRule.any_of(...)` / `CompositeAlarm` compose it through `render_alarm_rule`. It costs nothing until used.
"""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.interfaces import aws_cloudwatch as cloudwatch_refs
from constructs import Construct, Node


@jsii.implements(cloudwatch.IAlarm)
class ConsumerAlarm:
    """An alarm of a KafkaLambdaConsumer. `cfn_alarm` is the L1 for anything else."""

    def __init__(self, cfn_alarm: cloudwatch.CfnAlarm) -> None:
        self.cfn_alarm = cfn_alarm

    # -- IAlarm / IAlarmRule
    @property
    def alarm_arn(self) -> str:
        return self.cfn_alarm.attr_arn

    @property
    def alarm_name(self) -> str:
        return self.cfn_alarm.ref

    @property
    def alarm_ref(self) -> cloudwatch_refs.AlarmReference:
        return cloudwatch_refs.AlarmReference(alarm_arn=self.alarm_arn, alarm_name=self.alarm_name)

    def render_alarm_rule(self) -> str:
        """What CDK's Alarm renders for composite alarm rules."""
        return f'ALARM("{self.alarm_arn}")'

    # -- actions, as on cloudwatch.Alarm
    def add_alarm_action(self, *actions: cloudwatch.IAlarmAction) -> None:
        self._add("alarm_actions", actions)

    def add_ok_action(self, *actions: cloudwatch.IAlarmAction) -> None:
        self._add("ok_actions", actions)

    def add_insufficient_data_action(self, *actions: cloudwatch.IAlarmAction) -> None:
        self._add("insufficient_data_actions", actions)

    def _add(self, attribute: str, actions: tuple[cloudwatch.IAlarmAction, ...]) -> None:
        scope = self.cfn_alarm.node.scope
        assert isinstance(scope, Construct)
        arns = [action.bind(scope, self).alarm_action_arn for action in actions]
        current = list(getattr(self.cfn_alarm, attribute) or [])
        setattr(self.cfn_alarm, attribute, current + [a for a in arns if a not in current])

    # -- IResource / IConstruct, delegated to the L1
    @property
    def node(self) -> Node:
        return self.cfn_alarm.node

    @property
    def stack(self) -> Stack:
        return self.cfn_alarm.stack

    @property
    def env(self) -> Any:
        stack = self.cfn_alarm.stack
        return {"account": stack.account, "region": stack.region}

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        self.cfn_alarm.apply_removal_policy(policy)

    def with_(self, *mixins: Any) -> Any:
        return self.cfn_alarm.with_(*mixins)
