"""Every AWS number the constructs enforce, in one table, each with its source.

Sources: AWS Lambda Developer Guide (Kafka event sources, provisioned mode, filtering), the Lambda API reference
(CreateEventSourceMapping) and the CloudFormation schema of AWS::Lambda::EventSourceMapping, checked Nov 2026.
"""

from __future__ import annotations

import re
from typing import Final

# --- Batching (API: BatchSize, MaximumBatchingWindowInSeconds) -------------------------------------------------
BATCH_SIZE_MIN: Final = 1
BATCH_SIZE_MAX: Final = 10_000
BATCHING_WINDOW_MAX_SECONDS: Final = 300

# --- Topic (CFN Topics item: 1-249 chars, pattern ^[^.]([a-zA-Z0-9\-_.]+)) -------------------------------------
TOPIC_MIN_LENGTH: Final = 2  # the pattern needs a first character and at least one more
TOPIC_MAX_LENGTH: Final = 249
TOPIC_PATTERN: Final = re.compile(r"^[^.][a-zA-Z0-9\-_.]+$")

# --- Consumer group (API: ConsumerGroupId 1-200, [a-zA-Z0-9-\/*:_+=.@-]*) --------------------------------------
CONSUMER_GROUP_MAX_LENGTH: Final = 200
CONSUMER_GROUP_PATTERN: Final = re.compile(r"^[a-zA-Z0-9\-/*:_+=.@]+$")

# --- Bootstrap servers (CFN Endpoints.KafkaBootstrapServers: 1-10 items, each <= 300 chars, host:port) -------
BOOTSTRAP_SERVERS_MIN: Final = 1
BOOTSTRAP_SERVERS_MAX: Final = 10
BOOTSTRAP_SERVER_MAX_LENGTH: Final = 300
BOOTSTRAP_SERVER_PATTERN: Final = re.compile(r"^[A-Za-z0-9.\-_]+:(\d{1,5})$")

# --- SourceAccessConfigurations (API: list 0-23; URI 1-200 chars; CFN's URI pattern has no space, the API's does)
SOURCE_ACCESS_CONFIGURATIONS_MAX: Final = 23
ACCESS_URI_MAX_LENGTH: Final = 200
ACCESS_URI_PATTERN: Final = re.compile(r"[a-zA-Z0-9\-/*:_+=.@]+")

# --- Poller groups (Lambda Dev Guide, provisioned mode: a group holds <= 100 mappings of one VPC, whose maximum
# pollers add up to <= 2000)
POLLER_GROUP_MAPPINGS_MAX: Final = 100
POLLER_GROUP_POLLERS_MAX: Final = 2000

# --- Schema registry (CFN SchemaRegistryConfig: AccessConfigs <= 2, SchemaValidationConfigs 1-2 unique)
SCHEMA_REGISTRY_ACCESS_CONFIGS_MAX: Final = 2
SCHEMA_REGISTRY_URI_MAX_LENGTH: Final = 10_000

# --- Filters (API FilterCriteria: 5 filters per mapping by default, pattern <= 4096 chars) --------------------
FILTERS_MAX: Final = 5
FILTER_PATTERN_MAX_LENGTH: Final = 4096

# --- Provisioned mode (Lambda Dev Guide "provisioned mode"; API ProvisionedPollerConfig) ---------------------
MIN_POLLERS_MIN: Final = 1
MIN_POLLERS_MAX: Final = 200
MAX_POLLERS_MIN: Final = 1
MAX_POLLERS_MAX: Final = 2000
POLLER_GROUP_NAME_MAX_LENGTH: Final = 128
POLLER_GROUP_NAME_PATTERN: Final = re.compile(r"^[a-zA-Z0-9\-_]+$")

# --- Retries and record age (provisioned mode only for Kafka) ------------------------------------------------
RETRY_ATTEMPTS_INFINITE: Final = -1
RETRY_ATTEMPTS_MAX: Final = 10_000
RECORD_AGE_INFINITE: Final = -1
RECORD_AGE_MIN_SECONDS: Final = 60
RECORD_AGE_MAX_SECONDS: Final = 604_800

# --- Kafka on-failure destination (CFN: kafka://<topic>, topic name >= 4 chars for the Destination pattern) --
KAFKA_DESTINATION_TOPIC_MIN_LENGTH: Final = 4

# --- Function (Lambda Dev Guide: Kafka consumers need a timeout <= 14 minutes) -------------------------------
FUNCTION_TIMEOUT_MAX_SECONDS: Final = 14 * 60

# --- IAM quotas (IAM User Guide, "IAM and AWS STS quotas": managed policies per role, default 10, max 20) ----
MANAGED_POLICIES_PER_ROLE: Final = 10

# --- Secrets (MSK: SCRAM secret names must start with this prefix) -------------------------------------------
MSK_SCRAM_SECRET_PREFIX: Final = "AmazonMSK_"

# --- Broker ports (MSK Developer Guide "Port information") ---------------------------------------------------
MSK_PORT_PLAINTEXT: Final = 9092
MSK_PORT_TLS: Final = 9094
MSK_PORT_SASL_SCRAM: Final = 9096
MSK_PORT_IAM: Final = 9098
SELF_MANAGED_DEFAULT_PORT: Final = 9092
HTTPS_PORT: Final = 443
