"""TradeSettlementStack: Confluent Cloud (SASL/PLAIN, public endpoint) `user_trades` -> `trade-settlements`.

    Confluent Cloud [user_trades] --(provisioned pollers, API key,        --> trade_settlement --> [trade-settlements]
                                     Schema Registry: validate + JSON)                         (--> [dead letters])

The cluster's API key and the Schema Registry's API key live in Secrets Manager as {"username": "<key>",
"password": "<secret>"} under the names given by contexts `confluent_secret_name` and
`confluent_schema_registry_secret_name`; the stack imports both by name (it never holds a key).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from constructs_kafka_lambda import KafkaCluster, KafkaLambdaConsumer, ProvisionedPollers, SchemaRegistry

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
        self.registry_api_key = secretsmanager.Secret.from_secret_name_v2(
            self, "SchemaRegistryApiKey", self.settings.schema_registry_secret_name
        )
        source = KafkaCluster.confluent_cloud(list(self.settings.bootstrap_servers), api_key=self.api_key)
        dead_letter_topic = self.settings.dead_letter_topic

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
                **({"DEAD_LETTER_TOPIC": dead_letter_topic} if dead_letter_topic else {}),
            },
        )
        # The handler produces with the same API key: the library's grant reads it (the imported secret's ARN is
        # matched with its random "-??????" suffix). On Confluent Cloud the topics themselves, the settlements and
        # the dead-letter topic alike, are authorised by the key's ACLs, not IAM, so one grant covers both.
        self.settlement.wait_for(source.grant_produce(self.settlement.function, SETTLEMENTS_TOPIC))
        # Values are JSON Schema-encoded: the mapping validates each value against the registry and, with
        # record_format JSON, hands the function plain JSON (base64 like any Kafka value). The handler's Powertools
        # kafka_consumer with SchemaConfig(value_schema_type="JSON") reads that unchanged: no handler change.
        registry = SchemaRegistry.confluent(
            self.settings.schema_registry_url,
            basic_auth=self.registry_api_key,
            record_format="JSON",
            validate=("VALUE",),
        )
        self.consumer = KafkaLambdaConsumer(
            self,
            "TradeSettlementConsumer",
            cluster=source,
            topic=TRADES_TOPIC,
            function=self.settlement.function,
            provisioned_pollers=ProvisionedPollers(minimum=1, maximum=self.settings.max_pollers),
            report_batch_item_failures=True,
            schema_registry=registry,
        )
        CfnOutput(self, "SettlementFunctionName", value=self.settlement.function.function_name)
        CfnOutput(self, "SettlementMappingId", value=self.consumer.mapping_uuid)
