"""The cdk-nag findings that cannot be fixed, acknowledged one by one with their real reason.

cdk-nag 3 matches an acknowledgement by the exact finding id, e.g. `AwsSolutions-IAM5[Resource::*]`, with token
resources flattened the way its utils/flatten-cfn-reference does. The grants are built in Python (iam.py), so each
wildcard resource is known here: a literal one names its finding directly, a token one is resolved once and
flattened like cdk-nag does. Only wildcards for which `statements.wildcard_reason` has a reason (an action listed in
`WILDCARD_REASONS`, or a kafka-cluster resource of the any-cluster form) are acknowledged; anything else stays a
finding. Several statements may share one finding (e.g. `Resource::*`): its acknowledgement gives every reason.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from ..scopes import stack_of
from ..tokens import is_unresolved
from .statements import Statement, wildcard_reason

_FLATTENED: dict[tuple[int, str], str] = {}  # (id of the stack, token string) -> cdk-nag's flat form


def acknowledge_policy_wildcards(policy: iam.ManagedPolicy, statements: list[Statement]) -> None:
    """Acknowledge AwsSolutions-IAM5 on this policy for each unavoidable wildcard resource of these statements."""
    stack = stack_of(policy)
    acknowledgements: dict[str, list[str]] = {}
    for statement in statements:
        actions = _as_list(statement["Action"])
        for resource in _as_list(statement["Resource"]):
            reason = wildcard_reason(actions, resource) if "*" in resource else None
            if reason is None:
                continue
            reasons = acknowledgements.setdefault(f"AwsSolutions-IAM5[Resource::{_flat(stack, resource)}]", [])
            if reason not in reasons:
                reasons.append(reason)
    if acknowledgements:
        Validations.of(policy).acknowledge(
            *[Acknowledgment(id=rule, reason="; ".join(reasons)) for rule, reasons in acknowledgements.items()]
        )


def _flat(stack: Stack, resource: str) -> str:
    if not is_unresolved(resource):
        return flatten_cfn_reference(resource)
    key = (id(stack), resource)  # token strings are unique in the process; the stack object lives with its app
    if key not in _FLATTENED:
        _FLATTENED[key] = flatten_cfn_reference(stack.resolve(resource))
    return _FLATTENED[key]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def flatten_cfn_reference(node: Any) -> str:
    """The string cdk-nag makes of a resource (its utils/flatten-cfn-reference), to name a finding exactly."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return delimiter.join(flatten_cfn_reference(i) for i in items)
        if "Fn::Sub" in node:
            return flatten_cfn_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(resource)}.{flatten_cfn_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_cfn_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_cfn_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


# The compliance packs that share rule names (NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1).
COMPLIANCE_PACKS = ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")


def acknowledge_compliance_rule(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one rule, by name, in each compliance pack that has it, on one construct."""
    Validations.of(construct).acknowledge(
        *[Acknowledgment(id=f"{pack}-{rule}", reason=reason) for pack in COMPLIANCE_PACKS]
    )
