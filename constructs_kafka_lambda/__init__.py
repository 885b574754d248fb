"""constructs_kafka_lambda: AWS CDK v2 L3 constructs that wire Kafka to AWS Lambda, correct by construction.

Public names only (see shared/design/api.md); everything else is internal.
"""

from .consumer import KafkaLambdaConsumer
from .errors import ConfigError
from .mapping.destinations import FailureDestination
from .mapping.pollers import ProvisionedPollers
from .network.wiring import NetworkAccess
from .observe.alarms import AlarmOptions, Monitoring
from .source.auth import KafkaAuth
from .source.cluster import KafkaCluster

__all__ = [
    "AlarmOptions",
    "ConfigError",
    "FailureDestination",
    "KafkaAuth",
    "KafkaCluster",
    "KafkaLambdaConsumer",
    "Monitoring",
    "NetworkAccess",
    "ProvisionedPollers",
]
