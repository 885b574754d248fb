"""`NetworkAccess`: how the mapping's pollers reach AWS APIs from the cluster's subnets (a plain description)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..errors import ConfigError


class AccessMode(Enum):
    """How the pollers reach AWS APIs (see NetworkAccess)."""

    VPC_ENDPOINTS = "vpc-endpoints"
    EXISTING_EGRESS = "existing-egress"


@dataclass(frozen=True)
class NetworkAccess:
    """How the mapping's pollers reach AWS APIs from the cluster's subnets. Build it with the static methods.

    - `NetworkAccess.vpc_endpoints()` (the default in on-demand mode when the cluster is in a VPC): interface
      endpoints for Lambda and STS, plus Secrets Manager when the cluster uses a secret, in the cluster's subnets,
      with private DNS, behind one security group that admits 443 from the cluster's security groups only. Created
      once per VPC and shared by every consumer in the app. If the VPC already has endpoints for these services with
      private DNS, AWS rejects a second one: use `existing_egress()` then.
    - `NetworkAccess.existing_egress(nat_gateway=...)`: the VPC already gives the subnets a way out (a NAT gateway,
      or endpoints you manage); nothing is created. With `nat_gateway=True` the subnets are checked: isolated or
      public subnets (no route to a NAT gateway) raise ConfigError.
    - Provisioned mode (`provisioned_pollers=...`) needs neither NAT nor Lambda/STS/Secrets Manager endpoints, and
      AWS advises against them; leave `network_access` unset (`vpc_endpoints()` there only adds a warning).

    In every mode an SQS, SNS or S3 on-failure destination needs an endpoint for that service in the cluster's VPC
    (AWS: kafka-on-failure.html). Unless `existing_egress()` is chosen, it is created (S3: a gateway endpoint routed
    from the cluster's subnets; SQS/SNS: interface endpoints).
    """

    mode: AccessMode
    nat_gateway: bool = False
    # The default chosen for a NAT VPC still creates the failure destination's endpoint (kafka-on-failure.html).
    destination_endpoint: bool = False

    @staticmethod
    def vpc_endpoints() -> NetworkAccess:
        """Create (once per VPC) interface endpoints for Lambda, STS and, with a secret, Secrets Manager."""
        return NetworkAccess(AccessMode.VPC_ENDPOINTS)

    @staticmethod
    def existing_egress(*, nat_gateway: bool = False) -> NetworkAccess:
        """The VPC already reaches AWS APIs (NAT gateway or your own endpoints): create no endpoints.

        :param nat_gateway: state that the cluster's subnets route through a NAT gateway; checked against the
            subnets (isolated or public subnets fail with ConfigError). Leave False when the VPC has endpoints.
        """
        if not isinstance(nat_gateway, bool):
            raise ConfigError(
                "NetworkAccess.existing_egress(nat_gateway)",
                nat_gateway,
                "nat_gateway must be True or False",
                "pass nat_gateway=True when the subnets route through a NAT gateway",
            )
        return NetworkAccess(AccessMode.EXISTING_EGRESS, nat_gateway=nat_gateway)
