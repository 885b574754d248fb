"""The integration-test definition synthesizes here (it only deploys with an account, through integ-runner)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_integ_definition_synthesizes_offline(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CDK_OUTDIR": str(tmp_path),
        "CDK_CONTEXT_JSON": json.dumps({"aws:cdk:bundling-stacks": []}),  # no pip: templates only
        "PYTHONPATH": str(REPO_ROOT),
    }
    script = REPO_ROOT / "sample_app" / "integ" / "integ_fleet_telemetry.py"
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp_path / "integ.json").read_text())
    assert manifest["testCases"], "integ-runner finds a test case"
    assert (tmp_path / "IntegFleetTelemetry.template.json").exists()
