"""The CreateEventSourceMapping request a configuration asks for, computed from the configuration alone.

Nothing here reads the library: the parameter names and defaults come from the Lambda API reference, so that a
mapping the library writes differently (a dropped value, a placeholder number) shows up as a difference.

`expected_request(config, resolve_tokens=False)` leaves token values UNKNOWN (what can be judged at synth time);
with `resolve_tokens=True` a token is its parameter's default (what CloudFormation will send once deployed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .api_model import UNKNOWN
from .config import OAUTH_PARAMETERS, Config, Dur, RegistrySpec, SecretSpec, SourceSpec, Tok

DEFAULT_BATCH_SIZE = 100  # API reference, BatchSize: "Amazon Managed Streaming for Apache Kafka - Default 100"
DEFAULT_MIN_POLLERS = 1  # API reference, ProvisionedPollerConfig.MinimumPollers (Kafka default 1)
DEFAULT_MAX_POLLERS = 200  # API reference, ProvisionedPollerConfig.MaximumPollers (Kafka default 200)
ALL_METRICS = ["EventCount", "ErrorCount", "KafkaMetrics"]

# SourceAccessConfigurations Type that carries each mechanism's secret (Lambda guide, kafka-cluster-auth).
SECRET_ACCESS_TYPE = {
    "scram_sha_512": "SASL_SCRAM_512_AUTH",
    "scram_sha_256": "SASL_SCRAM_256_AUTH",
    "sasl_plain": "BASIC_AUTH",
    "mutual_tls": "CLIENT_CERTIFICATE_TLS_AUTH",
    "oauth": "OAUTHBEARER_AUTH",
}
REGISTRY_ACCESS_TYPE = {
    "basic_auth": "BASIC_AUTH",
    "client_certificate": "CLIENT_CERTIFICATE_TLS_AUTH",
    "root_ca_certificate": "SERVER_ROOT_CA_CERTIFICATE",
    "oauth": "OAUTHBEARER_AUTH",
}


@dataclass(frozen=True)
class OneOf:
    """Either of these is right (ABSENT: the member is left out)."""

    options: tuple[Any, ...]


ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT"})()


def subnet_id(i: int) -> str:
    return f"subnet-{i:017x}"


def group_id(i: int) -> str:
    return f"sg-{i:017x}"


def expected_request(config: Config, *, resolve_tokens: bool = False) -> dict[str, Any]:
    """The request, member by member, in the API's names."""

    def v(value: Any) -> Any:
        if isinstance(value, Tok):
            return value.default if resolve_tokens else UNKNOWN
        return value

    source = config.source
    request: dict[str, Any] = {"FunctionName": UNKNOWN, "Topics": [v(config.topic)]}
    request.update(_source_members(source, v))
    kafka_config = _kafka_config(config, v)
    if kafka_config:
        msk = source.kind.startswith("msk")
        request["AmazonManagedKafkaEventSourceConfig" if msk else "SelfManagedKafkaEventSourceConfig"] = kafka_config
    request["BatchSize"] = v(config.batch_size) if config.batch_size is not None else DEFAULT_BATCH_SIZE
    if config.window is not None:
        request["MaximumBatchingWindowInSeconds"] = _seconds(config.window, v)
    # Queue mode takes no StartingPosition, StartingPositionTimestamp or MaximumBatchingWindowInSeconds (API model).
    if config.consumption_mode != "QUEUE" or config.starting_position is not None:
        request["StartingPosition"] = config.starting_position or "TRIM_HORIZON"
    if config.timestamp is not None:
        request["StartingPositionTimestamp"] = v(config.timestamp)
    if config.filters:
        request["FilterCriteria"] = {"Filters": [{"Pattern": _pattern(f, v)} for f in config.filters]}
    if config.filter_encryption:
        request["KMSKeyArn"] = UNKNOWN
    request.update(_mode_members(config, v))
    request["Enabled"] = config.enabled if config.enabled is not None else True
    access = _source_access(source, v)
    if access:
        request["SourceAccessConfigurations"] = access
    return request


def _kafka_config(config: Config, v: Any) -> dict[str, Any]:
    """AmazonManagedKafkaEventSourceConfig / SelfManagedKafkaEventSourceConfig."""
    kafka: dict[str, Any] = {}
    if config.consumer_group is not None:
        kafka["ConsumerGroupId"] = v(config.consumer_group)
    if config.schema_registry is not None:
        kafka["SchemaRegistryConfig"] = _registry(config.schema_registry)
    if config.consumption_mode == "QUEUE":
        kafka["ConsumptionMode"] = "Queue"
    return kafka


