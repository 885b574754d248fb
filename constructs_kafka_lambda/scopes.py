"""Cached construct lookups: each jsii round trip counts when a stack holds tens of consumers (benchmarks/)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from aws_cdk import Stack
from constructs import IConstruct


def stack_of(scope: IConstruct) -> Stack:
    """Stack.of, remembered on the scope's Python object (a construct never changes stacks)."""
    stack: Stack | None = getattr(scope, "_kafka_lambda_stack", None)
    if stack is None:
        stack = Stack.of(scope)
        # a jsii proxy of an imported resource takes no new attributes: then just don't cache
        with contextlib.suppress(AttributeError):
            scope._kafka_lambda_stack = stack  # type: ignore[attr-defined]
    return stack


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
        facts = StackFacts(stack.stack_name, stack.node.path, stack.region, stack.account)
        stack._kafka_lambda_facts = facts  # type: ignore[attr-defined]
    return facts
