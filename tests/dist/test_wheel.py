"""What users install is what we test: the wheel `make dist` built, installed into a fresh venv with nothing of this
repository on sys.path, synthesizes a small app and runs the command line.

Run by `make dist-test` (and CI's .ci/run), which sets DIST_DIR; `make test` skips it, since installing aws-cdk-lib
into a new venv takes about a minute on the shared 2-core machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

DIST_DIR = os.environ.get("DIST_DIR")
pytestmark = pytest.mark.skipif(not DIST_DIR, reason="needs a built wheel: run `make dist-test`")

REPO = Path(__file__).resolve().parents[2]

APP = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    import aws_cdk as cdk
    from aws_cdk import Duration, aws_lambda as lambda_

    import constructs_kafka_lambda
    from constructs_kafka_lambda import FailureDestination, KafkaAuth, KafkaCluster, KafkaLambdaConsumer

    MSK = "arn:aws:kafka:us-east-1:111111111111:cluster/demo/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-2"
    app = cdk.App(outdir="cdk.out")
    stack = cdk.Stack(app, "Wheel", env=cdk.Environment(account="111111111111", region="us-east-1"))
    fn = lambda_.Function(
        stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\\n    return None\\n"),
    )
    KafkaLambdaConsumer(
        stack, "Orders", cluster=KafkaCluster.msk(MSK, auth=KafkaAuth.iam()), topic="orders", function=fn,
        batch_size=100, max_batching_window=Duration.seconds(1), consumer_group_id="orders-billing",
        filters=[{"value": {"amount": [{"numeric": [">", 0]}]}}], on_failure=FailureDestination.sqs(),
    )
    app.synth()
    template = json.loads(Path("cdk.out/Wheel.template.json").read_text())
    print(json.dumps({
        "library": constructs_kafka_lambda.__file__,
        "version": constructs_kafka_lambda.__version__,
        "path": sys.path,
        "types": sorted({r["Type"] for r in template["Resources"].values()}),
        "mapping": [r["Properties"] for r in template["Resources"].values()
                    if r["Type"] == "AWS::Lambda::EventSourceMapping"],
    }))
    """
)


def wheel() -> Path:
    found = sorted(Path(DIST_DIR or "").glob("constructs_kafka_lambda-*-py3-none-any.whl"))
    assert len(found) == 1, f"expected one wheel in {DIST_DIR}, found {found}"
    return found[0]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (no system site-packages) with the wheel and its declared dependencies, nothing else."""
    root = tmp_path_factory.mktemp("wheel-venv")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel())],
        check=True,
        timeout=900,
    )
    return python


def isolated_env() -> dict[str, str]:
    """No PYTHONPATH (python -I ignores it anyway), and Node.js for jsii from this repository's toolchain only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    node = shutil.which("node")
    assert node, "jsii needs Node.js: run through `make dist-test`, which puts the venv's Node.js on PATH"
    env["PATH"] = os.pathsep.join([str(Path(node).parent), "/usr/bin", "/bin"])
    env["JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION"] = "1"
    return env


def test_wheel_ships_the_license_and_the_typed_marker() -> None:
    names = zipfile.ZipFile(wheel()).namelist()
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert "constructs_kafka_lambda/py.typed" in names
    assert not any(name.startswith(("tests/", "sample_app/", "benchmarks/")) for name in names)


def test_installed_wheel_synthesizes_an_app(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    done = subprocess.run(
        [str(venv), "-I", "app.py"], cwd=tmp_path, env=isolated_env(), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    site = venv.parent.parent
    assert Path(result["library"]).is_relative_to(site), result["library"]  # the wheel's copy, not the repository's
    assert not any(str(REPO) in entry for entry in result["path"])
    assert result["version"] == wheel().name.split("-")[1]
    assert {"AWS::Lambda::EventSourceMapping", "AWS::IAM::ManagedPolicy", "AWS::SQS::Queue"} <= set(result["types"])
    (mapping,) = result["mapping"]
    assert mapping["Topics"] == ["orders"]
    assert mapping["AmazonManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": "orders-billing"}


def test_installed_wheel_runs_the_cli_without_aws_cdk_lib(venv: Path, tmp_path: Path) -> None:
    code = (
        "import runpy, sys\n"
        "sys.argv = ['constructs_kafka_lambda', 'plan', '--records-per-second', '100', '--record-bytes', '512',"
        " '--partitions', '3', '--duration-ms', '50']\n"
        "try:\n    runpy.run_module('constructs_kafka_lambda', run_name='__main__')\n"
        "except SystemExit as done:\n    assert done.code == 0, done.code\n"
        "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in ('jsii', 'aws_cdk', 'constructs')))\n"
    )
    done = subprocess.run(
        [str(venv), "-I", "-c", code], cwd=tmp_path, env=isolated_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "Kafka -> Lambda plan" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "LOADED []"