def _registry(spec: RegistrySpec) -> dict[str, Any]:
    registry: dict[str, Any] = {
        "SchemaRegistryURI": spec.uri,
        "EventRecordFormat": spec.record_format,
        "SchemaValidationConfigs": [{"Attribute": a} for a in spec.validate],
    }
    if spec.access:
        registry["AccessConfigs"] = [_secret(REGISTRY_ACCESS_TYPE[name], s) for name, s in spec.access]
    return registry


def _source_members(source: SourceSpec, v: Any) -> dict[str, Any]:
    if source.kind == "msk_cross_account":
        return {"EventSourceArn": source.vpc_connection_arn}
    if source.kind in ("msk", "msk_serverless"):
        return {"EventSourceArn": UNKNOWN if source.cluster is not None else v(source.arn)}
    servers = v(source.servers) if isinstance(source.servers, Tok) else [v(s) for s in source.servers]
    return {"SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": servers}}}


def _mode_members(config: Config, v: Any) -> dict[str, Any]:
    """Provisioned mode, failure handling and observability."""
    members: dict[str, Any] = {}
    if config.pollers is not None:
        pollers = config.pollers
        poller_config = {
            "MinimumPollers": v(pollers.minimum) if pollers.minimum is not None else DEFAULT_MIN_POLLERS,
            "MaximumPollers": v(pollers.maximum) if pollers.maximum is not None else DEFAULT_MAX_POLLERS,
        }
        if pollers.group_name is not None:
            poller_config["PollerGroupName"] = v(pollers.group_name)
        members["ProvisionedPollerConfig"] = poller_config
    destination = config.on_failure
    if destination.kind == "kafka":
        topic = v(destination.kafka_topic)
        members["DestinationConfig"] = {
            "OnFailure": {"Destination": UNKNOWN if topic is UNKNOWN else f"kafka://{topic}"}
        }
    elif destination.kind != "none":
        members["DestinationConfig"] = {"OnFailure": {"Destination": UNKNOWN}}  # the ARN of a bucket/queue/topic
    if config.retry_attempts is not None:
        members["MaximumRetryAttempts"] = v(config.retry_attempts)
    if config.max_record_age is not None:
        age = config.max_record_age
        members["MaximumRecordAgeInSeconds"] = _seconds(age, v) if isinstance(age, Dur) else age
    if config.bisect is not None and (config.provisioned or config.bisect):
        members["BisectBatchOnFunctionError"] = config.bisect
    if config.report:
        members["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
    if config.log_level is not None:
        members["LoggingConfig"] = {"SystemLogLevel": config.log_level}
    # Default: on in provisioned mode only (AWS documents these metrics for provisioned mode; on-demand is in
    # doubt, issue 9), so an explicit True is needed in on-demand mode.
    metrics_on = config.provisioned if config.mapping_metrics is None else config.mapping_metrics
    if metrics_on:  # True: every group; a tuple: those groups (issue 19); False or (): no MetricsConfig
        members["MetricsConfig"] = {"Metrics": ALL_METRICS if metrics_on is True else list(metrics_on)}
    return members


def _source_access(source: SourceSpec, v: Any) -> list[dict[str, Any]]:
    """Auth secret, root CA, and for self-managed brokers in a VPC one entry per subnet and per security group."""
    access: list[dict[str, Any]] = []
    auth = source.auth
    if source.kind == "confluent_cloud" and source.api_key is not None:
        access.append(_secret("BASIC_AUTH", source.api_key))
    if auth is not None and auth.mechanism in SECRET_ACCESS_TYPE and auth.secret is not None:
        access.append(_secret(SECRET_ACCESS_TYPE[auth.mechanism], auth.secret))
    # kafka-cluster-auth: IAM_AUTH and IAM_OAUTHBEARER_AUTH on self-managed brokers, each without a URI ("omit the
    # URI field"); on MSK, IAM has no type (Lambda uses it when no secret is given).
    if auth is not None and auth.mechanism == "iam" and source.kind in ("self_managed", "confluent_cloud"):
        access.append({"Type": "IAM_AUTH"})
    if auth is not None and auth.mechanism == "iam_web_identity":
        access.append({"Type": "IAM_OAUTHBEARER_AUTH"})
    if auth is not None and auth.mechanism in ("oauth", "iam_web_identity"):
        given = dict(auth.oauth)
        access += [{"Type": t, "URI": v(given[k])} for t, k in OAUTH_PARAMETERS if k in given]
    if source.root_ca is not None:
        access.append(_secret("SERVER_ROOT_CA_CERTIFICATE", source.root_ca))
    vpc = source.vpc
    if source.kind in ("self_managed", "confluent_cloud") and vpc is not None and vpc.give_vpc:
        access += [{"Type": "VPC_SUBNET", "URI": f"subnet:{subnet_id(i)}"} for i in range(vpc.subnets)]
        access += [{"Type": "VPC_SECURITY_GROUP", "URI": f"security_group:{group_id(i)}"} for i in range(vpc.groups)]
    return access


def _secret(kind: str, secret: SecretSpec) -> dict[str, Any]:
    return {"Type": kind, "URI": UNKNOWN if secret.in_stack else secret.arn}


def _seconds(duration: Dur, v: Any) -> Any:
    if isinstance(duration.amount, Tok):
        # Only Duration.seconds(token) maps to the API's seconds; CloudFormation cannot convert a token's unit.
        return v(duration.amount) if duration.unit == "seconds" else UNKNOWN
    return duration.seconds()


def _pattern(pattern: Any, v: Any) -> Any:
    """The filter as the compact JSON text Lambda receives (a token leaf: its default, or UNKNOWN)."""
    unknown = False

    def plain(node: Any) -> Any:
        nonlocal unknown
        if isinstance(node, Tok):
            value = v(node)
            unknown = unknown or value is UNKNOWN
            return value
        if isinstance(node, dict):
            return {key: plain(item) for key, item in node.items()}
        if isinstance(node, list | tuple):
            return [plain(item) for item in node]
        return node

    text = json.dumps(plain(pattern), separators=(",", ":"), default=repr)
    return UNKNOWN if unknown else text


def concrete(request: dict[str, Any]) -> dict[str, Any]:
    """The request with each OneOf replaced by its first option (ABSENT members left out), for the judge."""
    out: dict[str, Any] = {}
    for key, value in request.items():
        if isinstance(value, OneOf):
            value = value.options[0]
        if value is not ABSENT:
            out[key] = value
    return out


# ------------------------------------------------------------------------------------------------ comparison
def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Where the synthesized request differs from the expected one (UNKNOWN expected matches anything)."""
    found: list[str] = []
    for key in sorted(set(expected) | set(actual)):
        _compare(expected.get(key, ABSENT), actual.get(key, ABSENT), key, found)
    return found


def _compare(expected: Any, actual: Any, path: str, found: list[str]) -> None:
    if expected is UNKNOWN:
        return
    if isinstance(expected, OneOf):
        if not any(not _diff(option, actual, path) for option in expected.options):
            found.append(f"{path}: expected one of {expected.options!r}, got {actual!r}")
        return
    found += _diff(expected, actual, path)


def _diff(expected: Any, actual: Any, path: str) -> list[str]:
    if expected is UNKNOWN:
        return []
    if isinstance(expected, dict) and isinstance(actual, dict):
        out: list[str] = []
        for key in sorted(set(expected) | set(actual)):
            out += _diff(expected.get(key, ABSENT), actual.get(key, ABSENT), f"{path}.{key}")
        return out
    if path.endswith(".Pattern") and isinstance(expected, str) and isinstance(actual, str):
        return (
            [] if _json_or_text(expected) == _json_or_text(actual) else [f"{path}: expected {expected}, got {actual}"]
        )
    if isinstance(expected, list) and isinstance(actual, list):
        if path.endswith(("SourceAccessConfigurations", "Metrics", "Filters", "AccessConfigs")):
            return _diff_unordered(expected, actual, path)
        if len(expected) != len(actual):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for d in _diff(e, a, f"{path}[{i}]")]
    if (type(expected) is not type(actual) and not (_number(expected) and _number(actual))) or expected != actual:
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def _diff_unordered(expected: list[Any], actual: list[Any], path: str) -> list[str]:
    remaining = list(actual)
    for item in expected:
        match = next((i for i, a in enumerate(remaining) if not _diff(item, a, path + "[]")), None)
        if match is None:
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        remaining.pop(match)
    return [f"{path}: unexpected {remaining!r}"] if remaining else []


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return ("not JSON", text)
