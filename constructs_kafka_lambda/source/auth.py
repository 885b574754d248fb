"""How a mapping authenticates, and the source x auth matrix (Lambda guide: msk-cluster-auth, kafka-cluster-auth) as data.

The matrix lives in one table (`SUPPORTED_AUTH`): a reader looking for "MSK Serverless needs IAM" finds one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from aws_cdk import aws_secretsmanager as secretsmanager

from .. import limits
from ..errors import ConfigError
from ..tokens import is_unresolved


class SourceKind(Enum):
    """Where records come from; decides which auth, ports, permissions and features apply."""

    MSK = "Amazon MSK (provisioned)"
    MSK_SERVERLESS = "Amazon MSK Serverless"
    SELF_MANAGED = "self-managed Apache Kafka"
    CONFLUENT_CLOUD = "Confluent Cloud"


class AuthMechanism(Enum):
    """The mechanism, with the SourceAccessConfiguration type that carries its secret (None: no secret)."""

    IAM = None
    SASL_SCRAM_512 = "SASL_SCRAM_512_AUTH"
    SASL_SCRAM_256 = "SASL_SCRAM_256_AUTH"
    SASL_PLAIN = "BASIC_AUTH"
    MUTUAL_TLS = "CLIENT_CERTIFICATE_TLS_AUTH"
    OAUTH = "OAUTHBEARER_AUTH"
    UNAUTHENTICATED = "UNAUTHENTICATED"

    @property
    def access_type(self) -> str | None:
        """The SourceAccessConfigurations type for the secret, or None when the mechanism has no secret."""
        return None if self in (AuthMechanism.IAM, AuthMechanism.UNAUTHENTICATED) else self.value

    @property
    def uses_secret(self) -> bool:
        return self.access_type is not None


# The auth table (Lambda guide: msk-cluster-auth, kafka-cluster-auth; README "What a consumer creates and enforces").
# Confluent Cloud mTLS needs a Dedicated cluster, which we do not model; Confluent Cloud is reached with an API key
# (SASL/PLAIN) or OAuth.
SUPPORTED_AUTH: Final[dict[SourceKind, frozenset[AuthMechanism]]] = {
    SourceKind.MSK: frozenset(
        {
            AuthMechanism.IAM,
            AuthMechanism.SASL_SCRAM_512,
            AuthMechanism.MUTUAL_TLS,
            AuthMechanism.UNAUTHENTICATED,
        }
    ),
    SourceKind.MSK_SERVERLESS: frozenset({AuthMechanism.IAM}),
    SourceKind.SELF_MANAGED: frozenset(
        {
            AuthMechanism.SASL_SCRAM_512,
            AuthMechanism.SASL_SCRAM_256,
            AuthMechanism.SASL_PLAIN,
            AuthMechanism.MUTUAL_TLS,
            AuthMechanism.OAUTH,
            AuthMechanism.UNAUTHENTICATED,  # only in a VPC: checked where the VPC is known (cluster.py)
        }
    ),
    # API key (SASL/PLAIN) or OAuth with Confluent's logical cluster and identity pool (API model,
    # SourceAccessConfiguration OAUTHBEARER_LOGICAL_CLUSTER / OAUTHBEARER_IDENTITY_POOL).
    SourceKind.CONFLUENT_CLOUD: frozenset({AuthMechanism.SASL_PLAIN, AuthMechanism.OAUTH}),
}

# Self-managed types in the API model that this library leaves out, and why (README, "Authentication").
NOT_SUPPORTED_TYPES: Final[dict[str, str]] = {
    "IAM_AUTH": "the permissions the execution role needs on a non-MSK cluster are not documented",
    "IAM_OAUTHBEARER_AUTH": "the permissions (e.g. sts:GetWebIdentityToken) are not documented by Lambda",
}

# What to use instead, per source, when a mechanism is rejected.
_AUTH_ADVICE: Final[dict[SourceKind, str]] = {
    SourceKind.MSK: "use KafkaAuth.iam(), KafkaAuth.scram_sha_512(secret), KafkaAuth.mutual_tls(secret) "
    "or KafkaAuth.unauthenticated(tls=...)",
    SourceKind.MSK_SERVERLESS: "MSK Serverless supports IAM only: use KafkaAuth.iam() (or leave auth unset)",
    SourceKind.SELF_MANAGED: "use KafkaAuth.scram_sha_512/scram_sha_256/sasl_plain/mutual_tls(secret), or "
    "KafkaAuth.oauth(secret, ...), or KafkaAuth.unauthenticated() for brokers in a VPC; IAM exists only on Amazon MSK",
    SourceKind.CONFLUENT_CLOUD: "Confluent Cloud is reached with an API key over SASL/PLAIN "
    "(KafkaCluster.confluent_cloud(bootstrap_servers, api_key=secret)) or with OAuth "
    "(KafkaCluster.confluent_cloud(bootstrap_servers, oauth=KafkaAuth.oauth(secret, logical_cluster=..., "
    "identity_pool=...)))",
}

# MSK broker port per mechanism (MSK Developer Guide, "Port information"); self-managed ports come from the
# bootstrap servers instead.
MSK_PORTS: Final[dict[AuthMechanism, int]] = {
    AuthMechanism.IAM: limits.MSK_PORT_IAM,
    AuthMechanism.SASL_SCRAM_512: limits.MSK_PORT_SASL_SCRAM,
    AuthMechanism.MUTUAL_TLS: limits.MSK_PORT_TLS,
}


@dataclass(frozen=True)
class KafkaAuth:
    """How the mapping authenticates to the brokers. Build it with the static methods, not the constructor."""

    mechanism: AuthMechanism
    secret: secretsmanager.ISecret | None = None
    tls: bool = True
    # OAUTHBEARER parameters, sent as plain-string access configurations (not secrets), in the API's order.
    oauth_parameters: tuple[tuple[str, str], ...] = ()

    def access_configurations(self) -> list[tuple[str, str]]:
        """(Type, URI) pairs for SourceAccessConfigurations: the secret, then OAuth parameters."""
        configs: list[tuple[str, str]] = []
        if self.mechanism.access_type is not None and self.secret is not None:
            configs.append((self.mechanism.access_type, self.secret.secret_arn))
        return configs + list(self.oauth_parameters)

    @staticmethod
    def iam() -> KafkaAuth:
        """IAM access control (MSK and MSK Serverless). The role gets kafka-cluster:Connect on the cluster,
        DescribeTopic + ReadData on the topic and AlterGroup + DescribeGroup on the group (grants/statements.py)."""
        return KafkaAuth(AuthMechanism.IAM)

    @staticmethod
    def scram_sha_512(secret: secretsmanager.ISecret) -> KafkaAuth:
        """SASL/SCRAM-SHA-512. On MSK the secret is named `AmazonMSK_...` and encrypted with a customer key."""
        return KafkaAuth(AuthMechanism.SASL_SCRAM_512, _require_secret(secret, "scram_sha_512"))

    @staticmethod
    def scram_sha_256(secret: secretsmanager.ISecret) -> KafkaAuth:
        """SASL/SCRAM-SHA-256 (self-managed Kafka only), over TLS."""
        return KafkaAuth(AuthMechanism.SASL_SCRAM_256, _require_secret(secret, "scram_sha_256"))

    @staticmethod
    def sasl_plain(secret: secretsmanager.ISecret) -> KafkaAuth:
        """SASL/PLAIN (self-managed Kafka, Confluent API keys), over TLS. Secret: {"username", "password"}."""
        return KafkaAuth(AuthMechanism.SASL_PLAIN, _require_secret(secret, "sasl_plain"))

    @staticmethod
    def mutual_tls(secret: secretsmanager.ISecret) -> KafkaAuth:
        """mTLS. Secret: {"certificate", "privateKey", "privateKeyPassword"?} in PEM, key in PKCS#8."""
        return KafkaAuth(AuthMechanism.MUTUAL_TLS, _require_secret(secret, "mutual_tls"))

    @staticmethod
    def oauth(
        secret: secretsmanager.ISecret,
        *,
        scope: str | None = None,
        audience: str | None = None,
        logical_cluster: str | None = None,
        identity_pool: str | None = None,
    ) -> KafkaAuth:
        """SASL/OAUTHBEARER (self-managed Kafka and Confluent Cloud), over TLS.

        The secret holds the OAuth 2.0 client credentials Lambda uses to get a token (Lambda guide,
        kafka-cluster-auth, "Configuring the OAuth secret"). `scope` and `audience` are sent to the token endpoint;
        Confluent Cloud also needs its `logical_cluster` (lkc-...) and `identity_pool` (pool-...) ids. These four are
        plain strings (API model: OAUTHBEARER_SCOPE/AUDIENCE/LOGICAL_CLUSTER/IDENTITY_POOL), not secrets.
        """
        parameters = [
            ("OAUTHBEARER_SCOPE", "scope", scope),
            ("OAUTHBEARER_AUDIENCE", "audience", audience),
            ("OAUTHBEARER_LOGICAL_CLUSTER", "logical_cluster", logical_cluster),
            ("OAUTHBEARER_IDENTITY_POOL", "identity_pool", identity_pool),
        ]
        for _type, name, value in parameters:
            if value is not None:
                _check_access_uri(f"KafkaAuth.oauth({name})", value)
        return KafkaAuth(
            AuthMechanism.OAUTH,
            _require_secret(secret, "oauth"),
            oauth_parameters=tuple((t, v) for t, _name, v in parameters if v is not None),
        )

    @property
    def oauth_parameter_names(self) -> frozenset[str]:
        return frozenset(t for t, _ in self.oauth_parameters)

    @staticmethod
    def unauthenticated(tls: bool = True) -> KafkaAuth:
        """No client authentication. On MSK, `tls` picks the TLS (9094) or plaintext (9092) listener."""
        if not isinstance(tls, bool):
            raise ConfigError("KafkaAuth.unauthenticated(tls)", tls, "tls must be True or False", "pass tls=True")
        return KafkaAuth(AuthMechanism.UNAUTHENTICATED, tls=tls)

    def msk_port(self) -> int:
        """The MSK broker port this auth connects to."""
        if self.mechanism is AuthMechanism.UNAUTHENTICATED:
            return limits.MSK_PORT_TLS if self.tls else limits.MSK_PORT_PLAINTEXT
        return MSK_PORTS[self.mechanism]

    def check_supported_by(self, source: SourceKind) -> None:
        """Reject a mechanism that AWS does not accept for this source (the auth table)."""
        if self.mechanism not in SUPPORTED_AUTH[source]:
            raise ConfigError(
                "auth",
                f"KafkaAuth.{_METHOD_NAMES[self.mechanism]}",
                f"{source.value} does not support {_METHOD_NAMES[self.mechanism]} authentication "
                f"for Lambda event source mappings",
                _AUTH_ADVICE[source],
            )


