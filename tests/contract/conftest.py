"""Hypothesis profiles of the contract suite, applied to its own tests only (never loaded globally).

- `contract` (default): a fixed number of examples, derandomized, so `make test` is fast and deterministic.
- `fuzz` (`HYPOTHESIS_PROFILE=fuzz`, `make fuzz`): 10,000 random examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]  # no slow "explain"
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "contract", max_examples=200, derandomize=True, deadline=None, suppress_health_check=_QUIET, phases=_PHASES
)
settings.register_profile(
    "fuzz", max_examples=10_000, derandomize=False, deadline=None, suppress_health_check=_QUIET, phases=_PHASES
)


def contract_settings() -> settings:
    """The profile named by HYPOTHESIS_PROFILE when it is one of ours, else `contract`."""
    name = os.environ.get("HYPOTHESIS_PROFILE", "contract")
    return settings.get_profile(name if name in ("contract", "fuzz") else "contract")


def pytest_report_header() -> list[str]:
    """The judges' versions: the locked ones under `make test`, today's newest under `make drift`."""
    from importlib.metadata import version

    return [f"AWS models: botocore {version('botocore')}, cfn-lint {version('cfn-lint')}"]


def pytest_terminal_summary(terminalreporter: object) -> None:
    from .drift import report

    lines = report()
    if lines:
        write = terminalreporter.write_line  # type: ignore[attr-defined]
        write("")
        write(f"What AWS changed ({len(lines) - 1}):")
        for line in lines:
            write("  " + line)
