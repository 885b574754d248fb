"""The sample's settings, read from CDK context (`cdk.json` holds the defaults; `-c key=value` overrides them).

One place for every key, so that the stacks, the tests and the README agree on names and defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from constructs import Node

# Placeholders that synthesize without a Confluent Cloud account; replace them with -c to deploy.
CONFLUENT_BOOTSTRAP_PLACEHOLDER = "pkc-xxxxx.us-east-1.aws.confluent.cloud:9092"
CONFLUENT_SECRET_PLACEHOLDER = "kafka-lambda-sample/confluent-api-key"
SCHEMA_REGISTRY_URL_PLACEHOLDER = "https://psrc-xxxxx.us-east-1.aws.confluent.cloud"
SCHEMA_REGISTRY_SECRET_PLACEHOLDER = "kafka-lambda-sample/confluent-schema-registry-api-key"
# Kafka's topic-name rule (letters, digits, '.', '_', '-'; at most 249), checked here so a typo fails at synth.
_TOPIC: Final = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


@dataclass(frozen=True)
class FleetSettings:
    """FleetTelemetryStack: the simulator and the MSK Serverless topics."""

    simulator_enabled: bool = True  # context `simulator_enabled`: the producer's 1-minute schedule is on
    fleet_size: int = 10  # context `fleet_size`: vehicles simulated per run (one reading each)
    topic_partitions: int = 2  # context `topic_partitions`: partitions of both topics (billed per partition-hour)
    enricher_max_pollers: int = 2  # context `enricher_max_pollers`: ceiling of the enricher's provisioned pollers

    @staticmethod
    def from_context(node: Node) -> FleetSettings:
        defaults = FleetSettings()
        return FleetSettings(
            simulator_enabled=_bool(node, "simulator_enabled", defaults.simulator_enabled),
            fleet_size=_int(node, "fleet_size", defaults.fleet_size, 1, 10_000),
            topic_partitions=_int(node, "topic_partitions", defaults.topic_partitions, 1, 2_400),
            enricher_max_pollers=_int(node, "enricher_max_pollers", defaults.enricher_max_pollers, 1, 2_000),
        )


@dataclass(frozen=True)
class TradeSettings:
    """TradeSettlementStack: where Confluent Cloud and its Schema Registry are, which secrets hold their API keys,
    and the optional dead-letter topic."""

    bootstrap_servers: tuple[str, ...] = (CONFLUENT_BOOTSTRAP_PLACEHOLDER,)  # `confluent_bootstrap_servers`
    secret_name: str = CONFLUENT_SECRET_PLACEHOLDER  # `confluent_secret_name`: {"username": key, "password": secret}
    max_pollers: int = 2  # context `trade_max_pollers`: ceiling of the settlement consumer's provisioned pollers
    # context `confluent_schema_registry_url`: the Schema Registry's https endpoint (Confluent Cloud: psrc-...)
    schema_registry_url: str = SCHEMA_REGISTRY_URL_PLACEHOLDER
    # context `confluent_schema_registry_secret_name`: the registry API key, {"username": key, "password": secret}
    schema_registry_secret_name: str = SCHEMA_REGISTRY_SECRET_PLACEHOLDER
    # context `confluent_dead_letter_topic`: a topic on the same cluster for poison records (unset: none)
    dead_letter_topic: str | None = None

    @staticmethod
    def from_context(node: Node) -> TradeSettings:
        defaults = TradeSettings()
        servers = node.try_get_context("confluent_bootstrap_servers") or ",".join(defaults.bootstrap_servers)
        if isinstance(servers, str):
            servers = [s.strip() for s in servers.split(",") if s.strip()]
        return TradeSettings(
            bootstrap_servers=tuple(str(s) for s in servers),
            secret_name=str(node.try_get_context("confluent_secret_name") or defaults.secret_name),
            max_pollers=_int(node, "trade_max_pollers", defaults.max_pollers, 1, 2_000),
            schema_registry_url=str(
                node.try_get_context("confluent_schema_registry_url") or defaults.schema_registry_url
            ),
            schema_registry_secret_name=str(
                node.try_get_context("confluent_schema_registry_secret_name") or defaults.schema_registry_secret_name
            ),
            dead_letter_topic=_topic(node, "confluent_dead_letter_topic"),
        )


def _bool(node: Node, key: str, default: bool) -> bool:
    value: Any = node.try_get_context(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "on"}:
        return True
    if text in {"false", "0", "no", "off"}:
        return False
    raise ValueError(f"context {key}={value!r}: expected true or false")


def _int(node: Node, key: str, default: int, low: int, high: int) -> int:
    value: Any = node.try_get_context(key)
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"context {key}={value!r}: expected a whole number from {low} to {high}") from None
    if not low <= number <= high:
        raise ValueError(f"context {key}={value!r}: expected a whole number from {low} to {high}")
    return number


def _topic(node: Node, key: str) -> str | None:
    """An optional Kafka topic name; unset or empty means none."""
    value: Any = node.try_get_context(key)
    if value is None or str(value).strip() == "":
        return None
    name = str(value).strip()
    if not _TOPIC.match(name) or name in {".", ".."}:
        raise ValueError(f"context {key}={value!r}: expected a Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)")
    return name
