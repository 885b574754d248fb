"""What AWS changed, as data: each drift test that finds a model differing from what the library holds records one
`Drift` (shape, facet, old, new) before it fails, and the contract conftest prints them as a table at the end of the
run (`make drift` runs the drift tests against today's newest botocore and cfn-lint; `make test` against the lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class Drift:
    shape: str  # the model's shape (API) or property path (CloudFormation)
    facet: str  # min, max, pattern, enum, documentation, ...
    old: Any  # what the library holds (the locked model's value)
    new: Any  # what the model in this environment says
    where: str  # the library constant or table to look at

    def row(self) -> str:
        return f"{self.shape} | {self.facet} | {_short(self.old)} | {_short(self.new)} | {self.where}"


RECORDED: list[Drift] = []


def expect_same(shape: str, facet: str, old: Any, new: Any, where: str) -> None:
    """Fail (and record the drift) when the model's `new` value is not the library's `old` one."""
    if old != new:
        drift = Drift(shape, facet, old, new, where)
        RECORDED.append(drift)
        pytest.fail(f"{shape} {facet} is now {new!r}; {where} holds {old!r}", pytrace=False)


def expect_none(drifts: list[Drift]) -> None:
    """Record every drift of a comparison (the table shows them all), then fail once naming them."""
    if drifts:
        RECORDED.extend(drifts)
        pytest.fail("; ".join(f"{d.shape} {d.facet}: {d.old!r} -> {d.new!r}" for d in drifts), pytrace=False)


def _short(value: Any) -> str:
    if isinstance(value, set | frozenset):
        value = sorted(value)
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "..."


def report() -> list[str]:
    """The table of what changed, one line per drift (empty when nothing did)."""
    if not RECORDED:
        return []
    return ["shape | facet | old (library, locked model) | new (this model) | where", *(d.row() for d in RECORDED)]
