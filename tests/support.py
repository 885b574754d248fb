"""Test helpers: apps with bundling off, cdk-nag (all five packs) and cfn-lint findings, fixtures' functions.

Constructs a test builds for itself (functions, VPCs, clusters, secrets) live under a child named "Fixture" so that
`library_findings` reports only what the library created.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import cdk_nag
from aws_cdk import Validations
from aws_cdk import aws_lambda as lambda_
from cfnlint.api import ManualArgs, lint
from constructs import Construct

ENV = cdk.Environment(account="111111111111", region="us-east-1")
MSK_ARN = "arn:aws:kafka:us-east-1:111111111111:cluster/demo/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-2"
FIXTURE = "Fixture"


def new_app(nag: bool = False) -> cdk.App:
    """An app that bundles nothing and writes to a fresh temp dir; optionally with the five cdk-nag packs."""
    app = cdk.App(context={"aws:cdk:bundling-stacks": []}, outdir=tempfile.mkdtemp(prefix="ckl-"))
    if nag:
        Validations.of(app).add_plugins(
            cdk_nag.AwsSolutionsChecks(app),
            cdk_nag.ServerlessChecks(app),
            cdk_nag.NIST80053R5Checks(app),
            cdk_nag.HIPAASecurityChecks(app),
            cdk_nag.PCIDSS321Checks(app),
        )
    return app


def new_stack(app: cdk.App | None = None, name: str = "Test") -> cdk.Stack:
    return cdk.Stack(app or new_app(), name, env=ENV)


def fixture_scope(stack: cdk.Stack) -> Construct:
    found = stack.node.try_find_child(FIXTURE)
    return found if isinstance(found, Construct) else Construct(stack, FIXTURE)


def function(stack: cdk.Stack, name: str = "Fn", **kwargs: Any) -> lambda_.Function:
    """A consumer function owned by the test (its own findings are not the library's)."""
    return lambda_.Function(
        fixture_scope(stack),
        name,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
        **kwargs,
    )


@dataclass(frozen=True)
class Finding:
    rule: str
    path: str


def synth_findings(app: cdk.App) -> list[Finding]:
    """Synthesize; return every finding of the validation report: cdk-nag's (which make synth raise) and CDK's
    own CloudFormation-schema validation (reported as warnings, synth goes on)."""
    report = Path(app.outdir) / "validation-report.json"
    try:
        app.synth()
    except Exception:  # cdk-nag findings make synth raise "Validation failed"
        if not report.exists():
            raise
    if not report.exists():
        return []
    data = json.loads(report.read_text())
    return [
        Finding(violation["ruleName"], construct.get("constructPath", ""))
        for plugin in data.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        for construct in violation.get("violatingConstructs", violation.get("violatingResources", []))
    ]


def library_findings(findings: list[Finding]) -> list[Finding]:
    """Findings on what the library created, i.e. not under a test's Fixture construct."""
    return [f for f in findings if f"/{FIXTURE}/" not in f"/{f.path}"]


def template_of(app: cdk.App, stack_name: str) -> dict[str, Any]:
    return json.loads((Path(app.outdir) / f"{stack_name}.template.json").read_text())


def cfn_lint_errors(template: dict[str, Any], region: str = "us-east-1") -> list[str]:
    """cfn-lint errors (E rules) on a synthesized template; warnings are not errors."""
    matches = lint(json.dumps(template), regions=[region], config=ManualArgs(regions=[region]))
    return [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]


def stable(template: dict[str, Any]) -> dict[str, Any]:
    """A template without asset hashes and CDK metadata, for snapshots that change only when behaviour does."""
    text = json.dumps(template, sort_keys=True)
    text = re.sub(r"[0-9a-f]{64}(\.zip|\.json)?", r"<asset-hash>\1", text)
    data = json.loads(text)
    data.pop("Rules", None)
    data.pop("Parameters", None)
    for resource in data.get("Resources", {}).values():
        resource.pop("Metadata", None)
    return data
