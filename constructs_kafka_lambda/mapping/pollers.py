"""`ProvisionedPollers`: provisioned mode for the mapping, validated when it is built."""

from __future__ import annotations

from dataclasses import dataclass

from .. import limits
from ..errors import ConfigError
from ..tokens import is_unresolved


@dataclass(frozen=True)
class ProvisionedPollers:
    """Provisioned mode: dedicated event pollers, billed per Event Poller Unit-hour.

    Unlocks what on-demand mode lacks for Kafka: retries, record age, bisect, batch-item failures, `kafka://`
    failure destinations, ESM logging and poller metrics; and needs no NAT or VPC endpoints for Lambda/STS.

    - minimum: pollers always running, 1-200 (default 1). One poller handles about 5 MB/s.
    - maximum: the autoscaling ceiling, 1-2000 (default 200), capped in effect at the topic's partition count.
    - group_name: share pollers between up to 100 mappings of one VPC (pattern [a-zA-Z0-9-_], <= 128 chars).
    """

    minimum: int = 1
    maximum: int = 200
    group_name: str | None = None

    def __post_init__(self) -> None:
        _check_count("ProvisionedPollers.minimum", self.minimum, limits.MIN_POLLERS_MIN, limits.MIN_POLLERS_MAX)
        _check_count("ProvisionedPollers.maximum", self.maximum, limits.MAX_POLLERS_MIN, limits.MAX_POLLERS_MAX)
        if not is_unresolved(self.minimum) and not is_unresolved(self.maximum):
            if self.minimum > self.maximum:
                raise ConfigError(
                    "ProvisionedPollers.minimum",
                    self.minimum,
                    f"the minimum pollers must not exceed the maximum ({self.maximum})",
                    f"lower minimum to <= {self.maximum} or raise maximum to >= {self.minimum}",
                )
        name = self.group_name
        if name is not None and not is_unresolved(name):
            if (
                not isinstance(name, str)
                or len(name) > limits.POLLER_GROUP_NAME_MAX_LENGTH
                or not limits.POLLER_GROUP_NAME_PATTERN.match(name)
            ):
                raise ConfigError(
                    "ProvisionedPollers.group_name",
                    name,
                    f"a poller group name is 1-{limits.POLLER_GROUP_NAME_MAX_LENGTH} characters of [a-zA-Z0-9-_]",
                    'use letters, digits, "-" and "_", e.g. "orders-pollers"',
                )


def _check_count(prop: str, value: int, low: int, high: int) -> None:
    if is_unresolved(value):
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(prop, value, f"must be a whole number from {low} to {high}", f"pick a value in {low}-{high}")
