"""Alarms that fire for the right consumer, and the stack's dashboard: `Monitoring` and `attach_monitoring`.

Every metric comes from one place, `ConsumerMetrics` (monitoring_metrics.py), so an alarm, its dashboard graph and
the consumer's `metric_*` method always read the same series, dimensioned to that one consumer.

Default alarms (three per consumer, within the budget of seven resources per consumer with its function, role,
mapping and policy):

| alarm           | reads                                                          | fires when                      |
|-----------------|----------------------------------------------------------------|---------------------------------|
| offset lag      | SumOffsetLag of the mapping (OffsetLag of the function when    | above the threshold for 3       |
|                 | the KafkaMetrics group is off), Maximum                        | periods of 5 min (15 min)       |
| errors          | function Errors + Throttles + the mapping's PollingErrorCount, | > 0 in 2 of 3 periods of 5 min  |
|                 | InvokeErrorCount, OnFailureDestinationDeliveryErrorCount       |                                 |
|                 | (these three with the ErrorCount group on)                     |                                 |
| failed records  | OnFailureDestinationDeliveredEventCount + DroppedEventCount    | > 0 in one period of 5 min      |
|                 | (only with the EventCount group on)                            |                                 |

Why these: lag is the one symptom every failure ends in (a stuck partition, too few pollers, a slow function);
errors say why before lag builds; failed records mean data left the pipeline and needs a human (replay or accept).
Missing data is "not breaching" for all three: Lambda sends these counts only when something happened, and a
silent mapping (disabled, or nothing to read) is not an incident; a mapping that cannot poll shows up as
PollingErrorCount. The separate `function_errors`, `throttles` and `mapping_errors` alarms are off by default
(turn them on with `AlarmOptions()`), so that the default stays at three alarms per consumer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from ..errors import ConfigError
from ..scopes import stack_facts
from ..shared import SharedResources
from ..tokens import is_unresolved
from .alarm import ConsumerAlarm
from .dashboard import SECTION_HEIGHT, dashboard_section
from .metrics import (
    DEFAULT_PERIOD_SECONDS,
    ERROR_COUNT,
    EVENT_COUNT,
    FAILED_RECORD_KEYS,
    KAFKA_METRICS,
    MAPPING_ERROR_KEYS,
    ConsumerMetrics,
    processing_error_keys,
)
from .options import AlarmOptions, Monitoring
from .watched import Watched

# How far behind is "behind": this many full batches per poller, sustained (see `default_offset_lag_threshold`).
LAG_BATCHES_PER_POLLER = 10
# Lambda starts an on-demand Kafka mapping with one poller and scales on lag (kafka-scaling-modes.html).
ON_DEMAND_POLLERS = 1
DEFAULT_BATCH_SIZE = 100
_MAX_ALARM_NAME = 255
# TreatMissingData as CloudFormation spells it (the Python enum's value is the member name).
_MISSING_DATA = {
    cloudwatch.TreatMissingData.BREACHING: "breaching",
    cloudwatch.TreatMissingData.NOT_BREACHING: "notBreaching",
    cloudwatch.TreatMissingData.IGNORE: "ignore",
    cloudwatch.TreatMissingData.MISSING: "missing",
}


def default_offset_lag_threshold(batch_size: Any, pollers: Any) -> int:
    """Records of lag that mean "not keeping up": LAG_BATCHES_PER_POLLER full batches for each poller.

    pollers: the provisioned maximum (the lag the mapping cannot drain even fully scaled out), or 1 in on-demand
    mode (where Lambda starts with one poller and adds more within minutes when lag grows). With the alarm's 15
    minutes of persistence, this catches a consumer that stays behind, not a burst that autoscaling absorbs.
    """
    batch = batch_size if isinstance(batch_size, int) and not is_unresolved(batch_size) else DEFAULT_BATCH_SIZE
    count = pollers if isinstance(pollers, int) and not is_unresolved(pollers) else ON_DEMAND_POLLERS
    return batch * max(1, count) * LAG_BATCHES_PER_POLLER


@dataclass(frozen=True)
class Observation:
    """What monitoring gives back to a consumer: its alarms by key, and its metric factory."""

    alarms: dict[str, ConsumerAlarm]
    metrics: ConsumerMetrics


def attach_monitoring(scope: Construct, watched: Watched, monitoring: Monitoring) -> Observation:
    """Create the consumer's alarms (under `scope`) and its dashboard section. Reads only `watched`."""
    metrics = ConsumerMetrics(
        watched.function,
        watched.mapping_uuid,
        mapping_metrics=watched.mapping_metrics,
        schema_registry=watched.schema_registry,
        function_name=watched.function_name,
    )
    alarms: dict[str, ConsumerAlarm] = {}
    if monitoring.alarms:
        actions = _alarm_actions(scope, monitoring)
        prefix = _alarm_name_prefix(scope, watched)
        about = f"Kafka consumer {watched.path} (topic {watched.topic}, function {watched.function_name})"
        for spec in _alarm_specs(watched, monitoring):
            alarms[spec.key] = ConsumerAlarm(_build_alarm(scope, metrics, spec, prefix, about, actions))
    if monitoring.dashboard:
        lag_threshold = _lag_threshold(watched, monitoring)
        SharedResources.of(scope).add_dashboard_section(
            lambda top: dashboard_section(watched, metrics, top=top, lag_threshold=lag_threshold),
            SECTION_HEIGHT,
        )
    return Observation(alarms, metrics)


