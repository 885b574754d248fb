"""`SourceFacts`: what the grants read of a Kafka source, and nothing more.

The grants depend on these facts, not on `KafkaCluster`: the cluster description builds them
(`KafkaCluster.grant_facts`) and its `grant_produce`/`grant_consume` call into grants/, so the dependency runs one
way (source -> grants) without an import cycle, not even one hidden behind TYPE_CHECKING.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_secretsmanager as secretsmanager


@dataclass(frozen=True)
class SourceFacts:
    """One Kafka source as its IAM grants see it."""

    msk: bool  # MSK or MSK Serverless: addressed by ARN, kafka:/kafka-cluster: actions
    serverless: bool  # MSK Serverless (no DescribeClusterDynamicConfiguration)
    iam_auth: bool  # IAM access control: the kafka-cluster: data-plane actions are needed
    cluster_arn: str | None  # MSK only (the owner's cluster, across accounts)
    vpc_connection_arn: str | None  # cross-account MSK: what the mapping reads through
    in_vpc: bool  # the pollers' ENIs live in the cluster's VPC
    secrets: tuple[secretsmanager.ISecret, ...]  # the auth secret and the root CA
    bootstrap_servers: tuple[str, ...] = ()  # self-managed: names a client policy when there is no ARN
    # IAM auth: the cluster ARN that scopes the kafka-cluster actions (MSK's own, a self-managed cluster's
    # cluster_arn=, else any cluster); None when the auth is not IAM
    iam_cluster_arn: str | None = None
    web_identity_audience: str | None = None  # IAM_OAUTHBEARER_AUTH: the one audience sts may mint tokens for
