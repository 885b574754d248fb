"""Hypothesis strategies over the whole public props space of KafkaLambdaConsumer, as `Config` data.

Every field mixes typical values, both sides of each limit and tokens where CDK allows them. Invalid values are
drawn rarely per field (about one field in twenty), so that about half of the configurations are valid and reach
the synthesized-template checks. `weighted` shrinks towards its first (valid, plain) branch.
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from .config import (
    ACCOUNT,
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

Strategy = st.SearchStrategy[Any]


def weighted(*branches: tuple[int, Strategy]) -> Strategy:
    """Pick a branch with probability proportional to its weight; shrinks towards the first branch."""
    total = sum(w for w, _ in branches)

    def pick(r: int) -> Strategy:
        for w, strategy in branches:
            if r < w:
                return strategy
            r -= w
        raise AssertionError

    return st.integers(0, total - 1).flatmap(pick)


def maybe(strategy: Strategy, none_weight: int = 1, some_weight: int = 1) -> Strategy:
    return weighted((none_weight, st.none()), (some_weight, strategy))


def tok(values: Strategy, kind: str = "String") -> Strategy:
    return values.map(lambda v: Tok(v, kind))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ names
KAFKA_CHARS = string.ascii_letters + string.digits + "._-"
valid_topics = st.builds(
    str.__add__, st.sampled_from(KAFKA_CHARS.replace(".", "")), st.text(KAFKA_CHARS, min_size=1, max_size=39)
)
edge_topics = st.sampled_from(
    ["a", "ab", "a" * 249, "a" * 250, ".ab", "-ab", "_ab", "a.b", "a b", "ab\n", "\nab", "top!c", "tôpic", "a/b", ""]
)
topics = weighted((17, valid_topics), (2, edge_topics), (1, tok(valid_topics)))

GROUP_CHARS = string.ascii_letters + string.digits + "-/*:_+=.@"
valid_groups = st.text(GROUP_CHARS, min_size=1, max_size=60)
edge_groups = st.sampled_from(["g" * 200, "g" * 201, "", "a b", "group\n", "grüppe", "a,b", "a#b"])
consumer_groups = weighted((10, st.none()), (8, valid_groups), (1, edge_groups), (1, tok(valid_groups)))

# ---------------------------------------------------------------------------------------- bootstrap servers
ALNUM = string.ascii_letters + string.digits
LABEL = st.builds(
    lambda first, inner, last: first + inner + last,
    st.sampled_from(ALNUM),
    st.text(ALNUM + "-", max_size=8),
    st.sampled_from(["", *ALNUM]),
).map(lambda label: label + "0" if label.endswith("-") else label)
hosts = st.lists(LABEL, min_size=1, max_size=4).map(".".join)
ports = weighted((9, st.sampled_from([9092, 9094, 9096, 443])), (1, st.integers(1, 65535)))
valid_servers = st.builds(lambda h, p: f"{h}:{p}", hosts, ports)
bad_servers = st.sampled_from(
    [
        "b_1.example.com:9092",
        "-b1.example.com:9092",
        "b1-.example.com:9092",
        "b1..example.com:9092",
        "b1.example.com.:9092",
        "b1.example.com:0",
        "b1.example.com:65536",
        "b1.example.com:99999",
        "b1.example.com:100000",
        "b1.example.com",
        "https://b1.example.com:9092",
        "b1.example.com:9092 ",
        "10.0.0.1:9092",
        "[::1]:9092",
        "b" * 296 + ".com:9092",
        "b" * 297 + ".com:9092",
    ]
)


def _server_lists() -> Strategy:
    plain = st.lists(valid_servers, min_size=1, max_size=4, unique=True)
    edge = weighted(
        (3, st.lists(valid_servers, min_size=10, max_size=11, unique=True)),
        (3, st.tuples(plain, bad_servers).map(lambda t: [*t[0], t[1]])),
        (2, plain.map(lambda s: [*s, s[0]])),  # a duplicate
        (1, st.just([])),
    )
    element_token = st.tuples(plain, tok(valid_servers.map(lambda s: "tok." + s))).map(lambda t: [*t[0], t[1]])
    return weighted(
        (16, plain.map(tuple)),
        (3, edge.map(tuple)),
        (1, element_token.map(tuple)),
        (1, tok(plain, "CommaDelimitedList")),
    )


server_lists = _server_lists()

# ------------------------------------------------------------------------------------------------ secrets
SECRET_CHARS = string.ascii_letters + string.digits + "/_+=.@-"
secret_names = weighted(
    (19, st.text(SECRET_CHARS, min_size=1, max_size=40)),
    (1, st.text(SECRET_CHARS, min_size=141, max_size=300)),  # the ARN outgrows the API's 200-char URI
)


def secrets(prefix: str = "") -> Strategy:
    imported = st.builds(
        SecretSpec,
        name=secret_names.map(lambda n: prefix + n),
        region=weighted((19, st.just("us-east-1")), (1, st.just("eu-west-1"))),
    )
    in_stack = st.builds(
        SecretSpec,
        name=secret_names.map(lambda n: prefix + n[:40]),
        in_stack=st.just(True),
        with_key=weighted((9, st.just(True)), (1, st.just(False))),
    )
    return weighted((4, imported), (1, in_stack))


SECRET_AUTH = ("scram_sha_512", "scram_sha_256", "sasl_plain", "mutual_tls")
OAUTH_VALUES = {
    "scope": weighted((6, st.just("kafka")), (1, st.just("kafka.read kafka.write")), (1, st.just("a,b"))),
    "audience": weighted((6, st.just("https://kafka.example.com")), (1, st.just("a" * 201))),
    "logical_cluster": weighted((9, st.just("lkc-abc12")), (1, st.just(Tok("lkc-abc12")))),
    "identity_pool": st.just("pool-AbC1"),
}


def oauth_auths(confluent: bool) -> Strategy:
    """KafkaAuth.oauth: Confluent Cloud mostly with its logical cluster and identity pool ids."""
    names = st.sets(st.sampled_from(sorted(OAUTH_VALUES)), max_size=4)
    if confluent:
        names = weighted((9, names.map(lambda n: n | {"logical_cluster", "identity_pool"})), (1, names))
    params = names.flatmap(lambda chosen: st.tuples(*(st.tuples(st.just(n), OAUTH_VALUES[n]) for n in sorted(chosen))))
    return st.builds(AuthSpec, mechanism=st.just("oauth"), secret=secrets(), oauth=params)


def web_identity_auths() -> Strategy:
    """KafkaAuth.iam_web_identity: mostly the audience alone; sometimes none, or another OAUTHBEARER type too (both
    refused: the API model's rule for IAM_OAUTHBEARER_AUTH)."""
    audience = st.tuples(st.just("audience"), OAUTH_VALUES["audience"] | st.just(Tok("kafka-brokers")))
    others = st.sampled_from(["scope", "logical_cluster", "identity_pool"]).flatmap(
        lambda n: st.tuples(st.just(n), OAUTH_VALUES[n])
    )
    params = weighted(
        (17, audience.map(lambda a: (a,))),
        (1, st.just(())),
        (2, st.tuples(audience, others).map(lambda t: tuple(sorted(t)))),
    )
    return st.builds(AuthSpec, mechanism=st.just("iam_web_identity"), oauth=params)


def auths(supported: tuple[str, ...], secret_prefix: str = "") -> Strategy:
    """Mostly a mechanism the source supports; sometimes any mechanism."""
    every = ("iam", *SECRET_AUTH, "iam_web_identity", "unauthenticated")
    mechanism = weighted((19, st.sampled_from(supported)), (1, st.sampled_from(every)))

    def spec(name: str) -> Strategy:
        if name in SECRET_AUTH:
            return st.builds(AuthSpec, mechanism=st.just(name), secret=secrets(secret_prefix))
        if name == "oauth":
            return oauth_auths(confluent=False)
        if name == "iam_web_identity":
            return web_identity_auths()
        return st.builds(AuthSpec, mechanism=st.just(name), tls=st.booleans())

    return mechanism.flatmap(spec)


# ------------------------------------------------------------------------------------------------ VPCs
def vpcs(many: bool) -> Strategy:
    subnets = weighted((3, st.integers(1, 3)), (1, st.integers(1, 30))) if many else st.integers(1, 3)
    sized = subnets.flatmap(
        lambda n: st.builds(
            VpcSpec,
            subnets=st.just(n),
            azs=st.sampled_from([a for a in (1, 2, 3) if n % a == 0]),
            groups=weighted((3, st.integers(1, 3)), (1, st.integers(1, 30))) if many else st.integers(1, 3),
            route_tables=weighted((19, st.just(True)), (1, st.just(False))),
        )
    )
    partial = st.builds(VpcSpec, give_vpc=st.booleans(), give_subnets=st.booleans(), groups=st.sampled_from([0, 1]))
    return weighted((19, sized), (1, partial))


# ------------------------------------------------------------------------------------------------ sources
def _msk_arns() -> Strategy:
    other_region = MSK_ARN.replace("us-east-1", "eu-west-1")
    other_account = MSK_ARN.replace(ACCOUNT, "222222222222")
    return weighted(
        (18, st.just(MSK_ARN)), (1, st.sampled_from([other_region, other_account])), (1, tok(st.just(MSK_ARN)))
    )


MSK_AUTH = ("iam", "scram_sha_512", "mutual_tls", "unauthenticated")
msk_clusters = st.builds(
    MskClusterSpec,
    enabled=st.frozensets(st.sampled_from(MSK_AUTH), max_size=3),
    client_broker=st.sampled_from(["TLS", "TLS_PLAINTEXT", "PLAINTEXT"]),
)


def _msk_sources() -> Strategy:
    by_arn = st.builds(
        SourceSpec,
        kind=st.just("msk"),
        auth=auths(MSK_AUTH, secret_prefix="AmazonMSK_"),
        arn=_msk_arns(),
        vpc=maybe(vpcs(many=False), 3, 1),
    )
    by_construct = msk_clusters.flatmap(
        lambda cluster: st.builds(
            SourceSpec,
            kind=st.just("msk"),
            auth=auths(tuple(sorted(cluster.enabled)) or ("unauthenticated",), secret_prefix="AmazonMSK_"),
            cluster=st.just(cluster),
        )
    )
    serverless = st.builds(
        SourceSpec,
        kind=st.just("msk_serverless"),
        auth=weighted((9, st.none()), (1, auths(("iam",)))),
        arn=_msk_arns(),
        vpc=maybe(vpcs(many=False), 3, 1),
    )
    owner = "222222222222"
    connection = f"arn:aws:kafka:us-east-1:{ACCOUNT}:vpc-connection/{owner}/demo/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-3"
    owner_cluster = MSK_ARN.replace(ACCOUNT, owner)
    cross_account = st.builds(
        SourceSpec,
        kind=st.just("msk_cross_account"),
        auth=auths(("iam", "scram_sha_512", "mutual_tls")),
        vpc_connection_arn=weighted(
            (9, st.just(connection)), (1, st.sampled_from([connection.replace("us-east-1", "eu-west-1"), MSK_ARN]))
        ),
        arn=weighted((9, st.just(owner_cluster)), (1, st.sampled_from([MSK_ARN, Tok(owner_cluster)]))),
    )
    return weighted((4, by_arn), (2, by_construct), (2, serverless), (1, cross_account))


SELF_MANAGED_AUTH = (
    "scram_sha_512",
    "scram_sha_256",
    "sasl_plain",
    "mutual_tls",
    "oauth",
    "iam",
    "iam_web_identity",
    "unauthenticated",
)


def _iam_cluster_arns(auth: AuthSpec) -> Strategy:
    """cluster_arn= of a self-managed cluster: with IAM mostly given (an MSK ARN, of any Region: it only scopes
    grants), sometimes a token or not a cluster ARN; with any other auth almost never (it is refused)."""
    if auth.mechanism != "iam":
        return weighted((19, st.none()), (1, st.just(MSK_ARN)))
    other_region = MSK_ARN.replace("us-east-1", "eu-west-1")
    odd = st.sampled_from([Tok(MSK_ARN), other_region, MSK_ARN.replace(":cluster/", ":topic/") + "/t"])
    return weighted((5, st.just(MSK_ARN)), (4, st.none()), (1, odd))


def _self_managed_sources() -> Strategy:
    self_managed = auths(SELF_MANAGED_AUTH).flatmap(
        lambda auth: st.builds(
            SourceSpec,
            kind=st.just("self_managed"),
            auth=st.just(auth),
            arn=_iam_cluster_arns(auth),
            servers=server_lists,
            root_ca=maybe(secrets(), 3, 1),
            vpc=maybe(vpcs(many=True), 1, 1),
        )
    )
    credentials = weighted(
        (12, st.tuples(secrets(), st.none())),
        (4, st.tuples(st.none(), oauth_auths(confluent=True))),
        (
            1,
            st.tuples(st.none(), st.none())
            | st.tuples(secrets(), oauth_auths(confluent=True))
            | st.tuples(st.none(), web_identity_auths()),
        ),
    )
    confluent = credentials.flatmap(
        lambda c: st.builds(
            SourceSpec,
            kind=st.just("confluent_cloud"),
            servers=server_lists,
            api_key=st.just(c[0]),
            auth=st.just(c[1]),
            vpc=maybe(vpcs(many=False), 5, 1),
        )
    )
    return weighted((3, self_managed), (1, confluent))


msk_sources = _msk_sources()
self_managed_sources = _self_managed_sources()
sources = weighted((1, msk_sources), (1, self_managed_sources))
SOURCE_FAMILIES: dict[str, Strategy] = {"msk": msk_sources, "self_managed": self_managed_sources}

# ------------------------------------------------------------------------------------------------ numbers
batch_sizes = weighted(
    (10, st.none()),
    (8, st.sampled_from([1, 10, 100, 500, 10_000]) | st.integers(1, 10_000)),
    (1, st.sampled_from([0, -1, 10_001, 100.5, True])),
    (1, tok(st.integers(1, 10_000), "Number")),
)
windows = weighted(
    (10, st.none()),
    (6, st.builds(Dur, st.just("seconds"), st.sampled_from([0, 1, 5, 300]) | st.integers(0, 300))),
    (2, st.sampled_from([Dur("millis", 500), Dur("millis", 1000), Dur("millis", 0), Dur("millis", 1500)])),
    (1, st.sampled_from([Dur("seconds", 301), Dur("minutes", 5), Dur("minutes", 6)])),
    (1, st.sampled_from([Dur("seconds", Tok(5, "Number")), Dur("minutes", Tok(1, "Number"))])),
)
record_ages = weighted(
    (6, st.none()),
    (3, st.sampled_from([-1, Dur("seconds", 60), Dur("hours", 6), Dur("days", 7), Dur("seconds", 604_800)])),
    (
        1,
        st.sampled_from(
            [
                Dur("seconds", 59),
                Dur("seconds", 604_801),
                Dur("seconds", 0),
                Dur("millis", 60_500),
                Dur("seconds", Tok(3600, "Number")),
                Dur("minutes", Tok(60, "Number")),
            ]
        ),
    ),
)
retry_attempts = weighted(
    (6, st.none()),
    (3, st.sampled_from([-1, 0, 5, 10_000])),
    (1, st.sampled_from([-2, 10_001, Tok(3, "Number")])),
)
PAST = 1_700_000_000
positions = weighted(
    (8, st.tuples(st.sampled_from([None, "TRIM_HORIZON", "LATEST"]), st.none())),
    (2, st.tuples(st.just("AT_TIMESTAMP"), st.sampled_from([PAST, PAST + 0.5, 1, Tok(PAST, "Number")]))),
    (
        1,
        st.sampled_from(
            [("AT_TIMESTAMP", None), ("LATEST", PAST), ("AT_TIMESTAMP", 4_102_444_800), ("AT_TIMESTAMP", 0)]
        ),
    ),
)

# ------------------------------------------------------------------------------------------------ pollers
GROUP_NAME_CHARS = string.ascii_letters + string.digits + "-_"
poller_counts_min = weighted((6, st.none()), (3, st.integers(1, 200)), (1, st.sampled_from([0, 201, Tok(2, "Number")])))
poller_counts_max = weighted(
    (6, st.none()),
    (3, st.sampled_from([1, 200, 2000]) | st.integers(1, 2000)),
    (1, st.sampled_from([0, 2001, 10_000, Tok(20, "Number")])),
)
group_names = weighted(
    (8, st.none()),
    (3, st.text(GROUP_NAME_CHARS, min_size=1, max_size=128)),
    (1, st.sampled_from(["", "g" * 129, "bad name", "a.b", Tok("shared-pollers")])),
)
pollers = weighted(
    (1, st.none()),
    (1, st.builds(PollersSpec, minimum=poller_counts_min, maximum=poller_counts_max, group_name=group_names)),
)

# ------------------------------------------------------------------------------------------------ filters
leaf_values = st.one_of(
    st.text(string.ascii_letters + string.digits, max_size=12),
    st.integers(-1000, 1000),
    st.booleans(),
    st.none(),
    st.fixed_dictionaries({"prefix": st.text(string.ascii_letters, min_size=1, max_size=8)}),
    st.fixed_dictionaries({"numeric": st.tuples(st.just(">"), st.integers(0, 100)).map(list)}),
    st.fixed_dictionaries({"exists": st.booleans()}),
)
field_names = st.text(string.ascii_lowercase, min_size=1, max_size=8)
simple_patterns = st.dictionaries(
    field_names, st.lists(leaf_values, min_size=1, max_size=3), min_size=1, max_size=3
).map(lambda fields: {"value": fields})
# {"value":{"a":[""]}} is 20 characters: these serialize to n characters, around the 4096 limit.
long_patterns = (st.sampled_from([4096, 4097]) | st.integers(4000, 4200)).map(
    lambda n: {"value": {"a": ["x" * (n - 20)]}}
)
token_leaves = st.sampled_from(
    [Tok("plain"), Tok('quote"d'), Tok("back\\slash"), Tok(5, "Number"), Tok(2.5, "Number"), Tok("any", "Resolvable")]
).map(lambda t: {"value": {"field": [t]}})


def _filter_lists() -> Strategy:
    plain = st.lists(simple_patterns, min_size=1, max_size=5, unique_by=lambda p: repr(sorted(p["value"].items())))
    return weighted(
        (14, st.none()),
        (6, plain),
        (1, st.just([])),
        (1, st.lists(simple_patterns, min_size=6, max_size=7, unique_by=repr)),
        (1, plain.map(lambda f: [*f, f[0]])),  # a duplicate
        (1, st.tuples(plain, long_patterns).map(lambda t: [*t[0][:4], t[1]])),
        (1, st.tuples(plain, token_leaves).map(lambda t: [*t[0][:4], t[1]])),
    )


filter_lists = _filter_lists().map(lambda f: tuple(f) if f is not None else None)

# ------------------------------------------------------------------------------------------------ destinations
kafka_destination_topics = weighted(
    (8, valid_topics.map(lambda t: t + "-failed")),
    (1, st.sampled_from(["abc", "abcd", "a", "kafka://orders-failed", "x" * 249, "bad topic"])),
    (1, tok(st.just("orders-failed"))),
)
kafka_destinations = st.builds(DestSpec, kind=st.just("kafka"), kafka_topic=kafka_destination_topics)
other_destinations = weighted(
    (8, st.just(DestSpec())),
    (4, st.sampled_from([DestSpec("s3"), DestSpec("s3_own"), DestSpec("sqs"), DestSpec("sqs_own"), DestSpec("sns")])),
    (
        1,
        st.builds(
            DestSpec, kind=st.just("none"), reason=st.sampled_from(["metrics only: a lost sample is fine", "no"])
        ),
    ),
)
destinations = weighted((4, other_destinations), (1, kafka_destinations))

GLUE_ARN = "arn:aws:glue:us-east-1:111111111111:registry/orders"
registry_access = st.sampled_from(
    [
        (),
        (("basic_auth", SecretSpec("registry/basic")),),
        (("client_certificate", SecretSpec("registry/cert")),),
        (("oauth", SecretSpec("registry/oauth")),),
        (("basic_auth", SecretSpec("registry/basic")), ("root_ca_certificate", SecretSpec("registry/ca"))),
        (("basic_auth", SecretSpec("registry/basic")), ("client_certificate", SecretSpec("registry/cert"))),
        (("basic_auth", SecretSpec("registry/basic", region="eu-west-1")),),
    ]
)
registries = weighted(
    (12, st.none()),
    (
        2,
        st.builds(
            RegistrySpec,
            kind=st.just("glue"),
            uri=weighted((9, st.just(GLUE_ARN)), (1, st.just("arn:aws:glue:us-east-1:111111111111:table/x"))),
            record_format=st.sampled_from(["JSON", "SOURCE"]),
            validate=st.sampled_from([("VALUE",), ("KEY",), ("KEY", "VALUE"), ("VALUE", "VALUE"), ()]),
        ),
    ),
    (
        2,
        st.builds(
            RegistrySpec,
            kind=st.just("confluent"),
            uri=weighted(
                (9, st.just("https://psrc-12345.us-east-1.aws.confluent.cloud")),
                (1, st.sampled_from(["http://registry.example.com", "https://registry.example.com/a b"])),
            ),
            record_format=st.sampled_from(["JSON", "SOURCE"]),
            access=registry_access,
        ),
    ),
)
optional_bool = st.sampled_from([None, None, True, False])
# mapping_metrics as a subset of the API's groups (EventSourceMappingMetric), in any order; and outside the enum.
metric_groups = st.lists(st.sampled_from(["EventCount", "ErrorCount", "KafkaMetrics"]), unique=True).map(tuple)
bad_metric_groups = st.sampled_from([("EventCount", "EventCount"), ("Bogus",), ("eventcount",)])


@st.composite
def configs(draw: st.DrawFn, source_strategy: Strategy = sources) -> Config:
    """One KafkaLambdaConsumer configuration from the whole public props space (sources: all, or one family)."""
    source = draw(source_strategy)
    provisioned = draw(pollers)
    self_managed = source.kind in ("self_managed", "confluent_cloud")
    mode = draw(
        weighted(
            (12, st.none()), (4 if self_managed else 0, st.just("QUEUE")), (1, st.sampled_from(["STREAM", "QUEUE"]))
        )
    )
    queue = mode == "QUEUE"
    # Queue mode takes no starting position or batching window: mostly none of them there, sometimes one.
    position, timestamp = draw(weighted((9, st.just((None, None))), (1, positions)) if queue else positions)
    filters = draw(filter_lists)
    # Provisioned-only settings mostly with provisioned mode, sometimes without (which must be refused).
    with_mode_only = provisioned is not None or draw(weighted((9, st.just(False)), (1, st.just(True))))
    return Config(
        source=source,
        topic=draw(topics),
        batch_size=draw(batch_sizes),
        window=draw(weighted((9, st.none()), (1, windows)) if queue else windows),
        starting_position=position,
        timestamp=timestamp,
        consumer_group=draw(consumer_groups),
        filters=filters,
        pollers=provisioned,
        on_failure=draw(
            destinations if provisioned is not None else weighted((19, other_destinations), (1, destinations))
        ),
        retry_attempts=draw(retry_attempts) if with_mode_only else None,
        max_record_age=draw(record_ages) if with_mode_only else None,
        bisect=draw(optional_bool) if with_mode_only else draw(st.sampled_from([None, False])),
        report=draw(optional_bool) if with_mode_only else draw(st.sampled_from([None, False])),
        enabled=draw(optional_bool),
        mapping_metrics=draw(weighted((8, optional_bool), (2, metric_groups), (1, bad_metric_groups))),
        log_level=draw(st.sampled_from([None, None, "DEBUG", "INFO", "WARN"])) if with_mode_only else None,
        monitoring=draw(weighted((9, st.just("off")), (1, st.just("default")))),
        network_access=draw(st.sampled_from([None, None, None, "existing_egress", "vpc_endpoints"])),
        filter_encryption=draw(weighted((9, st.just(False)), (1, st.just(bool(filters)))))
        if filters is not None
        else draw(weighted((49, st.just(False)), (1, st.just(True)))),
        function_timeout=draw(weighted((18, st.sampled_from([None, 60, 840])), (1, st.just(900)))),
        schema_registry=draw(registries)
        if provisioned is not None
        else draw(weighted((19, st.none()), (1, registries))),
        consumption_mode=mode,
    )
