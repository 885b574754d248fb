"""The consumer's checks: user props in, one validated `MappingSpec` out, or a ConfigError naming what to fix.

Rules come from AWS's models (limits.py: the Lambda API model and the CloudFormation schema) and from the Lambda
Developer Guide where the models cannot say it (mode-only features, queue mode, timeouts); each says its source.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from .. import limits
from ..checks import check_bool, check_int_range, check_token, check_topic, check_type, literal
from ..errors import ConfigError
from ..network.access import NetworkAccess
from ..observe.options import Monitoring
from ..scopes import StackFacts
from ..source.auth import SourceKind
from ..source.cluster import KafkaCluster
from ..source.schema_registry import SchemaRegistry
from ..tokens import is_unresolved
from .destinations import DestinationKind, FailureDestination
from .filters import validate_filters
from .pollers import ProvisionedPollers
from .spec import ConsumptionMode, MappingSpec
from .timing import check_batching_window, check_record_age, check_starting_position

_PROVISIONED_ONLY = "is available for Kafka only in provisioned mode (Lambda guide, kafka-scaling-modes)"
_PROVISIONED_FIX = "add provisioned_pollers=ProvisionedPollers(minimum=1, maximum=...) or remove it"


def check_mapping(props: dict[str, Any], stack: StackFacts) -> MappingSpec:
    """Every rule AWS would enforce at deploy or at runtime, in the order a reader meets the props: the source and
    function, the mode, the batch, the mode-only features, then the descriptions passed in. `stack`: the facts of
    the consumer's stack, where the mapping is created."""
    cluster, role = _check_source(props, stack)
    pollers = props["provisioned_pollers"]
    if pollers is not None:
        check_type("provisioned_pollers", pollers, ProvisionedPollers, "ProvisionedPollers(...)")
    provisioned = pollers is not None
    mode = _check_consumption_mode(props, cluster)
    queue = mode is ConsumptionMode.QUEUE
    filters = _check_batch(props)
    _check_mode_features(props, provisioned)
    _check_descriptions(props)
    destination = props["on_failure"] if props["on_failure"] is not None else FailureDestination.s3()
    check_type("on_failure", destination, FailureDestination, "FailureDestination.s3() (or sqs/sns/kafka_topic/none)")
    _check_destination(destination, props["topic"], provisioned)
    if props["filter_encryption"] is not None:
        _check_filter_encryption(props["filter_encryption"], filters)
    position, timestamp = check_starting_position(
        props["starting_position"], props["starting_position_timestamp"], queue
    )
    window = check_batching_window(props["max_batching_window"], queue)
    spec = MappingSpec(
        cluster=cluster,
        topic=props["topic"],
        function=props["function"],
        role=role,
        batch_size=props["batch_size"],
        batching_window_seconds=window,
        batching_window=props["max_batching_window"] if window is not None else None,
        starting_position=position,
        starting_position_timestamp=timestamp,
        consumer_group_id=props["consumer_group_id"],
        filters=tuple(filters),
        pollers=pollers,
        destination=destination,
        retry_attempts=props["retry_attempts"],
        record_age_seconds=check_record_age(props["max_record_age"]),
        bisect_batch_on_error=props["bisect_batch_on_error"] if provisioned else None,
        report_batch_item_failures=bool(props["report_batch_item_failures"]),
        enabled=props["enabled"],
        mapping_metrics=check_mapping_metrics(props["mapping_metrics"], provisioned),
        network_access=props["network_access"],
        monitoring=props["monitoring"] if props["monitoring"] is not None else Monitoring(),
        log_level=props["log_level"].value if props["log_level"] is not None else None,
        filter_encryption=props["filter_encryption"],
        schema_registry=props["schema_registry"],
        consumption_mode=mode,
    )
    _check_access_configurations(spec)
    return spec


def _check_source(props: dict[str, Any], stack: StackFacts) -> tuple[KafkaCluster, iam.IRole]:
    """The cluster, the topic and the function (with its role, timeout and Region)."""
    cluster = props["cluster"]
    check_type("cluster", cluster, KafkaCluster, "KafkaCluster.msk(...) (or msk_serverless/self_managed/...)")
    check_topic("topic", props["topic"])
    role = _check_function(props["function"])
    registry = props["schema_registry"] if isinstance(props["schema_registry"], SchemaRegistry) else None
    _check_placement(cluster, stack, registry)
    return cluster, role


