"""FleetTelemetryStack: a simulated vehicle fleet on MSK Serverless (IAM auth), with two consumers.

EventBridge (1/min) -> telemetry_producer -> [fleet-telemetry] -+-> tire_pressure_alerts (on-demand, filtered)
                                                                |     -> SNS (KMS) ; DynamoDB idempotency
                                                                +-> telemetry_enricher (provisioned pollers)
                                                                      -> [fleet-telemetry-enriched]
                                                                      -> [fleet-telemetry-dead-letters] (poison,
                                                                         records Kafka rejects for good)

The producers' IAM access comes from the library (`KafkaCluster.grant_produce`); only the topic-admin custom
resource, which creates topics, keeps hand-written statements (the library grants data-plane access only).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_msk_alpha as msk
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_kafka_lambda import KafkaCluster, KafkaLambdaConsumer, NetworkAccess, ProvisionedPollers

from .msk_topics import IAM_BROKER_PORT, MskServerlessTopics
from .network import SampleVpc, acknowledge_compliance, sample_key
from .sample_function import SampleFunction
from .settings import FleetSettings

TELEMETRY_TOPIC = "fleet-telemetry"
ENRICHED_TOPIC = "fleet-telemetry-enriched"
DEAD_LETTER_TOPIC = "fleet-telemetry-dead-letters"
LOW_PRESSURE_PSI = 32
# Only readings under 32 psi reach the alert function: the filter runs in the mapping, before any invocation.
LOW_PRESSURE_FILTER: dict[str, Any] = {"value": {"tire_pressure": [{"numeric": ["<", LOW_PRESSURE_PSI]}]}}
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"  # Powertools' DynamoDBPersistenceLayer default


class FleetTelemetryStack(Stack):
    """MSK Serverless in a new VPC, its two topics, the simulator and the two consumers."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: FleetSettings | None = None, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings if settings is not None else FleetSettings.from_context(self.node)
        self.key = sample_key(self, "Key", "Fleet telemetry sample: logs, alert topic")
        self.vpc = SampleVpc(self, "Network", key=self.key).vpc

        # ------------------------------------------------------------------------------------ the cluster
        self.cluster_security_group = ec2.SecurityGroup(
            self,
            "ClusterSecurityGroup",
            vpc=self.vpc,
            description="MSK Serverless cluster and the ENIs of its event source mappings",
            allow_all_outbound=True,
        )
        self.cluster = msk.ServerlessCluster(
            self,
            "Cluster",
            vpc_configs=[
                msk.VpcConfig(
                    vpc=self.vpc,
                    security_groups=[self.cluster_security_group],
                    vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                )
            ],
        )
        self.topics = MskServerlessTopics(self, "Topics", cluster=self.cluster, vpc=self.vpc, key=self.key)
        partitions = self.settings.topic_partitions
        self.telemetry_topic = self.topics.add(TELEMETRY_TOPIC, partitions=partitions)
        self.enriched_topic = self.topics.add(ENRICHED_TOPIC, partitions=partitions)
        self.dead_letter_topic = self.topics.add(DEAD_LETTER_TOPIC, partitions=partitions)
        # Giving the VPC lets the consumers add what their pollers need in it (security-group rules, endpoints).
        self.source = source = KafkaCluster.msk_serverless(
            self.cluster,
            vpc=self.vpc,
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        )

        # ---------------------------------------------------------------------------------- the simulator
        self.producer = SampleFunction(
            self,
            "TelemetryProducer",
            name="telemetry_producer",
            description=f"Fleet simulator: one reading per vehicle per minute to {TELEMETRY_TOPIC}",
            vpc=self.vpc,
            key=self.key,
            memory_size=256,
            timeout=Duration.minutes(1),
            reserved_concurrency=1,
            environment={
                "TOPIC": TELEMETRY_TOPIC,
                "FLEET_SIZE": str(self.settings.fleet_size),
                "BOOTSTRAP_SERVERS": self.topics.bootstrap_servers(TELEMETRY_TOPIC),
            },
        )
        self._grant_produce(self.producer, TELEMETRY_TOPIC)
        self.schedule = events.Rule(
            self,
            "SimulatorSchedule",
            description="Runs the fleet simulator every minute (context simulator_enabled=false turns it off)",
            schedule=events.Schedule.rate(Duration.minutes(1)),
            enabled=self.settings.simulator_enabled,
            targets=[
                targets.LambdaFunction(
                    self.producer.function,
                    dead_letter_queue=self.producer.dead_letter_queue,
                    retry_attempts=2,
                    max_event_age=Duration.minutes(5),
                )
            ],
        )

        # ------------------------------------------------------------- consumer 1: alerts (on-demand mode)
        self.alert_topic = sns.Topic(
            self,
            "TirePressureAlertTopic",
            display_name="Low tire pressure alerts",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.idempotency_table = dynamodb.Table(
            self,
            "AlertIdempotency",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=IDEMPOTENCY_TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge_compliance(
            self.idempotency_table,
            "DynamoDBInBackupPlan",
            "The table only holds idempotency records that expire after 24 hours (TTL); point-in-time recovery is "
            "on, and a backup plan would preserve nothing worth restoring.",
        )
        self.alerts = SampleFunction(
            self,
            "TirePressureAlerts",
            name="tire_pressure_alerts",
            description=f"Alerts on tire pressure under {LOW_PRESSURE_PSI} psi (filtered {TELEMETRY_TOPIC})",
            vpc=self.vpc,
            key=self.key,
            memory_size=256,
            timeout=Duration.minutes(1),
            reserved_concurrency=2,
            environment={
                "ALERT_TOPIC_ARN": self.alert_topic.topic_arn,
                "IDEMPOTENCY_TABLE": self.idempotency_table.table_name,
                "PRESSURE_THRESHOLD_PSI": str(LOW_PRESSURE_PSI),
            },
        )
        self.alerts.grant(
            iam.PolicyStatement(sid="PublishAlerts", actions=["sns:Publish"], resources=[self.alert_topic.topic_arn]),
            iam.PolicyStatement(
                sid="EncryptAlerts", actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[self.key.key_arn]
            ),
            iam.PolicyStatement(
                sid="IdempotencyRecords",
                actions=["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                resources=[self.idempotency_table.table_arn],
            ),
        )
        self.alerts_consumer = KafkaLambdaConsumer(
            self,
            "TirePressureAlertsConsumer",
            cluster=source,
            topic=TELEMETRY_TOPIC,
            function=self.alerts.function,
            filters=[LOW_PRESSURE_FILTER],
            # The VPC's NAT gateway already reaches Lambda and STS: no interface endpoints on top (cost).
            network_access=NetworkAccess.existing_egress(nat_gateway=True),
        )
        self.alerts_consumer.event_source_mapping.node.add_dependency(self.telemetry_topic)

        # ------------------------------------------------------ consumer 2: enricher (provisioned pollers)
        max_pollers = self.settings.enricher_max_pollers
        self.enricher = SampleFunction(
            self,
            "TelemetryEnricher",
            name="telemetry_enricher",
            description=f"Enriches {TELEMETRY_TOPIC} into {ENRICHED_TOPIC} (provisioned mode, partial batches)",
            vpc=self.vpc,
            key=self.key,
            memory_size=512,
            timeout=Duration.minutes(2),
            reserved_concurrency=max(2, max_pollers),
            environment={
                "OUTPUT_TOPIC": ENRICHED_TOPIC,
                "BOOTSTRAP_SERVERS": self.topics.bootstrap_servers(ENRICHED_TOPIC),
                "DEAD_LETTER_TOPIC": DEAD_LETTER_TOPIC,
                "REPORT_BATCH_ITEM_FAILURES": "true",
            },
        )
        self._grant_produce(self.enricher, ENRICHED_TOPIC)
        self._grant_produce(self.enricher, DEAD_LETTER_TOPIC)
        self.enricher_consumer = KafkaLambdaConsumer(
            self,
            "TelemetryEnricherConsumer",
            cluster=source,
            topic=TELEMETRY_TOPIC,
            function=self.enricher.function,
            provisioned_pollers=ProvisionedPollers(minimum=1, maximum=max_pollers),
            report_batch_item_failures=True,
        )
        # The first poll may dead-letter a record: both topics the enricher reads and writes exist before it.
        self.enricher_consumer.event_source_mapping.node.add_dependency(self.telemetry_topic, self.dead_letter_topic)

        # -------------------------------------------------------------------------------------- outputs
        CfnOutput(self, "ClusterArn", value=self.cluster.cluster_arn)
        CfnOutput(self, "BootstrapServers", value=self.topics.bootstrap_servers(TELEMETRY_TOPIC))
        CfnOutput(self, "ProducerFunctionName", value=self.producer.function.function_name)
        CfnOutput(self, "AlertTopicArn", value=self.alert_topic.topic_arn)
        CfnOutput(self, "AlertsMappingId", value=self.alerts_consumer.mapping_uuid)
        CfnOutput(self, "EnricherMappingId", value=self.enricher_consumer.mapping_uuid)

    def _grant_produce(self, function: SampleFunction, topic: str) -> None:
        """What an idempotent kafka-python producer needs with IAM auth, on this cluster and this topic only: the
        library's grant (Connect + WriteDataIdempotently on the cluster, DescribeTopic + WriteData on the topic,
        broker discovery), plus the network path the grant cannot give, the brokers' IAM port."""
        self.cluster.connections.allow_from(
            function.security_group, ec2.Port.tcp(IAM_BROKER_PORT), f"{topic} producer to the brokers (IAM auth)"
        )
        function.wait_for(self.source.grant_produce(function.function, topic, idempotent=True))
