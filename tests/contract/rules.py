"""The documented rules the API model cannot express, each with its source, written from the sources (not from the
library): together with the model's judgement of the expected request they decide whether a configuration is valid.

A rule that needs a token's value says nothing about it (the library cannot know it at synth time either).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from .api_model import judge
from .config import ACCOUNT, REGION, Config, Dur, SecretSpec, Tok
from .expected import concrete, expected_request


@dataclass(frozen=True)
class Rule:
    name: str
    source: str
    broken: Callable[[Config], str | None]


def verdict(config: Config) -> list[str]:
    """Why AWS (or the library's documented stricter rules) would refuse `config`; empty when it is valid."""
    reasons = [f"API model: {v}" for v in judge(concrete(expected_request(config)))]
    for rule in RULES:
        why = rule.broken(config)
        if why is not None:
            reasons.append(f"{rule.name}: {why} [{rule.source}]")
    return reasons


def _known(*values: object) -> bool:
    return not any(isinstance(v, Tok) for v in values)


# --------------------------------------------------------------------------------------------- provisioned mode
def _provisioned_only(c: Config) -> str | None:
    if c.provisioned:
        return None
    given = {
        "retry_attempts": c.retry_attempts is not None,
        "max_record_age": c.max_record_age is not None,
        "bisect_batch_on_error": bool(c.bisect),
        "report_batch_item_failures": bool(c.report),
        "log_level": c.log_level is not None,
        "kafka:// destination": c.on_failure.kind == "kafka",
    }
    used = [name for name, on in given.items() if on]
    return f"{', '.join(used)} need provisioned mode" if used else None


def _pollers_order(c: Config) -> str | None:
    p = c.pollers
    if p is None:
        return None
    low = 1 if p.minimum is None else p.minimum
    high = 200 if p.maximum is None else p.maximum
    if _known(low, high) and isinstance(low, int) and isinstance(high, int) and low > high:
        return f"MinimumPollers {low} > MaximumPollers {high}"
    return None


def _kafka_pollers_max(c: Config) -> str | None:
    p = c.pollers
    if p is not None and isinstance(p.maximum, int) and not isinstance(p.maximum, bool) and p.maximum > 2000:
        return f"MaximumPollers {p.maximum} > 2000"
    return None


def _poller_group_empty(c: Config) -> str | None:
    return "an empty PollerGroupName" if c.pollers is not None and c.pollers.group_name == "" else None


# ------------------------------------------------------------------------------------------ names and values
_KAFKA_TOPIC = re.compile(r"\A[a-zA-Z0-9._-]+\Z")


def _kafka_topic_chars(c: Config) -> str | None:
    names = [c.topic] + ([c.on_failure.kafka_topic] if c.on_failure.kind == "kafka" else [])
    for name in names:
        if isinstance(name, str) and not _KAFKA_TOPIC.match(name):
            return f"topic {name!r} has characters Kafka does not allow"
    return None


def _consumer_group_space(c: Config) -> str | None:
    group = c.consumer_group
    return "a space in ConsumerGroupId" if isinstance(group, str) and " " in group else None


def _record_age_minimum(c: Config) -> str | None:
    age = c.max_record_age
    seconds = age.seconds() if isinstance(age, Dur) else age
    if isinstance(seconds, int | float) and -1 < seconds < 60:
        return f"MaximumRecordAgeInSeconds {seconds} is between -1 and 60"
    return None


def _token_duration_unit(c: Config) -> str | None:
    for name, duration in (("max_batching_window", c.window), ("max_record_age", c.max_record_age)):
        if isinstance(duration, Dur) and isinstance(duration.amount, Tok) and duration.unit != "seconds":
            return f"{name} is Duration.{duration.unit}(token): only seconds map to the API without arithmetic"
    return None


def _port_range(c: Config) -> str | None:
    servers = c.source.servers if not isinstance(c.source.servers, Tok) else ()
    for server in servers:
        if isinstance(server, str):
            port = server.rpartition(":")[2]
            if port.isdigit() and not 1 <= int(port) <= 65535:
                return f"port {port} is not a TCP port"
    return None


def _unique(c: Config) -> str | None:
    servers = [s for s in c.source.servers if isinstance(s, str)] if not isinstance(c.source.servers, Tok) else []
    if len(set(servers)) != len(servers):
        return "KafkaBootstrapServers are not unique"
    # A pattern holding a token is unknowable at synth (two parameters may resolve alike): not judged here.
    canonical = [json.dumps(f, sort_keys=True, default=repr) for f in c.filters or () if "Tok(" not in repr(f)]
    if len(set(canonical)) != len(canonical):
        return "Filters are not unique"
    return None


def _filters_quota(c: Config) -> str | None:
    return f"{len(c.filters)} filters" if c.filters is not None and len(c.filters) > 5 else None


def _kafka_destination_length(c: Config) -> str | None:
    topic = c.on_failure.kafka_topic
    if c.on_failure.kind == "kafka" and isinstance(topic, str) and len(f"kafka://{topic}") < 12:
        return f"Destination 'kafka://{topic}' is shorter than 12 characters"
    return None


def _kafka_destination_not_source(c: Config) -> str | None:
    topic = c.on_failure.kafka_topic
    if c.on_failure.kind == "kafka" and _known(topic, c.topic) and topic == c.topic:
        return "the failure topic is the source topic"
    return None


def _timestamp(c: Config) -> str | None:
    at = c.starting_position == "AT_TIMESTAMP"
    if at and c.timestamp is None:
        return "AT_TIMESTAMP without StartingPositionTimestamp"
    if not at and c.timestamp is not None:
        return "StartingPositionTimestamp without AT_TIMESTAMP"
    if isinstance(c.timestamp, int | float) and c.timestamp > time.time():
        return "StartingPositionTimestamp in the future"
    return None


def _metric_groups_unique(c: Config) -> str | None:
    groups = c.mapping_metrics
    if isinstance(groups, tuple) and len(set(groups)) != len(groups):
        return f"MetricsConfig.Metrics {groups} are not unique"
    return None


def _filter_encryption(c: Config) -> str | None:
    return "KMSKeyArn without filters" if c.filter_encryption and not c.filters else None


def _function_timeout(c: Config) -> str | None:
    t = c.function_timeout
    return f"function timeout {t} s > 14 minutes" if t is not None and t > 14 * 60 else None


def _failure_none_reason(c: Config) -> str | None:
    reason = c.on_failure.reason
    if c.on_failure.kind == "none" and (reason is None or len(reason.strip()) < 10):
        return "FailureDestination.none() needs a reason of 10 characters or more"
    return None


# --------------------------------------------------------------------------------------- sources and auth
SUPPORTED_AUTH = {
    "msk": {"iam", "scram_sha_512", "mutual_tls", "unauthenticated"},
    "msk_serverless": {"iam"},
    "msk_cross_account": {"iam", "scram_sha_512", "mutual_tls"},  # MSK multi-VPC connectivity: no unauthenticated
    "self_managed": {
        "scram_sha_512",
        "scram_sha_256",
        "sasl_plain",
        "mutual_tls",
        "oauth",
        "iam",  # kafka-cluster-auth, "IAM authentication" (an MSK cluster behind your own networking)
        "iam_web_identity",  # kafka-cluster-auth, "IAM authentication with SASL/OAUTHBEARER"
        "unauthenticated",
    },
    "confluent_cloud": {"oauth"},  # or an API key (SASL/PLAIN), given as api_key
}


def _auth_matrix(c: Config) -> str | None:
    s = c.source
    mechanism = s.auth.mechanism if s.auth is not None else ("iam" if s.kind == "msk_serverless" else None)
    if s.kind == "confluent_cloud":
        if (s.api_key is None) == (s.auth is None):
            return "Confluent Cloud takes an API key or OAuth, exactly one"
        oauth = dict(s.auth.oauth) if s.auth is not None else {}
        if s.auth is not None and not {"logical_cluster", "identity_pool"} <= set(oauth):
            return "Confluent Cloud OAuth needs the logical cluster and identity pool ids"
        if s.auth is not None and s.auth.mechanism != "oauth":
            return "Confluent Cloud OAuth is OAUTHBEARER_AUTH (its extensions are refused with IAM_OAUTHBEARER_AUTH)"
    if mechanism is None:
        return None
    if mechanism not in SUPPORTED_AUTH[s.kind]:
        return f"{s.kind} does not support {mechanism}"
    if s.kind == "self_managed" and mechanism == "unauthenticated" and (s.vpc is None or not s.vpc.give_vpc):
        return "public self-managed brokers need credentials"
    return None


def _vpc_trio(c: Config) -> str | None:
    vpc = c.source.vpc
    if c.source.kind in ("self_managed", "confluent_cloud") and vpc is not None:
        given = (vpc.give_vpc, vpc.give_subnets, vpc.groups > 0)
        if any(given) and not all(given):  # none of them: public brokers
            return "vpc, subnets and security groups come together"
    return None


def _placement(c: Config) -> str | None:
    s = c.source
    secrets: list[SecretSpec] = [x for x in (s.auth.secret if s.auth else None, s.root_ca, s.api_key) if x]
    secrets += [secret for _, secret in c.schema_registry.access] if c.schema_registry is not None else []
    for secret in secrets:
        if secret.region != REGION:
            return f"secret in {secret.region}, function in {REGION}"
    if isinstance(s.arn, str) and s.cluster is None and s.kind.startswith("msk"):
        parts = s.arn.split(":")
        if len(parts) > 4 and parts[3] != REGION:
            return f"cluster in {parts[3]}, function in {REGION}"
        if s.kind == "msk_serverless" and len(parts) > 4 and parts[4] != ACCOUNT:
            return "MSK Serverless mappings cannot be cross-account"
        if s.kind == "msk" and len(parts) > 4 and parts[4] != ACCOUNT:
            return "another account's MSK cluster is read only through an MSK VPC connection (msk_cross_account)"
    return None


def _msk_scram_secret(c: Config) -> str | None:
    s = c.source
    if s.kind != "msk" or s.auth is None or s.auth.mechanism != "scram_sha_512" or s.auth.secret is None:
        return None
    secret = s.auth.secret
    if not secret.name.startswith("AmazonMSK_"):
        return "MSK SCRAM secret names start with AmazonMSK_"
    if secret.in_stack and not secret.with_key:
        return "MSK SCRAM secrets need a customer-managed key"
    return None


def _msk_cluster_auth(c: Config) -> str | None:
    s = c.source
    if s.cluster is None or s.auth is None:
        return None
    enabled = s.cluster.enabled or frozenset({"unauthenticated"})  # MSK's default without ClientAuthentication
    mechanism = s.auth.mechanism
    if mechanism not in enabled:
        return f"the cluster does not enable {mechanism}"
    if mechanism == "unauthenticated":
        if "iam" in enabled:
            return "without a secret on an IAM-enabled cluster Lambda uses IAM, not unauthenticated access"
        broker = s.cluster.client_broker
        if (s.auth.tls and broker == "PLAINTEXT") or (not s.auth.tls and broker == "TLS"):
            return f"no {'TLS' if s.auth.tls else 'plaintext'} listener with client-broker {broker}"
    return None


_VPC_CONNECTION = re.compile(r"\Aarn:aws[a-z-]*:kafka:([a-z0-9-]+):(\d{12}):vpc-connection/(\d{12})/[^/]+/[^/]+\Z")
_CLUSTER = re.compile(r"\Aarn:aws[a-z-]*:kafka:([a-z0-9-]+):(\d{12}):cluster/[^/]+/[^/]+\Z")


def _cross_account(c: Config) -> str | None:
    s = c.source
    if s.kind != "msk_cross_account":
        return None
    connection = _VPC_CONNECTION.match(s.vpc_connection_arn or "")
    cluster = _CLUSTER.match(s.arn) if isinstance(s.arn, str) else None
    if connection is None or (isinstance(s.arn, str) and cluster is None):
        return "a VPC connection ARN and the owner's cluster ARN are needed"
    if connection[1] != REGION:
        return f"VPC connection in {connection[1]}, function in {REGION}"
    if cluster is not None and connection[3] != cluster[2]:
        return "the VPC connection is for another account's cluster"
    return None


def _iam_cluster_arn(c: Config) -> str | None:
    """Self-managed cluster_arn= scopes IAM auth's kafka-cluster grants: with IAM only, an MSK cluster ARN."""
    s = c.source
    if s.kind not in ("self_managed", "confluent_cloud") or s.arn is None:
        return None
    if s.auth is None or s.auth.mechanism != "iam":
        return "cluster_arn without IAM auth scopes nothing"
    if isinstance(s.arn, str) and not _CLUSTER.match(s.arn):
        return f"{s.arn!r} is not an MSK cluster ARN"
    return None


_GLUE_REGISTRY = re.compile(r"\Aarn:aws[a-z-]*:glue:[a-z0-9-]+:\d{12}:registry/[A-Za-z0-9_$#.-]{1,255}\Z")
_HTTPS = re.compile(r"\Ahttps://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9\-/*:_+=.@]*)?\Z")


def _schema_registry(c: Config) -> str | None:
    r = c.schema_registry
    if r is None:
        return None
    if not c.provisioned:
        return "a schema registry needs provisioned mode"
    if (r.kind == "glue" and not _GLUE_REGISTRY.match(r.uri)) or (r.kind == "confluent" and not _HTTPS.match(r.uri)):
        return f"{r.uri!r} is not a {r.kind} registry"
    if not r.validate or len(set(r.validate)) != len(r.validate) or not set(r.validate) <= {"KEY", "VALUE"}:
        return f"SchemaValidationConfigs {r.validate}"
    if r.record_format not in ("JSON", "SOURCE"):
        return f"EventRecordFormat {r.record_format!r}"
    if len(r.access) > 2:
        return "more than 2 AccessConfigs"
    if len([name for name, _ in r.access if name != "root_ca_certificate"]) > 1:
        return "more than one registry credential"
    return None


def _queue_mode(c: Config) -> str | None:
    if c.consumption_mode != "QUEUE":
        return None
    if c.source.kind not in ("self_managed", "confluent_cloud"):
        return "queue mode is for self-managed Kafka"
    given = [
        n
        for n, v in (
            ("StartingPosition", c.starting_position),
            ("StartingPositionTimestamp", c.timestamp),
            ("MaximumBatchingWindowInSeconds", c.window),
        )
        if v is not None
    ]
    if given:
        return f"{', '.join(given)} not supported in queue mode"
    if c.retry_attempts == -1:
        return "MaximumRetryAttempts -1 is not supported in queue mode"
    return None


GUIDE = "Lambda Developer Guide"
RULES: tuple[Rule, ...] = (
    Rule("provisioned-only", f"{GUIDE}: kafka-retry-configurations, kafka-on-failure, esm-logging", _provisioned_only),
    Rule("pollers-order", "API reference: ProvisionedPollerConfig", _pollers_order),
    Rule("kafka-max-pollers", "API model documentation of ProvisionedPollerConfig.MaximumPollers", _kafka_pollers_max),
    Rule("poller-group-name", "library: an empty name is no group (limits.STRICTER_THAN_API)", _poller_group_empty),
    Rule("kafka-topic-chars", "Apache Kafka Topic.validate: [a-zA-Z0-9._-]", _kafka_topic_chars),
    Rule("consumer-group-chars", "CloudFormation schema and CDK: ConsumerGroupId has no space", _consumer_group_space),
    Rule("record-age-minimum", "API model documentation of MaximumRecordAgeInSeconds: -1 or 60+", _record_age_minimum),
    Rule("token-duration-unit", "CDK Duration: a token cannot change unit", _token_duration_unit),
    Rule("port-range", "RFC 6335: TCP ports 1-65535", _port_range),
    Rule("unique-items", "CloudFormation schema: KafkaBootstrapServers and Filters uniqueItems", _unique),
    Rule("metric-groups-unique", "CloudFormation schema: MetricsConfig.Metrics uniqueItems", _metric_groups_unique),
    Rule("filters-quota", f"{GUIDE}: invocation-eventfiltering (5 filters by default)", _filters_quota),
    Rule(
        "kafka-destination-length",
        "CloudFormation schema: OnFailure.Destination minLength 12",
        _kafka_destination_length,
    ),
    Rule("kafka-destination-not-source", f"{GUIDE}: kafka-on-failure", _kafka_destination_not_source),
    Rule("starting-position-timestamp", "API reference: StartingPositionTimestamp", _timestamp),
    Rule("filter-encryption", "CDK EventSourceMapping: filter criteria needed for KmsKeyArn", _filter_encryption),
    Rule("function-timeout", f"{GUIDE}: with-kafka (14 minutes)", _function_timeout),
    Rule("failure-none-reason", "library policy: an opt-out states its reason", _failure_none_reason),
    Rule("auth-matrix", f"{GUIDE}: with-msk-configure, kafka-cluster-auth, with-kafka", _auth_matrix),
    Rule("vpc-trio", f"{GUIDE}: with-kafka-vpc (subnets and security groups together)", _vpc_trio),
    Rule(
        "placement", f"{GUIDE}: with-msk (same Region), msk-cross-account (another account: VPC connection)", _placement
    ),
    Rule("msk-scram-secret", "MSK Developer Guide: msk-password (AmazonMSK_ prefix, customer key)", _msk_scram_secret),
    Rule("msk-cluster-auth", f"{GUIDE}: with-msk-configure (IAM is the default without a secret)", _msk_cluster_auth),
    Rule(
        "iam-cluster-arn",
        "library policy (cluster_arn= only scopes IAM grants); Service Authorization Reference: MSK cluster ARN",
        _iam_cluster_arn,
    ),
    Rule(
        "msk-cross-account", f"{GUIDE}: msk-cross-account; MSK Developer Guide: multi-VPC connectivity", _cross_account
    ),
    Rule(
        "schema-registry",
        f"{GUIDE}: services-consume-kafka-events (provisioned mode); API model and CloudFormation SchemaRegistryConfig;"
        " one credential: library policy",
        _schema_registry,
    ),
    Rule(
        "queue-mode",
        "API model documentation: SelfManagedKafkaEventSourceConfig.ConsumptionMode, MaximumRetryAttempts",
        _queue_mode,
    ),
)
