"""`KafkaLambdaConsumer`: one topic -> one function, wired end to end.

The constructor reads as a story: check (every rule AWS would enforce at deploy or at runtime, raised here with
a ConfigError) -> build (the mapping) -> grant (exactly what polling and delivery need, and the mapping waits for
it) -> wire (networking) -> alarm (metrics, alarms, dashboard).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Acknowledgment, Annotations, Duration, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from . import limits
from .errors import ConfigError
from .grants.acknowledgements import acknowledge_policy_wildcards
from .grants.statements import kafka_destination_statements, source_statements
from .mapping.destinations import BoundDestination, DestinationKind, FailureDestination, bind_destination
from .mapping.filters import validate_filters
from .mapping.pollers import ProvisionedPollers
from .network.wiring import NetworkAccess, wire_network
from .observe.alarms import Monitoring, attach_monitoring
from .observe.metrics import ConsumerMetrics
from .scopes import stack_of
from .shared import SharedResources
from .source.auth import SourceKind
from .source.cluster import KafkaCluster
from .tokens import is_unresolved

_PROVISIONED_ONLY = "is available for Kafka only in provisioned mode"
_PROVISIONED_FIX = "add provisioned_pollers=ProvisionedPollers(minimum=1, maximum=...) or remove it"


class KafkaLambdaConsumer(Construct):
    """Consume one Kafka topic with one Lambda function, correct by construction.

    Creates the event source mapping, a customer-managed IAM policy on the function's role with exactly what the
    mapping needs (the mapping depends on it), the failure destination (by default the stack's shared,
    encrypted S3 bucket, which keeps whole failed batches), and the network and monitoring wiring.

    Changing `topic` or `consumer_group_id` replaces the mapping (AWS cannot change them in place); with a new
    consumer group the mapping starts again from `starting_position`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: KafkaCluster,
        topic: str,
        function: lambda_.IFunction,
        batch_size: int = 100,
        max_batching_window: Duration | None = None,
        starting_position: lambda_.StartingPosition = lambda_.StartingPosition.TRIM_HORIZON,
        starting_position_timestamp: float | None = None,
        consumer_group_id: str | None = None,
        filters: Sequence[Mapping[str, Any]] | None = None,
        provisioned_pollers: ProvisionedPollers | None = None,
        on_failure: FailureDestination | None = None,
        retry_attempts: int | None = None,
        max_record_age: Duration | int | None = None,
        bisect_batch_on_error: bool | None = None,
        report_batch_item_failures: bool | None = None,
        enabled: bool = True,
        mapping_metrics: bool = True,
        network_access: NetworkAccess | None = None,
        monitoring: Monitoring | None = None,
        log_level: lambda_.EventSourceMappingLogLevel | None = None,
        filter_encryption: kms.IKey | None = None,
    ) -> None:
        """
        :param cluster: where records come from (KafkaCluster.msk / msk_serverless / self_managed / confluent_cloud).
        :param topic: the one topic to consume (2-249 chars of [a-zA-Z0-9._-]). Changing it replaces the mapping.
        :param function: the consumer; an IFunction that has a role (the grants go there), timeout <= 14 minutes.
        :param batch_size: records per invocation, 1-10,000 (default 100); the batch payload is capped at 6 MB.
        :param max_batching_window: how long to gather records, 0-300 s (Kafka default 500 ms). Once set, going
            back to the default needs a new mapping.
        :param starting_position: TRIM_HORIZON (default: nothing missed), LATEST (may miss records written while
            the mapping is created) or AT_TIMESTAMP (with starting_position_timestamp). Create-only.
        :param starting_position_timestamp: Unix seconds, not in the future; only with AT_TIMESTAMP.
        :param consumer_group_id: 1-200 chars, unique across the account's Kafka mappings; default: the mapping's
            UUID. Changing it replaces the mapping; with an existing group the starting position is ignored.
        :param filters: up to 5 EventBridge-style patterns (dicts) on the record (`value`, `key`, metadata).
            Non-matching records are dropped and their offsets committed.
        :param provisioned_pollers: provisioned mode (dedicated pollers); None: on-demand mode.
        :param on_failure: where failed batches go; None: the stack's shared S3 bucket (keeps payloads).
        :param retry_attempts: provisioned mode: -1 (until the record expires) or 0-10,000.
        :param max_record_age: provisioned mode: 60 s - 7 days (or -1 seconds: no limit).
        :param bisect_batch_on_error: provisioned mode: split a failing batch in two and retry each half.
        :param report_batch_item_failures: provisioned mode: the function returns
            {"batchItemFailures": [{"itemIdentifier": {"partition": "topic-N", "offset": 100}}]}.
        :param enabled: whether the mapping polls.
        :param mapping_metrics: turn on the mapping's EventCount, ErrorCount and KafkaMetrics CloudWatch metrics
            (default True): per-consumer lag, throughput, errors and failed-record counts, which the default alarms
            and dashboard read. Cost: AWS bills them as CloudWatch custom metrics (up to 14 per mapping, charged
            only for hours they are emitted; about $0.30 per metric-month at the first us-east-1 tier, see
            aws.amazon.com/cloudwatch/pricing). False saves that; the lag alarm then reads the function's free
            OffsetLag and there is no failed-records alarm. The function's own metrics are free.
        :param network_access: how the pollers reach AWS APIs from a cluster in a VPC (see NetworkAccess); default:
            VPC endpoints (created once per VPC) in on-demand mode, none in provisioned mode.
        :param monitoring: alarms and dashboard (see Monitoring); default: offset lag, errors and failed-records
            alarms to the stack's shared, encrypted SNS topic, and a section in the stack's dashboard.
        :param log_level: provisioned mode only: the mapping's system logs (LoggingConfig.SystemLogLevel), e.g.
            lambda_.EventSourceMappingLogLevel.WARN; default: none. Billed as CloudWatch Logs ingestion.
        :param filter_encryption: a customer-managed key to encrypt the filter patterns at rest (KmsKeyArn); CDK adds
            the key-policy statement that lets Lambda decrypt them. Only with filters.
        """
        super().__init__(scope, construct_id)
        # ---------------------------------------------------------------------------------------------- check
        _check_type("cluster", cluster, KafkaCluster, "KafkaCluster.msk(...) (or msk_serverless/self_managed/...)")
        _check_topic(topic)
        role = _check_function(function)
        _check_placement(cluster, stack_of(function))
        _check_int_range("batch_size", batch_size, limits.BATCH_SIZE_MIN, limits.BATCH_SIZE_MAX)
        _check_batching_window(max_batching_window)
        _check_starting_position(starting_position, starting_position_timestamp)
        _check_consumer_group(consumer_group_id)
        checked_filters = validate_filters(filters)
        if provisioned_pollers is not None:
            _check_type("provisioned_pollers", provisioned_pollers, ProvisionedPollers, "ProvisionedPollers(...)")
        provisioned = provisioned_pollers is not None
        _check_provisioned_only(
            provisioned,
            retry_attempts=retry_attempts,
            max_record_age=max_record_age,
            bisect_batch_on_error=bisect_batch_on_error,
            report_batch_item_failures=report_batch_item_failures,
        )
        _check_retry_attempts(retry_attempts)
        record_age_seconds = _check_record_age(max_record_age)
        if log_level is not None:
            _check_provisioned_only(provisioned, log_level=getattr(log_level, "value", log_level))
        if network_access is not None:
            _check_type("network_access", network_access, NetworkAccess, "NetworkAccess.vpc_endpoints() (or ...)")
        if monitoring is not None:
            _check_type("monitoring", monitoring, Monitoring, "Monitoring(...) or leave it out")
        if filter_encryption is not None:
            _check_filter_encryption(filter_encryption, checked_filters)
        destination = on_failure if on_failure is not None else FailureDestination.s3()
        _check_type(
            "on_failure",
            destination,
            FailureDestination,
            "FailureDestination.s3() (or sqs/sns/kafka_topic/none)",
        )
        _check_destination(destination, topic, provisioned)
        if not isinstance(enabled, bool):
            raise ConfigError("enabled", enabled, "enabled must be True or False", "pass enabled=True")

        self.function = function
        self.cluster = cluster
        self.topic = topic
        self.consumer_group_id = consumer_group_id
        self.provisioned_pollers = provisioned_pollers
        self._warn_risky_choices(starting_position, destination, retry_attempts)

        # ---------------------------------------------------------------------------------------------- build
        bound = bind_destination(self, destination)
        self.failure_destination = bound.resource
        self.event_source_mapping = lambda_.EventSourceMapping(
            self,
            "Mapping",
            target=function,
            event_source_arn=cluster.cluster_arn,
            kafka_bootstrap_servers=list(cluster.bootstrap_servers) or None,
            kafka_topic=topic,
            kafka_consumer_group_id=consumer_group_id,
            source_access_configurations=_source_access(cluster) or None,
            batch_size=batch_size,
            max_batching_window=max_batching_window,
            starting_position=starting_position,
            starting_position_timestamp=starting_position_timestamp,
            filters=[{"pattern": json.dumps(f, separators=(",", ":"))} for f in checked_filters] or None,
            provisioned_poller_config=_poller_config(provisioned_pollers),
            metrics_config=_ALL_MAPPING_METRICS if mapping_metrics else None,
            filter_encryption=filter_encryption,
            enabled=enabled,
        )
        mapping = self.cfn_mapping
        if bound.destination is not None:
            mapping.destination_config = lambda_.CfnEventSourceMapping.DestinationConfigProperty(
                on_failure=lambda_.CfnEventSourceMapping.OnFailureProperty(destination=bound.destination)
            )
        elif destination.reason is not None:
            Validations.of(mapping).acknowledge(
                Acknowledgment(
                    id="Serverless-LambdaEventSourceMappingDestination",
                    reason=f"Failure destination opted out explicitly: {destination.reason}",
                )
            )
        if retry_attempts is not None:
            mapping.maximum_retry_attempts = retry_attempts
        if record_age_seconds is not None:
            mapping.maximum_record_age_in_seconds = record_age_seconds
        if bisect_batch_on_error is not None and provisioned:
            mapping.bisect_batch_on_function_error = bisect_batch_on_error
        if report_batch_item_failures:
            mapping.function_response_types = ["ReportBatchItemFailures"]

        # ---------------------------------------------------------------------------------------------- grant
        self.policy = self._grant(role, bound, destination)

        # ----------------------------------------------------------------------------------------------- wire
        for warning in cluster.warnings:
            Annotations.of(self).add_warning_v2("constructs-kafka-lambda:secret", warning)
        wire_network(
            self,
            cluster=cluster,
            provisioned=provisioned,
            access=network_access,
            destination_service=bound.service,
        )

        # ---------------------------------------------------------------------------------------------- alarm
        self.alarms: dict[str, cloudwatch.CfnAlarm] = attach_monitoring(
            self,
            monitoring if monitoring is not None else Monitoring(),
            mapping_metrics=mapping_metrics,
            batch_size=batch_size,
            log_level=log_level,
        )

    # ------------------------------------------------------------------------------------------------ facts
    @property
    def cfn_mapping(self) -> lambda_.CfnEventSourceMapping:
        """The L1 of the mapping, for properties the library does not expose."""
        child = self.event_source_mapping.node.default_child
        assert isinstance(child, lambda_.CfnEventSourceMapping)
        return child

    @property
    def construct_path(self) -> str:
        """This consumer's construct path (read from CDK once): names its alarms and dashboard section."""
        path: str | None = getattr(self, "_construct_path", None)
        if path is None:
            path = self._construct_path = self.node.path
        return path

    @property
    def provisioned(self) -> bool:
        """True in provisioned mode (dedicated pollers)."""
        return self.provisioned_pollers is not None

    @property
    def mapping_uuid(self) -> str:
        """The mapping's UUID (a token), the EventSourceMappingUUID dimension of its CloudWatch metrics."""
        return self.event_source_mapping.event_source_mapping_id

    # ---------------------------------------------------------------------------------------------- private
    def _grant(self, role: iam.IRole, bound: BoundDestination, destination: FailureDestination) -> iam.ManagedPolicy:
        """One customer-managed policy per consumer; the mapping depends on it so the first poll never races it."""
        statements = source_statements(self.cluster, self.topic, self.consumer_group_id) + bound.statements
        if destination.kind is DestinationKind.KAFKA and destination.kafka_topic_name is not None:
            statements += kafka_destination_statements(self.cluster, destination.kafka_topic_name)
        policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Least privilege for a Kafka event source mapping (constructs_kafka_lambda)",
            document=iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": statements}),
            roles=[role],
        )
        self.event_source_mapping.node.add_dependency(policy)
        acknowledge_policy_wildcards(policy, statements)
        attached = SharedResources.of(self).count_policy_on_role(role.role_arn)
        if attached == limits.MANAGED_POLICIES_PER_ROLE:
            Annotations.of(self).add_warning_v2(
                "constructs-kafka-lambda:policies-per-role",
                f"{attached} consumers share this function's role, each attaching one managed policy: IAM allows "
                f"{limits.MANAGED_POLICIES_PER_ROLE} per role by default (including any others), so the deploy "
                "fails beyond that. Use one function per consumer, or raise the account's 'Managed policies per "
                "role' quota (up to 20).",
            )
        return policy

    def _warn_risky_choices(
        self, position: lambda_.StartingPosition, destination: FailureDestination, retry_attempts: int | None
    ) -> None:
        def warn(warning_id: str, message: str) -> None:  # Annotations.of only when there is something to say
            Annotations.of(self).add_warning_v2(warning_id, message)

        if position == lambda_.StartingPosition.LATEST:
            warn(
                "constructs-kafka-lambda:latest",
                "starting_position=LATEST can miss records written while the mapping is being created; "
                "use TRIM_HORIZON or AT_TIMESTAMP if every record matters.",
            )
        if destination.kind is DestinationKind.NONE:
            warn(
                "constructs-kafka-lambda:no-destination",
                f"on_failure=FailureDestination.none(): failed batches are not kept ({destination.reason}).",
            )
        if retry_attempts == limits.RETRY_ATTEMPTS_INFINITE and destination.kind is not DestinationKind.NONE:
            warn(
                "constructs-kafka-lambda:retries-capped",
                "retry_attempts=-1 with a failure destination: Lambda caps retries at 10 before delivering.",
            )

    # ---------------------------------------------------------------------------------------------- metrics
    # One definition of each metric (monitoring_metrics.ConsumerMetrics), the same the alarms and dashboard read.
    # Keyword arguments go to cloudwatch.Metric (period, statistic, label, ...). The mapping's metrics need
    # mapping_metrics=True (the default); the pollers' metrics need provisioned mode.
    @property
    def metrics(self) -> ConsumerMetrics:
        """This consumer's metric factory."""
        found: ConsumerMetrics | None = getattr(self, "_metrics", None)
        if found is None:
            found = self._metrics = ConsumerMetrics(self.function, self.mapping_uuid)
        return found

    def metric_offset_lag(self, **props: Any) -> cloudwatch.Metric:
        """Records behind the topic, the one the lag alarm reads: SumOffsetLag of this mapping (Maximum), or the
        function's OffsetLag when mapping_metrics=False."""
        return self.metrics.lag(**props)

    def metric_sum_offset_lag(self, **props: Any) -> cloudwatch.Metric:
        """Records behind, summed over the topic's partitions, this mapping only (SumOffsetLag; Maximum)."""
        return self.metrics.sum_offset_lag(**props)

    def metric_max_offset_lag(self, **props: Any) -> cloudwatch.Metric:
        """Records behind on the most lagging partition, this mapping only (MaxOffsetLag; Maximum)."""
        return self.metrics.max_offset_lag(**props)

    def metric_function_offset_lag(self, **props: Any) -> cloudwatch.Metric:
        """OffsetLag by FunctionName: every Kafka mapping of this function (free, always emitted)."""
        return self.metrics.offset_lag(**props)

    def metric_polled_events(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.polled_events(**props)

    def metric_filtered_out_events(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.filtered_out_events(**props)

    def metric_invoked_events(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.invoked_events(**props)

    def metric_failed_invoke_events(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.failed_invoke_events(**props)

    def metric_dropped_events(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.dropped_events(**props)

    def metric_failure_destination_deliveries(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.failure_destination_deliveries(**props)

    def metric_committed_events(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.committed_events(**props)

    def metric_polling_errors(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.polling_errors(**props)

    def metric_invoke_errors(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.invoke_errors(**props)

    def metric_failure_destination_delivery_errors(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.failure_destination_delivery_errors(**props)

    def metric_schema_registry_errors(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.schema_registry_errors(**props)

    def metric_commit_errors(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.commit_errors(**props)

    def metric_mapping_errors(self, period: Duration | None = None) -> cloudwatch.MathExpression:
        """Polling + invoke + failure-destination delivery errors of the mapping."""
        return self.metrics.mapping_errors(period)

    def metric_failed_records(self, period: Duration | None = None) -> cloudwatch.MathExpression:
        """Records sent to the failure destination + dropped records."""
        return self.metrics.failed_records(period)

    def metric_processing_errors(self, period: Duration | None = None) -> cloudwatch.MathExpression:
        """What the errors alarm sums: function errors + throttles (+ the mapping's polling, invoke and delivery
        errors when mapping_metrics is on)."""
        return self.metrics.processing_errors(include_mapping=self.metrics.mapping_metrics, period=period)

    def metric_provisioned_pollers(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.provisioned_pollers(**props)

    def metric_event_poller_units(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.event_poller_units(**props)

    def metric_event_poller_throughput(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.event_poller_throughput(**props)

    def metric_invocations(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.invocations(**props)

    def metric_errors(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.errors(**props)

    def metric_throttles(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.throttles(**props)

    def metric_duration(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.duration(**props)

    def metric_concurrent_executions(self, **props: Any) -> cloudwatch.Metric:
        return self.metrics.concurrent_executions(**props)


_ALL_MAPPING_METRICS = lambda_.MetricsConfig(
    metrics=[lambda_.MetricType.EVENT_COUNT, lambda_.MetricType.ERROR_COUNT, lambda_.MetricType.KAFKA_METRICS]
)


def _source_access(cluster: KafkaCluster) -> list[lambda_.SourceAccessConfiguration]:
    """Auth secret, root CA, and for self-managed brokers in a VPC the subnets and security groups."""
    configs: list[lambda_.SourceAccessConfiguration] = []
    access_type = cluster.auth.mechanism.access_type
    if access_type is not None and cluster.auth.secret is not None:
        configs.append(_access(access_type, cluster.auth.secret.secret_arn))
    if cluster.root_ca_certificate is not None:
        configs.append(_access("SERVER_ROOT_CA_CERTIFICATE", cluster.root_ca_certificate.secret_arn))
    if not cluster.is_msk and cluster.vpc is not None:
        subnets = cluster.subnet_ids_in_vpc()
        configs += [_access("VPC_SUBNET", f"subnet:{s}") for s in subnets]
        configs += [
            _access("VPC_SECURITY_GROUP", f"security_group:{g.security_group_id}") for g in cluster.security_groups
        ]
    return configs


def _access(kind: str, uri: str) -> lambda_.SourceAccessConfiguration:
    return lambda_.SourceAccessConfiguration(type=lambda_.SourceAccessConfigurationType.of(kind), uri=uri)


def _poller_config(pollers: ProvisionedPollers | None) -> lambda_.ProvisionedPollerConfig | None:
    if pollers is None:
        return None
    return lambda_.ProvisionedPollerConfig(
        minimum_pollers=pollers.minimum, maximum_pollers=pollers.maximum, poller_group_name=pollers.group_name
    )


# ------------------------------------------------------------------------------------------------ the checks
def _check_type(prop: str, value: Any, expected: type, fix: str) -> None:
    if not isinstance(value, expected):
        raise ConfigError(prop, value, f"expected a {expected.__name__}", f"pass {fix}")


def _check_placement(cluster: KafkaCluster, stack: Stack) -> None:
    """Same Region for cluster and secrets; MSK Serverless mappings cannot be cross-account (literal ARNs only)."""
    region, account = stack.region, stack.account
    arns = [("cluster", cluster.cluster_arn)] + [("auth secret", s.secret_arn) for s in cluster.secrets]
    for what, arn in arns:
        if arn is None or is_unresolved(arn) or is_unresolved(region):
            continue
        arn_region = arn.split(":")[3] if arn.count(":") >= 5 else region
        if arn_region != region:
            raise ConfigError(
                "cluster",
                arn,
                f"the {what} is in {arn_region} but the function's stack is in {region}; Lambda reads event "
                "sources and their secrets only in the function's own Region",
                f"deploy the consumer in {arn_region}, or use a cluster and secret in {region}",
            )
    arn = cluster.cluster_arn
    if cluster.kind is SourceKind.MSK_SERVERLESS and arn is not None and not is_unresolved(arn):
        arn_account = arn.split(":")[4]
        if not is_unresolved(account) and arn_account != account:
            raise ConfigError(
                "cluster",
                arn,
                f"MSK Serverless mappings cannot be cross-account (cluster in {arn_account}, function in {account})",
                f"deploy the consumer in account {arn_account}",
            )


def _check_topic(topic: Any) -> None:
    if is_unresolved(topic):
        return
    if not isinstance(topic, str) or len(topic) > limits.TOPIC_MAX_LENGTH or not limits.TOPIC_PATTERN.match(topic):
        raise ConfigError(
            "topic",
            topic,
            f"a Kafka topic is 2-{limits.TOPIC_MAX_LENGTH} characters of [a-zA-Z0-9._-] not starting with '.'",
            'pass the topic name exactly as in Kafka, e.g. "fleet-telemetry"',
        )


def _check_function(function: Any) -> iam.IRole:
    if not hasattr(function, "function_arn"):
        raise ConfigError("function", function, "expected a lambda_.IFunction", "pass the consumer function")
    role = function.role
    if role is None:
        raise ConfigError(
            "function",
            function.node.path,
            "the function has no known execution role, so the mapping's permissions cannot be granted",
            "import it with Function.from_function_attributes(..., role=iam.Role.from_role_arn(...))",
        )
    timeout = getattr(function, "timeout", None)
    if isinstance(timeout, Duration) and not is_unresolved(timeout.to_seconds()):
        if timeout.to_seconds() > limits.FUNCTION_TIMEOUT_MAX_SECONDS:
            raise ConfigError(
                "function.timeout",
                f"{timeout.to_seconds()} s",
                "Lambda invokes Kafka consumers with a timeout of at most 14 minutes",
                "set timeout=Duration.minutes(14) or less on the function",
            )
    return role


def _check_int_range(prop: str, value: Any, low: int, high: int) -> None:
    if is_unresolved(value):
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(prop, value, f"must be a whole number from {low} to {high}", f"pick a value in {low}-{high}")


def _check_batching_window(window: Any) -> None:
    if window is None:
        return
    if not isinstance(window, Duration):
        raise ConfigError(
            "max_batching_window",
            window,
            "expected a Duration",
            "pass Duration.seconds(n) or Duration.millis(n)",
        )
    seconds = window.to_milliseconds() / 1000
    if not is_unresolved(seconds) and not 0 <= seconds <= limits.BATCHING_WINDOW_MAX_SECONDS:
        raise ConfigError(
            "max_batching_window",
            f"{seconds} s",
            f"the batching window is 0 to {limits.BATCHING_WINDOW_MAX_SECONDS} seconds",
            "pick a window in that range (Kafka's default is 500 ms)",
        )


def _check_starting_position(position: Any, timestamp: Any) -> None:
    valid = (
        lambda_.StartingPosition.TRIM_HORIZON,
        lambda_.StartingPosition.LATEST,
        lambda_.StartingPosition.AT_TIMESTAMP,
    )
    if position not in valid:
        raise ConfigError(
            "starting_position",
            position,
            "Kafka mappings start at TRIM_HORIZON, LATEST or AT_TIMESTAMP",
            "pass lambda_.StartingPosition.TRIM_HORIZON",
        )
    at_timestamp = position == lambda_.StartingPosition.AT_TIMESTAMP
    if at_timestamp and timestamp is None:
        raise ConfigError(
            "starting_position_timestamp",
            None,
            "AT_TIMESTAMP needs the time to start from",
            "pass starting_position_timestamp=<Unix seconds>",
        )
    if not at_timestamp and timestamp is not None:
        raise ConfigError(
            "starting_position_timestamp",
            timestamp,
            "a timestamp is only used with starting_position=AT_TIMESTAMP",
            "set starting_position=lambda_.StartingPosition.AT_TIMESTAMP or drop the timestamp",
        )
    if timestamp is not None and not is_unresolved(timestamp):
        if isinstance(timestamp, bool) or not isinstance(timestamp, int | float) or timestamp < 0:
            raise ConfigError(
                "starting_position_timestamp",
                timestamp,
                "the timestamp is Unix time in seconds",
                "pass e.g. int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())",
            )
        if timestamp > time.time():
            raise ConfigError(
                "starting_position_timestamp",
                timestamp,
                "the timestamp must not be in the future",
                "pass a past time, or TRIM_HORIZON/LATEST",
            )


def _check_consumer_group(group: Any) -> None:
    if group is None or is_unresolved(group):
        return
    if (
        not isinstance(group, str)
        or len(group) > limits.CONSUMER_GROUP_MAX_LENGTH
        or not limits.CONSUMER_GROUP_PATTERN.match(group)
    ):
        raise ConfigError(
            "consumer_group_id",
            group,
            f"a consumer group id is 1-{limits.CONSUMER_GROUP_MAX_LENGTH} characters of [a-zA-Z0-9-/*:_+=.@]",
            'use e.g. "fleet-telemetry-alerts"; it must be unique across the account\'s Kafka mappings',
        )


def _check_filter_encryption(key: Any, filters: list[dict[str, Any]]) -> None:
    if not hasattr(key, "key_arn"):
        raise ConfigError("filter_encryption", key, "expected a kms.IKey", "pass kms.Key(...) or Key.from_key_arn(...)")
    if not filters:
        raise ConfigError(
            "filter_encryption",
            key.node.path,
            "the key encrypts the mapping's filter patterns, and there are none",
            "add filters=[...] or drop filter_encryption",
        )


def _check_provisioned_only(provisioned: bool, **values: Any) -> None:
    """Provisioned-only settings are rejected in on-demand mode; an explicit False (the on-demand behaviour, and
    never written to the template there) is let through."""
    if provisioned:
        return
    for prop, value in values.items():
        if value is not None and value is not False:
            raise ConfigError(prop, value, _PROVISIONED_ONLY, _PROVISIONED_FIX)


def _check_retry_attempts(value: Any) -> None:
    if value is None or is_unresolved(value):
        return
    if value == limits.RETRY_ATTEMPTS_INFINITE and not isinstance(value, bool):
        return
    _check_int_range("retry_attempts", value, 0, limits.RETRY_ATTEMPTS_MAX)


def _check_record_age(age: Any) -> int | None:
    """Returns whole seconds for the L1; -1 (int) means no limit (a Duration cannot be negative)."""
    if age is None:
        return None
    if age == limits.RECORD_AGE_INFINITE and not isinstance(age, bool):
        return limits.RECORD_AGE_INFINITE
    if not isinstance(age, Duration):
        raise ConfigError("max_record_age", age, "expected a Duration, or -1 for no limit", "pass Duration.hours(n)")
    seconds = age.to_seconds()
    if is_unresolved(seconds):
        return None
    if not limits.RECORD_AGE_MIN_SECONDS <= seconds <= limits.RECORD_AGE_MAX_SECONDS:
        raise ConfigError(
            "max_record_age",
            f"{seconds} s",
            f"the maximum record age is {limits.RECORD_AGE_MIN_SECONDS} s to {limits.RECORD_AGE_MAX_SECONDS} s "
            "(7 days), or -1 for no limit",
            "pass e.g. Duration.hours(6)",
        )
    return int(seconds)


def _check_destination(destination: FailureDestination, topic: str, provisioned: bool) -> None:
    if destination.kind is not DestinationKind.KAFKA:
        return
    if not provisioned:
        raise ConfigError("on_failure", "FailureDestination.kafka_topic(...)", _PROVISIONED_ONLY, _PROVISIONED_FIX)
    name = destination.kafka_topic_name
    if not is_unresolved(name) and not is_unresolved(topic) and name == topic:
        raise ConfigError(
            "on_failure",
            f"FailureDestination.kafka_topic({name!r})",
            "the failure topic must not be the source topic (failed records would be consumed again)",
            f'use a separate topic, e.g. FailureDestination.kafka_topic("{topic}-failed")',
        )
