"""Integration test: deploy FleetTelemetryStack, produce one seeded run, and check both mappings poll.

Needs an AWS account (it deploys MSK Serverless, a NAT gateway and provisioned pollers: billed by the hour while it
runs, about 30-40 minutes) and `@aws-cdk/integ-runner` (npm); `aws-cdk.integ-tests-alpha` comes with the dev
extras (`make setup`). From the repository root:

    npx --yes @aws-cdk/integ-runner --language python --directory sample_app/integ \\
        --app "env PYTHONPATH=. .venv/bin/python {filePath}" --update-on-failed --parallel-regions us-east-1

integ-runner deploys, runs the assertions, then destroys the stacks (the library's failed-records bucket and its
key are retained by design: delete them by hand). `make test` only synthesizes it (tests/test_sample_integ.py); it never deploys there.

The Confluent Cloud stack needs a Confluent cluster and API key, so it is covered by the synth-time tests only.
"""

import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # run as a script by integ-runner
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402
from aws_cdk import Duration  # noqa: E402
from aws_cdk import integ_tests_alpha as integ  # noqa: E402

from sample_app.app import add_nag_packs  # noqa: E402
from sample_app.stacks import FleetSettings, FleetTelemetryStack  # noqa: E402

app = cdk.App()
add_nag_packs(app)
# The schedule stays off: the test produces one deterministic run itself.
stack = FleetTelemetryStack(
    app,
    "IntegFleetTelemetry",
    settings=FleetSettings(simulator_enabled=False, fleet_size=5, topic_partitions=1, enricher_max_pollers=1),
)
test = integ.IntegTest(
    app,
    "FleetTelemetryIntegTest",
    test_cases=[stack],
    diff_assets=False,
    stack_update_workflow=False,
)

# 1. The simulator produces a seeded run to fleet-telemetry (IAM auth from the VPC) without a function error.
produced = test.assertions.invoke_function(
    function_name=stack.producer.function.function_name,
    invocation_type=integ.InvocationType.REQUEST_RESPONSE,
    payload=json.dumps({"seed": 7}),
)
produced.expect(integ.ExpectedResult.object_like({"StatusCode": 200}))

# 2. Both mappings reach Enabled (the on-demand alerts mapping and the provisioned enricher) and keep polling.
for consumer in (stack.alerts_consumer, stack.enricher_consumer):
    state = test.assertions.aws_api_call("Lambda", "getEventSourceMapping", {"UUID": consumer.mapping_uuid})
    state.expect(integ.ExpectedResult.object_like({"State": "Enabled"}))
    state.wait_for_assertions(total_timeout=Duration.minutes(15), interval=Duration.seconds(30))
    produced.next(state)

# 3. The enricher has processed the run: its log group has at least one invocation record.
logs = test.assertions.aws_api_call(
    "CloudWatchLogs",
    "filterLogEvents",
    {"logGroupName": stack.enricher.log_group.log_group_name, "filterPattern": '"platform.report"', "limit": 1},
)
logs.expect(integ.ExpectedResult.object_like({"events": integ.Match.array_with([integ.Match.object_like({})])}))
logs.wait_for_assertions(total_timeout=Duration.minutes(10), interval=Duration.seconds(30))

app.synth()
