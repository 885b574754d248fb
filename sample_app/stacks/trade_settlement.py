"""TradeSettlementStack: Confluent Cloud (SASL/PLAIN, public endpoint) `user_trades` -> `trade-settlements`.

    Confluent Cloud [user_trades] --(provisioned pollers, API key)--> trade_settlement --> [trade-settlements]

The API key lives in Secrets Manager as {"username": "<key>", "password": "<secret>"} under the name given by
context `confluent_secret_name`; the stack imports it by name (it never holds the key).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from constructs_kafka_lambda import KafkaCluster, KafkaLambdaConsumer, ProvisionedPollers

from .network import SampleVpc, sample_key
from .sample_function import SampleFunction
from .settings import TradeSettings

TRADES_TOPIC = "user_trades"
SETTLEMENTS_TOPIC = "trade-settlements"


class TradeSettlementStack(Stack):
    """The settlement consumer of a Confluent Cloud topic, producing its results back to Confluent Cloud."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: TradeSettings | None = None, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings if settings is not None else TradeSettings.from_context(self.node)
        self.key = sample_key(self, "Key", "Trade settlement sample: logs")
        self.vpc = SampleVpc(self, "Network", key=self.key).vpc
        self.api_key = secretsmanager.Secret.from_secret_name_v2(self, "ConfluentApiKey", self.settings.secret_name)

        self.settlement = SampleFunction(
            self,
            "TradeSettlement",
            name="trade_settlement",
            description=f"Settles {TRADES_TOPIC} into {SETTLEMENTS_TOPIC} on Confluent Cloud",
            vpc=self.vpc,
            key=self.key,
            memory_size=512,
            timeout=Duration.minutes(2),
            reserved_concurrency=max(2, self.settings.max_pollers),
            environment={
                "OUTPUT_TOPIC": SETTLEMENTS_TOPIC,
                "BOOTSTRAP_SERVERS": ",".join(self.settings.bootstrap_servers),
                "KAFKA_SECRET_ARN": self.api_key.secret_arn,
                "REPORT_BATCH_ITEM_FAILURES": "true",
            },
        )
        # The handler reads the same API key to produce the settlements. Imported by name, the secret's ARN ends
        # in a random 6-character suffix that only "-??????" matches.
        secret_resource = f"{self.api_key.secret_arn}-??????"
        self.settlement.grant(
            iam.PolicyStatement(
                sid="ReadConfluentApiKey", actions=["secretsmanager:GetSecretValue"], resources=[secret_resource]
            ),
            wildcard_reason="The API-key secret is imported by name; '-??????' matches only its random ARN suffix.",
        )
        self.consumer = KafkaLambdaConsumer(
            self,
            "TradeSettlementConsumer",
            cluster=KafkaCluster.confluent_cloud(list(self.settings.bootstrap_servers), api_key=self.api_key),
            topic=TRADES_TOPIC,
            function=self.settlement.function,
            provisioned_pollers=ProvisionedPollers(minimum=1, maximum=self.settings.max_pollers),
            report_batch_item_failures=True,
        )
        CfnOutput(self, "SettlementFunctionName", value=self.settlement.function.function_name)
        CfnOutput(self, "SettlementMappingId", value=self.consumer.mapping_uuid)
