"""`plan_for_consumer()`: the planner with a consumer's own settings, for `KafkaLambdaConsumer.plan(...)`.

The consumer builds a `ConsumerSettings` from what it was given (batching, mode, pollers, memory, metrics, network,
failure destination, filters); the user adds what only they know (load, record size, partitions, duration).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from . import constants as c
from .costs import ON_DEMAND, PROVISIONED
from .plan import Plan, plan


@dataclass(frozen=True)
class ConsumerSettings:
    """What a KafkaLambdaConsumer already knows about itself, for `plan_for_consumer`.

    network: "vpc_endpoints" (the library's default in a VPC), "nat" (existing egress through a NAT gateway) or
    "none" (public brokers, or endpoints you already pay for). failure_destination: "s3", "sqs", "sns", "kafka",
    "none". memory_mb None: the function's memory is unknown (a token or an imported function); 128 MB is assumed.
    """

    batch_size: int = c.DEFAULT_BATCH_SIZE
    batching_window_seconds: float = c.DEFAULT_BATCHING_WINDOW_SECONDS
    provisioned: bool = False
    minimum_pollers: int | None = None
    maximum_pollers: int | None = None
    poller_group: bool = False
    memory_mb: int | None = None
    mapping_metrics: bool | tuple[str, ...] | None = None  # None: on in provisioned mode only, as the consumer
    network: str = "vpc_endpoints"
    uses_secret: bool = False
    failure_destination: str = "s3"
    filters: tuple[Mapping[str, Any], ...] = ()


def plan_for_consumer(settings: ConsumerSettings, **workload: Any) -> Plan:
    """`plan()` with the consumer's own batching, mode, pollers, memory, metrics, network and destination.

    `workload` holds what only the user knows: records_per_second (or mb_per_second), record_bytes, partitions,
    duration_ms_per_batch, and optionally filter_keep_ratio or sample_records (matched against the consumer's
    filters), backlog_records, backlog_drain_target_seconds, prices, region, availability_zones, failure_ratio.
    """
    fixed: dict[str, Any] = {
        "batch_size": settings.batch_size,
        "batching_window_seconds": settings.batching_window_seconds,
        "mode": PROVISIONED if settings.provisioned else ON_DEMAND,
        "minimum_pollers": settings.minimum_pollers if settings.provisioned else None,
        "maximum_pollers": settings.maximum_pollers if settings.provisioned else None,
        "poller_group": settings.poller_group,
        "memory_mb": settings.memory_mb,
        "mapping_metrics": settings.mapping_metrics,
        "network": settings.network,
        "uses_secret": settings.uses_secret,
        "failure_destination": settings.failure_destination,
        "filters": list(settings.filters),
    }
    clash = sorted(set(fixed) & set(workload))
    if clash:
        raise ConfigError(
            clash[0],
            workload[clash[0]],
            "is the consumer's own setting, taken from the consumer",
            "change it on the consumer, or call constructs_kafka_lambda.plan(...) for a what-if",
        )
    return plan(**fixed, **workload)
