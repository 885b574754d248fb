"""constructs_kafka_lambda: AWS CDK v2 L3 constructs that wire Kafka to AWS Lambda, correct by construction.

Public names only: every type that appears on a public attribute or parameter.
"""

from .consumer import KafkaLambdaConsumer
from .errors import ConfigError
from .mapping.destinations import DestinationKind, FailureDestination
from .mapping.pollers import ProvisionedPollers
from .mapping.spec import ConsumptionMode, MappingSpec
from .network.access import AccessMode, NetworkAccess
from .observe.alarm import ConsumerAlarm
from .observe.methods import MetricMethods
from .observe.metrics import ConsumerMetrics
from .observe.options import AlarmOptions, Monitoring
from .planning import (
    ConsumerSettings,
    CostBreakdown,
    CostLine,
    DrainTimes,
    FilterPreview,
    FilterSavings,
    Plan,
    Prices,
    RecordVerdict,
    plan,
    preview_filters,
)
from .source.auth import AuthMechanism, KafkaAuth, SourceKind
from .source.cluster import KafkaCluster
from .source.schema_registry import SchemaRegistry

__all__ = [
    "AccessMode",
    "AlarmOptions",
    "AuthMechanism",
    "ConfigError",
    "ConsumerAlarm",
    "ConsumerMetrics",
    "ConsumerSettings",
    "ConsumptionMode",
    "CostBreakdown",
    "CostLine",
    "DestinationKind",
    "DrainTimes",
    "FailureDestination",
    "FilterPreview",
    "FilterSavings",
    "KafkaAuth",
    "KafkaCluster",
    "KafkaLambdaConsumer",
    "MappingSpec",
    "MetricMethods",
    "Monitoring",
    "NetworkAccess",
    "Plan",
    "Prices",
    "ProvisionedPollers",
    "RecordVerdict",
    "SchemaRegistry",
    "SourceKind",
    "plan",
    "preview_filters",
]
