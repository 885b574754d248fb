"""The sample's stacks: FleetTelemetryStack (MSK Serverless, IAM) and TradeSettlementStack (Confluent Cloud)."""

from .fleet_telemetry import FleetTelemetryStack
from .settings import FleetSettings, TradeSettings
from .trade_settlement import TradeSettlementStack

__all__ = ["FleetSettings", "FleetTelemetryStack", "TradeSettings", "TradeSettlementStack"]
