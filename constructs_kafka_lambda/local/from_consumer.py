"""`settings_from_consumer`: a live KafkaLambdaConsumer's mapping settings, without synthesizing the app.

The consumer's L1s (mapping, function, destination) are resolved by their stack into the same CloudFormation
values a template holds, and read by the template reader, so `for_consumer` and `from_template` cannot disagree.
Escape-hatch edits through the L1's properties are seen too (not raw `add_property_override`s). One gap: an L2
Function renders its environment only at synthesis, so `settings.function.environment` is empty here; the
handler given to `for_consumer` runs in this process with this process's environment, so set what it reads.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk

from .settings import MappingSettings, settings_from_template

if TYPE_CHECKING:
    from ..consumer import KafkaLambdaConsumer

_MAPPING_PROPERTIES = (
    "AmazonManagedKafkaEventSourceConfig", "BatchSize", "BisectBatchOnFunctionError", "DestinationConfig",
    "Enabled", "EventSourceArn", "FilterCriteria", "FunctionName", "FunctionResponseTypes",
    "MaximumBatchingWindowInSeconds", "MaximumRecordAgeInSeconds", "MaximumRetryAttempts",
    "ProvisionedPollerConfig", "SelfManagedEventSource", "SelfManagedKafkaEventSourceConfig", "StartingPosition",
    "StartingPositionTimestamp", "Topics",
)  # fmt: skip
_FUNCTION_PROPERTIES = ("FunctionName", "Timeout", "MemorySize", "Handler", "Environment")
_NAMES = {"AWS::SQS::Queue": "QueueName", "AWS::SNS::Topic": "TopicName", "AWS::S3::Bucket": "BucketName"}


def _entry(stack: cdk.Stack, resource: cdk.CfnResource, properties: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """The L1's CloudFormation properties, rendered and resolved as synthesis would (PascalCase)."""
    rendered = stack.resolve(resource._render_properties(resource._cfn_properties))
    values = {name: rendered[name] for name in properties if rendered.get(name) is not None}
    return str(stack.resolve(resource.logical_id)), {"Type": resource.cfn_resource_type, "Properties": values}


def settings_from_consumer(consumer: KafkaLambdaConsumer) -> MappingSettings:
    stack = cdk.Stack.of(consumer)
    mapping_id, mapping = _entry(stack, consumer.cfn_mapping, _MAPPING_PROPERTIES)
    resources = {mapping_id: mapping}
    function_l1 = consumer.function.node.default_child
    if isinstance(function_l1, cdk.CfnResource):
        function_id, function = _entry(stack, function_l1, _FUNCTION_PROPERTIES)
        resources[function_id] = function
    destination = consumer.failure_destination
    destination_l1 = destination.node.default_child if destination is not None else None
    if isinstance(destination_l1, cdk.CfnResource) and destination_l1.cfn_resource_type in _NAMES:
        destination_id, body = _entry(stack, destination_l1, (_NAMES[destination_l1.cfn_resource_type],))
        resources[destination_id] = body
    region = stack.region if not cdk.Token.is_unresolved(stack.region) else "us-east-1"
    account = stack.account if not cdk.Token.is_unresolved(stack.account) else "000000000000"
    settings = settings_from_template({"Resources": resources}, mapping_id, region=region, account=account)
    return dataclasses.replace(settings, path=consumer.cfn_mapping.node.path)  # the path a template records
