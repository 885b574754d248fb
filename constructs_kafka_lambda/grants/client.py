"""Grants for the code around consumers (producers, admin tools, clients of one's own): `KafkaCluster.grant_*`.

Built from the same ARN builders (source/arns.py) and secret statements as the consumer's own policy, and delivered
the same way: one customer-managed policy on the grantee's role with each unavoidable wildcard acknowledged
(acknowledgements.py). MSK's IAM actions (Service Authorization Reference, Amazon MSK / Apache Kafka APIs for
Amazon MSK clusters): WriteDataIdempotently is on the cluster; WriteData, ReadData, DescribeTopic on the topic;
AlterGroup, DescribeGroup on the group.
"""

from __future__ import annotations

import hashlib
import json

from aws_cdk import aws_iam as iam
from constructs import Construct

from ..checks import check_topic
from ..errors import ConfigError
from ..scopes import stack_of
from .acknowledgements import acknowledge_policy_wildcards
from .facts import SourceFacts
from .statements import (
    Statement,
    allow,
    discovery_statements,
    read_statements,
    secret_statements,
    web_identity_statements,
    write_statement,
)


def grant(
    source: SourceFacts,
    grantee: iam.IGrantable,
    topic: str,
    *,
    produce: bool = False,
    idempotent: bool = False,
    consumer_group_id: str | None = None,
) -> iam.ManagedPolicy | None:
    """One policy with what a Kafka client of `source` needs to produce to or consume from `topic`."""
    verb = "grant_produce" if produce else "grant_consume"
    check_topic(f"{verb}(topic)", topic)
    role = getattr(grantee, "grant_principal", None)
    if not hasattr(role, "role_arn"):
        raise ConfigError(
            f"{verb}(grantee)",
            grantee,
            "the grantee must have an IAM role (a Function, a Role, a task definition's role)",
            "pass the function or its role",
        )
    statements = client_statements(source, topic, produce=produce, idempotent=idempotent, group=consumer_group_id)
    if not statements:
        return None
    scope: Construct = grantee if isinstance(grantee, Construct) else role  # type: ignore[assignment]
    # Named from the resolved ARN ({"Fn::GetAtt": [...]} for a construct): a token's text depends on how many tokens
    # were made before, which would rename (and replace) the policy whenever unrelated code changes.
    parts = [source.cluster_arn or list(source.bootstrap_servers), topic, verb, consumer_group_id]
    digest = hashlib.sha256(json.dumps(stack_of(scope).resolve(parts), sort_keys=True).encode()).hexdigest()[:8]
    policy = iam.ManagedPolicy(
        scope,
        f"Kafka{'Produce' if produce else 'Consume'}{digest}",
        description=f"Kafka {'producer' if produce else 'consumer'} access to one topic (constructs_kafka_lambda)",
        document=iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": statements}),
        roles=[role],  # type: ignore[list-item]
    )
    acknowledge_policy_wildcards(policy, statements)
    return policy


def client_statements(
    source: SourceFacts, topic: str, *, produce: bool, idempotent: bool, group: str | None
) -> list[Statement]:
    """IAM data-plane actions (IAM auth: MSK's cluster, a self-managed cluster's cluster_arn, or any cluster),
    broker discovery (MSK), a web identity token (IAM_OAUTHBEARER_AUTH), and the secrets (any secret auth)."""
    statements: list[Statement] = []
    if source.msk and source.cluster_arn is not None:
        statements += discovery_statements(source.cluster_arn)
    arn = source.iam_cluster_arn
    if arn is not None and produce:
        connect = ["kafka-cluster:Connect"] + (["kafka-cluster:WriteDataIdempotently"] if idempotent else [])
        statements += [allow(connect, [arn]), write_statement(arn, topic)]
    elif arn is not None:
        statements += read_statements(arn, topic, group, connect_extra=[])
    return statements + web_identity_statements(source) + secret_statements(source)
