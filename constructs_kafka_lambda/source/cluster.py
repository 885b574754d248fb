"""`KafkaCluster`: plain, validated descriptions of where records come from. Nothing is created until a
consumer binds one.

An MSK cluster may be given as an ARN or as a construct (aws_msk_alpha Cluster / ServerlessCluster, aws_msk
CfnCluster / CfnServerlessCluster); from a construct we take the ARN, the security groups, the subnets, and the
auth mechanisms the cluster has enabled, so that a mismatch fails at construction instead of at the first poll.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager

from .. import limits
from ..errors import ConfigError
from ..grants import client
from ..grants.facts import SourceFacts
from ..tokens import is_unresolved
from .arns import any_cluster_arn
from .auth import AuthMechanism, KafkaAuth, SourceKind, check_secret_arn_length
from .iam import check_iam_cluster_arn
from .inputs import check_bootstrap_servers, check_vpc_trio, confluent_auth, require_auth
from .msk import MSK_CLUSTER_ARN, ClusterRef, check_enabled_auth, read_msk_cluster
from .secrets import check_msk_scram_secret

_VPC_CONNECTION_ARN: Final = re.compile(r"^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:vpc-connection/\d{12}/[^/]+/[^/]+$")


@dataclass(frozen=True)
class KafkaCluster:
    """A Kafka source for Lambda. Build it with `msk`, `msk_serverless`, `self_managed` or `confluent_cloud`."""

    kind: SourceKind
    auth: KafkaAuth
    # MSK: the cluster read (the owner's, cross-account). Self-managed with IAM auth: the MSK cluster behind the
    # bootstrap servers, which only scopes the kafka-cluster grants (None: any cluster).
    cluster_arn: str | None = None
    bootstrap_servers: tuple[str, ...] = ()
    root_ca_certificate: secretsmanager.ISecret | None = None
    vpc: ec2.IVpc | None = None
    subnets: ec2.SubnetSelection | None = None
    security_groups: tuple[ec2.ISecurityGroup, ...] = ()
    # Security group and subnet ids read from an L1 cluster (no ISecurityGroup exists for them).
    security_group_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    # Cross-account MSK: the MSK VPC connection (in the consumer's account) the mapping reads through.
    vpc_connection_arn: str | None = None
    # Warnings that need a scope to be reported; the consumer that binds this cluster emits them.
    warnings: tuple[str, ...] = field(default=(), compare=False)

    # ---------------------------------------------------------------------------------------------- factories
    @staticmethod
    def msk(
        cluster: ClusterRef,
        *,
        auth: KafkaAuth,
        vpc: ec2.IVpc | None = None,
        subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> KafkaCluster:
        """An Amazon MSK provisioned cluster: IAM, SASL/SCRAM-512, mTLS or unauthenticated."""
        return _msk_description(SourceKind.MSK, cluster, auth, vpc, subnets, security_groups)

    @staticmethod
    def msk_serverless(
        cluster: ClusterRef,
        *,
        auth: KafkaAuth | None = None,
        vpc: ec2.IVpc | None = None,
        subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> KafkaCluster:
        """An Amazon MSK Serverless cluster. It supports IAM only, so `auth` may be left out."""
        auth = auth if auth is not None else KafkaAuth.iam()
        return _msk_description(SourceKind.MSK_SERVERLESS, cluster, auth, vpc, subnets, security_groups)

    @staticmethod
    def msk_cross_account(
        vpc_connection_arn: str,
        *,
        cluster_arn: str,
        auth: KafkaAuth,
        vpc: ec2.IVpc | None = None,
        subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> KafkaCluster:
        """An MSK provisioned cluster in another account, read through an MSK managed VPC connection in this one
        (Lambda guide, msk-cross-account). The mapping's EventSourceArn is the VPC connection; `cluster_arn` (the
        owner's) scopes the IAM grants. The owner's cluster policy must allow this account. IAM, SASL/SCRAM-512
        or mTLS (multi-VPC connectivity has no unauthenticated access); MSK Serverless cannot be read cross-account.
        """
        for prop, value, pattern, form in (
            ("vpc_connection_arn", vpc_connection_arn, _VPC_CONNECTION_ARN, "vpc-connection/<owner>/<cluster>/<uuid>"),
            ("cluster_arn", cluster_arn, MSK_CLUSTER_ARN, "cluster/<name>/<uuid>"),
        ):
            if not isinstance(value, str) or (not is_unresolved(value) and not pattern.match(value)):
                raise ConfigError(
                    f"KafkaCluster.msk_cross_account({prop})",
                    value,
                    f"expected arn:<partition>:kafka:<region>:<account>:{form}",
                    "copy it from the MSK console (VPC connections; the owner's cluster details)",
                )
        require_auth(auth, "KafkaCluster.msk_cross_account")
        if auth.mechanism not in (AuthMechanism.IAM, AuthMechanism.SASL_SCRAM_512, AuthMechanism.MUTUAL_TLS):
            raise ConfigError(
                "auth",
                auth.mechanism.name,
                "MSK multi-VPC connectivity supports IAM, SASL/SCRAM and mTLS only",
                "use KafkaAuth.iam(), KafkaAuth.scram_sha_512(secret) or KafkaAuth.mutual_tls(secret)",
            )
        if not is_unresolved(vpc_connection_arn) and not is_unresolved(cluster_arn):
            owner = vpc_connection_arn.split(":")[5].split("/")[1]
            if owner != cluster_arn.split(":")[4]:
                raise ConfigError(
                    "cluster_arn",
                    cluster_arn,
                    f"the VPC connection reads a cluster of account {owner}, not this one",
                    "pass the ARN of the cluster the VPC connection was made for",
                )
        return KafkaCluster(
            kind=SourceKind.MSK,
            auth=auth,
            cluster_arn=cluster_arn,
            vpc=vpc,
            subnets=subnets,
            security_groups=tuple(security_groups or ()),
            vpc_connection_arn=vpc_connection_arn,
        )

    @staticmethod
    def self_managed(
        bootstrap_servers: Sequence[str],
        *,
        auth: KafkaAuth,
        root_ca_certificate: secretsmanager.ISecret | None = None,
        vpc: ec2.IVpc | None = None,
        subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        cluster_arn: str | None = None,
    ) -> KafkaCluster:
        """Self-managed Apache Kafka (incl. Confluent Platform): public with credentials, or in a VPC.

        With `auth=KafkaAuth.iam()` (an MSK cluster reached through your own networking), `cluster_arn` is that
        MSK cluster's ARN: the kafka-cluster grants are scoped to it (without it, to any cluster, acknowledged for
        cdk-nag with that reason). It is not the event source: the mapping reads the bootstrap servers.
        """
        require_auth(auth, "KafkaCluster.self_managed")
        auth.check_supported_by(SourceKind.SELF_MANAGED)
        cluster_arn = check_iam_cluster_arn(auth, cluster_arn)
        servers = check_bootstrap_servers(bootstrap_servers)
        if root_ca_certificate is not None and not hasattr(root_ca_certificate, "secret_arn"):
            raise ConfigError(
                "root_ca_certificate",
                root_ca_certificate,
                'the root CA must be a Secrets Manager secret holding {"certificate": "<PEM>"}',
                "pass secretsmanager.Secret.from_secret_complete_arn(...) or a Secret you create",
            )
        if root_ca_certificate is not None:
            check_secret_arn_length("root_ca_certificate", root_ca_certificate)
        in_vpc = check_vpc_trio(vpc, subnets, security_groups)
        if not in_vpc and auth.mechanism is AuthMechanism.UNAUTHENTICATED:
            raise ConfigError(
                "auth",
                "KafkaAuth.unauthenticated()",
                "Lambda reaches brokers without a VPC over the internet, and public brokers need credentials",
                "give vpc=, subnets= and security_groups= for brokers in a VPC, or use SASL/SCRAM, SASL/PLAIN or mTLS",
            )
        return KafkaCluster(
            kind=SourceKind.SELF_MANAGED,
            auth=auth,
            cluster_arn=cluster_arn,
            bootstrap_servers=servers,
            root_ca_certificate=root_ca_certificate,
            vpc=vpc,
            subnets=subnets,
            security_groups=tuple(security_groups or ()),
        )

    @staticmethod
    def confluent_cloud(
        bootstrap_servers: Sequence[str],
        *,
        api_key: secretsmanager.ISecret | None = None,
        oauth: KafkaAuth | None = None,
        vpc: ec2.IVpc | None = None,
        subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> KafkaCluster:
        """Confluent Cloud: SASL/PLAIN over TLS with an API key secret {"username": key, "password": secret}, or
        OAuth: `oauth=KafkaAuth.oauth(secret, logical_cluster="lkc-...", identity_pool="pool-...")`.

        Public endpoints need no VPC. For PrivateLink, give the VPC, the subnets of the PrivateLink endpoint and
        its security group together.
        """
        auth = confluent_auth(api_key, oauth)
        servers = check_bootstrap_servers(bootstrap_servers)
        check_vpc_trio(vpc, subnets, security_groups)
        return KafkaCluster(
            kind=SourceKind.CONFLUENT_CLOUD,
            auth=auth,
            bootstrap_servers=servers,
            vpc=vpc,
            subnets=subnets,
            security_groups=tuple(security_groups or ()),
        )

    # ------------------------------------------------------------------------------------------------- facts
    @property
    def is_msk(self) -> bool:
        """MSK and MSK Serverless are addressed by ARN and authorised with kafka:/kafka-cluster: actions."""
        return self.kind in (SourceKind.MSK, SourceKind.MSK_SERVERLESS)

    @property
    def event_source_arn(self) -> str | None:
        """What the mapping reads: the VPC connection for cross-account MSK, else the cluster ARN (MSK only: a
        self-managed cluster is read through its bootstrap servers, its cluster_arn only scopes IAM grants)."""
        return self.vpc_connection_arn or (self.cluster_arn if self.is_msk else None)

    @property
    def in_vpc(self) -> bool:
        """True when the mapping's ENIs live in the cluster's VPC (always for MSK)."""
        return self.is_msk or self.vpc is not None

    @property
    def secrets(self) -> tuple[secretsmanager.ISecret, ...]:
        """Every secret the mapping reads: the auth secret and the root CA."""
        found = [self.auth.secret, self.root_ca_certificate]
        return tuple(s for s in found if s is not None)

    @cached_property
    def selected_subnets(self) -> ec2.SelectedSubnets | None:
        """The chosen subnets of `vpc` (private ones by default), where the mapping puts its ENIs. Asked of CDK once
        per description: the checks, the access configurations and the network defaults all read it."""
        if self.vpc is None:
            return None
        return select_subnets(self.vpc, self.subnets)

    def subnet_ids_in_vpc(self) -> list[str]:
        """The ids of the chosen subnets (or of an L1 cluster's subnets when no VPC was given)."""
        selected = self.selected_subnets
        return list(self.subnet_ids) if selected is None else selected.subnet_ids

    @cached_property
    def grant_facts(self) -> SourceFacts:
        """What the IAM grants read of this source (grants/ depends on these facts, not on KafkaCluster)."""
        return SourceFacts(
            msk=self.is_msk,
            serverless=self.kind is SourceKind.MSK_SERVERLESS,
            iam_auth=self.auth.mechanism is AuthMechanism.IAM,
            cluster_arn=self.cluster_arn,
            vpc_connection_arn=self.vpc_connection_arn,
            in_vpc=self.in_vpc,
            secrets=self.secrets,
            bootstrap_servers=self.bootstrap_servers,
            iam_cluster_arn=(self.cluster_arn or any_cluster_arn())
            if self.auth.mechanism is AuthMechanism.IAM
            else None,
            web_identity_audience=self.auth.audience if self.auth.mechanism is AuthMechanism.IAM_WEB_IDENTITY else None,
        )

    # ------------------------------------------------------------------------------------------------ grants
    def grant_produce(
        self, grantee: iam.IGrantable, topic: str, *, idempotent: bool = True
    ) -> iam.ManagedPolicy | None:
        """Let `grantee` (a producer function, a task role) write to `topic` of this cluster, least privilege.

        IAM auth: kafka-cluster:Connect (+ WriteDataIdempotently when `idempotent`, as Kafka >= 3 producers are
        by default) on the cluster, DescribeTopic + WriteData on the topic (self-managed: on `cluster_arn`, else any
        cluster), and broker discovery (MSK). AWS web identity: sts:GetWebIdentityToken for the audience only.
        Secret-based auth: read access to the secrets (and their keys). One customer-managed policy on the grantee's role (compliance
        packs reject inline policies), its unavoidable wildcards acknowledged one by one; None if nothing is needed.
        The grantee also needs a network path to the brokers (e.g. `connections.allow_from(function, port)` on the
        broker port of its auth), which IAM does not give.
        """
        return client.grant(self.grant_facts, grantee, topic, produce=True, idempotent=idempotent)

    def grant_consume(self, grantee: iam.IGrantable, topic: str, *, consumer_group_id: str) -> iam.ManagedPolicy | None:
        """Let `grantee` read `topic` in consumer group `consumer_group_id` (a client of your own, not a mapping):
        Connect, DescribeTopic + ReadData on the topic, AlterGroup + DescribeGroup on that one group."""
        return client.grant(self.grant_facts, grantee, topic, consumer_group_id=consumer_group_id)

    def broker_ports(self) -> tuple[int, ...]:
        """The broker ports the mapping connects to (MSK: by auth; self-managed: from bootstrap servers, or when
        they are tokens the default: MSK's IAM port 9098 for IAM auth, which reaches MSK brokers, else 9092)."""
        if self.is_msk:
            return (self.auth.msk_port(),)
        ports = {int(s.rsplit(":", 1)[1]) for s in self.bootstrap_servers if not is_unresolved(s)}
        iam = self.auth.mechanism is AuthMechanism.IAM
        return tuple(sorted(ports)) or (limits.MSK_PORT_IAM if iam else limits.SELF_MANAGED_DEFAULT_PORT,)


def _msk_description(
    kind: SourceKind,
    cluster: ClusterRef,
    auth: KafkaAuth,
    vpc: ec2.IVpc | None,
    subnets: ec2.SubnetSelection | None,
    security_groups: Sequence[ec2.ISecurityGroup] | None,
) -> KafkaCluster:
    """Check auth against the table and the cluster construct, then describe it (given groups win)."""
    serverless = kind is SourceKind.MSK_SERVERLESS
    require_auth(auth, "KafkaCluster.msk_serverless" if serverless else "KafkaCluster.msk")
    auth.check_supported_by(kind)
    found = read_msk_cluster(cluster, serverless=serverless)
    check_enabled_auth(found, auth)
    warnings: list[str] = []
    if auth.mechanism is AuthMechanism.SASL_SCRAM_512 and auth.secret is not None:
        warnings += check_msk_scram_secret(auth.secret, "auth")
    return KafkaCluster(
        kind=kind,
        auth=auth,
        cluster_arn=found.arn,
        vpc=vpc,
        subnets=subnets,
        security_groups=tuple(security_groups) if security_groups is not None else found.security_groups,
        security_group_ids=() if security_groups is not None else found.security_group_ids,
        subnet_ids=found.subnet_ids,
        warnings=tuple(warnings),
    )


def select_subnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection | None) -> ec2.SelectedSubnets:
    """`vpc.select_subnets` for a SubnetSelection (private subnets by default): written once for the ENIs' subnets,
    the NAT check and the endpoints."""
    chosen = selection or ec2.SubnetSelection()
    return vpc.select_subnets(
        availability_zones=chosen.availability_zones,
        one_per_az=chosen.one_per_az,
        subnet_filters=chosen.subnet_filters,
        subnet_group_name=chosen.subnet_group_name,
        subnets=chosen.subnets,
        subnet_type=chosen.subnet_type,
    )
