"""sample_app.bundling: the Docker-free local bundler of the sample's functions.

Only offline behaviour is tested (a function with no requirements, so pip never runs); installing the real
requirements for the Lambda platform needs the package index.
"""

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
bundling = pytest.importorskip("sample_app.bundling")

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "sample_app" / "functions"


def _function_tree(root: Path, requirements: str) -> Path:
    fn = root / "functions" / "heartbeat"
    (fn / "__pycache__").mkdir(parents=True)
    (fn / "handler.py").write_text("import kafka_common\n\ndef handler(event, context):\n    return {}\n")
    (fn / "requirements.txt").write_text(requirements)
    (fn / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\x00")
    return fn


def test_try_bundle_copies_the_function_and_kafka_common_without_pip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fn = _function_tree(tmp_path, "# nothing beyond the Lambda runtime\n\n")
    ran: list[Any] = []
    monkeypatch.setattr(bundling.subprocess, "run", lambda *a, **k: ran.append(a))
    out = tmp_path / "asset"
    out.mkdir()

    bundler = bundling.LocalPythonBundler(fn, common_dir=FUNCTIONS_DIR / "common")
    assert bundler.try_bundle(str(out), image=bundling.DockerImage.from_registry(bundling.BUILD_IMAGE)) is True

    assert ran == []
    assert (out / "handler.py").read_text().startswith("import kafka_common")
    assert (out / "requirements.txt").exists()
    assert (out / "kafka_common" / "__init__.py").exists()
    assert (out / "kafka_common" / "records.py").exists()
    assert not list(out.rglob("__pycache__"))


def test_pip_targets_the_lambda_platform(tmp_path: Path) -> None:
    command = bundling.pip_install_command(tmp_path / "requirements.txt", tmp_path / "out", "python3")
    assert command[:7] == ["python3", "-m", "pip", "install", "-r", str(tmp_path / "requirements.txt"), "-t"]
    for flag in (
        "--platform manylinux2014_x86_64",
        "--implementation cp",
        "--python-version 3.14",
        "--only-binary=:all:",
        "--upgrade",
    ):
        assert flag in " ".join(command)


def test_has_requirements_ignores_comments_and_blank_lines(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    assert not bundling.has_requirements(req)
    req.write_text("# only a comment\n\n   \n")
    assert not bundling.has_requirements(req)
    req.write_text("kafka-python>=3  # inline comment\n")
    assert bundling.has_requirements(req)


def test_every_sample_function_is_bundleable() -> None:
    names = sorted(p.name for p in FUNCTIONS_DIR.iterdir() if (p / "handler.py").is_file())
    assert names == ["telemetry_enricher", "telemetry_producer", "tire_pressure_alerts", "trade_settlement"]
    for name in names:
        bundling.LocalPythonBundler(FUNCTIONS_DIR / name)
        assert bundling.has_requirements(FUNCTIONS_DIR / name / "requirements.txt")
        assert f"/asset-input/{name}/." in bundling.docker_command(name)[2]
