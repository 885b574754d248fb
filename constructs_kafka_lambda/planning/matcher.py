"""EventBridge-pattern matching for Lambda filters, on moto's matcher, with its two gaps filled or flagged.

Which matcher, and why (judged December 2026; Lambda filters use the EventBridge pattern language):

- **moto** (`moto.events.models.EventPattern`; Apache-2.0; pure Python; releases every few weeks, supports Python
  3.10-3.14; already a dev dependency here). Covers every operator Lambda documents and our validator accepts:
  equals, null, empty, equals-ignore-case, numeric (=, <, <=, >, >= and ranges), prefix and suffix (with
  equals-ignore-case), anything-but (values, numbers, prefix, suffix, equals-ignore-case), exists true/false, and
  `$or`; also wildcard and cidr, which Lambda does not support (our validator rejects them first). Chosen.
  Costs: it is a mocking library, so it brings boto3, botocore, requests, responses, werkzeug and cryptography
  (optional extra `preview`), imports in about 0.5 s (done lazily, only when previewing), and `EventPattern` lives
  in a module that is not a documented public API: pinned `<6`, and tests/test_preview.py checks it against AWS's
  documented examples so that an upgrade that changes behaviour fails the suite.
- **event-ruler** (PyPI 0.3.0, MIT): a gopy wrapper of a Go matcher, last released December 2023, binary wheels
  for CPython 3.11 only on Linux x86-64 (none for 3.12+, where the sample's functions run 3.14), and it changes the
  working directory while importing. Rejected: unmaintained, and fails the Python-version requirement.
- **AWS's own event-ruler** (Java) and **quamina** (Go): the reference engines, not Python. **LocalStack**'s rule
  engine (Python, Apache-2.0) is part of localstack-core, far heavier than moto. **EventBridge TestEventPattern**:
  exact, but an AWS API call, which the preview must not make.

Gaps in moto's matcher, and what this module does about them:
1. Python's `True == 1`: a pattern `[1]` matched a JSON `true` and `[true]` matched `1`. Filled: booleans are
   replaced on both sides by marker strings before matching, so they only equal booleans; numeric matching,
   which moto applies to numbers only, then skips them as EventBridge does. (Marker strings start with a NUL
   character; only a `prefix` of "" or an anything-but prefix could still see them.)
2. Arrays of objects (`{"readings": [{"psi": 30}]}` with a pattern on `readings.psi`): moto does not look inside
   them; EventBridge does. Flagged, not filled: `crosses_array()` tells the preview, which marks such a verdict
   as uncertain instead of guessing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from .checks import ExtraMissing

_TRUE, _FALSE = "\x00bool:true", "\x00bool:false"


@cache
def _event_pattern() -> Any:
    try:
        from moto.events.models import EventPattern
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ExtraMissing(
            "the filter preview needs moto's EventBridge matcher: pip install 'constructs-kafka-lambda[preview]'"
        ) from error
    return EventPattern


def matches(pattern: Mapping[str, Any], document: Mapping[str, Any]) -> bool:
    """Whether the EventBridge `pattern` matches the JSON `document` (with the boolean gap filled)."""
    compiled = _event_pattern().load(json.dumps(_encode_pattern(pattern)))
    return bool(compiled.matches_event(_encode_event(document)))


def crosses_array(pattern: Mapping[str, Any], document: Any) -> bool:
    """Whether a nested part of `pattern` lies under an array in `document` (moto's second gap)."""
    if not isinstance(pattern, Mapping):
        return False
    for key, sub in pattern.items():
        if key == "$or":
            if any(crosses_array(branch, document) for branch in sub):
                return True
        elif isinstance(sub, Mapping):
            child = document.get(key) if isinstance(document, Mapping) else None
            if isinstance(child, list) or crosses_array(sub, child):
                return True
    return False


def failing_conditions(pattern: Mapping[str, Any], document: Mapping[str, Any]) -> list[str]:
    """The pattern's conditions the document fails, each as 'path is X, not Y' (for the preview's reasons)."""
    failures = []
    for path, condition in _conditions(pattern, ()):
        if matches(_nest(path, condition), document):
            continue
        where = ".".join(path) or "record"
        if "$or" in condition:
            failures.append(f"none of the $or alternatives under {where} matches")
        else:
            (leaf, allowed), *_ = condition.items()
            actual = _lookup(document, (*path, leaf))
            shown = "missing" if actual is _MISSING else json.dumps(actual)[:60]
            failures.append(f"{'.'.join((*path, leaf))} is {shown}, not {json.dumps(allowed)}")
    return failures


# --- helpers ---------------------------------------------------------------------------------------------------
_MISSING = object()


def _conditions(pattern: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    for key, sub in pattern.items():
        if key == "$or":
            yield path, {"$or": sub}
        elif isinstance(sub, Mapping):
            yield from _conditions(sub, (*path, key))
        else:
            yield path, {key: sub}


def _nest(path: tuple[str, ...], leaf: dict[str, Any]) -> dict[str, Any]:
    for key in reversed(path):
        leaf = {key: leaf}
    return leaf


def _lookup(document: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(document, Mapping) or key not in document:
            return _MISSING
        document = document[key]
    return document


def _encode_event(value: Any) -> Any:
    if isinstance(value, bool):
        return _TRUE if value else _FALSE
    if isinstance(value, Mapping):
        return {key: _encode_event(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encode_event(item) for item in value]
    return value


def _encode_pattern(pattern: Mapping[str, Any]) -> dict[str, Any]:
    """Booleans among a field's allowed literal values become the markers; operator arguments are left alone."""
    encoded: dict[str, Any] = {}
    for key, sub in pattern.items():
        if key == "$or":
            encoded[key] = [_encode_pattern(branch) for branch in sub]
        elif isinstance(sub, Mapping):
            encoded[key] = _encode_pattern(sub)
        elif isinstance(sub, list):
            encoded[key] = [(_TRUE if item else _FALSE) if isinstance(item, bool) else item for item in sub]
        else:
            encoded[key] = sub
    return encoded
