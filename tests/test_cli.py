"""Tests for `python -m constructs_kafka_lambda plan|preview|calibration` (in-process, through main(argv))."""

from __future__ import annotations

import io
import json
import runpy
import sys
from pathlib import Path

import pytest

from constructs_kafka_lambda.planning import constants
from constructs_kafka_lambda.planning.cli import main

FLEET = [
    "plan",
    "--records-per-second", "2000",
    "--record-bytes", "1024",
    "--partitions", "12",
    "--duration-ms", "120",
    "--memory-mb", "256",
]  # fmt: skip


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_plan_prints_the_report() -> None:
    code, text = run(*FLEET, "--keep", "0.02", "--backlog", "1000000")
    assert code == 0
    assert "Mode         on-demand" in text
    # the hand-computed totals of tests/test_plan.py: $33.94 on-demand, $141.03 provisioned
    assert "Total                          33.94       141.03" in text
    # and its drain times: expected on-demand 278.9 s, provisioned (from 1 poller, autoscaling) 70.9 s
    assert "Backlog      1,000,000 records, expected drain: on-demand 4.6 min; provisioned 71 s" in text


def test_plan_json_is_machine_readable() -> None:
    code, text = run(*FLEET, "--keep", "0.02", "--mode", "provisioned", "--max-pollers", "200", "--json")
    data = json.loads(text)
    assert code == 0
    assert data["mode"] == "provisioned" and data["maximum_pollers"] == 12
    assert set(data["drain"]) >= {"on_demand", "provisioned", "provisioned_at_minimum", "provisioned_at_maximum"}
    assert data["provisioned"]["lines"][2] == {
        "key": "epu",
        "label": "Event Poller Units",
        "usd": pytest.approx(133.2),
        "basis": "1 EPU x 720 h",
    }
    assert any("exceeds the topic's 12 partitions" in w for w in data["warnings"])


def test_plan_with_sample_records_and_filters(tmp_path: Path) -> None:
    filters = tmp_path / "f.json"
    filters.write_text(json.dumps([{"value": {"tire_pressure": [{"numeric": ["<", 32]}]}}]))
    sample = tmp_path / "r.jsonl"
    sample.write_text("\n".join(json.dumps({"tire_pressure": p}) for p in [30] + [34] * 49) + "\n")
    code, text = run(*FLEET, "--sample-records", str(sample), "--filters", str(filters))
    assert code == 0
    assert "filters keep 2.00%" in text and "measured on 50 sample records" in text


def test_bad_or_missing_input_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("plan", "--records-per-second", "10")[0] == 2
    assert "--record-bytes" in capsys.readouterr().err
    assert run(*FLEET, "--keep", "2")[0] == 2
    assert "filter_keep_ratio=2.0" in capsys.readouterr().err


def test_preview_table_and_json(tmp_path: Path) -> None:
    filters = tmp_path / "f.json"
    filters.write_text(json.dumps({"Filters": [{"Pattern": '{"value": [{"anything-but": ["error"]}]}'}]}))
    records = tmp_path / "r.jsonl"
    records.write_text('error\n"fine"\n\n{"level": "error"}\n')
    code, text = run("preview", "--filters", str(filters), "--records", str(records))
    assert code == 0
    assert text.splitlines()[0] == "2 of 3 records reach the function (66.67%), 1 dropped, 1 uncertain (?)"
    code, text = run("preview", "--filters", str(filters), "--records", str(records), "--json")
    data = json.loads(text)
    assert [r["passed"] for r in data["records"]] == [False, True, True]
    assert data["keep_ratio"] == pytest.approx(2 / 3)


def test_calibration_and_sources() -> None:
    code, text = run("calibration")
    assert code == 0 and "Pricing example 3" in text
    # the measured rows (published, planner, error) and the fitted parameters with their residuals
    assert "2 M records, provisioned, minimum 1                          210.00     208.01    -0.9%" in text
    assert "POLLERS_ADDED_PER_MINUTE" in text and "residuals +3.2%, -0.9%, +0.0%" in text
    code, text = run("plan", "--sources")
    assert code == 0
    assert all(name in text for name in constants.SOURCES)


def test_module_entry_point(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["constructs_kafka_lambda", "calibration"])
    with pytest.raises(SystemExit) as done:
        runpy.run_module("constructs_kafka_lambda", run_name="__main__")
    assert done.value.code == 0
    assert "published figure" in capsys.readouterr().out


def test_plot(tmp_path: Path) -> None:
    # matplotlib is in [dev] (the plot extra), so this runs in `make test`
    png = tmp_path / "cost.png"
    code, text = run(*FLEET, "--keep", "0.02", "--plot", str(png))
    assert code == 0 and f"plot written to {png}" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    code, _ = run(*FLEET, "--keep", "0.02", "--plot", str(tmp_path / "c.png"))
    assert code == 3  # the plot extra is missing: a clear message, no trace
    assert "pip install 'constructs-kafka-lambda[plot]'" in capsys.readouterr().err
