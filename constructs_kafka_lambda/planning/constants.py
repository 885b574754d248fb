"""Every figure the planner uses, one named constant each, with where it comes from.

Why one table: a capacity or cost figure that hides inside an expression cannot be checked or updated. Each constant
below names its source (a URL) and when it was read; `SOURCES` repeats that as data so that a test can check that
no figure is left without one and the CLI can print them (`python -m constructs_kafka_lambda plan --sources`).

Prices are *defaults* for `Prices` (see plan.py), not truths: they are us-east-1 list prices, checked December
2026, and change by Region and over time. Capacity figures are what AWS documents for provisioned mode; AWS does
not document per-poller capacity for on-demand mode, so the planner assumes the same figures there and says so.

Two figures are not documented but *fitted* (the "Drain model" section): the time each batch costs beyond the
function's duration, and the pace at which the service adds pollers. planning/fit.py recomputes them from the
published drain times (`MEASURED_DRAINS` there) and tests/test_plan.py checks that the values below are its result.
"""

from __future__ import annotations

from typing import Final

from .. import limits

CHECKED: Final = "2026-12"
DEFAULT_REGION: Final = "us-east-1"

_SCALING = "https://docs.aws.amazon.com/lambda/latest/dg/kafka-scaling-modes.html"
_LOW_LATENCY = "https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-low-latency.html"
_LAMBDA_PRICING = "https://aws.amazon.com/lambda/pricing/"
_LAMBDA_LIMITS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
_ESM = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html"
_CW_PRICING = "https://aws.amazon.com/cloudwatch/pricing/"
_PRIVATELINK_PRICING = "https://aws.amazon.com/privatelink/pricing/"
_VPC_PRICING = "https://aws.amazon.com/vpc/pricing/"
_S3_PRICING = "https://aws.amazon.com/s3/pricing/"
_SQS_PRICING = "https://aws.amazon.com/sqs/pricing/"
_SNS_PRICING = "https://aws.amazon.com/sns/pricing/"
_METRICS = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html"
_KAFKA_EVENT = "https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html"
_KAFKA_GUIDE = "https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html"
_MSK_NETWORK = "https://docs.aws.amazon.com/lambda/latest/dg/with-msk-cluster-network.html"
_ON_FAILURE = "https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html"
# Confluent and AWS, "Building High Throughput Apache Kafka Applications with Confluent and Provisioned Mode for AWS
# Lambda Event Source Mapping (ESM)" (Confluent blog): the only published drain times (planning/fit.py).
_DRAIN_POST = "https://www.confluent.io/blog/confluent-and-lambda/"

# --- Capacity of an event poller (provisioned mode, Amazon MSK and self-managed Kafka) ------------------------
# kafka-scaling-modes: "each event poller can handle up to 5 MB/sec of throughput or up to 5 concurrent
# invocations". MB taken as 10^6 bytes (AWS does not say; 2^20 would add 4.9 %).
POLLER_MAX_BYTES_PER_SECOND: Final = 5_000_000
POLLER_MAX_CONCURRENT_INVOKES: Final = 5
# Lambda pricing, "Provisioned Mode for event source mappings": "Each EPU supports up to 20 MB/s throughput
# capacity for event polling, with a default of 10 event pollers." kafka-scaling-modes repeats both.
EPU_MAX_BYTES_PER_SECOND: Final = 20_000_000
POLLERS_PER_EPU: Final = 10
# kafka-scaling-modes: MinimumPollers 1-200 (default 1), MaximumPollers 1-2000 (default 200), and "Lambda caps
# the MaximumPollers to the number of partitions in the topic" (one poller per partition keeps order).
MIN_POLLERS_RANGE: Final = (1, 200)
MAX_POLLERS_RANGE: Final = (1, 2000)
DEFAULT_MAXIMUM_POLLERS: Final = 200
# kafka-scaling-modes, on-demand: "In one-minute intervals, Lambda evaluates the offset lag ... This autoscaling
# process of adding or removing event pollers occurs within three minutes of evaluation." The Compute Blog post
# introducing provisioned mode: "When a Kafka ESM is created, Lambda ESM allocates one event poller".
ON_DEMAND_INITIAL_POLLERS: Final = 1
ON_DEMAND_SCALE_UP_SECONDS: Final = 60 + 180

