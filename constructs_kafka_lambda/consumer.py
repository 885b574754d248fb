"""`KafkaLambdaConsumer`: one topic -> one function, wired end to end.

The constructor reads as five steps: check (props -> one validated, frozen MappingSpec, or a ConfigError) ->
build (the mapping) -> grant (one least-privilege policy the mapping waits for) -> wire (networking) ->
observe (alarms, dashboard, metrics). Every later step reads the spec, never the raw props.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Acknowledgment, Annotations, Duration, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from . import limits
from .errors import ConfigError
from .grants.acknowledgements import acknowledge_policy_wildcards
from .grants.statements import kafka_destination_statements, merged, schema_registry_statements, source_statements
from .mapping.checks import check_mapping, cross_account_warning
from .mapping.destinations import BoundDestination, DestinationKind, FailureDestination, bind_destination
from .mapping.filters import pattern_leaves
from .mapping.poller_groups import join_poller_group
from .mapping.pollers import ProvisionedPollers
from .mapping.recheck import recheck_at_synth
from .mapping.spec import ConsumptionMode, MappingSpec
from .mapping.template import build_mapping
from .network.access import NetworkAccess
from .network.wiring import wire_network
from .observe.alarm import ConsumerAlarm
from .observe.alarms import attach_monitoring
from .observe.methods import MetricMethods
from .observe.metrics import ConsumerMetrics
from .observe.options import Monitoring
from .observe.planning_methods import PlanningMethods
from .observe.watched import Watched
from .scopes import child_path, first_in_stack, remember_stack, stack_facts, stack_of
from .shared import SharedResources
from .source.cluster import KafkaCluster
from .source.iam import iam_warnings
from .source.schema_registry import SchemaRegistry
from .tokens import is_unresolved


class KafkaLambdaConsumer(Construct, MetricMethods, PlanningMethods):
    """Consume one Kafka topic with one Lambda function, correct by construction.

    Creates the event source mapping, a customer-managed IAM policy on the function's role with exactly what the
    mapping needs (the mapping depends on it), the failure destination (by default the stack's shared, encrypted S3
    bucket, which keeps whole failed batches), and the network and monitoring wiring.

    Changing `topic`, `consumer_group_id` or `consumption_mode` replaces the mapping (AWS cannot change them in
    place); with a new consumer group the mapping starts again from `starting_position`.
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
        starting_position: lambda_.StartingPosition | None = None,
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
        mapping_metrics: bool | Sequence[str] | None = None,
        network_access: NetworkAccess | None = None,
        monitoring: Monitoring | None = None,
        log_level: lambda_.EventSourceMappingLogLevel | None = None,
        filter_encryption: kms.IKey | None = None,
        schema_registry: SchemaRegistry | None = None,
        consumption_mode: ConsumptionMode | None = None,
    ) -> None:
        """
        :param cluster: where records come from (KafkaCluster.msk / msk_serverless / msk_cross_account /
            self_managed / confluent_cloud).
        :param topic: the one topic to consume (2-249 characters: letters, digits, '.', '_', '-'; not starting with
            '.'). Changing it replaces the mapping.
        :param function: the consumer; an IFunction that has a role (the grants go there), timeout <= 14 minutes.
        :param batch_size: records per invocation, 1-10,000 (default 100); the batch payload is capped at 6 MB.
        :param max_batching_window: how long to gather records, whole seconds 0-300 (Kafka default without it:
            500 ms). Once set, going back to the default needs a new mapping. Not in queue mode.
        :param starting_position: TRIM_HORIZON (the default: nothing missed), LATEST (may miss records written while
            the mapping is created) or AT_TIMESTAMP (with starting_position_timestamp). Create-only. Not in queue
            mode.
        :param starting_position_timestamp: Unix seconds, not in the future; only with AT_TIMESTAMP.
        :param consumer_group_id: 1-200 chars, unique across the account's Kafka mappings; default: the mapping's
            UUID. Changing it replaces the mapping; with an existing group the starting position is ignored. In
            queue mode it names the share group.
        :param filters: up to 5 EventBridge-style patterns on the record's `value` (the only key Lambda filters
            Kafka records on), as dicts or as CDK's `lambda_.FilterCriteria.filter({...})` output. Non-matching
            records are dropped and their offsets committed. Duplicates are rejected (CloudFormation).
        :param provisioned_pollers: provisioned mode (dedicated pollers); None: on-demand mode.
        :param on_failure: where failed batches go; None: the stack's shared S3 bucket (keeps payloads).
        :param retry_attempts: provisioned mode: -1 (until the record expires) or 0-10,000.
        :param max_record_age: provisioned mode: 60 s - 7 days in whole seconds (or -1: no limit).
        :param bisect_batch_on_error: provisioned mode: split a failing batch in two and retry each half.
        :param report_batch_item_failures: provisioned mode: the function returns
            {"batchItemFailures": [{"itemIdentifier": {"partition": "topic-N", "offset": 100}}]}.
        :param enabled: whether the mapping polls. A token (a String parameter holding "true"/"false", or
            Token.as_any(...)) is written on the mapping's L1, which takes it where CDK's L2 takes only a bool.
        :param mapping_metrics: the mapping's CloudWatch metric groups (MetricsConfig): True (all three), False,
            or a subset of the API's groups, e.g. ("EventCount", "ErrorCount"): EventCount (7 metrics: polled,
            filtered out, invoked, failed invokes, dropped, sent to the failure destination, committed), ErrorCount
            (5: polling, invoke, destination delivery, schema registry, commit errors) and KafkaMetrics (2:
            SumOffsetLag, MaxOffsetLag). Cost: billed as custom metrics, about $0.30 per metric-month at the first
            us-east-1 tier, so up to $2.10 (EventCount), $1.50 (ErrorCount) and $0.60 (KafkaMetrics) per mapping
            and month (error counts are emitted, and billed, only in hours with errors). Default: all on in
            provisioned mode, off in on-demand mode, because AWS documents these "enhanced observability" metrics
            for provisioned mode (CDK 2.275's README: "only available when using provisioned mode") and the Lambda
            guide names no mode: groups in on-demand mode are allowed, with a warning. What reads a group exists
            only where it is on: without KafkaMetrics the lag alarm reads the function's free OffsetLag; without
            EventCount there is no failed-records alarm; without ErrorCount the errors alarm counts the
            function's errors and throttles only, and there is no mapping-errors alarm.
        :param network_access: how the pollers reach AWS APIs from a cluster in a VPC (see NetworkAccess). Default
            in on-demand mode: nothing when the cluster's subnets already route through a NAT gateway (a warning
            says how to opt in to endpoints), else VPC endpoints (created once per VPC). Provisioned mode needs no
            Lambda/STS/Secrets Manager endpoints; an SQS/SNS/S3 failure destination still gets its endpoint.
        :param monitoring: alarms and dashboard (see Monitoring); default: offset lag, errors and failed-records
            alarms to the stack's shared, encrypted SNS topic, and a section in the stack's dashboard.
        :param log_level: provisioned mode only: the mapping's system logs (LoggingConfig.SystemLogLevel), e.g.
            lambda_.EventSourceMappingLogLevel.WARN; default: none. Billed as CloudWatch Logs ingestion.
        :param filter_encryption: a customer-managed key to encrypt the filter patterns at rest (KmsKeyArn); CDK adds
            the key-policy statement that lets Lambda decrypt them. Only with filters.
        :param schema_registry: provisioned mode only: decode and validate records with a Glue or Confluent schema
            registry (SchemaRegistry.glue / .confluent); the role gets read access to it.
        :param consumption_mode: self-managed Kafka >= 4.2: ConsumptionMode.QUEUE reads through a share group
            (no per-partition order; no starting position or batching window). Create-only: changing it replaces
            the mapping. Default STREAM.
        """
        super().__init__(scope, construct_id)
        # Stack and path known in Python (the scope's, cached on it): no round trip per consumer for either.
        remember_stack(self, stack_of(scope))
        self.construct_path = child_path(scope, construct_id)
        # ------------------------------------------------------------------------------------------- check
        props = {k: v for k, v in locals().items() if k not in ("self", "scope", "construct_id", "__class__")}
        try:
            spec = check_mapping(props, stack_facts(self))
        except ConfigError as error:
            raise error.at(self.construct_path) from None
        self.spec = spec
        self.function, self.cluster, self.topic = function, spec.cluster, spec.topic
        self.consumer_group_id, self.provisioned_pollers = spec.consumer_group_id, spec.pollers
        self._warn_risky_choices(spec, mapping_metrics)
        # ------------------------------------------------------------------------------------------- build
        bound = bind_destination(self, spec.destination)
        self.failure_destination = bound.resource
        self.event_source_mapping, self._cfn_mapping, self._mapping_node = build_mapping(self, spec, bound.destination)
        if spec.destination.kind is DestinationKind.NONE:
            Validations.of(self.cfn_mapping).acknowledge(
                Acknowledgment(
                    id="Serverless-LambdaEventSourceMappingDestination",
                    reason=f"Failure destination opted out explicitly: {spec.destination.reason}",
                )
            )
        recheck_at_synth(self.cfn_mapping, self.construct_path)
        # ------------------------------------------------------------------------------------------- grant
        self.policy = self._grant(spec, bound)
        # -------------------------------------------------------------------------------------------- wire
        for warning in spec.cluster.warnings:
            Annotations.of(self).add_warning_v2("constructs-kafka-lambda:secret", warning)
        wire_network(self, spec, destination_service=bound.service)
        # ----------------------------------------------------------------------------------------- observe
        observation = attach_monitoring(self, self._watched(spec), spec.monitoring)
        self.alarms: dict[str, ConsumerAlarm] = observation.alarms
        self.metrics: ConsumerMetrics = observation.metrics
        # Last, so that a consumer whose construction failed never counts against its poller group's limits.
        try:
            join_poller_group(self, spec)
        except ConfigError as error:
            raise error.at(self.construct_path) from None

    # ------------------------------------------------------------------------------------------------ facts
    @property
    def cfn_mapping(self) -> lambda_.CfnEventSourceMapping:
        """The L1 of the mapping, for properties the library does not expose (re-checked at synth)."""
        return self._cfn_mapping

    @property
    def provisioned(self) -> bool:
        """True in provisioned mode (dedicated pollers)."""
        return self.spec.provisioned

    @property
    def mapping_uuid(self) -> str:
        """The mapping's UUID (a token), the EventSourceMappingUUID dimension of its CloudWatch metrics."""
        return self.event_source_mapping.event_source_mapping_id

    # ---------------------------------------------------------------------------------------------- private
    def _grant(self, spec: MappingSpec, bound: BoundDestination) -> iam.ManagedPolicy:
        """One customer-managed policy per consumer; the mapping depends on it so the first poll never races it."""
        source = spec.cluster.grant_facts
        statements = source_statements(source, spec.topic, spec.consumer_group_id) + bound.statements
        statements += schema_registry_statements(spec.schema_registry)
        if spec.destination.kind is DestinationKind.KAFKA and spec.destination.kafka_topic_name is not None:
            statements += kafka_destination_statements(source, spec.destination.kafka_topic_name)
        statements = merged(statements)
        policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Least privilege for a Kafka event source mapping (constructs_kafka_lambda)",
            document=iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": statements}),
            roles=[spec.role],
        )
        self._mapping_node.add_dependency(policy)
        remember_stack(policy, stack_of(self))
        acknowledge_policy_wildcards(policy, statements)
        attached = SharedResources.of(self).count_policy_on_role(spec.role)
        if attached == limits.MANAGED_POLICIES_PER_ROLE:
            Annotations.of(self).add_warning_v2(
                "constructs-kafka-lambda:policies-per-role",
                f"{attached} consumers share this function's role, each attaching one managed policy: IAM allows "
                f"{limits.MANAGED_POLICIES_PER_ROLE} per role by default (including any others), so the deploy "
                "fails beyond that. Use one function per consumer, or raise the account's 'Managed policies per "
                "role' quota (up to 20).",
            )
        return policy

    def _watched(self, spec: MappingSpec) -> Watched:
        return Watched(
            path=self.construct_path,
            topic=spec.topic,
            function=spec.function,
            function_name=spec.function.function_name,
            mapping_uuid=lambda: self.mapping_uuid,  # read only if a mapping metric is used
            provisioned=spec.provisioned,
            maximum_pollers=spec.pollers.maximum if spec.pollers is not None else None,
            batch_size=spec.batch_size,
            mapping_metrics=spec.mapping_metrics,
            queue_mode=spec.queue_mode,
            schema_registry=spec.schema_registry is not None,
        )

    def _warn_risky_choices(self, spec: MappingSpec, mapping_metrics: bool | Sequence[str] | None) -> None:
        def warn(warning_id: str, message: str) -> None:  # Annotations.of only when there is something to say
            Annotations.of(self).add_warning_v2(f"constructs-kafka-lambda:{warning_id}", message)

        cross_account = cross_account_warning(spec.cluster, stack_facts(self).account)
        if cross_account is not None and first_in_stack(self, ("cross-account", spec.cluster)):
            warn("cross-account-unknown", cross_account)
        if spec.starting_position == "LATEST":
            warn(
                "latest",
                "starting_position=LATEST can miss records written while the mapping is being created; "
                "use TRIM_HORIZON or AT_TIMESTAMP if every record matters.",
            )
        if spec.destination.kind is DestinationKind.NONE:
            warn(
                "no-destination",
                f"on_failure=FailureDestination.none(): failed batches are not kept ({spec.destination.reason}).",
            )
        if spec.retry_attempts == limits.RETRY_ATTEMPTS_INFINITE and spec.destination.kind is not DestinationKind.NONE:
            warn("retries-capped", "retry_attempts=-1 with a failure destination: Lambda caps retries at 10.")
        if any(isinstance(v, str) and is_unresolved(v) for v in pattern_leaves(spec.filters)):
            warn(
                "filter-string-token",
                "a filter holds a string token: CloudFormation writes its value into the pattern's JSON unescaped, so "
                'the value must not contain " or \\ (the pattern would be invalid at deploy); number tokens are safe.',
            )
        chosen = mapping_metrics is not None  # the defaults say nothing
        if chosen and "EventCount" not in spec.mapping_metrics and spec.monitoring.alarms:
            warn(
                "no-failed-records-alarm",
                f"mapping_metrics={mapping_metrics!r} leaves out EventCount: there is no metric of records sent to "
                "the failure destination or dropped, so that alarm is not created; watch the destination itself.",
            )
        for warning_id, message in iam_warnings(spec.cluster):
            warn(warning_id, message)
        if chosen and spec.mapping_metrics and not spec.provisioned:
            warn(
                "mapping-metrics-on-demand",
                f"mapping_metrics={mapping_metrics!r} in on-demand mode: AWS documents the mapping's EventCount/"
                "ErrorCount/KafkaMetrics for provisioned mode (CDK's README: 'only available when using provisioned "
                "mode'); if the deploy rejects MetricsConfig, leave mapping_metrics unset.",
            )


__all__ = ["ConsumptionMode", "FailureDestination", "KafkaLambdaConsumer"]