# --------------------------------------------------------------------------------------------------- alarms
@dataclass(frozen=True)
class _AlarmSpec:
    key: str
    construct_id: str
    title: str
    keys: dict[str, str]  # query id -> metric key (monitoring_metrics tables); several keys: their FILL-sum
    options: AlarmOptions
    threshold: float
    evaluation_periods: int
    datapoints_to_alarm: int
    meaning: str
    first_check: str


@dataclass(frozen=True)
class _Actions:
    topic_arns: list[str]  # notified on ALARM and OK
    user_actions: list[cloudwatch.IAlarmAction]  # bound per alarm, on ALARM


def _options(value: AlarmOptions | bool, key: str) -> AlarmOptions:
    if isinstance(value, bool):
        return AlarmOptions(enabled=value)
    if not isinstance(value, AlarmOptions):
        raise ConfigError(f"Monitoring.{key}", value, "expected AlarmOptions or a bool", "pass AlarmOptions(...)")
    return value


def _lag_threshold(watched: Watched, monitoring: Monitoring) -> float:
    options = _options(monitoring.offset_lag, "offset_lag")
    if options.threshold is not None:
        return options.threshold
    pollers = watched.maximum_pollers if watched.provisioned else ON_DEMAND_POLLERS
    return default_offset_lag_threshold(watched.batch_size, pollers)


@dataclass(frozen=True)
class _AlarmKind:
    """One alarm the library can create: what it reads, its defaults ("M of N"), and what it means."""

    construct_id: str
    title: str
    needs_group: str | None  # the mapping's metric group it reads (None: function metrics, always there)
    evaluation_periods: int
    datapoints_to_alarm: int | None  # None: all of the evaluation periods
    meaning: str
    first_check: str


