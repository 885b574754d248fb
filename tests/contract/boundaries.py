"""Both sides of every limit, one field at a time from a valid base: the explicit tour that every run makes, so that
the default profile covers each boundary whatever the random draws.
"""

from __future__ import annotations

from dataclasses import replace

from .config import (
    MSK_ARN,
    AuthSpec,
    Config,
    DestSpec,
    Dur,
    MskClusterSpec,
    PollersSpec,
    RegistrySpec,
    SecretSpec,
    SourceSpec,
    Tok,
    VpcSpec,
)

MSK = SourceSpec(kind="msk", auth=AuthSpec("iam"), arn=MSK_ARN)
BASE = Config(source=MSK, topic="orders")
PROVISIONED = replace(BASE, pollers=PollersSpec())
SELF_MANAGED = SourceSpec(
    kind="self_managed", auth=AuthSpec("sasl_plain", SecretSpec("kafka/credentials")), servers=("b-1.example.com:9096",)
)


def _servers(*servers: str | Tok) -> Config:
    return replace(BASE, source=replace(SELF_MANAGED, servers=tuple(servers)))


def _in_vpc(subnets: int, groups: int, root_ca: bool = False) -> Config:
    vpc = VpcSpec(subnets=subnets, azs=1, groups=groups)
    source = replace(SELF_MANAGED, vpc=vpc, root_ca=SecretSpec("kafka/root-ca") if root_ca else None)
    return replace(BASE, source=source)


def _secret_name(length: int) -> Config:
    # arn:aws:secretsmanager:us-east-1:111111111111:secret:<name>-AbCdEf is 60 characters plus the name.
    return replace(BASE, source=replace(SELF_MANAGED, auth=AuthSpec("sasl_plain", SecretSpec("s" * length))))


def _self_managed_iam(auth: AuthSpec, arn: str | Tok | None = None, vpc: bool = False) -> Config:
    """IAM_AUTH / IAM_OAUTHBEARER_AUTH (Lambda guide, kafka-cluster-auth), public or in a VPC."""
    source = replace(SELF_MANAGED, auth=auth, arn=arn, vpc=VpcSpec(subnets=2, azs=2) if vpc else None)
    return replace(BASE, source=replace(source, servers=("kafka-1.streaming.example.com:9098",)))


def _web_identity(*params: tuple[str, str | Tok]) -> AuthSpec:
    return AuthSpec("iam_web_identity", oauth=tuple(params))


def _msk_cluster(auth: AuthSpec, enabled: set[str], client_broker: str = "TLS") -> Config:
    cluster = MskClusterSpec(frozenset(enabled), client_broker)  # type: ignore[arg-type]
    return replace(BASE, source=SourceSpec(kind="msk", auth=auth, cluster=cluster))


def _cross_account(region: str) -> SourceSpec:
    connection = f"arn:aws:kafka:{region}:111111111111:vpc-connection/222222222222/demo/0a1b2c3d-3"
    owner_cluster = MSK_ARN.replace("111111111111", "222222222222")
    return SourceSpec(kind="msk_cross_account", auth=AuthSpec("iam"), arn=owner_cluster, vpc_connection_arn=connection)


def _confluent_registry(*access: tuple[str, str]) -> RegistrySpec:
    secrets = tuple((name, SecretSpec(f"registry/{name}", region=region)) for name, region in access)
    return RegistrySpec("confluent", "https://psrc-12345.us-east-1.aws.confluent.cloud", access=secrets)


def _filters(*patterns: object) -> Config:
    return replace(BASE, filters=tuple(patterns))


def _pattern_of_length(n: int) -> dict[str, object]:
    return {"value": {"a": ["x" * (n - 20)]}}  # {"value":{"a":[""]}} is 20 characters


