"""Checks of the parts of a cluster description that users type: bootstrap servers, the VPC trio, the auth given
to a factory, Confluent Cloud's API key or OAuth. Rules from the API model (limits.py) and the Lambda guide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_secretsmanager as secretsmanager

from .. import limits
from ..errors import ConfigError
from ..tokens import is_unresolved
from .auth import AuthMechanism, KafkaAuth


def confluent_auth(api_key: secretsmanager.ISecret | None, oauth: KafkaAuth | None) -> KafkaAuth:
    if (api_key is None) == (oauth is None):
        raise ConfigError(
            "KafkaCluster.confluent_cloud",
            {"api_key": api_key, "oauth": oauth},
            "Confluent Cloud needs exactly one of an API key or OAuth",
            "pass api_key=secret, or oauth=KafkaAuth.oauth(secret, logical_cluster=..., identity_pool=...)",
        )
    if oauth is None:
        return KafkaAuth.sasl_plain(api_key)  # type: ignore[arg-type]
    require_auth(oauth, "KafkaCluster.confluent_cloud(oauth)")
    if oauth.mechanism is AuthMechanism.IAM_WEB_IDENTITY:
        raise ConfigError(
            "KafkaCluster.confluent_cloud(oauth)",
            "KafkaAuth.iam_web_identity(...)",
            "Confluent Cloud OAuth needs the logical cluster and identity pool extensions, which "
            "IAM_OAUTHBEARER_AUTH does not accept (API model, SourceAccessConfiguration.Type: it 'does not support "
            "the other OAUTHBEARER types')",
            'pass oauth=KafkaAuth.oauth(secret, logical_cluster="lkc-...", identity_pool="pool-...")',
        )
    if (
        oauth.mechanism is not AuthMechanism.OAUTH
        or not {
            "OAUTHBEARER_LOGICAL_CLUSTER",
            "OAUTHBEARER_IDENTITY_POOL",
        }
        <= oauth.oauth_parameter_names
    ):
        raise ConfigError(
            "KafkaCluster.confluent_cloud(oauth)",
            oauth.mechanism.name,
            "Confluent Cloud OAuth needs the cluster's logical cluster id and the identity pool id",
            'pass oauth=KafkaAuth.oauth(secret, logical_cluster="lkc-...", identity_pool="pool-...")',
        )
    return oauth


def require_auth(auth: Any, factory: str) -> None:
    if not isinstance(auth, KafkaAuth):
        raise ConfigError(
            f"{factory}(auth)",
            auth,
            "auth must be a KafkaAuth",
            "pass KafkaAuth.iam(), KafkaAuth.scram_sha_512(secret), ... (see KafkaAuth)",
        )


def check_bootstrap_servers(servers: Sequence[str]) -> tuple[str, ...]:
    """1-10 distinct "host:port" strings that the API's Endpoint pattern accepts, ports 1-65535.

    Host names follow the API model's Endpoint pattern (labels of letters, digits and inner hyphens: no
    underscore, no leading or trailing hyphen, no empty label); CloudFormation also requires them to be unique.
    """

    def rule_broken(server: Any) -> str | None:
        if not isinstance(server, str):
            return "each bootstrap server is a 'host:port' string"
        if len(server) > limits.BOOTSTRAP_SERVER_MAX_LENGTH:
            return f"a bootstrap server is at most {limits.BOOTSTRAP_SERVER_MAX_LENGTH} characters"
        if "://" in server:
            return "a bootstrap server is 'host:port' without a scheme"
        host, colon, port = server.rpartition(":")
        if not colon or not port.isascii() or not port.isdigit() or not host:
            return "a bootstrap server is 'host:port' (e.g. broker-1.example.com:9092)"
        if len(port) > 5 or not limits.PORT_MIN <= int(port) <= limits.PORT_MAX:
            return f"the port must be {limits.PORT_MIN}-{limits.PORT_MAX} (at most 5 digits)"
        if limits.BOOTSTRAP_SERVER_PATTERN.match(server) is None:
            return (
                "the host must be labels of letters, digits and inner hyphens separated by single dots (the "
                "Lambda API's Endpoint pattern): no '_', no label starting or ending with '-', no empty label"
            )
        return None

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
    seen: dict[str, int] = {}
    for i, server in enumerate(servers):
        if is_unresolved(server):
            continue
        broken = rule_broken(server)
        if broken is not None:
            raise ConfigError(
                f"bootstrap_servers[{i}]", server, broken, 'write it like "broker-1.example.com:9092" (the DNS name)'
            )
        if server in seen:
            raise ConfigError(
                f"bootstrap_servers[{i}]",
                server,
                f"the same server as bootstrap_servers[{seen[server]}]; CloudFormation requires unique servers",
                "list each broker once",
            )
        seen[server] = i
    return tuple(servers)


def check_vpc_trio(
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
