"""Test setup for the sample's Lambda functions.

- ``kafka_common`` (``sample_app/functions/common``) and this directory's helpers are made importable, the way
  the bundler makes ``kafka_common`` importable inside each function's asset.
- Every test runs with fake AWS credentials and Region, no shared config files and no instance metadata, so no
  boto3 call can reach AWS. Tests that call AWS use the ``aws`` fixture: moto's in-process SNS, SQS, DynamoDB and
  Secrets Manager, with the services' own semantics (conditional writes, missing topics, secret versions).
- ``load_handler(name, **env)`` executes ``sample_app/functions/<name>/handler.py`` as a fresh module with a
  unique name (the four ``handler.py`` never clash, and module-level state such as the cached producer or boto3
  clients starts clean in every test) after setting the given environment variables.
"""

import importlib.util
import itertools
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from moto import mock_aws

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "sample_app" / "functions"
COMMON_DIR = FUNCTIONS_DIR / "common"

for _path in (COMMON_DIR, Path(__file__).resolve().parent, REPO_ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIATESTTESTTESTTEST",
    "AWS_SECRET_ACCESS_KEY": "testing-secret-key",
    "AWS_SESSION_TOKEN": "testing-session-token",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_LAMBDA_FUNCTION_NAME": "kafka-sample-test",
    "POWERTOOLS_METRICS_NAMESPACE": "KafkaLambdaSampleTests",
}
_ENV_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "BOOTSTRAP_SERVERS",
    "CLUSTER_ARN",
    "TOPIC",
    "OUTPUT_TOPIC",
    "FLEET_SIZE",
    "SIMULATION_SEED",
    "ALERT_TOPIC_ARN",
    "IDEMPOTENCY_TABLE",
    "KAFKA_SECRET_ARN",
    "REPORT_BATCH_ITEM_FAILURES",
    "FLAG_NOTIONAL_THRESHOLD",
    "PRESSURE_THRESHOLD_PSI",
    "POWERTOOLS_IDEMPOTENCY_DISABLED",
    "DEAD_LETTER_TOPIC",
)
_module_ids = itertools.count()


class _CurrentStdout:
    """Writes to whatever ``sys.stdout`` is at the time, so that capsys sees a Logger built in a fixture."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def _follow_stdout(powertools_logger: object) -> None:
    # Powertools Logger binds sys.stdout when the module is loaded; during fixture setup that is not yet the
    # test's capsys stream.
    std_logger = getattr(powertools_logger, "_logger", None)
    for handler in getattr(std_logger, "handlers", []):
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(_CurrentStdout())  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def fake_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture(scope="module")
def _moto() -> Iterator[Any]:
    # One mock per test module: starting moto replaces boto3's default session, and each fresh session parses
    # botocore's endpoint and service models again (~0.1 s per test). Tests isolate through ``reset`` instead.
    mock = mock_aws()
    mock.start()
    yield mock
    mock.stop()


@pytest.fixture
def aws(_moto: Any, fake_aws_env: None) -> None:
    """moto's in-process AWS, emptied for the test; load handlers after it (their clients are made at import)."""
    _moto.reset()


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ModuleType]]:
    loaded: list[str] = []

    def load(name: str, **env: str) -> ModuleType:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        module_id = next(_module_ids)
        # A service name per load: Powertools Logger reuses the stdlib logger of a service it has seen, whose
        # handler would still write to an earlier test's captured stdout.
        monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"{name}-{module_id}")
        module_name = f"sample_fn_{name}_handler_{module_id}"
        spec = importlib.util.spec_from_file_location(module_name, FUNCTIONS_DIR / name / "handler.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        loaded.append(module_name)
        spec.loader.exec_module(module)
        _follow_stdout(getattr(module, "logger", None))
        return module

    yield load
    for module_name in loaded:
        sys.modules.pop(module_name, None)
