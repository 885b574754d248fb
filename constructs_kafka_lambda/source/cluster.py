"""`KafkaCluster`: plain, validated descriptions of where records come from. Nothing is created until a
consumer binds one.

An MSK cluster may be given as an ARN or as a construct (aws_msk_alpha Cluster / ServerlessCluster, aws_msk
CfnCluster / CfnServerlessCluster); from a construct we take the ARN, the security groups, the subnets, and the
auth mechanisms the cluster has enabled, so that a mismatch fails at construction instead of at the first poll.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_msk as msk
from aws_cdk import aws_secretsmanager as secretsmanager

from .. import limits
from ..errors import ConfigError
from ..tokens import is_unresolved
from .auth import AuthMechanism, KafkaAuth, SourceKind
from .secrets import check_msk_scram_secret

_MSK_CLUSTER_ARN: Final = re.compile(r"^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster/[^/]+/[^/]+$")

ClusterRef = (
    Any  # str ARN | aws_msk_alpha.Cluster | aws_msk_alpha.ServerlessCluster | CfnCluster | CfnServerlessCluster
)


@dataclass(frozen=True)
class KafkaCluster:
    """A Kafka source for Lambda. Build it with `msk`, `msk_serverless`, `self_managed` or `confluent_cloud`."""

    kind: SourceKind
    auth: KafkaAuth
    cluster_arn: str | None = None
    bootstrap_servers: tuple[str, ...] = ()
    root_ca_certificate: secretsmanager.ISecret | None = None
    vpc: ec2.IVpc | None = None
    subnets: ec2.SubnetSelection | None = None
    security_groups: tuple[ec2.ISecurityGroup, ...] = ()
    # Security group and subnet ids read from an L1 cluster (no ISecurityGroup exists for them).
    security_group_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    # Warnings that need a scope to be reported; the consumer that binds this cluster emits them.
    warnings: tuple[str, ...] = field(default=(), compare=False)

    # ---------------------------------------------------------------------------------------------- factories
    @staticmethod
    def msk(
        cluster: ClusterRef,
        *,
        auth: KafkaAuth,
        vpc: ec2.IVpc | None = None,
        subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> KafkaCluster:
        """An Amazon MSK provisioned cluster: IAM, SASL/SCRAM-512, mTLS or unauthenticated."""
        return _msk_description(SourceKind.MSK, cluster, auth, vpc, subnets, security_groups)

    @staticmethod
    def msk_serverless(
        cluster: ClusterRef,
        *,
        auth: KafkaAuth | None = None,
        vpc: ec2.IVpc | None = None,
        subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> KafkaCluster:
        """An Amazon MSK Serverless cluster. It supports IAM only, so `auth` may be left out."""
        auth = auth if auth is not None else KafkaAuth.iam()
        return _msk_description(SourceKind.MSK_SERVERLESS, cluster, auth, vpc, subnets, security_groups)

    @staticmethod
    def self_managed(
        bootstrap_servers: Sequence[str],
        *,
        auth: KafkaAuth,
        root_ca_certificate: secretsmanager.ISecret | None = None,
        vpc: ec2.IVpc | None = None,
        subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> KafkaCluster:
        """Self-managed Apache Kafka (incl. Confluent Platform): public with credentials, or in a VPC."""
        _require_auth(auth, "KafkaCluster.self_managed")
        auth.check_supported_by(SourceKind.SELF_MANAGED)
        servers = _check_bootstrap_servers(bootstrap_servers)
        if root_ca_certificate is not None and not hasattr(root_ca_certificate, "secret_arn"):
            raise ConfigError(
                "root_ca_certificate",
                root_ca_certificate,
                'the root CA must be a Secrets Manager secret holding {"certificate": "<PEM>"}',
                "pass secretsmanager.Secret.from_secret_complete_arn(...) or a Secret you create",
            )
        in_vpc = _check_vpc_trio(vpc, subnets, security_groups)
        if not in_vpc and auth.mechanism is AuthMechanism.UNAUTHENTICATED:
            raise ConfigError(
                "auth",
                "KafkaAuth.unauthenticated()",
                "Lambda reaches brokers without a VPC over the internet, and public brokers need credentials",
                "give vpc=, subnets= and security_groups= for brokers in a VPC, or use SASL/SCRAM, SASL/PLAIN or mTLS",
            )
        return KafkaCluster(
            kind=SourceKind.SELF_MANAGED,
            auth=auth,
            bootstrap_servers=servers,
            root_ca_certificate=root_ca_certificate,
            vpc=vpc,
            subnets=subnets,
            security_groups=tuple(security_groups or ()),
        )

    @staticmethod
    def confluent_cloud(
        bootstrap_servers: Sequence[str],
        *,
        api_key: secretsmanager.ISecret,
        vpc: ec2.IVpc | None = None,
        subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> KafkaCluster:
        """Confluent Cloud: SASL/PLAIN over TLS with an API key secret {"username": key, "password": secret}.

        Public endpoints need no VPC. For PrivateLink, give the VPC, the subnets of the PrivateLink endpoint and
        its security group together.
        """
        auth = KafkaAuth.sasl_plain(api_key)
        servers = _check_bootstrap_servers(bootstrap_servers)
        _check_vpc_trio(vpc, subnets, security_groups)
        return KafkaCluster(
            kind=SourceKind.CONFLUENT_CLOUD,
            auth=auth,
            bootstrap_servers=servers,
            vpc=vpc,
            subnets=subnets,
            security_groups=tuple(security_groups or ()),
        )

    # ------------------------------------------------------------------------------------------------- facts
    @property
    def is_msk(self) -> bool:
        """MSK and MSK Serverless are addressed by ARN and authorised with kafka:/kafka-cluster: actions."""
        return self.kind in (SourceKind.MSK, SourceKind.MSK_SERVERLESS)

    @property
    def in_vpc(self) -> bool:
        """True when the mapping's ENIs live in the cluster's VPC (always for MSK)."""
        return self.is_msk or self.vpc is not None

    @property
    def secrets(self) -> tuple[secretsmanager.ISecret, ...]:
        """Every secret the mapping reads: the auth secret and the root CA."""
        found = [self.auth.secret, self.root_ca_certificate]
        return tuple(s for s in found if s is not None)

    def subnet_ids_in_vpc(self) -> list[str]:
        """The ids of the chosen subnets of `vpc` (private ones by default), where the mapping puts its ENIs."""
        if self.vpc is None:
            return list(self.subnet_ids)
        chosen = self.subnets or ec2.SubnetSelection()
        return self.vpc.select_subnets(
            availability_zones=chosen.availability_zones,
            one_per_az=chosen.one_per_az,
            subnet_filters=chosen.subnet_filters,
            subnet_group_name=chosen.subnet_group_name,
            subnets=chosen.subnets,
            subnet_type=chosen.subnet_type,
        ).subnet_ids

    def broker_ports(self) -> tuple[int, ...]:
        """The broker ports the mapping connects to (MSK: by auth; self-managed: from bootstrap servers)."""
        if self.is_msk:
            return (self.auth.msk_port(),)
        ports = {int(s.rsplit(":", 1)[1]) for s in self.bootstrap_servers if not is_unresolved(s)}
        return tuple(sorted(ports)) or (limits.SELF_MANAGED_DEFAULT_PORT,)


# ---------------------------------------------------------------------------------------------- MSK clusters
@dataclass(frozen=True)
class _FoundMskCluster:
    arn: str
    security_groups: tuple[ec2.ISecurityGroup, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    enabled_auth: frozenset[AuthMechanism] | None = None  # None: unknown (ARN only)
    client_broker: str | None = None  # MSK in-transit setting: TLS, TLS_PLAINTEXT or PLAINTEXT


def _msk_description(
    kind: SourceKind,
    cluster: ClusterRef,
    auth: KafkaAuth,
    vpc: ec2.IVpc | None,
    subnets: ec2.SubnetSelection | None,
    security_groups: Sequence[ec2.ISecurityGroup] | None,
) -> KafkaCluster:
    """Check auth against the table and the cluster construct, then describe it (given groups win)."""
    serverless = kind is SourceKind.MSK_SERVERLESS
    _require_auth(auth, "KafkaCluster.msk_serverless" if serverless else "KafkaCluster.msk")
    auth.check_supported_by(kind)
    found = _read_msk_cluster(cluster, serverless=serverless)
    _check_enabled_auth(found, auth)
    warnings: list[str] = []
    if auth.mechanism is AuthMechanism.SASL_SCRAM_512 and auth.secret is not None:
        warnings += check_msk_scram_secret(auth.secret, "auth")
    return KafkaCluster(
        kind=kind,
        auth=auth,
        cluster_arn=found.arn,
        vpc=vpc,
        subnets=subnets,
        security_groups=tuple(security_groups) if security_groups is not None else found.security_groups,
        security_group_ids=() if security_groups is not None else found.security_group_ids,
        subnet_ids=found.subnet_ids,
        warnings=tuple(warnings),
    )


def _read_msk_cluster(cluster: ClusterRef, *, serverless: bool) -> _FoundMskCluster:
    """Take ARN, security groups, subnets and enabled auth from an ARN or a cluster construct."""
    factory = "KafkaCluster.msk_serverless" if serverless else "KafkaCluster.msk"
    other = "KafkaCluster.msk" if serverless else "KafkaCluster.msk_serverless"
    if isinstance(cluster, str):
        if not is_unresolved(cluster) and not _MSK_CLUSTER_ARN.match(cluster):
            raise ConfigError(
                f"{factory}(cluster)",
                cluster,
                "an MSK cluster ARN has the form arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>",
                "pass the cluster's ARN (aws kafka list-clusters-v2) or the cluster construct",
            )
        return _FoundMskCluster(arn=cluster)
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
        return _FoundMskCluster(arn=arn, security_groups=groups)
    if isinstance(l1, msk.CfnServerlessCluster):
        return _FoundMskCluster(
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
    return _FoundMskCluster(
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


def _check_enabled_auth(found: _FoundMskCluster, auth: KafkaAuth) -> None:
    """A cluster construct tells us what it enables: catch a mismatch now, not at the first poll."""
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


# ------------------------------------------------------------------------------------- self-managed helpers
def _require_auth(auth: Any, factory: str) -> None:
    if not isinstance(auth, KafkaAuth):
        raise ConfigError(
            f"{factory}(auth)",
            auth,
            "auth must be a KafkaAuth",
            "pass KafkaAuth.iam(), KafkaAuth.scram_sha_512(secret), ... (see KafkaAuth)",
        )


def _check_bootstrap_servers(servers: Sequence[str]) -> tuple[str, ...]:
    if isinstance(servers, str) or not isinstance(servers, Sequence):
        raise ConfigError(
            "bootstrap_servers",
            servers,
            "bootstrap servers are a list of 'host:port' strings",
            'pass a list, e.g. ["b-1.example.com:9092", "b-2.example.com:9092"]',
        )
    if is_unresolved(servers):
        return tuple(servers)
    if not limits.BOOTSTRAP_SERVERS_MIN <= len(servers) <= limits.BOOTSTRAP_SERVERS_MAX:
        raise ConfigError(
            "bootstrap_servers",
            list(servers),
            f"Lambda accepts {limits.BOOTSTRAP_SERVERS_MIN} to {limits.BOOTSTRAP_SERVERS_MAX} bootstrap servers",
            "list between 1 and 10 brokers; the client discovers the rest",
        )
    for i, server in enumerate(servers):
        if is_unresolved(server):
            continue
        match = limits.BOOTSTRAP_SERVER_PATTERN.match(server) if isinstance(server, str) else None
        if match is None or len(server) > limits.BOOTSTRAP_SERVER_MAX_LENGTH or not 0 < int(match[1]) < 65536:
            raise ConfigError(
                f"bootstrap_servers[{i}]",
                server,
                f"each bootstrap server is 'host:port' (at most {limits.BOOTSTRAP_SERVER_MAX_LENGTH} characters, "
                "port 1-65535, no scheme)",
                'write it like "broker-1.example.com:9092"',
            )
    return tuple(servers)


def _check_vpc_trio(
    vpc: ec2.IVpc | None,
    subnets: ec2.SubnetSelection | None,
    security_groups: Sequence[ec2.ISecurityGroup] | None,
) -> bool:
    """Self-managed brokers in a VPC need all three; with none of them the brokers are public."""
    given = {"vpc": vpc is not None, "subnets": subnets is not None, "security_groups": bool(security_groups)}
    if any(given.values()) and not all(given.values()):
        missing = [k for k, v in given.items() if not v]
        raise ConfigError(
            ", ".join(missing),
            None,
            "brokers in a VPC need vpc, subnets and security_groups together (Lambda creates its ENIs in those "
            "subnets with that group)",
            f"also pass {' and '.join(missing)}, or none of the three for public brokers",
        )
    return all(given.values())
