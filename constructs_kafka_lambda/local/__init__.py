"""Run a consumer's real handler on a real Kafka broker with the event source mapping's semantics.

The `[local]` extra: `pip install 'constructs-kafka-lambda[local]'`. See the README, "Run it before you deploy".
"""

from .broker import EmbeddedKafka
from .events import KafkaRecord, LambdaContext
from .result import RunResult
from .runtime import LocalRuntime
from .settings import FailureTarget, FunctionSettings, MappingSettings, settings_from_template

__all__ = [
    "EmbeddedKafka",
    "FailureTarget",
    "FunctionSettings",
    "KafkaRecord",
    "LambdaContext",
    "LocalRuntime",
    "MappingSettings",
    "RunResult",
    "settings_from_template",
]
