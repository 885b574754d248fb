"""What a Kafka event source mapping does, as plain data read from a CloudFormation template.

`MappingSettings` is the one input of the local runtime. It is read from a synthesized template (any Kafka
`AWS::Lambda::EventSourceMapping`: this library's, CDK's own L2 event sources, SAM's output) by
`settings_from_template`, and from a live `KafkaLambdaConsumer` by `settings_from_consumer`, which renders the same
properties from the consumer's L1s without synthesizing the app (so the two paths cannot disagree).

Defaults are AWS's for a Kafka mapping (Lambda guide, kafka-batching / invocation-eventsourcemapping: batch size
100, batching window 500 ms; kafka-retry-configurations: retries and record age -1, i.e. unlimited).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

DEFAULT_BATCH_SIZE = 100
DEFAULT_WINDOW_SECONDS = 0.5  # Kafka's default MaximumBatchingWindowInSeconds (kafka-batching)
DEFAULT_FUNCTION_TIMEOUT = 3.0  # AWS::Lambda::Function Timeout default
_MAPPING = "AWS::Lambda::EventSourceMapping"
_NAME_PROPERTY = {
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::MSK::Cluster": "ClusterName",
    "AWS::MSK::ServerlessCluster": "ClusterName",
}
_SERVICE = {"AWS::SQS::Queue": "sqs", "AWS::SNS::Topic": "sns", "AWS::S3::Bucket": "s3"}


@dataclass(frozen=True)
class FailureTarget:
    """Where exhausted records go: `kind` is s3, sqs, sns or kafka; `name` the bucket, queue, topic name."""

    kind: str
    name: str
    arn: str


@dataclass(frozen=True)
class FunctionSettings:
    name: str
    arn: str
    timeout_seconds: float = DEFAULT_FUNCTION_TIMEOUT
    memory_mb: int = 128
    handler: str | None = None
    code_path: str | None = None  # the asset directory (template-relative paths resolved), when known
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MappingSettings:
    """The mapping's run-time behaviour. Field names follow the API's, in Python case."""

    path: str
    topic: str
    function: FunctionSettings
    msk: bool = False
    event_source_arn: str | None = None
    consumer_group_id: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    batching_window_seconds: float = DEFAULT_WINDOW_SECONDS
    starting_position: str = "TRIM_HORIZON"
    starting_position_timestamp: float | None = None
    filters: tuple[dict[str, Any], ...] = ()
    provisioned: bool = False
    retry_attempts: int = -1
    max_record_age_seconds: int = -1
    bisect_batch_on_error: bool = False
    report_batch_item_failures: bool = False
    on_failure: FailureTarget | None = None
    enabled: bool = True
    queue_mode: bool = False
    bootstrap_servers: tuple[str, ...] = ()

    @property
    def event_source(self) -> str:
        """`aws:kafka` for Amazon MSK, `SelfManagedKafka` otherwise (the with-msk and with-kafka example events)."""
        return "aws:kafka" if self.msk else "SelfManagedKafka"

    @property
    def mapping_uuid(self) -> str:
        """A stable stand-in for the mapping's UUID (unknown until deploy), derived from its path."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"constructs-kafka-lambda:{self.path}"))

    @property
    def group_id(self) -> str:
        """The consumer group: ConsumerGroupId, else (as Lambda does) the mapping's UUID."""
        return self.consumer_group_id or self.mapping_uuid


