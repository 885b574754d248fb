"""Which property a refusal must name for each reason the judge gives: a configuration the judge calls invalid must be
refused for (one of) the judge's reasons, not merely with a ConfigError. A library that rejected an invalid
batch size by complaining about the topic would otherwise pass the contract suite.

Each judge reason (a rule of rules.py, a member of the API model's request, or the harness's own poller-group rule)
maps to the ConfigError `prop` prefixes that state it; the refusal is explained when its prop starts with one of the
prefixes of any reason given.
"""

from __future__ import annotations

import re
from typing import Final

from constructs_kafka_lambda import ConfigError

_POLLERS = ("ProvisionedPollers.", "provisioned_pollers")
_SECRETS = (
    "auth",
    "KafkaAuth.",
    "KafkaCluster.",
    "root_ca_certificate",
    "api_key",
    "schema_registry",
    "SchemaRegistry",
)
_DESTINATION = ("on_failure", "FailureDestination.")

# rules.py's rules (by name) -> the props a refusal for that rule names.
RULE_PROPS: Final[dict[str, tuple[str, ...]]] = {
    "provisioned-only": (
        "retry_attempts",
        "max_record_age",
        "bisect_batch_on_error",
        "report_batch_item_failures",
        "log_level",
        *_DESTINATION,
    ),
    "pollers-order": _POLLERS,
    "kafka-max-pollers": ("ProvisionedPollers.maximum",),
    "poller-group-name": ("ProvisionedPollers.group_name",),
    "kafka-topic-chars": ("topic", *_DESTINATION),
    "consumer-group-chars": ("consumer_group_id",),
    "record-age-minimum": ("max_record_age",),
    "token-duration-unit": ("max_batching_window", "max_record_age"),
    "port-range": ("bootstrap_servers",),
    "unique-items": ("bootstrap_servers", "filters"),
    "filters-quota": ("filters",),
    "metric-groups-unique": ("mapping_metrics",),
    "kafka-destination-length": _DESTINATION,
    "kafka-destination-not-source": _DESTINATION,
    "starting-position-timestamp": ("starting_position_timestamp", "starting_position"),
    "filter-encryption": ("filter_encryption",),
    "function-timeout": ("function.timeout",),
    "failure-none-reason": ("FailureDestination.none",),
    "auth-matrix": ("auth", "KafkaAuth.", "KafkaCluster.", "api_key", "oauth"),
    "vpc-trio": ("vpc", "subnets", "security_groups", "KafkaCluster."),
    "placement": ("cluster", *_SECRETS),
    "msk-scram-secret": ("auth",),
    "msk-cluster-auth": ("auth",),
    "msk-cross-account": ("cluster", "KafkaCluster.msk_cross_account", "auth"),
    "schema-registry": ("schema_registry", "SchemaRegistry"),
    "queue-mode": (
        "consumption_mode",
        "retry_attempts",
        "starting_position",
        "starting_position_timestamp",
        "max_batching_window",
    ),
    "iam-cluster-arn": ("cluster_arn",),  # self-managed IAM: cluster_arn= only scopes the grants
    "poller-group": ("provisioned_pollers.group_name",),  # harness.Run's rule across consumers
}

# Members of the CreateEventSourceMapping request (dotted, list indexes dropped) -> props; the longest prefix wins.
API_PROPS: Final[dict[str, tuple[str, ...]]] = {
    "BatchSize": ("batch_size",),
    "MaximumBatchingWindowInSeconds": ("max_batching_window",),
    "Topics": ("topic",),
    "StartingPosition": ("starting_position",),
    "StartingPositionTimestamp": ("starting_position_timestamp",),
    "AmazonManagedKafkaEventSourceConfig.ConsumerGroupId": ("consumer_group_id",),
    "SelfManagedKafkaEventSourceConfig.ConsumerGroupId": ("consumer_group_id",),
    "AmazonManagedKafkaEventSourceConfig.ConsumptionMode": ("consumption_mode",),  # queue mode on MSK
    "SelfManagedKafkaEventSourceConfig.ConsumptionMode": ("consumption_mode",),
    "AmazonManagedKafkaEventSourceConfig.SchemaRegistryConfig": ("schema_registry", "SchemaRegistry"),
    "SelfManagedKafkaEventSourceConfig.SchemaRegistryConfig": ("schema_registry", "SchemaRegistry"),
    "SelfManagedEventSource": ("bootstrap_servers", "KafkaCluster."),
    # the count (subnets and security groups), and the access types' own rules as the model's documentation states
    # them (IAM_OAUTHBEARER_AUTH needs OAUTHBEARER_AUDIENCE and nothing else OAUTHBEARER)
    "SourceAccessConfigurations": ("cluster", "KafkaAuth."),
    "SourceAccessConfigurations.URI": (*_SECRETS, "cluster"),
    "SourceAccessConfigurations.Type": (*_SECRETS, "cluster"),
    "FilterCriteria": ("filters",),
    "KMSKeyArn": ("filter_encryption",),
    "ProvisionedPollerConfig": _POLLERS,
    "MaximumRetryAttempts": ("retry_attempts",),
    "MaximumRecordAgeInSeconds": ("max_record_age",),
    "BisectBatchOnFunctionError": ("bisect_batch_on_error",),
    "FunctionResponseTypes": ("report_batch_item_failures",),
    "DestinationConfig": _DESTINATION,
    "LoggingConfig": ("log_level",),
    "MetricsConfig": ("mapping_metrics",),
    "Enabled": ("enabled",),
    "EventSourceArn": ("cluster", "KafkaCluster."),
}

_API = re.compile(r"\AAPI model: CreateEventSourceMapping\.(\S+)")


def props_for(reason: str) -> tuple[str, ...]:
    """The props a refusal for this judge reason may name (empty: a reason nobody mapped, which fails the test)."""
    api = _API.match(reason)
    if api is not None:
        member = re.sub(r"\[[^\]]*\]", "", api[1]).replace(".<key>", "")
        parts = member.split(".")
        for end in range(len(parts), 0, -1):
            found = API_PROPS.get(".".join(parts[:end]))
            if found is not None:
                return found
        return ()
    return RULE_PROPS.get(reason.split(":", 1)[0], ())


def refused_for_a_judged_reason(reasons: list[str], error: ConfigError) -> bool:
    """Whether the ConfigError names a property that one of the judge's reasons is about."""
    return any(error.prop.startswith(prefix) for reason in reasons for prefix in props_for(reason))
