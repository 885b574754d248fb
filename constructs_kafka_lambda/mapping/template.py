"""Build the event source mapping from a `MappingSpec`: the one place that writes its CloudFormation properties."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, Stack, Token, Validations
from aws_cdk import aws_lambda as lambda_
from constructs import Construct, Node

from ..scopes import remember_stack, stack_of
from ..tokens import is_unresolved
from .filters import pattern_leaves
from .spec import MappingSpec


def build_mapping(
    scope: Construct, spec: MappingSpec, destination: str | None
) -> tuple[lambda_.EventSourceMapping, lambda_.CfnEventSourceMapping, Node]:
    """The L2 mapping (so `event_source_mapping_id` and friends work) with the rest set on its L1; also the L2's
    node, read once (the consumer adds the policy dependency to it).

    What the L2 writes exactly as the L1 would (topic, batch, filters, starting position, batching window) goes
    in its constructor: one round trip for all of them, where each L1 property set afterwards costs one.
    Queue mode gets its own logical id: CloudFormation does not mark ConsumptionMode create-only, but the API does,
    so switching modes must replace the mapping rather than fail an update.
    """
    cluster = spec.cluster
    stack = stack_of(scope)
    # AT_TIMESTAMP goes on the L1 with its timestamp: the L2 rejects a timestamp of 0, which the API accepts.
    position = spec.starting_position if spec.starting_position != "AT_TIMESTAMP" else None
    mapping = lambda_.EventSourceMapping(
        scope,
        "MappingQueue" if spec.queue_mode else "Mapping",
        target=spec.function,
        event_source_arn=cluster.event_source_arn,
        kafka_bootstrap_servers=list(cluster.bootstrap_servers) or None,
        kafka_topic=spec.topic,
        batch_size=spec.batch_size,
        enabled=spec.enabled if isinstance(spec.enabled, bool) else None,  # a token goes on the L1 (below)
        filters=[{"pattern": _pattern(f, stack)} for f in spec.filters] or None,  # the L2 writes FilterCriteria
        filter_encryption=spec.filter_encryption,
        starting_position=lambda_.StartingPosition[position] if position is not None else None,
        max_batching_window=spec.batching_window,  # the checked Duration: the L2 writes its whole seconds
    )
    node = mapping.node
    cfn = node.default_child
    assert isinstance(cfn, lambda_.CfnEventSourceMapping)
    remember_stack(mapping, stack)
    remember_stack(cfn, stack)
    for name, value in _properties(spec, destination).items():
        setattr(cfn, name, value)
    if spec.queue_mode:
        # CDK 2.275 validates templates against a bundled schema that predates ConsumptionMode (the API model and
        # CloudFormation's current schema, in cfn-lint 1.58, have it): this one finding is a false positive.
        Validations.of(cfn).acknowledge(
            Acknowledgment(
                id="CloudFormation-Validate::F3002",
                reason="SelfManagedKafkaEventSourceConfig.ConsumptionMode is in the Lambda API model and the current "
                "CloudFormation schema; the schema bundled with this CDK version predates it",
            )
        )
    return mapping, cfn, node


def _properties(spec: MappingSpec, destination: str | None) -> dict[str, Any]:
    """The L1 properties the L2 does not set (or sets differently), as plain values: one jsii call each."""
    props: dict[str, Any] = {
        "starting_position": spec.starting_position if spec.starting_position == "AT_TIMESTAMP" else None,
        "starting_position_timestamp": spec.starting_position_timestamp,
        "maximum_retry_attempts": spec.retry_attempts,
        "maximum_record_age_in_seconds": spec.record_age_seconds,
        "bisect_batch_on_function_error": _boolean(spec.bisect_batch_on_error),
        "enabled": None if isinstance(spec.enabled, bool) else _boolean(spec.enabled),
        "function_response_types": ["ReportBatchItemFailures"] if spec.report_batch_item_failures else None,
        # The IAM types are written without a URI (API model: "Omit the URI field for this type").
        "source_access_configurations": [
            {"type": t} if u is None else {"type": t, "uri": u} for t, u in spec.source_access_configurations
        ]
        or None,
        "metrics_config": {"metrics": list(spec.mapping_metrics)} if spec.mapping_metrics else None,
        "logging_config": {"systemLogLevel": spec.log_level} if spec.log_level else None,
        "destination_config": {"onFailure": {"destination": destination}} if destination else None,
    }
    if spec.pollers is not None:
        pollers = spec.pollers
        props["provisioned_poller_config"] = {
            "minimumPollers": pollers.minimum,
            "maximumPollers": pollers.maximum,
            "pollerGroupName": pollers.group_name,
        }
    props.update(_kafka_config(spec))
    return {k: v for k, v in props.items() if v is not None}


def _kafka_config(spec: MappingSpec) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if spec.consumer_group_id is not None:
        config["consumerGroupId"] = spec.consumer_group_id
    if spec.schema_registry is not None:
        config["schemaRegistryConfig"] = spec.schema_registry.l1_config()
    if spec.cluster.is_msk:
        return {"amazon_managed_kafka_event_source_config": config} if config else {}
    if spec.queue_mode:
        config["consumptionMode"] = spec.consumption_mode.value
    return {"self_managed_kafka_event_source_config": config} if config else {}


def _boolean(value: Any) -> Any:
    """A bool, or a token CDK's L1 takes for a boolean: a string token (a String parameter holding "true"/"false",
    which CloudFormation converts) travels as Token.as_any, since jsii types the property bool | IResolvable."""
    return Token.as_any(value) if isinstance(value, str) and is_unresolved(value) else value


def _pattern(pattern: dict[str, Any], stack: Stack) -> str:
    """The pattern as compact JSON; tokens inside (CDK strings or numbers) are resolved by CDK's JSON writer."""
    if any(not isinstance(v, str | int | float | bool | None) or is_unresolved(v) for v in pattern_leaves(pattern)):
        return stack.to_json_string(pattern)
    return json.dumps(pattern, separators=(",", ":"))


__all__ = ["build_mapping"]
