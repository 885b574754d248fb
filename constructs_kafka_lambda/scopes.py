"""Cached construct lookups: each jsii round trip counts when a stack holds tens of consumers (benchmarks/)."""

from __future__ import annotations

from aws_cdk import Stack
from constructs import IConstruct


def stack_of(scope: IConstruct) -> Stack:
    """Stack.of, remembered on the scope's Python object (a construct never changes stacks)."""
    stack: Stack | None = getattr(scope, "_kafka_lambda_stack", None)
    if stack is None:
        stack = Stack.of(scope)
        scope._kafka_lambda_stack = stack  # type: ignore[attr-defined]
    return stack
