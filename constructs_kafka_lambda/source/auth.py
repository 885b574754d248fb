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
    """The mechanism, with the SourceAccessConfiguration type that carries it (None: no type of its own)."""

    IAM = None
    SASL_SCRAM_512 = "SASL_SCRAM_512_AUTH"
    SASL_SCRAM_256 = "SASL_SCRAM_256_AUTH"
    SASL_PLAIN = "BASIC_AUTH"
    MUTUAL_TLS = "CLIENT_CERTIFICATE_TLS_AUTH"
    OAUTH = "OAUTHBEARER_AUTH"
    IAM_WEB_IDENTITY = "IAM_OAUTHBEARER_AUTH"
    UNAUTHENTICATED = "UNAUTHENTICATED"

    @property
    def access_type(self) -> str | None:
        """The SourceAccessConfigurations type the mechanism is written as, or None when it has none of its own.
        IAM's depends on the source (none on MSK, IAM_AUTH on self-managed Kafka): see
        `KafkaAuth.access_configurations`."""
        return None if self in (AuthMechanism.IAM, AuthMechanism.UNAUTHENTICATED) else self.value

    @property
    def uses_secret(self) -> bool:
        """Whether the mechanism reads a Secrets Manager secret (the IAM ones sign with the execution role)."""
        return self.access_type is not None and self is not AuthMechanism.IAM_WEB_IDENTITY


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
            # IAM_AUTH: "an Amazon MSK cluster that you reach through your own networking setup" (a custom domain
            # name in front of the brokers, a connection from another account); IAM_OAUTHBEARER_AUTH: brokers that
            # accept AWS web identity tokens over SASL/OAUTHBEARER (Lambda guide, kafka-cluster-auth,
            # https://docs.aws.amazon.com/lambda/latest/dg/kafka-cluster-auth.html#smaa-auth-iam, #smaa-auth-iam-oauth).
            AuthMechanism.IAM,
            AuthMechanism.IAM_WEB_IDENTITY,
            AuthMechanism.UNAUTHENTICATED,  # only in a VPC: checked where the VPC is known (cluster.py)
        }
    ),
    # API key (SASL/PLAIN) or OAuth with Confluent's logical cluster and identity pool (API model,
    # SourceAccessConfiguration OAUTHBEARER_LOGICAL_CLUSTER / OAUTHBEARER_IDENTITY_POOL). No IAM: Confluent Cloud
    # does not authorize with AWS IAM, and its OAuth needs those two extensions, which IAM_OAUTHBEARER_AUTH refuses.
    SourceKind.CONFLUENT_CLOUD: frozenset({AuthMechanism.SASL_PLAIN, AuthMechanism.OAUTH}),
}

# SourceAccessTypes of the API model that the library never writes, each with AWS's reason (README,
# "Authentication"). Every other type is written by a KafkaAuth factory, the root CA or the VPC trio;
# tests/contract/test_drift.py fails when a boto3 upgrade adds a type that is neither.
NOT_SUPPORTED_TYPES: Final[dict[str, str]] = {
    "VIRTUAL_HOST": "Amazon MQ for RabbitMQ only (API model, SourceAccessConfiguration.Type: '(RabbitMQ) The name "
    "of the virtual host in your RabbitMQ broker')",
}

# IAM_OAUTHBEARER_AUTH "requires OAUTHBEARER_AUDIENCE and does not support the other OAUTHBEARER types" (API model,
# SourceAccessConfiguration.Type; Lambda guide, kafka-cluster-auth: "IAM_OAUTHBEARER_AUTH supports only
# OAUTHBEARER_AUDIENCE ... Lambda returns a validation error").
WEB_IDENTITY_PARAMETERS: Final = frozenset({limits.ACCESS_OAUTHBEARER_AUDIENCE})
_WEB_IDENTITY_RULE: Final = (
    "IAM_OAUTHBEARER_AUTH supports only OAUTHBEARER_AUDIENCE: Lambda returns a validation error for OAUTHBEARER_SCOPE, "
    "OAUTHBEARER_LOGICAL_CLUSTER or OAUTHBEARER_IDENTITY_POOL with it (API model, SourceAccessConfiguration.Type; "
    "Lambda guide, kafka-cluster-auth)"
)

