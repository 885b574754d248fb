"""`Monitoring` and `AlarmOptions`: what a consumer creates for operations (plain descriptions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns


@dataclass(frozen=True)
class AlarmOptions:
    """One alarm: whether it exists, and what to change from its default.

    - enabled: create it (default True for the three default alarms, False for the extra ones).
    - threshold: the value the metric must exceed (GreaterThanThreshold). Default: see each alarm.
    - period: the aggregation period, a whole number of minutes (default 5 minutes).
    - evaluation_periods / datapoints_to_alarm: "M of N" (defaults per alarm; datapoints <= evaluation periods).
    - treat_missing_data: default NOT_BREACHING (these metrics are emitted only when something happens).
    """

    enabled: bool = True
    threshold: float | None = None
    period: Duration | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    treat_missing_data: cloudwatch.TreatMissingData | None = None


_OFF = AlarmOptions(enabled=False)


@dataclass(frozen=True)
class Monitoring:
    """What a consumer creates for operations. Default: three alarms to the stack's alarm topic, and a dashboard
    section. Each alarm field takes `AlarmOptions(...)`, or True/False to keep or drop it with its defaults.

    - alarms: master switch; False creates no alarm at all (the mapping's metrics stay, see `mapping_metrics`).
    - dashboard: add this consumer's section to the stack's one dashboard (False: no section; the dashboard is
      created only if some consumer of the stack wants one).
    - alarm_topic: send alarm and OK notifications to this SNS topic instead of the stack's shared, KMS-encrypted
      one. An encrypted topic of your own needs a key policy that lets cloudwatch.amazonaws.com use the key.
    - alarm_actions: actions of your choice (e.g. an OpsItem or an incident-manager action) for ALARM; with
      alarm_topic also given, both are used; alone, no topic is created. It must not be empty (an alarm without an
      action pages no one; NIST 800-53 CloudWatchAlarmAction).
    - offset_lag: default on; threshold default from batch size and pollers (`default_offset_lag_threshold`).
    - errors: default on; function errors + throttles + mapping errors, > 0 in 2 of 3 periods of 5 min.
    - failed_records: default on; records sent to the failure destination or dropped, > 0 in a 5-minute period.
    - function_errors, throttles, mapping_errors: off by default; separate alarms for one cause each.
    """

    alarms: bool = True
    dashboard: bool = True
    alarm_topic: sns.ITopic | None = None
    alarm_actions: Sequence[cloudwatch.IAlarmAction] | None = None
    offset_lag: AlarmOptions | bool = field(default_factory=AlarmOptions)
    errors: AlarmOptions | bool = field(default_factory=AlarmOptions)
    failed_records: AlarmOptions | bool = field(default_factory=AlarmOptions)
    function_errors: AlarmOptions | bool = _OFF
    throttles: AlarmOptions | bool = _OFF
    mapping_errors: AlarmOptions | bool = _OFF