# --- Drain model: fitted to the published drain times (planning/fit.py; not documented by AWS) -----------------
# Fitted together on the three drains of 2 M records in the Confluent/AWS post (100 partitions, batch 100, 100 ms
# per batch); the fit gives 0.3496 s and 4.731 per minute, kept here to two significant figures. Residuals with
# these values: on-demand +3 %, provisioned minimum 1 -1 %, minimum 100 0 % (`calibration` prints them).
# Each batch costs this much beyond the function's duration (poll, invoke, commit), its partition idle meanwhile:
# at 100 pollers the service took 90 s where the function's time alone is 20 s (200 batches x 0.45 s).
BATCH_OVERHEAD_SECONDS: Final = 0.35
# While a backlog waits the service adds one poller every 60 / 4.7 = 12.8 s: in provisioned mode from the minimum,
# from the start; in on-demand mode after ON_DEMAND_SCALE_UP_SECONDS at one poller.
POLLERS_ADDED_PER_MINUTE: Final = 4.7

# --- Invocation payload and batching ---------------------------------------------------------------------------
# Lambda quotas: 6 MB invocation payload (synchronous); the ESM fails larger batches (MaximumPayloadSizeExceeded).
INVOKE_PAYLOAD_MAX_BYTES: Final = 6 * 1024 * 1024
# The Kafka event carries each value (and key) base64-encoded: 4 bytes per 3.
BASE64_EXPANSION: Final = 4 / 3
# Per-record JSON around the value in the Kafka event (topic, partition, offset, timestamp, timestampType, key,
# headers): an estimate from the event shape in with-msk.html, not a published figure.
RECORD_EVENT_OVERHEAD_BYTES: Final = 200
# ESM batching defaults (invocation-eventsourcemapping, Kafka): BatchSize 100, MaximumBatchingWindowInSeconds 0.5;
# BatchSize 1-10,000 (the constructs' limits.py, from AWS's API model).
DEFAULT_BATCH_SIZE: Final = 100
DEFAULT_BATCHING_WINDOW_SECONDS: Final = 0.5
BATCH_SIZE_RANGE: Final = (limits.BATCH_SIZE_MIN, limits.BATCH_SIZE_MAX)
# Lambda's function memory (gettingstarted-limits: 128 MB to 10,240 MB, default 128 MB).
DEFAULT_MEMORY_MB: Final = 128
MEMORY_MB_RANGE: Final = (128, 10_240)
# with-kafka: a function that consumes Kafka may have a timeout of at most 14 minutes (limits.py, which the constructs
# enforce; one figure for both).
FUNCTION_TIMEOUT_MAX_SECONDS: Final = limits.FUNCTION_TIMEOUT_MAX_SECONDS

# --- Time ------------------------------------------------------------------------------------------------------
# AWS's Lambda pricing examples count a month as 30 days and 720 EPU-hours; the planner does the same so that its
# figures can be compared with AWS's examples line by line.
HOURS_PER_MONTH: Final = 720
SECONDS_PER_MONTH: Final = HOURS_PER_MONTH * 3600
# AWS bills data processing per GB of 2^30 bytes.
BYTES_PER_GB: Final = 1024**3

# --- Prices (us-east-1, USD) -----------------------------------------------------------------------------------
LAMBDA_REQUEST_PRICE: Final = 0.20 / 1_000_000
LAMBDA_GB_SECOND_PRICE_X86: Final = 0.0000166667
LAMBDA_GB_SECOND_PRICE_ARM: Final = 0.0000133334
LAMBDA_FREE_REQUESTS_PER_MONTH: Final = 1_000_000
LAMBDA_FREE_GB_SECONDS_PER_MONTH: Final = 400_000
EPU_HOUR_PRICE: Final = 0.185
# CloudWatch custom metrics, first 10,000 metrics: $0.30 per metric-month, prorated by the hour.
CLOUDWATCH_METRIC_MONTH_PRICE: Final = 0.30
# The mapping's MetricsConfig groups: EventCount (7 metrics), ErrorCount (5) and KafkaMetrics (2). An upper bound:
# error metrics are only emitted (and billed) in hours with errors.
MAPPING_METRICS_PER_GROUP: Final = {"EventCount": 7, "ErrorCount": 5, "KafkaMetrics": 2}
MAPPING_METRICS_PER_MAPPING: Final = sum(MAPPING_METRICS_PER_GROUP.values())
INTERFACE_ENDPOINT_AZ_HOUR_PRICE: Final = 0.01
INTERFACE_ENDPOINT_GB_PRICE: Final = 0.01
# with-msk-cluster-network: on-demand pollers in private subnets reach Lambda and STS (and Secrets Manager when the
# cluster's auth uses a secret) through a NAT gateway or one interface endpoint each, in every AZ of the mapping.
ON_DEMAND_ENDPOINTS: Final = 2
SECRET_ENDPOINTS: Final = 1
# kafka-on-failure: an SQS or SNS failure destination needs its own interface endpoint in the cluster's VPC (S3 a
# gateway endpoint, which is free).
DESTINATION_ENDPOINTS: Final = 1
NAT_GATEWAY_HOUR_PRICE: Final = 0.045
NAT_GATEWAY_GB_PRICE: Final = 0.045
S3_PUT_PRICE: Final = 0.005 / 1000
SQS_REQUEST_PRICE: Final = 0.40 / 1_000_000
SNS_PUBLISH_PRICE: Final = 0.50 / 1_000_000

