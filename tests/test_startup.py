"""The pure-Python command line starts without aws-cdk-lib: `python -m constructs_kafka_lambda plan ...` imports no
jsii (so no Node.js process, no Node banner), while the constructs still import from the package root as before."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import constructs_kafka_lambda as package

# The modules that mean "jsii was booted": any of them loaded by the CLI is the regression this file guards.
HEAVY = ("jsii", "aws_cdk", "constructs", "cdk_nag")

PLAN = ["plan", "--records-per-second", "2000", "--record-bytes", "1024", "--partitions", "12", "--duration-ms", "120"]


def run_cli(*argv: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], set[str], float]:
    """Run the real entry point in a fresh interpreter (outside the repository, no Node.js on PATH) and return what
    it printed, every module it imported (from -X importtime) and its wall time."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JSII_", "PYTHON"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if "node" not in p) or "/usr/bin"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "constructs_kafka_lambda", *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    elapsed = time.perf_counter() - started
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return done, imported, elapsed


def heavy(imported: set[str]) -> list[str]:
    return sorted(name for name in imported if name.split(".")[0] in HEAVY)


@pytest.mark.parametrize(
    "argv",
    [["plan", "--help"], PLAN, ["calibration"], ["record", "--help"]],
    ids=["help", "plan", "calibration", "record"],
)
def test_cli_imports_no_aws_cdk_lib(argv: list[str], tmp_path: Path) -> None:
    done, imported, elapsed = run_cli(*argv, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "constructs_kafka_lambda.planning.cli" in imported  # the measurement saw the CLI itself
    assert heavy(imported) == []
    printed = done.stdout + "\n".join(line for line in done.stderr.splitlines() if not line.startswith("import time:"))
    assert "!!" not in printed and "node" not in printed.lower()  # no jsii banner, no Node.js warning
    # Wall time is reported, not asserted (six engineers share two cores); about 0.1 s on an idle machine.
    print(f"{' '.join(argv[:2])}: {elapsed:.2f} s")


def test_preview_imports_no_aws_cdk_lib(tmp_path: Path) -> None:
    pytest.importorskip("moto")
    (tmp_path / "filters.json").write_text('[{"value": {"tire_pressure": [{"numeric": ["<", 32]}]}}]')
    (tmp_path / "records.jsonl").write_text('{"tire_pressure": 30}\n{"tire_pressure": 35}\n')
    done, imported, _ = run_cli("preview", "--filters", "filters.json", "--records", "records.jsonl", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 of 2 records reach the function" in done.stdout
    assert heavy(imported) == []


def test_planner_names_import_without_aws_cdk_lib() -> None:
    code = (
        "import sys\n"
        "from constructs_kafka_lambda import ConfigError, Plan, plan, preview_filters, __version__\n"
        "import constructs_kafka_lambda.planning.cli\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_every_public_name_still_imports_from_the_root() -> None:
    assert sorted(package.__all__) == sorted(package._EXPORTS)
    for name in package.__all__:
        value = getattr(package, name)
        assert value.__name__ == name, name
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError):
        _ = package.NoSuchName  # type: ignore[attr-defined]
    from constructs_kafka_lambda import KafkaLambdaConsumer

    assert KafkaLambdaConsumer.__module__ == "constructs_kafka_lambda.consumer"


def test_version_is_the_distributions() -> None:
    assert package.__version__ == importlib.metadata.version("constructs-kafka-lambda")
