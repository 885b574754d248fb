"""Reading an MSK cluster given as an ARN or a construct: its ARN, groups, subnets and enabled authentication.

From a construct (aws_msk_alpha Cluster / ServerlessCluster, aws_msk CfnCluster / CfnServerlessCluster) the L1's
properties tell which client authentication the cluster enables, so a mismatch fails at construction instead of
at the first poll, and Lambda's own choice is modelled: "If IAM auth is active on your MSK cluster, and you don't
provide a secret for auth, Lambda automatically defaults to using IAM auth" (Lambda guide, with-msk-configure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_msk as msk

from ..errors import ConfigError
from ..tokens import is_unresolved
from .auth import AuthMechanism, KafkaAuth

MSK_CLUSTER_ARN: Final = re.compile(r"^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster/[^/]+/[^/]+$")

ClusterRef = (
    Any  # str ARN | aws_msk_alpha.Cluster | aws_msk_alpha.ServerlessCluster | CfnCluster | CfnServerlessCluster
)


@dataclass(frozen=True)
class FoundMskCluster:
    arn: str
    security_groups: tuple[ec2.ISecurityGroup, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    enabled_auth: frozenset[AuthMechanism] | None = None  # None: unknown (ARN only)
    client_broker: str | None = None  # MSK in-transit setting: TLS, TLS_PLAINTEXT or PLAINTEXT


def read_msk_cluster(cluster: ClusterRef, *, serverless: bool) -> FoundMskCluster:
    """Take ARN, security groups, subnets and enabled auth from an ARN or a cluster construct."""
    factory = "KafkaCluster.msk_serverless" if serverless else "KafkaCluster.msk"
    other = "KafkaCluster.msk" if serverless else "KafkaCluster.msk_serverless"
    if isinstance(cluster, str):
        if not is_unresolved(cluster) and not MSK_CLUSTER_ARN.match(cluster):
            raise ConfigError(
                f"{factory}(cluster)",
                cluster,
                "an MSK cluster ARN has the form arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>",
                "pass the cluster's ARN (aws kafka list-clusters-v2) or the cluster construct",
            )
        return FoundMskCluster(arn=cluster)
    l1 = cluster if isinstance(cluster, msk.CfnCluster | msk.CfnServerlessCluster) else None
    if l1 is None and hasattr(cluster, "cluster_arn") and hasattr(cluster, "node"):
        child = cluster.node.default_child
        l1 = child if isinstance(child, msk.CfnCluster | msk.CfnServerlessCluster) else None
    if l1 is None and not hasattr(cluster, "cluster_arn"):
        raise ConfigError(
            f"{factory}(cluster)",
            cluster,
            "the cluster must be an ARN string or an MSK cluster construct",
            "pass the ARN, an aws_msk_alpha Cluster/ServerlessCluster or an aws_msk CfnCluster/CfnServerlessCluster",
        )
    if l1 is not None and isinstance(l1, msk.CfnServerlessCluster) != serverless:
        kind = "a serverless" if not serverless else "a provisioned"
        raise ConfigError(
            f"{factory}(cluster)",
            l1.node.path,
            f"this is {kind} MSK cluster",
            f"use {other}(...) for it",
        )
    arn = cluster.cluster_arn if hasattr(cluster, "cluster_arn") else l1.attr_arn  # type: ignore[union-attr]
    groups: tuple[ec2.ISecurityGroup, ...] = ()
    if hasattr(cluster, "connections"):
        groups = tuple(cluster.connections.security_groups)
    if l1 is None:
        return FoundMskCluster(arn=arn, security_groups=groups)
    if isinstance(l1, msk.CfnServerlessCluster):
        return FoundMskCluster(
            arn=arn,
            security_groups=groups,
            security_group_ids=() if groups else tuple(_ids(l1.vpc_configs, "security_groups")),
            subnet_ids=tuple(_ids(l1.vpc_configs, "subnet_ids")),
            enabled_auth=frozenset({AuthMechanism.IAM}),
        )
    stack = Stack.of(l1)
    enabled, client_broker = _msk_enabled_auth(
        stack.resolve(l1.client_authentication), stack.resolve(l1.encryption_info)
    )
    return FoundMskCluster(
        arn=arn,
        security_groups=groups,
        security_group_ids=() if groups else tuple(_raw(l1.broker_node_group_info, "security_groups")),
        subnet_ids=tuple(_raw(l1.broker_node_group_info, "client_subnets")),
        enabled_auth=enabled,
        client_broker=client_broker,
    )


def _raw(prop: Any, name: str) -> list[str]:
    """Unresolved values (tokens kept as tokens) of a list attribute of an L1 property struct."""
    if prop is None or is_unresolved(prop):
        return []
    value = prop.get(name, prop.get(_camel(name))) if isinstance(prop, dict) else getattr(prop, name, None)
    return [v for v in (value or []) if isinstance(v, str)]


def _ids(vpc_configs: Any, name: str) -> list[str]:
    if vpc_configs is None or is_unresolved(vpc_configs):
        return []
    return [v for config in vpc_configs for v in _raw(config, name)]


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p.title() for p in rest)


def _msk_enabled_auth(
    client_auth: dict[str, Any] | None, encryption: dict[str, Any] | None
) -> tuple[frozenset[AuthMechanism] | None, str | None]:
    """Which mechanisms an MSK cluster has enabled, from its resolved L1 properties."""
    client_broker = ((encryption or {}).get("encryptionInTransit") or {}).get("clientBroker", "TLS")
    if not isinstance(client_broker, str):
        client_broker = None
    if client_auth is None:  # MSK default: unauthenticated access only
        return frozenset({AuthMechanism.UNAUTHENTICATED}), client_broker
    if not isinstance(client_auth, dict):
        return None, client_broker
    sasl = client_auth.get("sasl") or {}
    enabled: set[AuthMechanism] = set()
    if (sasl.get("iam") or {}).get("enabled") is True:
        enabled.add(AuthMechanism.IAM)
    if (sasl.get("scram") or {}).get("enabled") is True:
        enabled.add(AuthMechanism.SASL_SCRAM_512)
    if (client_auth.get("tls") or {}).get("enabled", bool(client_auth.get("tls"))) is True:
        enabled.add(AuthMechanism.MUTUAL_TLS)
    if (client_auth.get("unauthenticated") or {}).get("enabled") is True:
        enabled.add(AuthMechanism.UNAUTHENTICATED)
    return frozenset(enabled), client_broker


def check_enabled_auth(found: FoundMskCluster, auth: KafkaAuth) -> None:
    """A cluster construct tells us what it enables: catch a mismatch now, not at the first poll."""
    if (
        found.enabled_auth is not None
        and auth.mechanism is AuthMechanism.UNAUTHENTICATED
        and AuthMechanism.IAM in found.enabled_auth
    ):
        raise ConfigError(
            "auth",
            "KafkaAuth.unauthenticated()",
            "the cluster enables IAM, and Lambda uses IAM whenever no secret is given (Lambda guide, "
            "with-msk-configure), so the mapping would connect on 9098 with IAM, not unauthenticated",
            "use KafkaAuth.iam() (the role then gets kafka-cluster:Connect/ReadData/... and the 9098 rule)",
        )
    if found.enabled_auth is not None and auth.mechanism not in found.enabled_auth:
        names = sorted(m.name for m in found.enabled_auth) or ["none"]
        raise ConfigError(
            "auth",
            auth.mechanism.name,
            f"the MSK cluster does not enable {auth.mechanism.name} client authentication "
            f"(it enables: {', '.join(names)})",
            "enable it on the cluster (client_authentication=...) or pick one of the enabled mechanisms",
        )
    if auth.mechanism is AuthMechanism.UNAUTHENTICATED and found.client_broker is not None:
        if auth.tls and found.client_broker == "PLAINTEXT":
            raise ConfigError(
                "auth",
                "KafkaAuth.unauthenticated(tls=True)",
                "the cluster's client-broker encryption is PLAINTEXT, so there is no TLS listener (9094)",
                "use KafkaAuth.unauthenticated(tls=False), or enable TLS on the cluster",
            )
        if not auth.tls and found.client_broker == "TLS":
            raise ConfigError(
                "auth",
                "KafkaAuth.unauthenticated(tls=False)",
                "the cluster's client-broker encryption is TLS only, so there is no plaintext listener (9092)",
                "use KafkaAuth.unauthenticated(tls=True) (recommended)",
            )
