"""The monthly bill of one Kafka event source mapping and its function, line by line, for either mode.

Lines: Lambda requests, Lambda compute (GB-seconds), Event Poller Unit-hours (provisioned mode), the mapping's
CloudWatch metrics, the network path to Lambda and STS (on-demand mode in a VPC: interface endpoints or a NAT
gateway), and the failure destination. Kafka itself (MSK cluster, partitions, storage) is not part of it: it costs
the same whichever mode reads the topic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import constants as c

ON_DEMAND = "on-demand"
PROVISIONED = "provisioned"
MODES = (ON_DEMAND, PROVISIONED)
NETWORKS = ("vpc_endpoints", "nat", "none")
DESTINATIONS = ("s3", "sqs", "sns", "kafka", "none")


@dataclass(frozen=True)
class Prices:
    """Unit prices in USD. Defaults: us-east-1 list prices, checked December 2026 (constants.py names each source).

    Pass your Region's (or your contract's) prices; the planner never fetches any.
    """

    lambda_request: float = c.LAMBDA_REQUEST_PRICE
    lambda_gb_second_x86: float = c.LAMBDA_GB_SECOND_PRICE_X86
    lambda_gb_second_arm: float = c.LAMBDA_GB_SECOND_PRICE_ARM
    lambda_free_requests: float = c.LAMBDA_FREE_REQUESTS_PER_MONTH
    lambda_free_gb_seconds: float = c.LAMBDA_FREE_GB_SECONDS_PER_MONTH
    epu_hour: float = c.EPU_HOUR_PRICE
    cloudwatch_metric_month: float = c.CLOUDWATCH_METRIC_MONTH_PRICE
    interface_endpoint_az_hour: float = c.INTERFACE_ENDPOINT_AZ_HOUR_PRICE
    interface_endpoint_gb: float = c.INTERFACE_ENDPOINT_GB_PRICE
    nat_gateway_hour: float = c.NAT_GATEWAY_HOUR_PRICE
    nat_gateway_gb: float = c.NAT_GATEWAY_GB_PRICE
    s3_put: float = c.S3_PUT_PRICE
    sqs_request: float = c.SQS_REQUEST_PRICE
    sns_publish: float = c.SNS_PUBLISH_PRICE
    region: str = c.DEFAULT_REGION


@dataclass(frozen=True)
class CostLine:
    key: str
    label: str
    usd: float
    basis: str


@dataclass(frozen=True)
class CostBreakdown:
    """One mode's monthly cost, line by line (`lines`), with `total` and each line by key (`usd("compute")`)."""

    mode: str
    lines: tuple[CostLine, ...]

    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines)

    def usd(self, key: str) -> float:
        return next(line.usd for line in self.lines if line.key == key)


@dataclass(frozen=True)
class Usage:
    """What one mode uses in a month, from the capacity model; the input of `breakdown`."""

    mode: str
    invocations_per_second: float
    duration_seconds: float
    memory_mb: int
    arm64: bool
    payload_bytes_per_second: float
    epus: float
    mapping_metrics: bool | tuple[str, ...] | None  # None: on in provisioned mode only; a tuple: those groups
    network: str
    availability_zones: int
    nat_gateways: int
    uses_secret: bool
    failure_destination: str
    failure_ratio: float
    free_tier: bool


def breakdown(u: Usage, prices: Prices) -> CostBreakdown:
    return CostBreakdown(
        u.mode,
        (
            _requests(u, prices),
            _compute(u, prices),
            _epus(u, prices),
            _metrics(u, prices),
            _network(u, prices),
            _destination(u, prices),
        ),
    )


def _requests(u: Usage, p: Prices) -> CostLine:
    count = u.invocations_per_second * c.SECONDS_PER_MONTH
    billable = max(0.0, count - p.lambda_free_requests) if u.free_tier else count
    return CostLine("requests", "Lambda requests", billable * p.lambda_request, f"{_n(count)} invocations")


