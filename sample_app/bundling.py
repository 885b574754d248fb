"""Docker-free bundling of the sample's Lambda functions (``sample_app/functions/<name>``).

Why: ``cdk synth`` must work on a machine without Docker (CI, a laptop without a daemon). The CDK tries a
bundling option's ``local`` implementation first and only pulls the image when it returns False, so
:class:`LocalPythonBundler` does here what the SAM build image would do:

1. copy the function's directory (``handler.py``, ``requirements.txt``, ...) into the asset;
2. copy the shared package ``functions/common/kafka_common`` next to it (handlers ``import kafka_common``);
3. unless ``requirements.txt`` lists nothing, ``pip install`` it into the asset for the Lambda platform
   (manylinux2014 x86_64, CPython 3.14, wheels only), whatever the Python running the CDK app.

``--no-compile`` is added to the pip command: byte code compiled by the synthesizing interpreter (not 3.14)
would be dead weight in the asset and would make the bundle differ from machine to machine.

:func:`function_code` returns the ``Code`` for a function with this bundler and a Docker fallback that runs the
same steps in ``public.ecr.aws/sam/build-python3.14``.
"""

import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    BundlingFileAccess,
    BundlingOptions,
    BundlingOutput,
    DockerImage,
    DockerVolume,
    ILocalBundling,
)
from aws_cdk import aws_lambda as lambda_

FUNCTIONS_DIR = Path(__file__).resolve().parent / "functions"
COMMON_DIR = FUNCTIONS_DIR / "common"
COMMON_PACKAGE = "kafka_common"
BUILD_IMAGE = "public.ecr.aws/sam/build-python3.14"
LAMBDA_PYTHON_VERSION = "3.14"
LAMBDA_PLATFORM = "manylinux2014_x86_64"
PIP_TARGET_ARGS: tuple[str, ...] = (
    "--platform",
    LAMBDA_PLATFORM,
    "--implementation",
    "cp",
    "--python-version",
    LAMBDA_PYTHON_VERSION,
    "--only-binary=:all:",
    "--upgrade",
    "--no-compile",
)
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "tests")


def has_requirements(requirements: Path) -> bool:
    """Whether a requirements file names anything (comments and blank lines do not count)."""
    if not requirements.is_file():
        return False
    lines = (line.split("#", 1)[0].strip() for line in requirements.read_text().splitlines())
    return any(lines)


def pip_install_command(requirements: Path, target: Path, python: str = sys.executable) -> list[str]:
    return [python, "-m", "pip", "install", "-r", str(requirements), "-t", str(target), *PIP_TARGET_ARGS]


@jsii.implements(ILocalBundling)
class LocalPythonBundler:
    """Bundles one function directory plus ``kafka_common`` without Docker."""

    def __init__(
        self,
        function_dir: str | Path,
        *,
        common_dir: str | Path = COMMON_DIR,
        python: str = sys.executable,
    ) -> None:
        self.function_dir = Path(function_dir)
        self.common_package = Path(common_dir) / COMMON_PACKAGE
        self.python = python
        if not (self.function_dir / "handler.py").is_file():
            raise ValueError(f"{self.function_dir} has no handler.py")
        if not (self.common_package / "__init__.py").is_file():
            raise ValueError(f"{self.common_package} is not a package")

    def try_bundle(
        self,
        output_dir: str,
        *,
        image: DockerImage,
        bundling_file_access: BundlingFileAccess | None = None,
        command: Sequence[str] | None = None,
        entrypoint: Sequence[str] | None = None,
        environment: Mapping[str, str] | None = None,
        local: ILocalBundling | None = None,
        network: str | None = None,
        output_type: BundlingOutput | None = None,
        platform: str | None = None,
        security_opt: str | None = None,
        user: str | None = None,
        volumes: Sequence[DockerVolume | dict[str, Any]] | None = None,
        volumes_from: Sequence[str] | None = None,
        working_directory: str | None = None,
    ) -> bool:
        """Fill ``output_dir``; False (let the CDK use Docker) only when this Python has no pip."""
        out = Path(output_dir)
        requirements = self.function_dir / "requirements.txt"
        needs_pip = has_requirements(requirements)
        if needs_pip and not self._has_pip():
            return False
        shutil.copytree(self.function_dir, out, dirs_exist_ok=True, ignore=_IGNORED)
        shutil.copytree(self.common_package, out / COMMON_PACKAGE, dirs_exist_ok=True, ignore=_IGNORED)
        if needs_pip:
            result = subprocess.run(
                pip_install_command(requirements, out, self.python),
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(
                    f"pip could not install {requirements} for Python {LAMBDA_PYTHON_VERSION} "
                    f"({LAMBDA_PLATFORM}):\n{result.stderr[-4000:]}"
                )
        return True

    def _has_pip(self) -> bool:
        probe = subprocess.run([self.python, "-m", "pip", "--version"], capture_output=True, check=False)
        return probe.returncode == 0


def docker_command(name: str) -> list[str]:
    """The same steps for the fallback in the SAM build image (asset input is ``FUNCTIONS_DIR``)."""
    pip_args = " ".join(PIP_TARGET_ARGS)
    script = (
        f"set -eu; cp -R /asset-input/{name}/. /asset-output/"
        f" && cp -R /asset-input/common/{COMMON_PACKAGE} /asset-output/{COMMON_PACKAGE}"
        " && rm -rf /asset-output/__pycache__"
        " && if grep -qvE '^[[:space:]]*(#|$)' /asset-output/requirements.txt 2>/dev/null;"
        f" then python -m pip install -r /asset-output/requirements.txt -t /asset-output {pip_args}; fi"
    )
    return ["bash", "-c", script]


def asset_excludes(name: str) -> list[str]:
    """Only the function's own directory and the shared package count towards the asset's hash."""
    return ["*", f"!{name}", f"!{name}/**", "!common", "!common/**", "**/__pycache__", "**/*.pyc"]


def function_code(name: str, *, functions_dir: str | Path = FUNCTIONS_DIR) -> lambda_.Code:
    """``Code`` for ``functions/<name>`` (handler entry ``handler.handler``), bundled locally when possible."""
    root = Path(functions_dir)
    return lambda_.Code.from_asset(
        str(root),
        exclude=asset_excludes(name),
        bundling=BundlingOptions(
            image=DockerImage.from_registry(BUILD_IMAGE),
            local=LocalPythonBundler(root / name, common_dir=root / "common"),
            command=docker_command(name),
        ),
    )
