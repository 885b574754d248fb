"""Topics on an MSK Serverless cluster, as CloudFormation resources (`Custom::MskServerlessTopic`).

AWS::MSK::Topic (aws_msk.CfnTopic) exists in aws-cdk-lib 2.275, but the MSK topic APIs behind it serve MSK
Provisioned clusters (Kafka >= 3.6) only, not MSK Serverless, which does not auto-create topics either. So one
small function in the cluster's VPC (`topic_admin/handler.py`, kafka-python admin client, IAM auth) creates them,
and each topic is a custom resource that consumers and producers can depend on.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import BundlingOptions, CustomResource, DockerImage, Duration, Fn
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_msk_alpha as msk
from constructs import Construct

from sample_app import bundling

from .sample_function import SampleFunction

TOPIC_ADMIN_DIR = Path(__file__).resolve().parent / "topic_admin"
MSK_SERVERLESS_REPLICATION_FACTOR = 3  # fixed by MSK Serverless
IAM_BROKER_PORT = 9098


def kafka_arn(cluster_arn: str, resource: str, name: str) -> str:
    """`arn:...:kafka:...:<resource>/<cluster name>/<cluster uuid>/<name>` from a (token) cluster ARN."""
    parts = Fn.split(":cluster/", cluster_arn, 2)
    return Fn.join("", [Fn.select(0, parts), f":{resource}/", Fn.select(1, parts), "/", name])


def topic_admin_code() -> lambda_.Code:
    """The custom resource's code, bundled like the sample's functions (local pip, Docker fallback)."""
    pip_args = " ".join(bundling.PIP_TARGET_ARGS)
    return lambda_.Code.from_asset(
        str(TOPIC_ADMIN_DIR),
        exclude=["**/__pycache__", "**/*.pyc"],
        bundling=BundlingOptions(
            image=DockerImage.from_registry(bundling.BUILD_IMAGE),
            local=bundling.LocalPythonBundler(TOPIC_ADMIN_DIR),
            command=[
                "bash",
                "-c",
                "cp -R /asset-input/. /asset-output/ && "
                f"python -m pip install -r /asset-output/requirements.txt -t /asset-output {pip_args}",
            ],
        ),
    )


class MskServerlessTopics(Construct):
    """The topic-admin function and one `Custom::MskServerlessTopic` per topic (add them with `add`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: msk.ServerlessCluster,
        vpc: ec2.IVpc,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster = cluster
        self.vpc = vpc
        self.admin = SampleFunction(
            self,
            "Admin",
            name="msk_topic_admin",
            description="Custom resource: creates the sample's topics on MSK Serverless (Kafka admin API, IAM)",
            vpc=vpc,
            key=key,
            memory_size=256,
            timeout=Duration.minutes(3),
            reserved_concurrency=1,
            code=topic_admin_code(),
        )
        cluster.connections.allow_from(
            self.admin.security_group, ec2.Port.tcp(IAM_BROKER_PORT), "Topic admin to the brokers (IAM auth)"
        )
        self.admin.grant(
            iam.PolicyStatement(sid="Connect", actions=["kafka-cluster:Connect"], resources=[cluster.cluster_arn]),
        )
        self.admin.grant(
            iam.PolicyStatement(sid="BootstrapBrokers", actions=["kafka:GetBootstrapBrokers"], resources=["*"]),
            wildcard_reason="kafka:GetBootstrapBrokers has no resource-level permissions (Service Authorization "
            "Reference), so it is granted on *",
        )
        self._topics: dict[str, CustomResource] = {}

    def add(self, name: str, *, partitions: int) -> CustomResource:
        """A topic; its `BootstrapServers` attribute is the cluster's IAM broker string."""
        self.admin.grant(
            iam.PolicyStatement(
                actions=[
                    "kafka-cluster:AlterTopic",
                    "kafka-cluster:CreateTopic",
                    "kafka-cluster:DeleteTopic",
                    "kafka-cluster:DescribeTopic",
                ],
                resources=[kafka_arn(self.cluster.cluster_arn, "topic", name)],
            )
        )
        topic = CustomResource(
            self,
            f"Topic-{name}",
            service_token=self.admin.function.function_arn,
            resource_type="Custom::MskServerlessTopic",
            properties={
                "ClusterArn": self.cluster.cluster_arn,
                "TopicName": name,
                "Partitions": partitions,
                "ReplicationFactor": MSK_SERVERLESS_REPLICATION_FACTOR,
            },
        )
        # The function's permissions (its default policy) and its way out (the NAT route) must exist first.
        private = self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnets
        topic.node.add_dependency(self.admin.role, *[s.internet_connectivity_established for s in private])
        self._topics[name] = topic
        return topic

    def bootstrap_servers(self, topic: str) -> str:
        """The IAM bootstrap broker string, read from a topic (so whoever uses it also waits for the topic)."""
        return self._topics[topic].get_att_string("BootstrapServers")
