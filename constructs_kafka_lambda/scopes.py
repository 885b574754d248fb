"""Cached construct lookups: each jsii round trip counts when a stack holds tens of consumers (benchmarks/)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack
from constructs import IConstruct

# Construct ids cannot hold the path separator: constructs 10 replaces it (Node's sanitizeId).
_PATH_SEPARATOR = "/"
_SANITIZED_SEPARATOR = "--"


def stack_of(scope: IConstruct) -> Stack:
    """Stack.of, remembered on the scope's Python object (a construct never changes stacks); a Stack is its own."""
    stack: Stack | None = getattr(scope, "_kafka_lambda_stack", None)
    if stack is None:
        stack = scope if isinstance(scope, Stack) else Stack.of(scope)
        remember_stack(scope, stack)
    return stack


def remember_stack(construct: IConstruct, stack: Stack) -> None:
    """Tell `stack_of` the stack of a construct the library just created under a scope whose stack it knows (a
    child is always in its parent's stack unless it is a stack itself), so that asking costs no round trip."""
    # a jsii proxy of an imported resource takes no new attributes: then just don't cache
    with contextlib.suppress(AttributeError):
        construct._kafka_lambda_stack = stack  # type: ignore[attr-defined]


def path_of(scope: IConstruct) -> str:
    """node.path, remembered on the scope's Python object (a construct never moves)."""
    path: str | None = getattr(scope, "_kafka_lambda_path", None)
    if path is None:
        path = scope.node.path
        with contextlib.suppress(AttributeError):
            scope._kafka_lambda_path = path  # type: ignore[attr-defined]
    return path


def child_path(scope: IConstruct, construct_id: str) -> str:
    """The path a construct created as `construct_id` under `scope` has, computed as constructs 10 does (the
    parent's path, then the id with '/' sanitized to '--'), so that a new consumer need not ask for its own."""
    parent = path_of(scope)
    own = construct_id.replace(_PATH_SEPARATOR, _SANITIZED_SEPARATOR)
    return f"{parent}{_PATH_SEPARATOR}{own}" if parent else own


@dataclass(frozen=True)
class StackFacts:
    """A stack's name, path, Region and account, read from CDK once per stack (they never change)."""

    name: str
    path: str
    region: str
    account: str


def stack_facts(scope: IConstruct) -> StackFacts:
    stack = stack_of(scope)
    facts: StackFacts | None = getattr(stack, "_kafka_lambda_facts", None)
    if facts is None:
        facts = StackFacts(stack.stack_name, path_of(stack), stack.region, stack.account)
        stack._kafka_lambda_facts = facts  # type: ignore[attr-defined]
    return facts


def first_in_stack(scope: IConstruct, key: Any) -> bool:
    """True the first time a construct of this stack asks about `key` (equal keys are one; an unhashable one counts
    by identity), so that advice about a cluster is said once per stack, on its first consumer, not once per
    consumer: each warning costs two round trips and a Node stack trace, and 45 copies of one advice help no one."""
    said: set[Any] = stack_of(scope).__dict__.setdefault("_kafka_lambda_said", set())
    key = tuple(_hashable(part) for part in key) if isinstance(key, tuple) else _hashable(key)
    if key in said:
        return False
    said.add(key)
    return True


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:  # e.g. a cluster description holding a list: by identity
        return id(value)
    return value
