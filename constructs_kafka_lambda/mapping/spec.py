"""`MappingSpec`: the one validated, frozen description of a mapping that build, grant, wire and observe read.

The consumer's checks (mapping/checks.py) turn user props into this; nothing downstream looks at raw props again,
so a rule lives in exactly one place and every later step can trust what it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_

from ..network.access import NetworkAccess
from ..observe.options import Monitoring
from ..source.cluster import KafkaCluster
from ..source.schema_registry import SchemaRegistry
from .destinations import FailureDestination
from .pollers import ProvisionedPollers


class ConsumptionMode(Enum):
    """How a self-managed mapping reads its topic (SelfManagedKafkaEventSourceConfig.ConsumptionMode).

    - STREAM (default): a consumer group reads partitions in order, committing offsets.
    - QUEUE: a Kafka share group (Apache Kafka >= 4.2, KIP-932): records are handed out individually to any
      poller, without per-partition order; starting position and batching window do not apply. Create-only:
      changing it replaces the mapping.
    """

    STREAM = "Stream"
    QUEUE = "Queue"


@dataclass(frozen=True)
class MappingSpec:
    """Everything a consumer builds from, checked. Values may still be CDK tokens where CDK allows them."""

    cluster: KafkaCluster
    topic: str
    function: lambda_.IFunction
    role: iam.IRole
    batch_size: int
    batching_window_seconds: int | None
    batching_window: Duration | None  # the Duration given, whole seconds (checked); None where the window is not set
    starting_position: str | None  # TRIM_HORIZON | LATEST | AT_TIMESTAMP; None in queue mode
    starting_position_timestamp: float | None
    consumer_group_id: str | None
    filters: tuple[dict[str, Any], ...]
    pollers: ProvisionedPollers | None
    destination: FailureDestination
    retry_attempts: int | None
    record_age_seconds: int | None
    bisect_batch_on_error: bool | None
    report_batch_item_failures: bool
    enabled: Any  # True, False, or a token (a String parameter or Token.as_any) written on the L1
    mapping_metrics: tuple[str, ...]  # the MetricsConfig groups turned on (limits.MAPPING_METRICS order)
    network_access: NetworkAccess | None
    monitoring: Monitoring
    log_level: str | None
    filter_encryption: kms.IKey | None
    schema_registry: SchemaRegistry | None
    consumption_mode: ConsumptionMode

    @property
    def provisioned(self) -> bool:
        """Provisioned mode (dedicated pollers) rather than on-demand."""
        return self.pollers is not None

    @property
    def queue_mode(self) -> bool:
        return self.consumption_mode is ConsumptionMode.QUEUE

    @cached_property
    def source_access_configurations(self) -> tuple[tuple[str, str | None], ...]:
        """(Type, URI) pairs: the auth (its secret, or no URI for IAM_AUTH / IAM_OAUTHBEARER_AUTH) and its
        parameters, the root CA, and for self-managed brokers in a VPC one entry per subnet and per security group
        (the API caps the total, checked in mapping/checks.py). Computed once: the checks count them and the
        template writes them (subnet selection asks CDK)."""
        cluster = self.cluster
        configs: list[tuple[str, str | None]] = list(cluster.auth.access_configurations(cluster.kind))
        if cluster.root_ca_certificate is not None:
            configs.append(("SERVER_ROOT_CA_CERTIFICATE", cluster.root_ca_certificate.secret_arn))
        if not cluster.is_msk and cluster.vpc is not None:
            configs += [("VPC_SUBNET", f"subnet:{s}") for s in cluster.subnet_ids_in_vpc()]
            configs += [
                ("VPC_SECURITY_GROUP", f"security_group:{g.security_group_id}") for g in cluster.security_groups
            ]
        return tuple(configs)
