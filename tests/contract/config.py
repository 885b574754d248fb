"""A consumer configuration as plain data: what the strategies draw, what `expected` reads, what `build` constructs.

Plain data (not CDK objects) so that the expected API request can be computed without the construct, a failing
example prints as a readable repro, and the same configuration can be built again in a fresh app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ACCOUNT = "111111111111"
REGION = "us-east-1"
MSK_ARN = f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/demo/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-2"

# "Resolvable": a String parameter wrapped by Token.as_any (an IResolvable object rather than a string token).
TokenKind = Literal["String", "Number", "CommaDelimitedList", "Resolvable"]


@dataclass(frozen=True)
class Tok:
    """A CloudFormation parameter: an unresolved token at synth time, `default` once deployed."""

    default: Any
    kind: TokenKind = "String"


@dataclass(frozen=True)
class Dur:
    """A CDK Duration: `Duration.<unit>(amount)`."""

    unit: Literal["millis", "seconds", "minutes", "hours", "days"]
    amount: int | Tok

    def seconds(self) -> float | None:
        """The duration in seconds (None for a token amount)."""
        if isinstance(self.amount, Tok):
            return None
        factor = {"millis": 0.001, "seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}[self.unit]
        value = self.amount * factor
        return int(value) if float(value).is_integer() else value


@dataclass(frozen=True)
class SecretSpec:
    """A Secrets Manager secret: imported by its complete ARN, or created in the stack (ARN unknown at synth)."""

    name: str
    region: str = REGION
    in_stack: bool = False
    with_key: bool = True  # in-stack secrets: a customer-managed key

    @property
    def arn(self) -> str:
        return f"arn:aws:secretsmanager:{self.region}:{ACCOUNT}:secret:{self.name}-AbCdEf"


AuthName = Literal[
    "iam", "scram_sha_512", "scram_sha_256", "sasl_plain", "mutual_tls", "oauth", "iam_web_identity", "unauthenticated"
]
OAUTH_PARAMETERS = (
    ("OAUTHBEARER_SCOPE", "scope"),
    ("OAUTHBEARER_AUDIENCE", "audience"),
    ("OAUTHBEARER_LOGICAL_CLUSTER", "logical_cluster"),
    ("OAUTHBEARER_IDENTITY_POOL", "identity_pool"),
)


@dataclass(frozen=True)
class AuthSpec:
    mechanism: AuthName
    secret: SecretSpec | None = None
    tls: bool = True
    # (KafkaAuth.oauth / iam_web_identity keyword, value), e.g. ("scope", "kafka")
    oauth: tuple[tuple[str, str | Tok], ...] = ()


@dataclass(frozen=True)
class VpcSpec:
    """An imported VPC with `subnets` private subnets over `azs` AZs and `groups` imported security groups.

    give_vpc / give_subnets / groups=0 leave out one of the trio (self-managed and Confluent need all three)."""

    subnets: int = 2
    azs: int = 2
    groups: int = 1
    give_vpc: bool = True
    give_subnets: bool = True
    route_tables: bool = True  # the imported subnets' route table ids are known


@dataclass(frozen=True)
class MskClusterSpec:
    """An aws_msk.CfnCluster built in the stack: what the library can read from it."""

    enabled: frozenset[str]  # "iam", "scram_sha_512", "mutual_tls", "unauthenticated"; empty: no ClientAuthentication
    client_broker: Literal["TLS", "TLS_PLAINTEXT", "PLAINTEXT"] = "TLS"


SourceKind = Literal["msk", "msk_serverless", "msk_cross_account", "self_managed", "confluent_cloud"]


@dataclass(frozen=True)
class SourceSpec:
    kind: SourceKind
    auth: AuthSpec | None = None  # msk_serverless: None means the default (IAM)
    arn: str | Tok | None = None  # MSK by ARN; self-managed: cluster_arn= (scopes IAM grants only)
    cluster: MskClusterSpec | None = None  # MSK provisioned from a construct (arn is then unused)
    servers: tuple[str | Tok, ...] | Tok = ()
    root_ca: SecretSpec | None = None
    vpc: VpcSpec | None = None
    api_key: SecretSpec | None = None  # Confluent Cloud (auth then holds its OAuth, if any)
    vpc_connection_arn: str | None = None  # MSK cross-account (arn is then the owner's cluster ARN)


@dataclass(frozen=True)
class PollersSpec:
    minimum: int | Tok | None = None  # None: the class default
    maximum: int | Tok | None = None
    group_name: str | Tok | None = None


DestKind = Literal["default", "s3", "s3_own", "sqs", "sqs_own", "sns", "kafka", "none"]


@dataclass(frozen=True)
class DestSpec:
    kind: DestKind = "default"
    kafka_topic: str | Tok | None = None
    reason: str | None = None


@dataclass(frozen=True)
class RegistrySpec:
    """A schema registry: Glue (uri is the registry ARN) or Confluent (uri is the URL, access its secrets)."""

    kind: Literal["glue", "confluent"]
    uri: str
    record_format: str = "JSON"
    validate: tuple[str, ...] = ("VALUE",)
    access: tuple[tuple[str, SecretSpec], ...] = ()  # (SchemaRegistry.confluent keyword, secret)


@dataclass(frozen=True)
class Config:
    """Everything a KafkaLambdaConsumer is given. None means "not passed" (the constructor's default)."""

    source: SourceSpec
    topic: str | Tok = "orders"
    batch_size: Any = None
    window: Dur | None = None
    starting_position: Literal["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"] | None = None
    timestamp: Any = None
    consumer_group: str | Tok | None = None
    filters: tuple[Any, ...] | None = None  # dicts, possibly holding Tok leaves
    pollers: PollersSpec | None = None
    on_failure: DestSpec = field(default_factory=DestSpec)
    retry_attempts: Any = None
    max_record_age: Dur | int | None = None
    bisect: bool | None = None
    report: bool | None = None
    enabled: bool | None = None
    mapping_metrics: bool | tuple[str, ...] | None = None  # True, False or the groups
    log_level: Literal["DEBUG", "INFO", "WARN"] | None = None
    monitoring: Literal["default", "off"] = "off"
    network_access: Literal["vpc_endpoints", "existing_egress"] | None = None
    filter_encryption: bool = False
    function_timeout: int | None = None  # seconds
    schema_registry: RegistrySpec | None = None
    consumption_mode: Literal["STREAM", "QUEUE"] | None = None

    @property
    def provisioned(self) -> bool:
        return self.pollers is not None

    def tokens(self) -> bool:
        """Whether any value is a token (its validity is then unknowable at synth)."""
        return "Tok(" in repr(self)