# What to use instead, per source, when a mechanism is rejected.
_AUTH_ADVICE: Final[dict[SourceKind, str]] = {
    SourceKind.MSK: "use KafkaAuth.iam(), KafkaAuth.scram_sha_512(secret), KafkaAuth.mutual_tls(secret) "
    "or KafkaAuth.unauthenticated(tls=...)",
    SourceKind.MSK_SERVERLESS: "MSK Serverless supports IAM only: use KafkaAuth.iam() (or leave auth unset)",
    SourceKind.SELF_MANAGED: "use KafkaAuth.scram_sha_512/scram_sha_256/sasl_plain/mutual_tls(secret), "
    "KafkaAuth.oauth(secret, ...), KafkaAuth.iam() (brokers with IAM access control), "
    "KafkaAuth.iam_web_identity(audience=...) (brokers that trust AWS web identity tokens), or "
    "KafkaAuth.unauthenticated() for brokers in a VPC",
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

    def __post_init__(self) -> None:
        """The API's OAUTHBEARER rule, however this was built (a factory, the constructor, dataclasses.replace):
        the plain OAUTHBEARER_* types come with OAUTHBEARER_AUTH, or only OAUTHBEARER_AUDIENCE with
        IAM_OAUTHBEARER_AUTH (API model, SourceAccessConfiguration.Type), which Lambda otherwise refuses at deploy."""
        names = self.oauth_parameter_names
        if self.mechanism is AuthMechanism.IAM_WEB_IDENTITY:
            if names - WEB_IDENTITY_PARAMETERS:
                raise ConfigError(
                    "KafkaAuth.iam_web_identity",
                    sorted(names - WEB_IDENTITY_PARAMETERS),
                    _WEB_IDENTITY_RULE,
                    "drop them; for an identity provider that needs a scope or Confluent's extensions, use "
                    "KafkaAuth.oauth(secret, ...)",
                )
            if not names:
                raise ConfigError(
                    "KafkaAuth.iam_web_identity(audience)",
                    None,
                    "IAM_OAUTHBEARER_AUTH requires OAUTHBEARER_AUDIENCE, the audience your brokers expect in the "
                    "token's aud claim (API model, SourceAccessConfiguration.Type)",
                    'pass audience="..." exactly as your brokers are configured to expect it',
                )
        elif names and self.mechanism is not AuthMechanism.OAUTH:
            raise ConfigError(
                f"KafkaAuth.{_METHOD_NAMES[self.mechanism]}",
                sorted(names),
                "the OAUTHBEARER_* parameters require OAUTHBEARER_AUTH or (audience only) IAM_OAUTHBEARER_AUTH "
                "(API model, SourceAccessConfiguration.Type)",
                "use KafkaAuth.oauth(secret, ...) or KafkaAuth.iam_web_identity(audience=...)",
            )

    def access_configurations(self, source: SourceKind) -> list[tuple[str, str | None]]:
        """(Type, URI) pairs for SourceAccessConfigurations: the mechanism (its secret's ARN, or no URI for the IAM
        types, whose URI the API says to omit), then the plain OAUTHBEARER parameters. IAM on MSK has no type:
        Lambda uses IAM when no secret is given (Lambda guide, with-msk-configure)."""
        if self.mechanism is AuthMechanism.IAM:
            return [] if source in (SourceKind.MSK, SourceKind.MSK_SERVERLESS) else [(limits.ACCESS_IAM, None)]
        configs: list[tuple[str, str | None]] = []
        if self.mechanism is AuthMechanism.IAM_WEB_IDENTITY:
            configs.append((limits.ACCESS_IAM_OAUTHBEARER, None))
        elif self.mechanism.access_type is not None and self.secret is not None:
            configs.append((self.mechanism.access_type, self.secret.secret_arn))
        return configs + list(self.oauth_parameters)

    @property
    def audience(self) -> str | None:
        """The OAUTHBEARER_AUDIENCE given (KafkaAuth.oauth or iam_web_identity), else None."""
        return dict(self.oauth_parameters).get(limits.ACCESS_OAUTHBEARER_AUDIENCE)

    @staticmethod
    def iam() -> KafkaAuth:
        """IAM access control: MSK, MSK Serverless, and self-managed Kafka whose brokers use it.

        On MSK the role gets kafka-cluster:Connect on the cluster, DescribeTopic + ReadData on the topic and
        AlterGroup + DescribeGroup on the group (grants/statements.py). On self-managed Kafka (an MSK cluster reached
        through your own networking: a custom domain name in front of the brokers, a connection from another
        account) the mapping is written as IAM_AUTH without a URI and the role signs each connection (Lambda guide,
        kafka-cluster-auth, "IAM authentication"); turn on IAM access control on the cluster, and pass
        `cluster_arn=` to KafkaCluster.self_managed to scope the same grants to that cluster.
        """
        return KafkaAuth(AuthMechanism.IAM)

    @staticmethod
    def iam_web_identity(
        *,
        audience: str | None = None,
        scope: str | None = None,
        logical_cluster: str | None = None,
        identity_pool: str | None = None,
    ) -> KafkaAuth:
        """SASL/OAUTHBEARER with an AWS web identity token (self-managed Kafka): IAM_OAUTHBEARER_AUTH.

        Lambda asks STS for a short-lived token for the function's role (sts:GetWebIdentityToken, granted for this
        `audience` only) and presents it to the brokers, so no secret is stored (Lambda guide, kafka-cluster-auth,
        "IAM authentication with SASL/OAUTHBEARER"). `audience` (OAUTHBEARER_AUDIENCE, required) is what the brokers
        expect in the token's aud claim. Before the first deploy, enable outbound identity federation in the account
        (IAM User Guide, id_roles_providers_outbound_getting_started) and make the brokers trust the account's
        issuer; otherwise they reject the token and nothing is read. `scope`, `logical_cluster` and `identity_pool`
        exist only to be refused: the API takes no OAUTHBEARER type but the audience with this one.
        """
        others = {"scope": scope, "logical_cluster": logical_cluster, "identity_pool": identity_pool}
        for name, value in others.items():
            if value is not None:
                raise ConfigError(
                    f"KafkaAuth.iam_web_identity({name})",
                    value,
                    _WEB_IDENTITY_RULE,
                    f"drop {name}; for an identity provider that needs a scope or Confluent's extensions, use "
                    "KafkaAuth.oauth(secret, ...)",
                )
        if audience is not None:
            _check_access_uri("KafkaAuth.iam_web_identity(audience)", audience)
        given = () if audience is None else ((limits.ACCESS_OAUTHBEARER_AUDIENCE, audience),)
        return KafkaAuth(AuthMechanism.IAM_WEB_IDENTITY, oauth_parameters=given)

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
    AuthMechanism.IAM_WEB_IDENTITY: "iam_web_identity(audience=...)",
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