def _check_batch(props: dict[str, Any]) -> list[dict[str, Any]]:
    """Batch size, consumer group and filters; returns the validated filters."""
    if props["batch_size"] is None:
        raise ConfigError("batch_size", None, "the batch size is a whole number", "pass e.g. batch_size=100")
    check_int_range("batch_size", props["batch_size"], limits.BATCH_SIZE_MIN, limits.BATCH_SIZE_MAX)
    _check_consumer_group(props["consumer_group_id"])
    filters = validate_filters(_from_filter_criteria(props["filters"]))
    return filters


def _check_mode_features(props: dict[str, Any], provisioned: bool) -> None:
    """Provisioned-only features, retries and the switches."""
    _check_provisioned_only(
        provisioned,
        retry_attempts=props["retry_attempts"],
        max_record_age=props["max_record_age"],
        bisect_batch_on_error=props["bisect_batch_on_error"],
        report_batch_item_failures=props["report_batch_item_failures"],
        log_level=getattr(props["log_level"], "value", props["log_level"]),
        schema_registry=props["schema_registry"],
    )
    check_int_range(
        "retry_attempts", props["retry_attempts"], 0, limits.RETRY_ATTEMPTS_MAX, also=(limits.RETRY_ATTEMPTS_INFINITE,)
    )
    check_bool("enabled", props["enabled"])  # a token reaches the L1 (CDK's L2 takes only a bool)
    if props["bisect_batch_on_error"] is not None:
        check_bool("bisect_batch_on_error", props["bisect_batch_on_error"])
    if props["report_batch_item_failures"] is not None:
        # It decides the function's response contract and FunctionResponseTypes (a list): known at synth.
        check_bool("report_batch_item_failures", props["report_batch_item_failures"], tokens=())


def _check_descriptions(props: dict[str, Any]) -> None:
    """The plain descriptions a user passes in are what they claim to be."""
    for prop, expected, fix in (
        ("network_access", NetworkAccess, "NetworkAccess.vpc_endpoints() (or existing_egress(...))"),
        ("monitoring", Monitoring, "Monitoring(...) or leave it out"),
        ("schema_registry", SchemaRegistry, "SchemaRegistry.glue(...) or SchemaRegistry.confluent(...)"),
        ("log_level", lambda_.EventSourceMappingLogLevel, "lambda_.EventSourceMappingLogLevel.WARN"),
    ):
        if props[prop] is not None:
            check_type(prop, props[prop], expected, fix)


# ------------------------------------------------------------------------------------------------ the rules
def check_mapping_metrics(value: Any, provisioned: bool) -> tuple[str, ...]:
    """The MetricsConfig groups to turn on, in the API's order: True (all), False (none), a subset of the API's
    EventSourceMappingMetric enum (limits.MAPPING_METRICS, compared with botocore's by the drift tests), or None
    (all in provisioned mode, none on demand). Known at synth: the groups decide which alarms and widgets exist."""
    if value is None or isinstance(value, bool):
        on = provisioned if value is None else value
        return tuple(limits.MAPPING_METRICS) if on else ()
    check_token("mapping_metrics", value, (), "the metric groups (they decide which alarms exist)")
    groups = limits.MAPPING_METRICS
    if isinstance(value, str) or not isinstance(value, Sequence | set | frozenset):
        raise ConfigError(
            "mapping_metrics",
            value,
            f"expected True, False or a collection of the groups {', '.join(groups)}",
            f"pass e.g. mapping_metrics={('EventCount', 'ErrorCount')!r}",
        )
    unknown = [g for g in value if g not in groups]
    if unknown or len(set(value)) != len(list(value)):
        raise ConfigError(
            "mapping_metrics",
            value,
            f"each group once, out of {', '.join(groups)} (Lambda API: EventSourceMappingMetric)"
            + (f"; unknown: {', '.join(map(repr, unknown))}" if unknown else ""),
            f"pass e.g. mapping_metrics={('EventCount', 'ErrorCount')!r}",
        )
    return tuple(g for g in groups if g in set(value))


