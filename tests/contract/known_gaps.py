"""Configurations the library still gets wrong, found by the contract suite, whose fix lives in a module being
restructured by someone else (consumer.py, cluster.py outside the bootstrap-server check, auth.py).

The property suite consults this list: an example a gap applies to, failing the way the gap says, is counted as
expected-to-fail instead of failing the run. `test_known_gaps_still_reproduce` runs each gap's `repro` with no
gaps excused and fails once the library is fixed, so that the entry gets removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .config import Config

GapKind = Literal["crash", "accepts-invalid", "refuses-valid", "template"]


@dataclass(frozen=True)
class KnownGap:
    name: str
    kind: GapKind
    applies: Callable[[Config], bool]
    reason: str  # what goes wrong, and what AWS says
    fix: str  # where and how to fix it
    repro: Config


KNOWN_GAPS: tuple[KnownGap, ...] = ()
