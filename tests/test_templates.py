"""One representative template per source kind: cdk-nag (five packs) and cfn-lint clean, and a snapshot.

The snapshot is a safety net; the properties that matter are asserted here and in test_consumer/test_iam.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from configs import REPRESENTATIVE
from support import Finding, cfn_lint_errors, library_findings, new_app, new_stack, stable, synth_findings, template_of


@cache
def synthesized(name: str) -> tuple[list[Finding], dict[str, Any]]:
    app = new_app(nag=True)
    stack = new_stack(app, "Representative")
    REPRESENTATIVE[name](stack)
    findings = synth_findings(app)
    return findings, template_of(app, "Representative")


@pytest.mark.parametrize("name", sorted(REPRESENTATIVE))
def test_no_cdk_nag_finding_on_what_the_library_creates(name):
    findings, _ = synthesized(name)
    assert library_findings(findings) == []


@pytest.mark.parametrize("name", sorted(REPRESENTATIVE))
def test_cfn_lint_reports_no_error(name):
    _, template = synthesized(name)
    assert cfn_lint_errors(template) == []


@pytest.mark.parametrize("name", sorted(REPRESENTATIVE))
def test_template_snapshot(name, snapshot):
    _, template = synthesized(name)
    mappings = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert len(mappings) == 1
    assert mappings[0]["DependsOn"], "the mapping waits for its policy"
    assert stable(template) == snapshot


def test_unacknowledged_wildcards_stay_findings():
    """The acknowledgements are exact: a wildcard the library did not add is still reported."""
    from aws_cdk import aws_iam as iam

    app = new_app(nag=True)
    stack = new_stack(app, "Wild")
    consumer = REPRESENTATIVE["msk_iam"](stack)
    consumer.policy.add_statements(iam.PolicyStatement(actions=["logs:PutLogEvents"], resources=["arn:aws:logs:*:*:*"]))
    findings = library_findings(synth_findings(app))
    assert [f.rule for f in findings] == ["AwsSolutions-IAM5[Resource::arn:aws:logs:*:*:*]"]
