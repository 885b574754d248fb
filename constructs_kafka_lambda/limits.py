"""Every AWS number the constructs enforce, in one table, each with its source.

The judge is AWS's machine-readable Lambda API model (botocore's `lambda` service model, input shape of
CreateEventSourceMapping): its lengths, ranges, list sizes, patterns and enums are copied here verbatim and the
contract tests (tests/contract/test_drift.py) compare every one of them with the model, so a boto3 upgrade that
changes a shape fails a test that names the shape and its new value. Where the library is deliberately stricter
than the API model, `STRICTER_THAN_API` says so and cites the rule it follows instead (the Lambda Developer Guide,
the CloudFormation resource schema of AWS::Lambda::EventSourceMapping, Apache Kafka itself); the tests hold exactly
that list.

Every pattern is compiled to match the WHOLE string (`\\A...\\Z`), as AWS's (Java) validators do: `re.match` with a
`$` anchor would let a trailing newline through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final


def full_match(pattern: str) -> re.Pattern[str]:
    """Compile an API model pattern as Java applies it: `.match` accepts only whole strings (`String.matches`),
    and \\d is an ASCII digit."""
    return re.compile(rf"\A(?:{pattern})\Z", re.ASCII)


# --- Batching (API: BatchSize 1-10000; MaximumBatchingWindowInSeconds 0-300, an integer: whole seconds) -------
BATCH_SIZE_MIN: Final = 1
BATCH_SIZE_MAX: Final = 10_000
BATCHING_WINDOW_MIN_SECONDS: Final = 0
BATCHING_WINDOW_MAX_SECONDS: Final = 300

# --- Topic (API: Topics holds exactly 1 Topic, 1-249 chars matching API_TOPIC_PATTERN) ------------------------
TOPICS_PER_MAPPING: Final = 1
TOPIC_MIN_LENGTH: Final = 2  # the pattern needs a first character and at least one more
TOPIC_MAX_LENGTH: Final = 249
API_TOPIC_PATTERN: Final = r"[^.]([a-zA-Z0-9\-_.]+)"
# Stricter (STRICTER_THAN_API): the API lets any character but '.' come first; Kafka topic names are ASCII
# letters, digits, '.', '_' and '-' only. So: a first character of [a-zA-Z0-9_-], then 1-248 of [a-zA-Z0-9._-].
TOPIC_PATTERN: Final = full_match(r"[a-zA-Z0-9_\-][a-zA-Z0-9._\-]+")

# --- Consumer group (API: AmazonManagedKafkaEventSourceConfig/SelfManagedKafkaEventSourceConfig.ConsumerGroupId,
#     the URI shape: 1-200 chars of API_URI_PATTERN) ----------------------------------------------------------
CONSUMER_GROUP_MIN_LENGTH: Final = 1
CONSUMER_GROUP_MAX_LENGTH: Final = 200
# Stricter (STRICTER_THAN_API): no space, as in CloudFormation's ConsumerGroupId pattern and CDK's own check.
CONSUMER_GROUP_PATTERN: Final = full_match(r"[a-zA-Z0-9\-/*:_+=.@]+")

# --- Bootstrap servers (API: SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS: 1-10 Endpoint strings,
#     each 1-300 chars matching API_ENDPOINT_PATTERN: host labels of letters, digits and inner hyphens) ------------
BOOTSTRAP_SERVERS_MIN: Final = 1
BOOTSTRAP_SERVERS_MAX: Final = 10
BOOTSTRAP_SERVER_MAX_LENGTH: Final = 300
ENDPOINT_TYPE_KAFKA: Final = "KAFKA_BOOTSTRAP_SERVERS"
API_ENDPOINT_PATTERN: Final = (
    r"(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])\.)*"
    r"([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9]):[0-9]{1,5}"
)
# The API pattern with the port captured as `port` (checked against PORT_MIN..PORT_MAX, STRICTER_THAN_API).
BOOTSTRAP_SERVER_PATTERN: Final = full_match(API_ENDPOINT_PATTERN.removesuffix("[0-9]{1,5}") + r"(?P<port>[0-9]{1,5})")
PORT_MIN: Final = 1
PORT_MAX: Final = 65_535

# --- SourceAccessConfigurations (API: 0-23 items; Type one of the SourceAccessType enum; URI 1-200 chars) ------
# Auth secret + root CA + one per subnet + one per security group must fit in 23 (CloudFormation allows 29, the API
# behind it 23).
SOURCE_ACCESS_CONFIGURATIONS_MAX: Final = 23
SOURCE_ACCESS_URI_MIN_LENGTH: Final = 1
SOURCE_ACCESS_URI_MAX_LENGTH: Final = 200
API_URI_PATTERN: Final = r"[ a-zA-Z0-9-\/*:_+=.@-]*"
SOURCE_ACCESS_URI_PATTERN: Final = full_match(API_URI_PATTERN)
# The SourceAccessType values the library writes (each must be in the API model's enum).
ACCESS_BASIC_AUTH: Final = "BASIC_AUTH"
ACCESS_SASL_SCRAM_512: Final = "SASL_SCRAM_512_AUTH"
ACCESS_SASL_SCRAM_256: Final = "SASL_SCRAM_256_AUTH"
ACCESS_CLIENT_CERTIFICATE: Final = "CLIENT_CERTIFICATE_TLS_AUTH"
ACCESS_ROOT_CA: Final = "SERVER_ROOT_CA_CERTIFICATE"
ACCESS_VPC_SUBNET: Final = "VPC_SUBNET"
ACCESS_VPC_SECURITY_GROUP: Final = "VPC_SECURITY_GROUP"
# Self-managed IAM (Lambda guide, kafka-cluster-auth, "IAM authentication" and "IAM authentication with
# SASL/OAUTHBEARER"): both are written without a URI; IAM_OAUTHBEARER_AUTH takes OAUTHBEARER_AUDIENCE and no other
# OAUTHBEARER type (API model, SourceAccessConfiguration.Type).
ACCESS_IAM: Final = "IAM_AUTH"
ACCESS_IAM_OAUTHBEARER: Final = "IAM_OAUTHBEARER_AUTH"
ACCESS_OAUTHBEARER_AUDIENCE: Final = "OAUTHBEARER_AUDIENCE"

# --- Schema registry (API: KafkaSchemaRegistryConfig.SchemaRegistryURI 1-10000 chars) --------------------------
SCHEMA_REGISTRY_URI_MIN_LENGTH: Final = 1
SCHEMA_REGISTRY_URI_MAX_LENGTH: Final = 10_000
API_SCHEMA_REGISTRY_URI_PATTERN: Final = r"[a-zA-Z0-9-\/*:_+=.@-]*"
SCHEMA_REGISTRY_URI_PATTERN: Final = full_match(API_SCHEMA_REGISTRY_URI_PATTERN)

# --- Access configuration values (plain strings such as OAuth scopes and Confluent ids): the URI shape above, space
# included: OAuth scopes are space-separated lists (RFC 6749, section 3.3), which is what the API's space is for.
ACCESS_URI_MAX_LENGTH: Final = SOURCE_ACCESS_URI_MAX_LENGTH
ACCESS_URI_PATTERN: Final = SOURCE_ACCESS_URI_PATTERN

# --- Poller groups (Lambda Dev Guide, provisioned mode: a group holds <= 100 mappings of one VPC, whose maximum
# pollers add up to <= 2000)
POLLER_GROUP_MAPPINGS_MAX: Final = 100
POLLER_GROUP_POLLERS_MAX: Final = 2000

# --- Schema registry access (CFN SchemaRegistryConfig: AccessConfigs <= 2)
SCHEMA_REGISTRY_ACCESS_CONFIGS_MAX: Final = 2

# --- Filters (API: FilterCriteria.Filters[].Pattern 0-4096 chars; no list size in the API model, CFN: 1-20) --
FILTERS_MAX: Final = 5  # STRICTER_THAN_API: the default quota
FILTER_PATTERN_MAX_LENGTH: Final = 4096

# --- Provisioned mode (API: ProvisionedPollerConfig) ----------------------------------------------------------
MIN_POLLERS_MIN: Final = 1
MIN_POLLERS_MAX: Final = 200
MAX_POLLERS_MIN: Final = 1
MAX_POLLERS_MAX: Final = 2000  # STRICTER_THAN_API: the Kafka range (the model's integer range is SQS's, 10,000)
POLLER_GROUP_NAME_MIN_LENGTH: Final = 1  # STRICTER_THAN_API: an empty name is no group (leave it None)
POLLER_GROUP_NAME_MAX_LENGTH: Final = 128
API_POLLER_GROUP_NAME_PATTERN: Final = r"[a-zA-Z0-9-_]*"
POLLER_GROUP_NAME_PATTERN: Final = full_match(r"[a-zA-Z0-9\-_]+")

# --- Retries and record age (API: MaximumRetryAttempts -1..10000, MaximumRecordAgeInSeconds -1..604800) ------
RETRY_ATTEMPTS_INFINITE: Final = -1
RETRY_ATTEMPTS_MAX: Final = 10_000
RECORD_AGE_INFINITE: Final = -1
RECORD_AGE_MIN_SECONDS: Final = 60  # STRICTER_THAN_API: the model's range starts at -1, its documentation at 60
RECORD_AGE_MAX_SECONDS: Final = 604_800

# --- Failure destination (API: DestinationConfig.OnFailure.Destination, DestinationArn: 0-350 chars, pattern
#     API_DESTINATION_PATTERN; CloudFormation: 12-1024 chars) ---------------------------------------------------
DESTINATION_MAX_LENGTH: Final = 350
API_DESTINATION_PATTERN: Final = (
    r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
    r"((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)
KAFKA_DESTINATION_SCHEME: Final = "kafka://"
CFN_DESTINATION_MIN_LENGTH: Final = 12
# STRICTER_THAN_API: CloudFormation's minimum of 12 characters for the destination = "kafka://" + 4.
KAFKA_DESTINATION_TOPIC_MIN_LENGTH: Final = CFN_DESTINATION_MIN_LENGTH - len(KAFKA_DESTINATION_SCHEME)

# --- Other enums the library writes (each must be in the API model's enum) -----------------------------------
STARTING_POSITIONS: Final = frozenset({"TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"})
FUNCTION_RESPONSE_REPORT_BATCH_ITEM_FAILURES: Final = "ReportBatchItemFailures"
MAPPING_METRICS: Final = ("EventCount", "ErrorCount", "KafkaMetrics")
SYSTEM_LOG_LEVELS: Final = frozenset({"DEBUG", "INFO", "WARN"})

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
MSK_PORT_IAM_PUBLIC: Final = 9198  # public access (MSK Developer Guide "Port information")
SELF_MANAGED_DEFAULT_PORT: Final = 9092
HTTPS_PORT: Final = 443


# --- Where the library is stricter than the API model, and why ------------------------------------------------
@dataclass(frozen=True)
class Stricter:
    """A limit the library enforces beyond the API model: what the model allows, what we allow, and the source."""

    shape: str  # API model shape and facet, e.g. "MaximumNumberOfPollers.max"
    api: object
    library: object
    source: str


STRICTER_THAN_API: Final[dict[str, Stricter]] = {
    "MAX_POLLERS_MAX": Stricter(
        "MaximumNumberOfPollers.max",
        10_000,
        MAX_POLLERS_MAX,
        "the model's own documentation of ProvisionedPollerConfig.MaximumPollers: 'For Amazon MSK and self-managed "
        "Apache Kafka event source mappings, the accepted range is between 1 and 2,000' (10,000 is SQS's); CDK's "
        "EventSourceMapping rejects more than 2000 too",
    ),
    "FILTERS_MAX": Stricter(
        "FilterList.max",
        None,
        FILTERS_MAX,
        "Lambda Developer Guide, invocation-eventfiltering: 'By default, you can define up to five different "
        "filters for a single event source mapping' (10 after a quota increase); the default quota deploys in any "
        "account. CloudFormation's schema allows 20.",
    ),
    "RECORD_AGE_MIN_SECONDS": Stricter(
        "MaximumRecordAgeInSeconds.min",
        -1,
        RECORD_AGE_MIN_SECONDS,
        "the model's own documentation of EventSourceMappingConfiguration.MaximumRecordAgeInSeconds: 'The minimum "
        "valid value for maximum record age is 60s. Although values less than 60 and greater than -1 fall within "
        "the parameter's absolute range, they are not allowed' (-1, no limit, stays allowed)",
    ),
    "KAFKA_DESTINATION_TOPIC_MIN_LENGTH": Stricter(
        "DestinationArn.pattern (kafka://<topic>: 1-249 characters)",
        1,
        KAFKA_DESTINATION_TOPIC_MIN_LENGTH,
        "CloudFormation schema of AWS::Lambda::EventSourceMapping: DestinationConfig.OnFailure.Destination has "
        "minLength 12, i.e. 'kafka://' plus at least 4 characters",
    ),
    "TOPIC_PATTERN": Stricter(
        "Topic.pattern",
        API_TOPIC_PATTERN,
        TOPIC_PATTERN.pattern,
        "Apache Kafka (org.apache.kafka.common.internals.Topic.validate): topic names are ASCII letters, digits, "
        "'.', '_' and '-' only; the API lets any character but '.' come first",
    ),
    "CONSUMER_GROUP_PATTERN": Stricter(
        "URI.pattern (ConsumerGroupId)",
        API_URI_PATTERN,
        CONSUMER_GROUP_PATTERN.pattern,
        "CloudFormation schema (ConsumerGroupId pattern [a-zA-Z0-9-\\/*:_+=.@-]*) and CDK's EventSourceMapping "
        "(kafkaConsumerGroupId: 'Allowed values are [a-zA-Z0-9-/*:_+=.@-]'), which raises on a space",
    ),
    "PORT_MIN..PORT_MAX": Stricter(
        "Endpoint.pattern (port [0-9]{1,5})",
        "0-99999",
        f"{PORT_MIN}-{PORT_MAX}",
        "TCP ports are 1-65535 (RFC 6335); the pattern's five digits allow 0 and 65536-99999",
    ),
    "POLLER_GROUP_NAME_MIN_LENGTH": Stricter(
        "ProvisionedPollerGroupName.min",
        0,
        POLLER_GROUP_NAME_MIN_LENGTH,
        "an empty name names no group: ProvisionedPollers(group_name=None) says that without an empty string",
    ),
}
