"""constructs_kafka_lambda: AWS CDK v2 L3 constructs that wire Kafka to AWS Lambda, correct by construction.

Public names only: every type that appears on a public attribute or parameter.
"""

from .consumer import KafkaLambdaConsumer
from .errors import ConfigError
from .mapping.destinations import FailureDestination
from .mapping.pollers import ProvisionedPollers
from .mapping.spec import ConsumptionMode, MappingSpec
from .network.access import NetworkAccess
from .observe.alarm import ConsumerAlarm
from .observe.metrics import ConsumerMetrics
from .observe.options import AlarmOptions, Monitoring
from .planning import FilterPreview, Plan, Prices, plan, preview_filters
from .source.auth import KafkaAuth
from .source.cluster import KafkaCluster
from .source.schema_registry import SchemaRegistry

__all__ = [
    "AlarmOptions",
    "ConfigError",
    "ConsumerAlarm",
    "ConsumerMetrics",
    "ConsumptionMode",
    "FailureDestination",
    "FilterPreview",
    "KafkaAuth",
    "KafkaCluster",
    "KafkaLambdaConsumer",
    "MappingSpec",
    "Monitoring",
    "NetworkAccess",
    "Plan",
    "Prices",
    "ProvisionedPollers",
    "SchemaRegistry",
    "plan",
    "preview_filters",
]
