"""Turn a synthesized AWS::Lambda::EventSourceMapping back into the CreateEventSourceMapping parameters that
CloudFormation will send, so that the API model can judge what the library actually wrote.

Intrinsics are resolved the way CloudFormation would for this test's stacks: a template parameter becomes its
Default (the tests give every token parameter a default), pseudo parameters their test values, Fn::Join/Select/Split
are evaluated; anything else (a resource's Ref or GetAtt) is UNKNOWN and not judged.
"""

from __future__ import annotations

from typing import Any

from .api_model import UNKNOWN
from .config import ACCOUNT, REGION

PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
# CloudFormation property names that differ from the API's.
_RENAMED = {"KmsKeyArn": "KMSKeyArn"}


def request_from_template(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """The API request CloudFormation makes for the mapping `logical_id` of `template`."""
    resource = template["Resources"][logical_id]
    assert resource["Type"] == "AWS::Lambda::EventSourceMapping", resource["Type"]
    resolved = resolve(resource.get("Properties", {}), template)
    request: dict[str, Any] = {}
    for name, value in resolved.items():
        if name == "SelfManagedEventSource" and isinstance(value, dict):
            value = _self_managed_source(value)
        elif name == "Tags" and isinstance(value, list):
            value = {tag["Key"]: tag.get("Value", "") for tag in value}
        request[_RENAMED.get(name, name)] = value
    return request


def _self_managed_source(value: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's Endpoints.KafkaBootstrapServers is the API's Endpoints map {KAFKA_BOOTSTRAP_SERVERS: [...]}."""
    endpoints = value.get("Endpoints")
    if not isinstance(endpoints, dict):
        return value
    renamed = {"KAFKA_BOOTSTRAP_SERVERS" if k == "KafkaBootstrapServers" else k: v for k, v in endpoints.items()}
    return {**value, "Endpoints": renamed}


def resolve(value: Any, template: dict[str, Any]) -> Any:
    """Evaluate the intrinsics of `value` that this template can answer; UNKNOWN for the rest."""
    if isinstance(value, list):
        return [resolve(item, template) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((name, arg),) = value.items()
        if name == "Ref":
            return _ref(arg, template)
        if name == "Fn::Join":
            return _join(arg, template)
        if name == "Fn::Select":
            index, items = resolve(arg[0], template), resolve(arg[1], template)
            return UNKNOWN if UNKNOWN in (index, items) else items[int(index)]
        if name == "Fn::Split":
            separator, text = resolve(arg[0], template), resolve(arg[1], template)
            return UNKNOWN if text is UNKNOWN else text.split(separator)
        if name.startswith("Fn::") or name == "Condition":
            return UNKNOWN
    return {key: resolve(item, template) for key, item in value.items()}


def _ref(name: str, template: dict[str, Any]) -> Any:
    if name in PSEUDO:
        return PSEUDO[name]
    parameter = template.get("Parameters", {}).get(name)
    if parameter is None or "Default" not in parameter:
        return UNKNOWN
    default = parameter["Default"]
    kind = parameter.get("Type", "String")
    if kind == "Number":
        number = float(default)
        return int(number) if number.is_integer() and "." not in str(default) else number
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        return str(default).split(",")
    return str(default)


def _join(arg: list[Any], template: dict[str, Any]) -> Any:
    separator, parts = arg
    parts = resolve(parts, template)
    if parts is UNKNOWN or any(part is UNKNOWN for part in parts):
        return UNKNOWN
    return separator.join(_text(part) for part in parts)


def _text(value: Any) -> str:
    """A value as CloudFormation writes it inside a string (numbers without a trailing .0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
