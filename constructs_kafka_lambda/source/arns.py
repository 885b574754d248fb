"""ARN builders for MSK's IAM resources (cluster, topic, group), from a cluster ARN that may be a token.

MSK's IAM access control names topics and groups under the cluster: `...:topic/<cluster>/<uuid>/<topic>` and
`...:group/<cluster>/<uuid>/<group>` (MSK Developer Guide, "IAM access control", resources). One builder, used by
the consumer's grants, `KafkaCluster.grant_produce/grant_consume` and the tests.

When IAM is used on self-managed Kafka without `cluster_arn=`, the cluster's name and UUID are unknown: the resources
name any cluster (`cluster/*/*`, the form of AWS's own AWSMSKReplicatorExecutionRole), and topics and groups are
still scoped by their names (`topic/*/*/<topic>`).
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Aws, Fn

from ..tokens import is_unresolved

# What marks a resource of the any-cluster form (any Region, any account).
ANY_CLUSTER_MARK: Final = ":kafka:*:*:"


def any_cluster_arn() -> str:
    """`arn:<partition>:kafka:*:*:cluster/*/*`: any MSK cluster, for IAM auth on a cluster whose ARN is not given."""
    return f"arn:{Aws.PARTITION}{ANY_CLUSTER_MARK}cluster/*/*"


def is_any_cluster(resource: str) -> bool:
    return ANY_CLUSTER_MARK in resource


def kafka_resource_arn(cluster_arn: str, resource: str, name: str) -> str:
    """`...:topic/<cluster>/<uuid>/<name>` (or group/...) from a cluster ARN, literal or token."""
    if is_any_cluster(cluster_arn):
        return cluster_arn.replace(":cluster/*/*", f":{resource}/*/*/{name}")
    if not is_unresolved(cluster_arn) and not is_unresolved(name):
        prefix, rest = cluster_arn.split(":cluster/", 1)
        return f"{prefix}:{resource}/{rest}/{name}"
    # Concatenated as a string so that a literal "/*" stays visible to Python (CDK renders it as Fn::Join).
    parts = Fn.split(":cluster/", cluster_arn)
    return f"{Fn.select(0, parts)}:{resource}/{Fn.select(1, parts)}/{name}"


def topic_arn(cluster_arn: str, topic: str) -> str:
    return kafka_resource_arn(cluster_arn, "topic", topic)


def group_arn(cluster_arn: str, group: str | None) -> str:
    """Without a consumer group id the group is the mapping's UUID, unknown before it exists: `/*`."""
    return kafka_resource_arn(cluster_arn, "group", group if group is not None else "*")