def _check_placement(cluster: KafkaCluster, stack: StackFacts, registry: SchemaRegistry | None = None) -> None:
    """Same Region for cluster and secrets; MSK Serverless mappings cannot be cross-account (literal ARNs only).

    Read from the consumer's stack, where the mapping is created: the function it invokes is in that Region and
    account too (CloudFormation resolves the mapping's FunctionName there), and the stack's facts are already
    known, where the function's own stack would cost a round trip per consumer."""
    region, account = stack.region, stack.account
    # A self-managed cluster's cluster_arn (IAM auth) only scopes grants: the mapping reads its bootstrap servers,
    # and kafka-cluster-auth states no Region rule for them.
    event_source = cluster.cluster_arn if cluster.is_msk else None
    arns = [("cluster", "cluster", event_source), ("cluster", "VPC connection", cluster.vpc_connection_arn)]
    arns += [("cluster", "auth secret", s.secret_arn) for s in cluster.secrets]
    # The registry's secrets are read like the cluster's (GetSecretValue in the function's Region): assumed to
    # follow the same rule, which Lambda states for the cluster's secrets.
    registry_secrets = registry.secrets if registry is not None else ()
    arns += [("schema_registry", "schema registry secret", s.secret_arn) for s in registry_secrets]
    for prop, what, arn in arns:
        if arn is None or is_unresolved(arn) or is_unresolved(region):
            continue
        arn_region = arn.split(":")[3] if arn.count(":") >= 5 else region
        if arn_region != region:
            raise ConfigError(
                prop,
                arn,
                f"the {what} is in {arn_region} but the consumer's stack (its mapping and function) is in {region}; Lambda reads event "
                "sources and their secrets only in the function's own Region",
                f"deploy the consumer in {arn_region}, or use a cluster and secret in {region}",
            )
    arn = cluster.cluster_arn
    if not cluster.is_msk or cluster.vpc_connection_arn is not None or arn is None or is_unresolved(arn):
        return
    arn_account = arn.split(":")[4]
    if is_unresolved(account) or arn_account == account:
        return  # an environment-agnostic stack: the consumer warns (cross_account_warning)
    if cluster.kind is SourceKind.MSK_SERVERLESS:
        raise ConfigError(
            "cluster",
            arn,
            f"MSK Serverless mappings cannot be cross-account (cluster in {arn_account}, function in {account})",
            f"deploy the consumer in account {arn_account}",
        )
    raise ConfigError(
        "cluster",
        arn,
        f"the MSK cluster is in account {arn_account} and the function's stack in {account}: Lambda reads a "
        "cluster of another account only through an MSK managed VPC connection in the function's account "
        "(Lambda guide, msk-cross-account)",
        "use KafkaCluster.msk_cross_account(vpc_connection_arn, cluster_arn=..., auth=...), or deploy the consumer "
        f"in account {arn_account}",
    )


def cross_account_warning(cluster: KafkaCluster, account: str) -> str | None:
    """A literal MSK cluster ARN read from a stack whose account is unknown at synth (environment-agnostic): whether
    it is another account's cluster (which needs msk_cross_account) can only be told at deploy."""
    arn = cluster.cluster_arn
    if not cluster.is_msk or cluster.vpc_connection_arn is not None or arn is None or is_unresolved(arn):
        return None
    if not is_unresolved(account):
        return None
    return (
        f"the MSK cluster is in account {arn.split(':')[4]} and this stack's account is unknown at synth "
        "(environment-agnostic): if the stack deploys to another account, Lambda cannot read the cluster directly; "
        "use KafkaCluster.msk_cross_account(...) there, or give the stack an env with its account"
    )


def _check_function(function: Any) -> iam.IRole:
    # Asked of the class first: a jsii IFunction declares function_arn as a property there, and hasattr on the
    # object would read it (a round trip) only to throw it away.
    if not hasattr(type(function), "function_arn") and not hasattr(function, "function_arn"):
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
    seconds = timeout.to_seconds() if isinstance(timeout, Duration) else None
    if seconds is not None and literal(seconds) is not None and seconds > limits.FUNCTION_TIMEOUT_MAX_SECONDS:
        raise ConfigError(
            "function.timeout",
            f"{seconds} s",
            "Lambda invokes Kafka consumers with a timeout of at most 14 minutes (Lambda guide, with-kafka)",
            "set timeout=Duration.minutes(14) or less on the function",
        )
    return role