# The alarms, in creation order. Their metric keys are chosen per consumer (`_metric_keys`).
_KINDS: dict[str, _AlarmKind] = {
    "offset_lag": _AlarmKind(
        "OffsetLagAlarm",
        "offset lag",
        None,
        3,
        None,
        "the consumer stays behind the topic",
        "the errors alarm (a failing batch blocks its partition), Duration near the timeout, pollers at maximum",
    ),
    "errors": _AlarmKind(
        "ErrorsAlarm",
        "errors",
        None,
        3,
        2,
        "batches fail or are throttled, or the mapping cannot poll, invoke or deliver; the partition stalls",
        "the function's logs; throttles: reserved concurrency; polling errors: network, credentials, policy",
    ),
    "failed_records": _AlarmKind(
        "FailedRecordsAlarm",
        "records sent to the failure destination",
        EVENT_COUNT,
        1,
        None,
        "records left the pipeline unprocessed (sent to the failure destination, or dropped)",
        "the destination's newest entries (reason, partition, offsets); fix the cause, then replay",
    ),
    "function_errors": _AlarmKind(
        "FunctionErrorsAlarm",
        "function errors",
        None,
        3,
        2,
        "the function throws or times out on batches",
        "the function's logs for the exception",
    ),
    "throttles": _AlarmKind(
        "ThrottlesAlarm",
        "throttles",
        None,
        3,
        2,
        "invocations are throttled, so the mapping slows its polling",
        "the function's reserved concurrency and the account's concurrency quota",
    ),
    "mapping_errors": _AlarmKind(
        "MappingErrorsAlarm",
        "mapping errors",
        ERROR_COUNT,
        3,
        2,
        "the mapping cannot poll the cluster, invoke the function, or deliver to the failure destination",
        "the mapping's state and StateTransitionReason, network path to the brokers, credentials, policy",
    ),
}


def _metric_keys(key: str, watched: Watched) -> dict[str, str]:
    """Query id -> metric key (observe/metrics.py tables); several keys are summed (FILL)."""
    if key == "offset_lag":
        return {"m1": "sum_offset_lag" if KAFKA_METRICS in watched.mapping_metrics else "offset_lag"}
    if key == "errors":
        return processing_error_keys(ERROR_COUNT in watched.mapping_metrics, schema_registry=watched.schema_registry)
    return {
        "failed_records": FAILED_RECORD_KEYS,
        "mapping_errors": MAPPING_ERROR_KEYS,
        "function_errors": {"m1": "errors"},
        "throttles": {"m1": "throttles"},
    }[key]


def _alarm_specs(watched: Watched, monitoring: Monitoring) -> list[_AlarmSpec]:
    """The alarms this consumer gets: those switched on whose metrics exist for it. Share groups (queue mode) have
    no offsets to lag behind, so no lag alarm there (observe/metrics.py)."""
    specs: list[_AlarmSpec] = []
    for key, kind in _KINDS.items():
        options = _options(getattr(monitoring, key), key)
        _check_options(key, options)
        if not options.enabled or (kind.needs_group is not None and kind.needs_group not in watched.mapping_metrics):
            continue
        if key == "offset_lag" and watched.queue_mode:
            continue
        periods = options.evaluation_periods or kind.evaluation_periods
        default_threshold = _lag_threshold(watched, monitoring) if key == "offset_lag" else 0
        specs.append(
            _AlarmSpec(
                key,
                kind.construct_id,
                kind.title,
                _metric_keys(key, watched),
                options,
                options.threshold if options.threshold is not None else default_threshold,
                periods,
                options.datapoints_to_alarm or kind.datapoints_to_alarm or periods,
                kind.meaning,
                kind.first_check,
            )
        )
    return specs


def _check_options(key: str, options: AlarmOptions) -> None:
    prop = f"Monitoring.{key}"
    if options.threshold is not None and (
        isinstance(options.threshold, bool) or not isinstance(options.threshold, int | float) or options.threshold < 0
    ):
        raise ConfigError(f"{prop}.threshold", options.threshold, "a threshold is a number >= 0", "pass e.g. 1000")
    if options.period is not None:
        seconds = options.period.to_seconds() if isinstance(options.period, Duration) else None
        if seconds is None or (not is_unresolved(seconds) and (seconds < 60 or seconds % 60)):
            raise ConfigError(
                f"{prop}.period",
                options.period,
                "Lambda's metrics have 1-minute resolution: the period is a whole number of minutes",
                "pass e.g. Duration.minutes(5)",
            )
    for name in ("evaluation_periods", "datapoints_to_alarm"):
        value = getattr(options, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"{prop}.{name}", value, "must be a whole number >= 1", "pass e.g. 3")
    if options.evaluation_periods is not None and options.datapoints_to_alarm is not None:
        if options.datapoints_to_alarm > options.evaluation_periods:
            raise ConfigError(
                f"{prop}.datapoints_to_alarm",
                options.datapoints_to_alarm,
                f"cannot exceed evaluation_periods ({options.evaluation_periods})",
                "lower datapoints_to_alarm or raise evaluation_periods",
            )


