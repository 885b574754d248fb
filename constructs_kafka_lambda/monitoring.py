"""Metrics, alarms and the dashboard of a consumer (issue: observability). Stub."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct


@dataclass(frozen=True)
class Monitoring:
    """What to create for operations: default alarms and the stack's dashboard section."""

    alarms: bool = True
    dashboard: bool = True


def attach_monitoring(consumer: Construct, monitoring: Monitoring) -> None:
    """Stub: nothing yet."""
    return None
