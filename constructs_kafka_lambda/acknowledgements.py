"""The cdk-nag findings that cannot be fixed, acknowledged one by one with their real reason.

cdk-nag 3 matches an acknowledgement by the exact finding id, e.g. `AwsSolutions-IAM5[Resource::*]`, and the id
of a token resource depends on logical ids that are final only at synth. So an aspect on the policy computes the
ids the way cdk-nag does (flattening intrinsics) just before validation and acknowledges only the wildcards whose
statement carries an action listed in `iam.WILDCARD_REASONS`. Anything else stays a finding.
"""

from __future__ import annotations

import json
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Aspects, IAspect, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from .iam import WILDCARD_REASONS


def acknowledge_policy_wildcards(policy: iam.ManagedPolicy) -> None:
    """Acknowledge AwsSolutions-IAM5 on this policy for each unavoidable wildcard resource, at synth."""
    Aspects.of(policy).add(_WildcardAcknowledger())


@jsii.implements(IAspect)
class _WildcardAcknowledger:
    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, iam.CfnManagedPolicy):
            return
        document = Stack.of(node).resolve(node.policy_document)
        for statement in document.get("Statement", []):
            reason = _reason_for(_as_list(statement.get("Action")))
            if reason is None or statement.get("Effect") != "Allow":
                continue
            for resource in _as_list(statement.get("Resource")):
                flat = flatten_cfn_reference(resource)
                if "*" in flat:
                    Validations.of(node).acknowledge(
                        Acknowledgment(id=f"AwsSolutions-IAM5[Resource::{flat}]", reason=reason)
                    )


def _reason_for(actions: list[Any]) -> str | None:
    return next((WILDCARD_REASONS[a] for a in actions if a in WILDCARD_REASONS), None)


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
