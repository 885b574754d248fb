"""Poller groups across the whole app: mappings that share provisioned pollers (PollerGroupName).

Lambda guide (provisioned mode, "poller groups"): a group holds at most 100 mappings, all in one VPC, whose maximum
pollers add up to at most 2,000. One consumer cannot see that; the app can. Members are remembered on the app's
root construct, and the consumer that breaks a limit gets a ConfigError naming every member.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from .. import limits
from ..errors import ConfigError
from ..tokens import is_unresolved
from .spec import MappingSpec


@dataclass(frozen=True)
class _Member:
    path: str
    vpc: str | None  # the VPC's construct path (or None when unknown)
    maximum: int


def join_poller_group(consumer: Construct, spec: MappingSpec) -> None:
    """Record this consumer in its poller group; raise when the group would exceed AWS's limits."""
    group = spec.pollers.group_name if spec.pollers is not None else None
    if group is None or is_unresolved(group):
        return
    root = consumer.node.root
    groups: dict[str, list[_Member]] = root.__dict__.setdefault("_kafka_lambda_poller_groups", {})
    vpc = spec.cluster.vpc.node.path if spec.cluster.vpc is not None else None
    maximum = spec.pollers.maximum if spec.pollers is not None and not is_unresolved(spec.pollers.maximum) else 0
    members = [*groups.get(group, []), _Member(consumer.node.path, vpc, maximum)]
    names = ", ".join(m.path for m in members)
    vpcs = {m.vpc for m in members if m.vpc is not None}
    if len(vpcs) > 1:
        raise ConfigError(
            "provisioned_pollers.group_name",
            group,
            f"a poller group's mappings share one VPC; this group spans {len(vpcs)} ({', '.join(sorted(vpcs))}): "
            f"{names}",
            "use one group name per VPC",
        )
    if len(members) > limits.POLLER_GROUP_MAPPINGS_MAX:
        raise ConfigError(
            "provisioned_pollers.group_name",
            group,
            f"a poller group holds at most {limits.POLLER_GROUP_MAPPINGS_MAX} mappings; this would be the "
            f"{len(members)}th: {names}",
            "split the consumers over two group names",
        )
    total = sum(m.maximum for m in members)
    if total > limits.POLLER_GROUP_POLLERS_MAX:
        raise ConfigError(
            "provisioned_pollers.group_name",
            group,
            f"the maximum pollers of a group's mappings add up to at most {limits.POLLER_GROUP_POLLERS_MAX}; "
            f"here {total} ({'; '.join(f'{m.path}: {m.maximum}' for m in members)})",
            "lower ProvisionedPollers.maximum of some consumers, or split them over two group names",
        )
    groups[group] = members