def _compute(u: Usage, p: Prices) -> CostLine:
    billed_seconds = math.ceil(u.duration_seconds * 1000 - 1e-9) / 1000  # Lambda rounds up to 1 ms
    gb_seconds = u.invocations_per_second * c.SECONDS_PER_MONTH * billed_seconds * u.memory_mb / 1024
    billable = max(0.0, gb_seconds - p.lambda_free_gb_seconds) if u.free_tier else gb_seconds
    price = p.lambda_gb_second_arm if u.arm64 else p.lambda_gb_second_x86
    return CostLine("compute", "Lambda compute", billable * price, f"{_n(gb_seconds)} GB-s at {u.memory_mb} MB")


def _epus(u: Usage, p: Prices) -> CostLine:
    if u.mode != PROVISIONED:
        return CostLine("epu", "Event Poller Units", 0.0, "none in on-demand mode")
    hours = u.epus * c.HOURS_PER_MONTH
    return CostLine("epu", "Event Poller Units", hours * p.epu_hour, f"{u.epus:g} EPU x {c.HOURS_PER_MONTH} h")


def _metrics(u: Usage, p: Prices) -> CostLine:
    enabled: bool | tuple[str, ...] = u.mapping_metrics if u.mapping_metrics is not None else u.mode == PROVISIONED
    if enabled is False or enabled == ():
        reason = "off by default in on-demand mode" if u.mapping_metrics is None else "mapping_metrics off"
        return CostLine("metrics", "Mapping metrics", 0.0, reason)
    groups = tuple(c.MAPPING_METRICS_PER_GROUP) if enabled is True else enabled
    count = sum(c.MAPPING_METRICS_PER_GROUP.get(g, 0) for g in groups)
    detail = f"up to {count} metrics" + ("" if enabled is True else f" ({', '.join(groups)})")
    return CostLine("metrics", "Mapping metrics", count * p.cloudwatch_metric_month, detail)


def _network(u: Usage, p: Prices) -> CostLine:
    label = "Network to Lambda/STS"
    if u.mode == PROVISIONED:
        return CostLine("network", label, 0.0, "provisioned pollers need no NAT or endpoints")
    gb = u.payload_bytes_per_second * c.SECONDS_PER_MONTH / c.BYTES_PER_GB
    if u.network == "vpc_endpoints":
        endpoints = c.ON_DEMAND_ENDPOINTS + (c.SECRET_ENDPOINTS if u.uses_secret else 0)
        hours = endpoints * u.availability_zones * c.HOURS_PER_MONTH
        usd = hours * p.interface_endpoint_az_hour + gb * p.interface_endpoint_gb
        return CostLine("network", label, usd, f"{endpoints} endpoints x {u.availability_zones} AZ, {_n(gb)} GB")
    if u.network == "nat":
        usd = u.nat_gateways * c.HOURS_PER_MONTH * p.nat_gateway_hour + gb * p.nat_gateway_gb
        return CostLine("network", label, usd, f"{u.nat_gateways} NAT gateway(s), {_n(gb)} GB")
    return CostLine("network", label, 0.0, "public brokers or endpoints you already pay for")


def _destination(u: Usage, p: Prices) -> CostLine:
    label = "Failure destination"
    failed = u.invocations_per_second * u.failure_ratio * c.SECONDS_PER_MONTH
    kind = u.failure_destination
    if kind == "kafka":
        return CostLine("destination", label, 0.0, "kafka:// topic (cluster charges not modelled)")
    if kind == "none":
        return CostLine("destination", label, 0.0, "no destination")
    unit = {"s3": p.s3_put, "sqs": p.sqs_request, "sns": p.sns_publish}[kind]
    usd = failed * unit
    basis = f"{kind}: {_n(failed)} failed batches"
    if kind in ("sqs", "sns") and u.network == "vpc_endpoints":
        usd += c.DESTINATION_ENDPOINTS * u.availability_zones * c.HOURS_PER_MONTH * p.interface_endpoint_az_hour
        basis += f" + {kind.upper()} endpoint x {u.availability_zones} AZ"
    return CostLine("destination", label, usd, basis)


def _n(value: float) -> str:
    """A count for humans: 1,234 / 12.3k / 4.5M."""
    if value >= 1e6:
        return f"{value / 1e6:,.1f}M"
    if value >= 1e4:
        return f"{value / 1e3:,.1f}k"
    return f"{value:,.4g}" if value < 10 else f"{value:,.0f}"
