"""constructs_kafka_lambda: AWS CDK v2 L3 constructs that wire Kafka to AWS Lambda, correct by construction.

Public names only (see shared/design/api.md); everything else is internal.
"""

from .auth import KafkaAuth
from .cluster import KafkaCluster
from .consumer import KafkaLambdaConsumer
from .destinations import FailureDestination
from .errors import ConfigError
from .monitoring import AlarmOptions, Monitoring
from .networking import NetworkAccess
from .pollers import ProvisionedPollers

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