# --------------------------------------------------------------------------------------------------- templates
def load_template(template: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[dict[str, Any], Path | None]:
    if isinstance(template, Mapping):
        return dict(template), None
    path = Path(template)
    return json.loads(path.read_text()), path


def kafka_mappings(template: Mapping[str, Any], manifest_paths: Mapping[str, str] | None = None) -> dict[str, str]:
    """{logical id: construct path (or the logical id where no path is known)} of every Kafka mapping."""
    found = {}
    for logical_id, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties", {})
        if resource.get("Type") != _MAPPING or not _is_kafka(properties, template.get("Resources", {})):
            continue
        path = (manifest_paths or {}).get(logical_id) or resource.get("Metadata", {}).get("aws:cdk:path")
        found[logical_id] = str(path or logical_id)
    return found


_MSK_CLUSTERS = ("AWS::MSK::Cluster", "AWS::MSK::ServerlessCluster")


def _is_kafka(properties: Mapping[str, Any], resources: Mapping[str, Any]) -> bool:
    """A Kafka mapping: self-managed, MSK by its config or its ARN, or MSK by a Ref / GetAtt to a cluster of the
    same template (how a stack that creates its cluster refers to it, e.g. the sample's MSK Serverless)."""
    if "SelfManagedEventSource" in properties or "AmazonManagedKafkaEventSourceConfig" in properties:
        return True
    arn = properties.get("EventSourceArn")
    if isinstance(arn, str):
        return ":kafka:" in arn
    logical_id = _logical_id(arn)
    return logical_id is not None and resources.get(logical_id, {}).get("Type") in _MSK_CLUSTERS


def manifest_paths(template_path: Path | None) -> dict[str, str]:
    """{logical id: construct path} from the cloud assembly's manifest.json beside the template, when it exists."""
    if template_path is None:
        return {}
    manifest = template_path.parent / "manifest.json"
    if not manifest.is_file():
        return {}
    paths: dict[str, str] = {}
    for artifact in json.loads(manifest.read_text()).get("artifacts", {}).values():
        if artifact.get("properties", {}).get("templateFile") != template_path.name:
            continue
        for path, entries in artifact.get("metadata", {}).items():
            for entry in entries:
                if entry.get("type") == "aws:cdk:logicalId":
                    paths[str(entry["data"])] = path.lstrip("/")
    return paths


def manifest_environment(template_path: Path | None) -> tuple[str, str] | None:
    """(region, account) of the stack from the manifest's `aws://account/region`, where both are literal."""
    manifest = template_path.parent / "manifest.json" if template_path is not None else None
    if manifest is None or not manifest.is_file():
        return None
    for artifact in json.loads(manifest.read_text()).get("artifacts", {}).values():
        if artifact.get("properties", {}).get("templateFile") == template_path.name:  # type: ignore[union-attr]
            account, _, region = str(artifact.get("environment", "")).removeprefix("aws://").partition("/")
            if account.isdigit() and region and "unknown" not in region:
                return region, account
    return None


def select_mapping(template: Mapping[str, Any], consumer: str | None, paths: Mapping[str, str]) -> str:
    """The logical id of the mapping `consumer` names: a construct path (its own or a parent's), or a logical id."""
    mappings = kafka_mappings(template, paths)
    if not mappings:
        raise ConfigError("template", "(no Kafka mapping)", "has no Kafka AWS::Lambda::EventSourceMapping",
                          "pass the template of the stack that holds the consumer")  # fmt: skip
    if consumer is None:
        if len(mappings) == 1:
            return next(iter(mappings))
        listed = ", ".join(sorted(mappings.values()))
        raise ConfigError("consumer", None, f"the template has {len(mappings)} Kafka mappings", f"name one: {listed}")
    wanted = consumer.strip("/")
    matches = [
        logical_id
        for logical_id, path in mappings.items()
        if logical_id == wanted or path == wanted or path.startswith(wanted + "/")
    ]
    if not matches and "/" in wanted:
        # No path metadata (a template synthesized outside the CDK CLI): CDK's logical ids begin with the path's
        # components below the stack, so "Stack/Orders" names the mapping whose id starts with "Orders".
        prefix = "".join(c for c in wanted.split("/", 1)[1] if c.isalnum())
        matches = [logical_id for logical_id in mappings if logical_id.startswith(prefix)]
    if len(matches) != 1:
        listed = ", ".join(f"{path} ({logical_id})" for logical_id, path in sorted(mappings.items()))
        rule = "matches no Kafka mapping" if not matches else f"matches {len(matches)} mappings"
        raise ConfigError("consumer", consumer, rule, f"name a construct path or logical id among: {listed}")
    return matches[0]


def settings_from_template(
    template: str | os.PathLike[str] | Mapping[str, Any],
    consumer: str | None = None,
    *,
    region: str = "us-east-1",
    account: str = "000000000000",
) -> MappingSettings:
    """The settings of the Kafka mapping `consumer` (construct path or logical id) in a synthesized template."""
    body, template_path = load_template(template)
    paths = manifest_paths(template_path)
    region, account = manifest_environment(template_path) or (region, account)
    logical_id = select_mapping(body, consumer, paths)
    resolver = _Resolver(body, region, account)
    path = kafka_mappings(body, paths)[logical_id]
    return _settings(path, body["Resources"][logical_id].get("Properties", {}), resolver, template_path)


def _settings(path: str, p: Mapping[str, Any], r: _Resolver, template_path: Path | None) -> MappingSettings:
    topics = r.value(_get(p, "Topics")) or []
    if len(topics) != 1:
        raise ConfigError("Topics", topics, "a Kafka mapping reads exactly one topic", "fix the template")
    amazon, self_managed = _get(p, "AmazonManagedKafkaEventSourceConfig"), _get(p, "SelfManagedKafkaEventSourceConfig")
    group = _get(amazon or {}, "ConsumerGroupId") or _get(self_managed or {}, "ConsumerGroupId")
    endpoints = _get(_get(_get(p, "SelfManagedEventSource") or {}, "Endpoints") or {}, "KafkaBootstrapServers")
    destination = _get(_get(_get(p, "DestinationConfig") or {}, "OnFailure") or {}, "Destination")
    window = _get(p, "MaximumBatchingWindowInSeconds")
    response_types = r.value(_get(p, "FunctionResponseTypes")) or []
    mode = _get(self_managed or {}, "ConsumptionMode")
    arn = r.value(_get(p, "EventSourceArn"))
    return MappingSettings(
        path=path,
        topic=str(topics[0]),
        function=r.function(_get(p, "FunctionName"), template_path),
        msk=_get(p, "SelfManagedEventSource") is None,
        event_source_arn=arn if isinstance(arn, str) else None,
        consumer_group_id=r.value(group),
        batch_size=int(r.value(_get(p, "BatchSize")) or DEFAULT_BATCH_SIZE),
        batching_window_seconds=DEFAULT_WINDOW_SECONDS if window is None else float(r.value(window)),
        starting_position=str(r.value(_get(p, "StartingPosition")) or "TRIM_HORIZON"),
        starting_position_timestamp=r.value(_get(p, "StartingPositionTimestamp")),
        filters=tuple(
            json.loads(r.value(_get(f, "Pattern"))) for f in (_get(_get(p, "FilterCriteria") or {}, "Filters") or [])
        ),
        provisioned=_get(p, "ProvisionedPollerConfig") is not None,
        retry_attempts=int(_default(r.value(_get(p, "MaximumRetryAttempts")), -1)),
        max_record_age_seconds=int(_default(r.value(_get(p, "MaximumRecordAgeInSeconds")), -1)),
        bisect_batch_on_error=bool(r.value(_get(p, "BisectBatchOnFunctionError"))),
        report_batch_item_failures="ReportBatchItemFailures" in response_types,
        on_failure=r.target(destination) if destination is not None else None,
        enabled=r.value(_get(p, "Enabled")) is not False,
        queue_mode=str(r.value(mode) or "").lower() == "queue",
        bootstrap_servers=tuple(str(s) for s in (r.value(endpoints) or [])),
    )


def _get(properties: Mapping[str, Any], key: str) -> Any:
    """A property in CloudFormation's PascalCase, or in the camelCase jsii gives when an L1 struct is resolved."""
    if key in properties:
        return properties[key]
    return properties.get(key[0].lower() + key[1:])


def _default(value: Any, default: Any) -> Any:
    return default if value is None else value


class _Resolver:
    """Turns intrinsics into literals: Ref / Fn::GetAtt of a resource become its literal name (or, where the name
    is generated at deploy, its logical id, which is the name the local runtime and moto use)."""

    def __init__(self, template: Mapping[str, Any], region: str, account: str) -> None:
        self.resources: Mapping[str, Any] = template.get("Resources", {})
        self.parameters: Mapping[str, Any] = template.get("Parameters", {})
        self.region, self.account = region, account

    def value(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if not isinstance(value, Mapping):
            return value
        if "Ref" in value:
            return self._ref(str(value["Ref"]))
        if "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return self._attribute(logical_id, attribute)
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(str(self.value(part)) for part in parts)
        if "Fn::Select" in value:
            index, items = value["Fn::Select"]
            return self.value(items)[int(index)]
        if "Fn::Split" in value:
            separator, text = value["Fn::Split"]
            return str(self.value(text)).split(separator)
        return {key: self.value(item) for key, item in value.items()}

    def _ref(self, name: str) -> Any:
        pseudo = {"AWS::Region": self.region, "AWS::AccountId": self.account, "AWS::Partition": "aws",
                  "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "local"}  # fmt: skip
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name].get("Default", name)
        resource = self.resources.get(name, {})
        kind = resource.get("Type", "")
        if kind in _MSK_CLUSTERS:  # Ref gives the cluster's ARN
            return self._arn(name)
        if kind in ("AWS::SNS::Topic", "AWS::Lambda::Function"):
            return self._arn(name) if kind == "AWS::SNS::Topic" else self.name(name)
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{self.name(name)}"
        return self.name(name)

    def _attribute(self, logical_id: str, attribute: str) -> Any:
        if attribute == "Arn":
            return self._arn(logical_id)
        return self.name(logical_id)

    def name(self, logical_id: str) -> str:
        resource = self.resources.get(logical_id, {})
        literal = resource.get("Properties", {}).get(_NAME_PROPERTY.get(resource.get("Type", ""), ""))
        return (
            literal
            if isinstance(literal, str)
            else (logical_id.lower() if "S3" in resource.get("Type", "") else logical_id)
        )

    def _arn(self, logical_id: str) -> str:
        kind = self.resources.get(logical_id, {}).get("Type", "")
        name = self.name(logical_id)
        if kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{name}"
        if kind == "AWS::Lambda::Function":
            return f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"
        if kind in _MSK_CLUSTERS:  # the cluster's UUID is unknown until deploy
            return f"arn:aws:kafka:{self.region}:{self.account}:cluster/{name}/00000000-0000-0000-0000-000000000000-1"
        service = _SERVICE.get(kind, kind.split("::")[1].lower() if "::" in kind else "unknown")
        return f"arn:aws:{service}:{self.region}:{self.account}:{name}"

    def target(self, destination: Any) -> FailureTarget:
        if isinstance(destination, str):
            return _target_from_arn(destination)
        logical_id = _logical_id(destination)
        kind = self.resources.get(logical_id or "", {}).get("Type", "")
        if logical_id is None or kind not in _SERVICE:
            return _target_from_arn(str(self.value(destination)))
        return FailureTarget(_SERVICE[kind], self.name(logical_id), self._arn(logical_id))

    def function(self, reference: Any, template_path: Path | None) -> FunctionSettings:
        logical_id = _logical_id(reference)
        resource = self.resources.get(logical_id or "", {})
        if logical_id is None or resource.get("Type") != "AWS::Lambda::Function":
            name = str(self.value(reference)).rsplit(":", 1)[-1]
            arn = f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"
            return FunctionSettings(name=name, arn=arn)
        properties = resource.get("Properties", {})
        variables = _get(_get(properties, "Environment") or {}, "Variables") or {}
        environment = {key: str(value) for key, value in variables.items() if isinstance(value, (str, int, float))}
        return FunctionSettings(
            name=self.name(logical_id),
            arn=self._arn(logical_id),
            timeout_seconds=float(_default(_get(properties, "Timeout"), DEFAULT_FUNCTION_TIMEOUT)),
            memory_mb=int(_default(_get(properties, "MemorySize"), 128)),
            handler=_get(properties, "Handler"),
            code_path=_asset_path(resource, template_path),
            environment=environment,
        )


def _logical_id(reference: Any) -> str | None:
    if isinstance(reference, Mapping):
        if "Ref" in reference:
            return str(reference["Ref"])
        if "Fn::GetAtt" in reference:
            return str(reference["Fn::GetAtt"][0])
    return None


def _asset_path(resource: Mapping[str, Any], template_path: Path | None) -> str | None:
    """The function's code directory in the cloud assembly: from the asset metadata the CDK CLI writes, else from
    the code's S3 key (`<hash>.zip`), whose staged directory is `asset.<hash>` beside the template."""
    asset = resource.get("Metadata", {}).get("aws:asset:path")
    if not asset and template_path is not None:
        key = _get(_get(resource.get("Properties", {}), "Code") or {}, "S3Key")
        staged = template_path.parent / f"asset.{key.removesuffix('.zip')}" if isinstance(key, str) else None
        asset = str(staged) if staged is not None and staged.is_dir() else None
    if not asset:
        return None
    path = Path(asset)
    if not path.is_absolute() and template_path is not None:
        path = template_path.parent / path
    return str(path)


def _target_from_arn(destination: str) -> FailureTarget:
    if destination.startswith("kafka://"):
        return FailureTarget("kafka", destination[len("kafka://") :], destination)
    parts = destination.split(":")
    if len(parts) < 6 or parts[2] not in ("s3", "sqs", "sns"):
        raise ConfigError("DestinationConfig.OnFailure.Destination", destination,
                          "is not an S3, SQS, SNS or kafka:// destination", "fix the template")  # fmt: skip
    return FailureTarget(parts[2], parts[-1], destination)
