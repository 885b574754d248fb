"""Networking for the mapping's pollers: broker access and the way to AWS APIs (issue: networking).

Stub: the full implementation (security-group rules, shared VPC endpoints) is built in networking.py only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from constructs import Construct

from .cluster import KafkaCluster


class AccessMode(Enum):
    VPC_ENDPOINTS = "vpc-endpoints"
    EXISTING_EGRESS = "existing-egress"


@dataclass(frozen=True)
class NetworkAccess:
    """How the mapping's ENIs reach Lambda, STS (and Secrets Manager) in on-demand mode."""

    mode: AccessMode

    @staticmethod
    def vpc_endpoints() -> NetworkAccess:
        return NetworkAccess(AccessMode.VPC_ENDPOINTS)

    @staticmethod
    def existing_egress() -> NetworkAccess:
        return NetworkAccess(AccessMode.EXISTING_EGRESS)


def wire_network(
    scope: Construct,
    *,
    cluster: KafkaCluster,
    provisioned: bool,
    access: NetworkAccess | None,
    destination_service: str | None,
) -> None:
    """Add what the mapping needs to reach the brokers and AWS APIs. Stub: nothing yet."""
    return None
