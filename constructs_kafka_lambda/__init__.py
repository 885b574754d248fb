"""constructs_kafka_lambda: AWS CDK v2 L3 constructs that wire Kafka to AWS Lambda, correct by construction.

Public names only: every type that appears on a public attribute or parameter.

The names are loaded on first use (PEP 562), so that the pure-Python planner and its command line
(`python -m constructs_kafka_lambda plan ...`) start without importing aws-cdk-lib and booting jsii's Node.js
process; `from constructs_kafka_lambda import KafkaLambdaConsumer` imports the constructs exactly as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ loads each name on first use
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
        preview_filters,
    )
    from .planning.plan import plan
    from .source.auth import AuthMechanism, KafkaAuth, SourceKind
    from .source.cluster import KafkaCluster
    from .source.schema_registry import SchemaRegistry

# Each public name and the module that defines it. The planner's names import no aws-cdk-lib; the others do.
_EXPORTS: dict[str, str] = {
    "AccessMode": ".network.access",
    "AlarmOptions": ".observe.options",
    "AuthMechanism": ".source.auth",
    "ConfigError": ".errors",
    "ConsumerAlarm": ".observe.alarm",
    "ConsumerMetrics": ".observe.metrics",
    "ConsumerSettings": ".planning",
    "ConsumptionMode": ".mapping.spec",
    "CostBreakdown": ".planning",
    "CostLine": ".planning",
    "DestinationKind": ".mapping.destinations",
    "DrainTimes": ".planning",
    "FailureDestination": ".mapping.destinations",
    "FilterPreview": ".planning",
    "FilterSavings": ".planning",
    "KafkaAuth": ".source.auth",
    "KafkaCluster": ".source.cluster",
    "KafkaLambdaConsumer": ".consumer",
    "MappingSpec": ".mapping.spec",
    "MetricMethods": ".observe.methods",
    "Monitoring": ".observe.options",
    "NetworkAccess": ".network.access",
    "Plan": ".planning",
    "Prices": ".planning",
    "ProvisionedPollers": ".mapping.pollers",
    "RecordVerdict": ".planning",
    "SchemaRegistry": ".source.schema_registry",
    "SourceKind": ".source.auth",
    "plan": ".planning",
    "preview_filters": ".planning",
}

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
