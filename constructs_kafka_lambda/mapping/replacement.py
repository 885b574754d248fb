"""At synth: would this deploy replace the mapping that was deployed? Compared with the app's committed record.

CloudFormation replaces a mapping whose logical id or create-only properties change (upgrade.py lists them); the
library cannot see what is deployed, so it compares with the record the app commits of its last deploy
(`python -m constructs_kafka_lambda record`, named by the context key "constructs-kafka-lambda:record"). Without a
record there is nothing to compare with and nothing is said.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from aws_cdk import Annotations, Stack
from aws_cdk import aws_lambda as lambda_

from ..scopes import stack_of
from ..upgrade import MAPPING_TYPE, RECORD_CONTEXT_KEY, mapping_replacement, read_record, record_resource


def warn_of_replacement(cfn: lambda_.CfnEventSourceMapping, camel_props: Callable[[], Any]) -> None:
    """Warn on the mapping when the app's record shows this synth replaces it. `camel_props` gives the L1's
    properties resolved (camelCase); it is called only when the app keeps a record (a round trip saved otherwise)."""
    stack = stack_of(cfn)
    location = _record_location(stack)
    if not location:
        return
    try:
        record = _read(str(location))
    except (OSError, ValueError) as error:
        Annotations.of(cfn).add_warning_v2(
            "constructs-kafka-lambda:record-unreadable",
            f"context {RECORD_CONTEXT_KEY}={location!r}: {error}; replacements of this mapping cannot be foreseen. "
            "Write the record with `python -m constructs_kafka_lambda record` after a deploy.",
        )
        return
    resource = {
        "Type": MAPPING_TYPE,
        "Properties": _pascal(props if isinstance(props := camel_props(), dict) else {}),
        "Metadata": {"aws:cdk:path": cfn.node.path},
    }
    current = record_resource(stack.artifact_id, stack.resolve(cfn.logical_id), resource)
    found = mapping_replacement(record, current)
    if found is not None:
        warning_id, message = found
        Annotations.of(cfn).add_warning_v2(f"constructs-kafka-lambda:{warning_id}", message)


def _record_location(stack: Stack) -> Any:
    """The context key, read from CDK once per stack (one jsii round trip, not one per consumer)."""
    found = getattr(stack, "_kafka_lambda_record", _UNREAD)
    if found is _UNREAD:
        found = stack.node.try_get_context(RECORD_CONTEXT_KEY)
        stack._kafka_lambda_record = found  # type: ignore[attr-defined]
    return found


_UNREAD = object()


@cache
def _read_cached(location: str, mtime_ns: int) -> str:
    return json.dumps(read_record(location))


def _read(location: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(_read_cached(location, Path(location).stat().st_mtime_ns))
    return record


def _pascal(value: Any) -> Any:
    """CDK's camelCase property keys as the template writes them (intrinsics such as Fn::GetAtt are kept)."""
    if isinstance(value, dict):
        return {(k[:1].upper() + k[1:]): _pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value