BOUNDARIES: tuple[Config, ...] = (
    BASE,
    PROVISIONED,
    # batch size and batching window
    *(replace(BASE, batch_size=n) for n in (0, 1, 10_000, 10_001, Tok(500, "Number"))),
    *(replace(BASE, window=Dur("seconds", n)) for n in (0, 300, 301)),
    *(replace(BASE, window=d) for d in (Dur("millis", 500), Dur("millis", 1000), Dur("minutes", 5))),
    replace(BASE, window=Dur("seconds", Tok(5, "Number"))),
    # retries and record age (provisioned mode)
    *(replace(PROVISIONED, retry_attempts=n) for n in (-2, -1, 0, 10_000, 10_001)),
    *(replace(PROVISIONED, max_record_age=a) for a in (-1, Dur("seconds", 59), Dur("seconds", 60))),
    *(replace(PROVISIONED, max_record_age=Dur("seconds", n)) for n in (604_800, 604_801)),
    replace(PROVISIONED, max_record_age=Dur("millis", 60_500)),
    replace(PROVISIONED, max_record_age=Dur("seconds", Tok(3600, "Number"))),
    # pollers
    *(replace(BASE, pollers=PollersSpec(minimum=n)) for n in (0, 1, 200, 201)),
    *(replace(BASE, pollers=PollersSpec(maximum=n)) for n in (0, 1, 2000, 2001, 10_000)),
    replace(BASE, pollers=PollersSpec(minimum=5, maximum=4)),
    *(replace(BASE, pollers=PollersSpec(group_name=g)) for g in ("", "g" * 128, "g" * 129, "bad name", Tok("shared"))),
    # topics and consumer groups
    *(replace(BASE, topic=t) for t in ("a", "ab", "a" * 249, "a" * 250, ".ab", "a b", "ab\n", "!ab", "_ab", "-a")),
    replace(BASE, topic=Tok("orders")),
    *(replace(BASE, consumer_group=g) for g in ("g" * 200, "g" * 201, "", "a b", "g\n", "a/b*c:d_e+f=g.h@i-j")),
    replace(BASE, consumer_group=Tok("orders-consumers")),
    # bootstrap servers: the API's Endpoint pattern, ports, counts, uniqueness, tokens
    *(
        _servers(s)
        for s in (
            "b_1.example.com:9092",
            "-b1.example.com:9092",
            "b1-.example.com:9092",
            "b1..example.com:9092",
            "b1.example.com.:9092",
            "b1.example.com:0",
            "b1.example.com:65535",
            "b1.example.com:65536",
            "b1.example.com:99999",
            "b1.example.com:100000",
            "b1.example.com",
            "https://b1.example.com:9092",
            "10.0.0.1:9092",
            "b" * 291 + ".com:9092",
            "b" * 292 + ".com:9092",
        )
    ),
    _servers(*(f"b-{i}.example.com:9092" for i in range(10))),
    _servers(*(f"b-{i}.example.com:9092" for i in range(11))),
    _servers("b-1.example.com:9092", "b-1.example.com:9092"),
    _servers("b-1.example.com:9092", Tok("b-2.example.com:9092")),
    replace(BASE, source=replace(SELF_MANAGED, servers=Tok(["b-1.example.com:9092"], "CommaDelimitedList"))),
    # SourceAccessConfigurations: secret + root CA + subnets + groups <= 23; URIs <= 200 characters
    _in_vpc(21, 1),
    _in_vpc(20, 1, root_ca=True),
    _in_vpc(21, 1, root_ca=True),
    _in_vpc(1, 22),
    _in_vpc(30, 1),
    _secret_name(140),
    _secret_name(141),
    # filters
    _filters(*({"value": {f"f{i}": [i]}} for i in range(5))),
    _filters(*({"value": {f"f{i}": [i]}} for i in range(6))),
    _filters({"value": {"a": [1]}}, {"value": {"a": [1]}}),
    _filters({"value": {"a": [1], "b": [2]}}, {"value": {"b": [2], "a": [1]}}),
    _filters({"value": {"a": [True]}}, {"value": {"a": [1]}}),
    _filters(_pattern_of_length(4096)),
    _filters(_pattern_of_length(4097)),
    _filters({"value": {"a": [Tok("plain")]}}),
    _filters({"value": {"a": [Tok('quote"d')]}}),
    _filters({"value": {"a": [{"numeric": [">", Tok(5, "Number")]}]}}),
    _filters({"value": {"a": [Tok("any", "Resolvable")]}}),
    replace(BASE, filter_encryption=True),
    replace(BASE, filters=({"value": {"a": [1]}},), filter_encryption=True),
    # failure destinations
    *(replace(PROVISIONED, on_failure=DestSpec("kafka", t)) for t in ("abc", "abcd", "orders", "x" * 249)),
    replace(PROVISIONED, on_failure=DestSpec("kafka", Tok("orders-failed"))),
    replace(BASE, on_failure=DestSpec("kafka", "orders-failed")),
    *(replace(BASE, on_failure=DestSpec(k)) for k in ("s3", "s3_own", "sqs", "sqs_own", "sns")),
    replace(BASE, on_failure=DestSpec("none", reason="no")),
    replace(BASE, on_failure=DestSpec("none", reason="metrics only: a lost sample is fine")),
    # provisioned-only settings in on-demand mode
    replace(BASE, bisect=True),
    replace(BASE, bisect=False),
    replace(BASE, report=True),
    replace(BASE, report=False),
    replace(BASE, log_level="WARN"),
    replace(PROVISIONED, log_level="DEBUG", report=True, bisect=True, mapping_metrics=False),
    replace(BASE, mapping_metrics=False, enabled=False, monitoring="default"),
    *(replace(PROVISIONED, mapping_metrics=g) for g in ((), ("KafkaMetrics",), ("ErrorCount", "EventCount"))),
    *(replace(PROVISIONED, mapping_metrics=g) for g in (("EventCount", "EventCount"), ("Bogus",))),
    replace(PROVISIONED, mapping_metrics=("EventCount",), monitoring="default"),
    # starting position
    *(replace(BASE, starting_position="AT_TIMESTAMP", timestamp=t) for t in (0, 1, 1_700_000_000.5, 4_102_444_800)),
    replace(BASE, starting_position="AT_TIMESTAMP"),
    replace(BASE, starting_position="LATEST", timestamp=1_700_000_000),
    replace(BASE, starting_position="AT_TIMESTAMP", timestamp=Tok(1_700_000_000, "Number")),
    # sources and auth
    replace(BASE, source=replace(MSK, arn=MSK_ARN.replace("us-east-1", "eu-west-1"))),
    replace(BASE, source=replace(MSK, arn=Tok(MSK_ARN))),
    replace(BASE, source=SourceSpec(kind="msk_serverless", arn=MSK_ARN)),
    replace(BASE, source=SourceSpec(kind="msk_serverless", arn=MSK_ARN.replace("111111111111", "222222222222"))),
    replace(BASE, source=SourceSpec(kind="msk", auth=AuthSpec("scram_sha_512", SecretSpec("orders")), arn=MSK_ARN)),
    replace(
        BASE, source=SourceSpec(kind="msk", auth=AuthSpec("scram_sha_512", SecretSpec("AmazonMSK_o")), arn=MSK_ARN)
    ),
    replace(BASE, source=replace(SELF_MANAGED, auth=AuthSpec("unauthenticated"))),
    replace(BASE, source=replace(SELF_MANAGED, auth=AuthSpec("iam"))),
    # IAM on self-managed Kafka: IAM_AUTH without a URI, cluster_arn= only with it (any Region: it scopes grants)
    _self_managed_iam(AuthSpec("iam"), vpc=True),
    _self_managed_iam(AuthSpec("iam"), arn=MSK_ARN),
    _self_managed_iam(AuthSpec("iam"), arn=MSK_ARN.replace("us-east-1", "eu-west-1")),
    _self_managed_iam(AuthSpec("iam"), arn=Tok(MSK_ARN)),
    _self_managed_iam(AuthSpec("iam"), arn=MSK_ARN.replace(":cluster/", ":topic/") + "/t"),
    _self_managed_iam(AuthSpec("sasl_plain", SecretSpec("kafka/credentials")), arn=MSK_ARN),
    replace(
        PROVISIONED, source=_self_managed_iam(AuthSpec("iam"), arn=MSK_ARN).source, on_failure=DestSpec("kafka", "o-f")
    ),
    # IAM_OAUTHBEARER_AUTH: OAUTHBEARER_AUDIENCE required, no other OAUTHBEARER type
    _self_managed_iam(_web_identity(("audience", "https://kafka.example.com")), vpc=True),
    _self_managed_iam(_web_identity(("audience", "a" * 200))),
    _self_managed_iam(_web_identity(("audience", "a" * 201))),
    _self_managed_iam(_web_identity(("audience", Tok("kafka-brokers")))),
    _self_managed_iam(_web_identity()),
    _self_managed_iam(_web_identity(("audience", "kafka"), ("scope", "kafka"))),
    _self_managed_iam(_web_identity(("audience", "kafka"), ("logical_cluster", "lkc-abc12"))),
    _self_managed_iam(_web_identity(("audience", "kafka"), ("identity_pool", "pool-AbC1"))),
    replace(BASE, source=replace(MSK, auth=_web_identity(("audience", "kafka")))),
    replace(
        BASE,
        source=SourceSpec(
            kind="confluent_cloud",
            servers=("pkc-1.aws.confluent.cloud:9092",),
            auth=_web_identity(("audience", "kafka"), ("logical_cluster", "lkc-1"), ("identity_pool", "pool-1")),
        ),
    ),
    replace(
        BASE,
        source=SourceSpec(kind="confluent_cloud", servers=("pkc-1.aws.confluent.cloud:9092",), api_key=SecretSpec("k")),
    ),
    _msk_cluster(AuthSpec("unauthenticated"), {"iam", "unauthenticated"}),
    _msk_cluster(AuthSpec("unauthenticated", tls=False), {"unauthenticated"}, "TLS"),
    _msk_cluster(AuthSpec("unauthenticated", tls=True), {"unauthenticated"}, "PLAINTEXT"),
    _msk_cluster(AuthSpec("iam"), {"scram_sha_512"}),
    _msk_cluster(AuthSpec("scram_sha_512", SecretSpec("AmazonMSK_orders")), {"iam", "scram_sha_512"}),
    # queue mode and cross-account MSK
    replace(BASE, source=SELF_MANAGED, consumption_mode="QUEUE"),
    replace(BASE, source=SELF_MANAGED, consumption_mode="QUEUE", starting_position="LATEST"),
    replace(PROVISIONED, source=SELF_MANAGED, consumption_mode="QUEUE", retry_attempts=-1),
    replace(PROVISIONED, source=SELF_MANAGED, consumption_mode="QUEUE", retry_attempts=0),
    replace(BASE, consumption_mode="QUEUE"),
    replace(BASE, source=_cross_account("us-east-1")),
    replace(BASE, source=_cross_account("eu-west-1")),
    # schema registries (provisioned mode only)
    replace(PROVISIONED, schema_registry=RegistrySpec("glue", "arn:aws:glue:us-east-1:111111111111:registry/orders")),
    replace(BASE, schema_registry=RegistrySpec("glue", "arn:aws:glue:us-east-1:111111111111:registry/orders")),
    replace(
        PROVISIONED, schema_registry=RegistrySpec("glue", "arn:aws:glue:us-east-1:111111111111:registry/o", validate=())
    ),
    replace(
        PROVISIONED,
        schema_registry=_confluent_registry(("basic_auth", "us-east-1"), ("root_ca_certificate", "us-east-1")),
    ),
    replace(PROVISIONED, schema_registry=_confluent_registry(("basic_auth", "us-east-1"), ("oauth", "us-east-1"))),
    replace(PROVISIONED, schema_registry=_confluent_registry(("basic_auth", "eu-west-1"))),
    # the function
    *(replace(BASE, function_timeout=t) for t in (840, 900)),
)