def _build_alarm(
    scope: Construct,
    metrics: ConsumerMetrics,
    spec: _AlarmSpec,
    prefix: str | None,
    about: str,
    actions: _Actions,
) -> cloudwatch.CfnAlarm:
    """An L1 alarm from plain JSON, its metric included: one round trip per alarm (the L2 needs one per metric and
    per action, and a property override afterwards would be a second)."""
    o = spec.options
    period = int(o.period.to_seconds()) if o.period is not None else DEFAULT_PERIOD_SECONDS
    missing = _MISSING_DATA[o.treat_missing_data or cloudwatch.TreatMissingData.NOT_BREACHING]
    if len(spec.keys) == 1:  # one metric: CloudWatch's plain form (cheaper to synthesize than a one-query list)
        metric: dict[str, Any] = metrics.alarm_metric(next(iter(spec.keys.values())), period)
    else:  # several: their FILL-sum, as metric math
        metric = {"metrics": metrics.alarm_queries(spec.title, spec.keys, period)}
    alarm = cloudwatch.CfnAlarm(
        scope,
        spec.construct_id,
        alarm_name=_alarm_name(prefix, spec.title),
        alarm_description=f"{about}: {spec.title} above {spec.threshold:g}. Meaning: {spec.meaning}. First check: {spec.first_check}.",
        comparison_operator="GreaterThanThreshold",
        threshold=spec.threshold,
        evaluation_periods=spec.evaluation_periods,
        datapoints_to_alarm=min(spec.datapoints_to_alarm, spec.evaluation_periods),
        treat_missing_data=missing,
        alarm_actions=actions.topic_arns or None,
        ok_actions=actions.topic_arns or None,
        **metric,
    )
    if actions.user_actions:
        # The user's actions bind to the alarm they serve (e.g. a Lambda action's permission names its ARN).
        reference = cloudwatch.Alarm.from_alarm_arn(scope, f"{spec.construct_id}Ref", alarm.attr_arn)
        bound = [action.bind(scope, reference).alarm_action_arn for action in actions.user_actions]
        alarm.alarm_actions = actions.topic_arns + bound
    return alarm


def _alarm_name_prefix(scope: Construct, watched: Watched) -> str | None:
    """`<stack name>/<consumer path in the stack>`: unique per account and Region, like the stack name."""
    stack = stack_facts(scope)
    if is_unresolved(stack.name):
        return None  # let CloudFormation name the alarms; the description still says which consumer
    return f"{stack.name}/{watched.path.removeprefix(stack.path).lstrip('/')}"


def _alarm_name(prefix: str | None, title: str) -> str | None:
    if prefix is None:
        return None
    name = f"{prefix} {title}"
    if len(name) <= _MAX_ALARM_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    keep = _MAX_ALARM_NAME - len(title) - len(digest) - 3
    return f"{name[:keep]}~{digest} {title}"


def _alarm_actions(scope: Construct, monitoring: Monitoring) -> _Actions:
    if monitoring.alarm_actions is not None:
        user_actions = list(monitoring.alarm_actions)
        if not user_actions:
            raise ConfigError(
                "Monitoring.alarm_actions",
                [],
                "an alarm without an action notifies no one (NIST 800-53 R5 CloudWatchAlarmAction)",
                "pass at least one action, or alarm_topic=..., or Monitoring(alarms=False) to build your own",
            )
        topics = [monitoring.alarm_topic.topic_arn] if monitoring.alarm_topic is not None else []
        return _Actions(topic_arns=topics, user_actions=user_actions)
    if monitoring.alarm_topic is not None:
        return _Actions(topic_arns=[monitoring.alarm_topic.topic_arn], user_actions=[])
    return _Actions(topic_arns=[SharedResources.of(scope).alarm_topic_arn], user_actions=[])


__all__ = ["Observation", "attach_monitoring", "default_offset_lag_threshold"]