_METHOD_NAMES: Final[dict[AuthMechanism, str]] = {
    AuthMechanism.IAM: "iam()",
    AuthMechanism.SASL_SCRAM_512: "scram_sha_512(secret)",
    AuthMechanism.SASL_SCRAM_256: "scram_sha_256(secret)",
    AuthMechanism.SASL_PLAIN: "sasl_plain(secret)",
    AuthMechanism.MUTUAL_TLS: "mutual_tls(secret)",
    AuthMechanism.OAUTH: "oauth(secret, ...)",
    AuthMechanism.UNAUTHENTICATED: "unauthenticated()",
}


def _check_access_uri(prop: str, value: object) -> None:
    """A plain-string access configuration value: the API's URI shape (1-200 characters of its pattern)."""
    if is_unresolved(value):
        return
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= limits.ACCESS_URI_MAX_LENGTH
        or not limits.SOURCE_ACCESS_URI_PATTERN.fullmatch(value)
    ):
        raise ConfigError(
            prop,
            value,
            f"the API takes 1-{limits.ACCESS_URI_MAX_LENGTH} characters of letters, digits, spaces and -/*:_+=.@",
            "pass the value exactly as your identity provider or Confluent Cloud shows it",
        )


def _require_secret(secret: secretsmanager.ISecret, method: str) -> secretsmanager.ISecret:
    if secret is None or not hasattr(secret, "secret_arn"):
        raise ConfigError(
            f"KafkaAuth.{method}(secret)",
            secret,
            "the credentials must be an ISecret (AWS Secrets Manager) in the function's Region",
            "pass secretsmanager.Secret(...) or Secret.from_secret_complete_arn(...)",
        )
    check_secret_arn_length(f"KafkaAuth.{method}(secret)", secret)
    return secret


def check_secret_arn_length(prop: str, secret: secretsmanager.ISecret) -> None:
    """A secret's ARN becomes a SourceAccessConfiguration URI, which the API caps at 200 characters (Secrets Manager
    names may have 512)."""
    arn = secret.secret_arn
    if not is_unresolved(arn) and len(arn) > limits.SOURCE_ACCESS_URI_MAX_LENGTH:
        raise ConfigError(
            prop,
            arn,
            f"Lambda takes secret ARNs of at most {limits.SOURCE_ACCESS_URI_MAX_LENGTH} characters "
            f"(API: SourceAccessConfiguration.URI); this one has {len(arn)}",
            "use a secret with a shorter name",
        )
