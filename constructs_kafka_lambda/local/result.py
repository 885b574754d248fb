"""`RunResult`: what one local run saw, in the shapes Lambda and its failure destinations use."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunResult:
    """What one run saw. `committed` is read back from the broker for the mapping's group."""

    invocations: list[dict[str, Any]] = field(default_factory=list)
    responses: list[Any] = field(default_factory=list)  # the handler's return value, or the exception it raised
    committed: dict[str, int] = field(default_factory=dict)
    filtered_out: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    retries: int = 0
    stalled: dict[str, int] = field(default_factory=dict)  # partition -> first unresolved offset, at the deadline
    idle: bool = False

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record the handler received, in invocation order (retries included)."""
        for event in self.invocations:
            for items in event["records"].values():
                yield from items

    @property
    def delivered(self) -> int:
        return sum(1 for _ in self.records())

    def summary(self) -> str:
        state = "idle" if self.idle else f"stopped at the deadline, stalled: {self.stalled or 'none'}"
        return (
            f"{len(self.invocations)} invocations ({self.delivered} records delivered, {self.retries} retries), "
            f"{len(self.filtered_out)} filtered out, {len(self.failures)} sent to the failure destination, "
            f"{len(self.dropped)} dropped; committed {self.committed}; {state}"
        )
