"""IAM on self-managed Kafka (IAM_AUTH, IAM_OAUTHBEARER_AUTH): what the description checks and warns about.

Lambda guide, kafka-cluster-auth (https://docs.aws.amazon.com/lambda/latest/dg/kafka-cluster-auth.html):
- "IAM authentication": "If your cluster is an Amazon MSK cluster that you reach through your own networking setup,
  you can register it as a self-managed Kafka event source and authenticate with IAM"; IAM_AUTH without a URI; the
  role needs the cluster permissions of a consumer; "If your brokers present a certificate signed by a private CA,
  also provide SERVER_ROOT_CA_CERTIFICATE ... A custom domain name in front of your brokers usually needs this."
- "IAM authentication with SASL/OAUTHBEARER": IAM_OAUTHBEARER_AUTH without a URI, OAUTHBEARER_AUDIENCE required, no
  other OAUTHBEARER type; the role needs sts:GetWebIdentityToken; the brokers must trust AWS as an OIDC provider.
Neither stores credentials, so no secret (and no Secrets Manager Region rule) is involved; the root CA secret, when
given, follows the usual rule (same Region as the function).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final, Protocol

from ..errors import ConfigError
from ..tokens import is_unresolved
from .auth import AuthMechanism, KafkaAuth, SourceKind
from .msk import MSK_CLUSTER_ARN


class IamSource(Protocol):
    """What the IAM warnings read of a cluster description (KafkaCluster has these; no import of it, no cycle)."""

    @property
    def kind(self) -> SourceKind: ...
    @property
    def auth(self) -> KafkaAuth: ...
    @property
    def cluster_arn(self) -> str | None: ...
    @property
    def bootstrap_servers(self) -> Sequence[str]: ...
    @property
    def root_ca_certificate(self) -> Any: ...


# Host names that MSK gives its brokers (b-1.<cluster>.<id>.c2.kafka.<region>.amazonaws.com, and
# kafka-serverless for MSK Serverless); anything else is a name of the user's own in front of them.
_MSK_BROKER_HOST: Final = re.compile(r"\.kafka(-serverless)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")


def check_iam_cluster_arn(auth: KafkaAuth, cluster_arn: object) -> str | None:
    """`cluster_arn=` of KafkaCluster.self_managed: an MSK cluster ARN (or a token), and only with IAM auth, whose
    kafka-cluster grants it scopes."""
    if cluster_arn is None:
        return None
    if auth.mechanism is not AuthMechanism.IAM:
        raise ConfigError(
            "cluster_arn",
            cluster_arn,
            f"cluster_arn scopes the kafka-cluster grants of IAM auth; with {auth.mechanism.name} the role gets no "
            "kafka-cluster action, so it would scope nothing",
            "drop cluster_arn, or use auth=KafkaAuth.iam()",
        )
    if not isinstance(cluster_arn, str) or (not is_unresolved(cluster_arn) and not MSK_CLUSTER_ARN.match(cluster_arn)):
        raise ConfigError(
            "cluster_arn",
            cluster_arn,
            "expected the MSK cluster's ARN, arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>",
            "copy it from the MSK console (cluster details) or `aws kafka list-clusters-v2`",
        )
    return cluster_arn


def iam_warnings(cluster: IamSource) -> list[tuple[str, str]]:
    """(warning id, text) for risky but valid IAM choices on self-managed Kafka."""
    if cluster.kind is not SourceKind.SELF_MANAGED or cluster.auth.mechanism is not AuthMechanism.IAM:
        return []
    found: list[tuple[str, str]] = []
    if cluster.cluster_arn is None:
        found.append(
            (
                "iam-any-cluster",
                "KafkaAuth.iam() on self-managed Kafka without cluster_arn=: the kafka-cluster actions are granted on "
                "this topic and group in any MSK cluster (cluster/*/*) of any account and Region; pass the cluster's "
                "ARN as cluster_arn= to scope them to it.",
            )
        )
    hosts = [s.rpartition(":")[0] for s in cluster.bootstrap_servers if not is_unresolved(s)]
    custom = [h for h in hosts if not _MSK_BROKER_HOST.search(h.lower())]
    if custom and cluster.root_ca_certificate is None:
        found.append(
            (
                "iam-root-ca",
                f"KafkaAuth.iam() through {custom[0]}, a name of your own in front of the brokers: Lambda's guide says "
                "such a custom domain name usually needs SERVER_ROOT_CA_CERTIFICATE (kafka-cluster-auth, 'IAM "
                "authentication'); pass root_ca_certificate= if the brokers present a certificate of a private CA.",
            )
        )
    return found
