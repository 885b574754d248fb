"""`make demo`'s script runs and tells its story: from a cloud assembly (`--cdk-out`, so that the test does not spend a
minute synthesizing), on the embedded broker, with moto; it exits 0 and ends with a summary of nothing lost.

The assembly is the committed snapshots (equal to a fresh synthesis, `tests/test_sample_app.py`) with the one
context the demo adds, `confluent_dead_letter_topic`, applied as synthesis would apply it: DEAD_LETTER_TOPIC in the
settlement function's environment (`test_trade_context_keys_set_the_registry_and_the_dead_letter_topic`).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # sample_app is not an installed package
    sys.path.insert(0, str(REPO_ROOT))

from sample_app.local import demo  # noqa: E402
from sample_app.local.audit import TRADE_DEAD_LETTERS  # noqa: E402

SNAPSHOTS = REPO_ROOT / "tests" / "__snapshots__" / "test_sample_app"


def test_demo_tells_the_story_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
                 "AWS_DEFAULT_REGION", "AWS_EC2_METADATA_DISABLED"):  # fmt: skip
        monkeypatch.setenv(name, "x")  # the demo sets fake credentials; restored after the test
    for stack in ("FleetTelemetryStack", "TradeSettlementStack"):
        template = json.loads((SNAPSHOTS / f"test_template_snapshot[{stack}].json").read_text())
        for resource in template["Resources"].values():
            variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
            if variables.get("OUTPUT_TOPIC") == "trade-settlements":
                variables["DEAD_LETTER_TOPIC"] = TRADE_DEAD_LETTERS
        (tmp_path / f"{stack}.template.json").write_text(json.dumps(template))

    assert demo.main(["--cdk-out", str(tmp_path), "--minutes", "2", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    assert "2026-12-04T09:01:00Z  10 readings -> fleet-telemetry" in out
    assert "records the filter cannot read (skipped as poison, logged)" in out
    assert "T-1004  BUY 5 BRK.A @ 712000" in out and "-> Flagged   notional 3560000.00 exceeds 1000000.00" in out
    assert "dead letter user_trades-1@4 (decode): value is list, not an object" in out
    assert "dead letter fleet-telemetry-1@" in out and "record has no value (tombstone)" in out
    assert "telemetry_enricher: all accounted" in out and "trade_settlement: all accounted" in out
    [summary] = [line for line in out.splitlines() if line.startswith("SUMMARY ")]
    fields = dict(re.findall(r"(\w[\w-]*)=(\S+)", summary))
    # 2 runs of the template's FLEET_SIZE (10) + 4 bad telemetry records + 7 trades + 3 bad trades
    assert fields["produced"] == str(2 * 10 + 4 + 7 + 3)
    assert (fields["lost"], fields["duplicated"], fields["dead-lettered"]) == ("0", "0", "7")