# --- Planning choices (ours, not AWS's) ------------------------------------------------------------------------
# with-kafka-low-latency: "We recommend to provision additional event pollers as buffer to avoid consistently
# operating at maximum capacity." AWS gives no number; 20 % is the planner's default, an input of plan().
DEFAULT_HEADROOM: Final = 0.2

SOURCES: Final[dict[str, str]] = {
    "POLLER_MAX_BYTES_PER_SECOND": _SCALING,
    "POLLER_MAX_CONCURRENT_INVOKES": _SCALING,
    "EPU_MAX_BYTES_PER_SECOND": _LAMBDA_PRICING,
    "POLLERS_PER_EPU": _LAMBDA_PRICING,
    "MIN_POLLERS_RANGE": _SCALING,
    "MAX_POLLERS_RANGE": _SCALING,
    "DEFAULT_MAXIMUM_POLLERS": _SCALING,
    "ON_DEMAND_INITIAL_POLLERS": "https://aws.amazon.com/blogs/compute/introducing-provisioned-mode-for-kafka-event-source-mappings-with-aws-lambda/",
    "ON_DEMAND_SCALE_UP_SECONDS": _SCALING,
    "BATCH_OVERHEAD_SECONDS": _DRAIN_POST + " (fitted by planning/fit.py on its three drain times)",
    "POLLERS_ADDED_PER_MINUTE": _DRAIN_POST + " (fitted by planning/fit.py on its three drain times)",
    "INVOKE_PAYLOAD_MAX_BYTES": _LAMBDA_LIMITS,
    "BASE64_EXPANSION": _KAFKA_EVENT,
    "RECORD_EVENT_OVERHEAD_BYTES": _KAFKA_EVENT + " (estimate from the event shape)",
    "DEFAULT_BATCH_SIZE": _ESM,
    "DEFAULT_BATCHING_WINDOW_SECONDS": _ESM,
    "BATCH_SIZE_RANGE": _ESM,
    "DEFAULT_MEMORY_MB": _LAMBDA_LIMITS,
    "MEMORY_MB_RANGE": _LAMBDA_LIMITS,
    "FUNCTION_TIMEOUT_MAX_SECONDS": _KAFKA_GUIDE,
    "HOURS_PER_MONTH": _LAMBDA_PRICING + " (pricing examples: 30 days, 720 EPU-hours)",
    "SECONDS_PER_MONTH": _LAMBDA_PRICING,
    "BYTES_PER_GB": _PRIVATELINK_PRICING,
    "LAMBDA_REQUEST_PRICE": _LAMBDA_PRICING,
    "LAMBDA_GB_SECOND_PRICE_X86": _LAMBDA_PRICING,
    "LAMBDA_GB_SECOND_PRICE_ARM": _LAMBDA_PRICING,
    "LAMBDA_FREE_REQUESTS_PER_MONTH": _LAMBDA_PRICING,
    "LAMBDA_FREE_GB_SECONDS_PER_MONTH": _LAMBDA_PRICING,
    "EPU_HOUR_PRICE": _LAMBDA_PRICING,
    "CLOUDWATCH_METRIC_MONTH_PRICE": _CW_PRICING,
    "MAPPING_METRICS_PER_MAPPING": _METRICS,
    "MAPPING_METRICS_PER_GROUP": _METRICS,
    "INTERFACE_ENDPOINT_AZ_HOUR_PRICE": _PRIVATELINK_PRICING,
    "INTERFACE_ENDPOINT_GB_PRICE": _PRIVATELINK_PRICING,
    "ON_DEMAND_ENDPOINTS": _MSK_NETWORK,
    "SECRET_ENDPOINTS": _MSK_NETWORK,
    "DESTINATION_ENDPOINTS": _ON_FAILURE,
    "NAT_GATEWAY_HOUR_PRICE": _VPC_PRICING,
    "NAT_GATEWAY_GB_PRICE": _VPC_PRICING,
    "S3_PUT_PRICE": _S3_PRICING,
    "SQS_REQUEST_PRICE": _SQS_PRICING,
    "SNS_PUBLISH_PRICE": _SNS_PRICING,
    "DEFAULT_HEADROOM": _LOW_LATENCY + " (AWS: 'additional pollers as buffer'; 20 % is our choice)",
    "DEFAULT_REGION": _LAMBDA_PRICING,
    "CHECKED": "the date the sources above were read",
}