def _check_consumption_mode(props: dict[str, Any], cluster: KafkaCluster) -> ConsumptionMode:
    """Queue mode: self-managed Kafka >= 4.2 share groups; starting position and batching window do not apply
    (API model, SelfManagedKafkaEventSourceConfig.ConsumptionMode; Lambda guide, polling-kafka-queue)."""
    mode = props["consumption_mode"] if props["consumption_mode"] is not None else ConsumptionMode.STREAM
    check_type("consumption_mode", mode, ConsumptionMode, "ConsumptionMode.STREAM or ConsumptionMode.QUEUE")
    if mode is ConsumptionMode.STREAM:
        return mode
    if cluster.is_msk:
        raise ConfigError(
            "consumption_mode",
            "ConsumptionMode.QUEUE",
            "queue mode (Kafka share groups) is for self-managed Kafka only; MSK mappings read as a stream",
            "use KafkaCluster.self_managed(...) with Kafka >= 4.2, or drop consumption_mode",
        )
    if props["retry_attempts"] == limits.RETRY_ATTEMPTS_INFINITE and not isinstance(props["retry_attempts"], bool):
        raise ConfigError(
            "retry_attempts",
            -1,
            "queue mode does not support infinite retries (API model, MaximumRetryAttempts: 'For Kafka event source "
            "mappings with ConsumptionMode set to Queue, the value -1 ... is not supported')",
            "pass 0-10000; Lambda releases failed records back to the share group",
        )
    for prop in ("starting_position", "starting_position_timestamp", "max_batching_window"):
        if props[prop] is not None:
            raise ConfigError(
                prop,
                props[prop],
                "does not apply in queue mode: a share group hands out records as they come, without positions "
                "or a batching window (Lambda guide, polling-kafka-queue)",
                f"remove {prop}, or use ConsumptionMode.STREAM",
            )
    return mode


def _check_consumer_group(group: Any) -> None:
    if group is None or check_token("consumer_group_id", group, ("string",), "a consumer group id"):
        return
    if (
        not isinstance(group, str)
        or not 1 <= len(group) <= limits.CONSUMER_GROUP_MAX_LENGTH
        or not limits.CONSUMER_GROUP_PATTERN.fullmatch(group)
    ):
        raise ConfigError(
            "consumer_group_id",
            group,
            f"a consumer group id is 1-{limits.CONSUMER_GROUP_MAX_LENGTH} characters of [a-zA-Z0-9-/*:_+=.@]",
            'use e.g. "fleet-telemetry-alerts"; it must be unique across the account\'s Kafka mappings',
        )


def _from_filter_criteria(filters: Any) -> Any:
    """Accept CDK's own `lambda_.FilterCriteria.filter({...})` output ({"pattern": "<json>"}) as CDK users write it."""
    if not isinstance(filters, Sequence) or isinstance(filters, str | bytes):
        return filters
    converted: list[Any] = []
    for index, item in enumerate(filters):
        pattern = item.get("pattern") if isinstance(item, Mapping) and set(item) == {"pattern"} else None
        if isinstance(pattern, str) and not is_unresolved(pattern):
            try:
                item = json.loads(pattern)
            except ValueError as error:
                raise ConfigError(
                    f"filters[{index}].pattern", pattern, f"is not JSON ({error})", "pass FilterCriteria.filter({...})"
                ) from None
        converted.append(item)
    return converted


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
    """Provisioned-only settings are rejected in on-demand mode; an explicit False (the on-demand behaviour, never
    written to the template there) is let through."""
    if provisioned:
        return
    for prop, value in values.items():
        if value is not None and value is not False:
            raise ConfigError(prop, value, _PROVISIONED_ONLY, _PROVISIONED_FIX)


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


def _check_access_configurations(spec: MappingSpec) -> None:
    """Secret + OAuth parameters + root CA + one per subnet and security group must fit the API's list."""
    count = len(spec.source_access_configurations)
    if count > limits.SOURCE_ACCESS_CONFIGURATIONS_MAX:
        cluster = spec.cluster
        raise ConfigError(
            "cluster",
            f"{len(cluster.subnet_ids_in_vpc())} subnets, {len(cluster.security_groups)} security groups",
            f"the mapping would have {count} SourceAccessConfigurations (auth, root CA, one per subnet and per "
            f"security group); the Lambda API accepts at most {limits.SOURCE_ACCESS_CONFIGURATIONS_MAX}",
            "select fewer subnets (e.g. SubnetSelection(one_per_az=True)) or fewer security groups",
        )
