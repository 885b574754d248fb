"""The sample's CDK app (`cdk.json`: `.venv/bin/python -m sample_app.app`): both stacks, all five cdk-nag packs.

cdk-nag 3 runs as CDK policy-validation plugins: any unacknowledged finding makes synthesis fail with
"Validation failed" and the details in `<outdir>/validation-report.json`.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks

from sample_app.stacks import FleetTelemetryStack, TradeSettlementStack

DEFAULT_REGION = "us-east-1"


def default_env() -> cdk.Environment:
    """The CLI's account and Region; without credentials an account-agnostic stack in DEFAULT_REGION."""
    return cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
        region=os.environ.get("CDK_DEFAULT_REGION", DEFAULT_REGION),
    )


def add_nag_packs(app: cdk.App) -> None:
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app),
        ServerlessChecks(app),
        NIST80053R5Checks(app),
        HIPAASecurityChecks(app),
        PCIDSS321Checks(app),
    )


def build(app: cdk.App, env: cdk.Environment | None = None) -> tuple[FleetTelemetryStack, TradeSettlementStack]:
    """Both stacks, with their settings from the app's context."""
    env = env if env is not None else default_env()
    description = "constructs_kafka_lambda sample"
    fleet = FleetTelemetryStack(
        app, "FleetTelemetryStack", env=env, description=f"{description}: fleet telemetry on MSK Serverless (IAM)"
    )
    trades = TradeSettlementStack(
        app, "TradeSettlementStack", env=env, description=f"{description}: trade settlement on Confluent Cloud"
    )
    for stack in (fleet, trades):
        cdk.Tags.of(stack).add("project", "constructs-kafka-lambda-sample")
    return fleet, trades


def main() -> None:
    app = cdk.App()
    add_nag_packs(app)
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
