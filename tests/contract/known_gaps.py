"""Configurations the library still gets wrong, found by the contract suite, whose fix lives in modules owned by
someone else (mapping/checks.py, mapping/template.py, source/auth.py, source/msk.py, network/*).

The property suite consults this list: a failure of the gap's kind, on a configuration the gap `applies` to, whose
message matches the gap's `message` pattern, is counted as expected-to-fail instead of failing the run (each
accepted-invalid reason and each template problem must be explained on its own). `test_known_gaps_still_reproduce`
runs each gap's `repro` with no gap excused and fails once the library is fixed, so that the entry gets removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .config import MSK_ARN, AuthSpec, Config, Dur, PollersSpec, SecretSpec, SourceSpec, Tok, VpcSpec

GapKind = Literal["crash", "accepts-invalid", "refuses-valid", "template"]


@dataclass(frozen=True)
class KnownGap:
    name: str
    kind: GapKind
    message: str  # regex over the failure message (one accepted-invalid reason, one template problem, the error)
    applies: Callable[[Config], bool]
    reason: str  # what goes wrong, and what AWS says
    fix: str  # where and how to fix it
    repro: Config

    def explains(self, kind: GapKind, config: Config, message: str) -> bool:
        return kind == self.kind and re.search(self.message, message) is not None and self.applies(config)


MSK_IAM = SourceSpec(kind="msk", auth=AuthSpec("iam"), arn=MSK_ARN)


def _durations(c: Config) -> list[Dur]:
    return [d for d in (c.window, c.max_record_age) if isinstance(d, Dur)]


def _token_filter(c: Config, kind: str, *texts: str) -> bool:
    found = re.findall(r"Tok\(default=(.*?), kind='(\w+)'\)", repr(c.filters))
    return any(k == kind and (not texts or any(t in default for t in texts)) for default, k in found)


def _long_secret(c: Config) -> bool:
    s = c.source
    secrets = [x for x in (s.auth.secret if s.auth else None, s.root_ca, s.api_key) if x is not None]
    return any(len(x.arn) > 200 for x in secrets if not x.in_stack)


KNOWN_GAPS: tuple[KnownGap, ...] = (
    KnownGap(
        "secret-arn-over-200",
        "accepts-invalid",
        r"SourceAccessConfigurations\[\d+\]\.URI \(URI\): longer than the maximum length 200",
        _long_secret,
        "A secret whose ARN is longer than 200 characters (Secrets Manager names may have 512) becomes a "
        "SourceAccessConfiguration URI, which the API model caps at 200 characters: CreateEventSourceMapping "
        "rejects it at deploy (CloudFormation's schema says 200 too, but CDK's validation does not flag it).",
        "source/auth.py (_require_secret) and source/cluster.py (root CA, Confluent api_key): when secret_arn is a "
        "literal longer than limits.SOURCE_ACCESS_URI_MAX_LENGTH, raise ConfigError(prop, arn, 'Lambda takes "
        "secret ARNs of at most 200 characters (SourceAccessConfiguration.URI)', 'use a shorter secret name')",
        Config(
            source=SourceSpec(
                kind="self_managed",
                auth=AuthSpec("sasl_plain", SecretSpec("s" * 141)),
                servers=("b-1.example.com:9096",),
            )
        ),
    ),
    KnownGap(
        "token-duration-not-in-millis",
        "crash",
        r"Duration must be specified as",
        lambda c: any(isinstance(d.amount, Tok) and d.unit != "millis" for d in _durations(c) if d is c.window),
        "max_batching_window=Duration.seconds(token) is valid (CloudFormation gets the parameter as is), but "
        "_check_batching_window calls window.to_milliseconds() first, which CDK cannot do for a token in seconds "
        "(RuntimeError 'Duration must be specified as Duration.millis()'); Duration.minutes(token) crashes the same "
        "way instead of raising ConfigError.",
        "mapping/checks.py _check_batching_window: read a token Duration with to_seconds() inside try/except "
        "(RuntimeError -> ConfigError('max_batching_window', ..., 'a token duration must be Duration.seconds(token)', "
        "'pass Duration.seconds(token)')), before calling to_milliseconds() on literal durations only",
        Config(source=MSK_IAM, window=Dur("seconds", Tok(5, "Number"))),
    ),
    KnownGap(
        "record-age-not-whole-seconds",
        "crash",
        r"cannot be converted into a whole number of seconds",
        lambda c: isinstance(c.max_record_age, Dur) and isinstance(c.max_record_age.seconds(), float),
        "max_record_age=Duration.millis(60_500) (not whole seconds) crashes: _check_record_age calls "
        "age.to_seconds(), which raises RuntimeError for a fractional number of seconds, before its own whole-seconds "
        "check can raise the ConfigError it has for that case.",
        "mapping/checks.py _check_record_age: seconds = age.to_milliseconds() / 1000 for literal durations (as "
        "_check_batching_window does), then the existing whole-seconds ConfigError",
        Config(source=MSK_IAM, pollers=PollersSpec(), max_record_age=Dur("millis", 60_500)),
    ),
    KnownGap(
        "token-record-age-not-in-seconds",
        "crash",
        r"Duration must be specified as",
        lambda c: (
            isinstance(c.max_record_age, Dur)
            and isinstance(c.max_record_age.amount, Tok)
            and c.max_record_age.unit != "seconds"
        ),
        "max_record_age=Duration.minutes(token) crashes in to_seconds() (RuntimeError) instead of a ConfigError.",
        "mapping/checks.py _check_record_age: catch CDK's conversion error and raise ConfigError('max_record_age', "
        "..., 'a token duration must be Duration.seconds(token)', 'pass Duration.seconds(token)')",
        Config(source=MSK_IAM, pollers=PollersSpec(), max_record_age=Dur("minutes", Tok(60, "Number"))),
    ),
    KnownGap(
        "filter-string-token-not-escaped",
        "template",
        r"FilterCriteria",
        lambda c: _token_filter(c, "String", '"', "\\\\"),
        "A filter holding a string token goes through Stack.to_json_string, which writes the parameter's value into "
        "the JSON text with Fn::Join: CloudFormation cannot JSON-escape it at deploy, so a value holding a quote or a "
        "backslash makes an invalid pattern (CreateEventSourceMapping: 'Invalid filter pattern definition').",
        "mapping/filters.py or template.py: say so (a warning on string tokens in filters: 'the value must not "
        "contain \" or \\'), or reject string tokens inside filter values; number tokens are safe",
        Config(source=MSK_IAM, filters=({"value": {"field": [Tok('quote"d')]}},)),
    ),
    KnownGap(
        "queue-mode-flagged-by-cdk-validation",
        "template",
        r"SelfManagedKafkaEventSourceConfig\.ConsumptionMode: Additional properties are not allowed",
        lambda c: c.consumption_mode == "QUEUE",
        "consumption_mode=QUEUE writes SelfManagedKafkaEventSourceConfig.ConsumptionMode, which the API model and "
        "CloudFormation's current schema (cfn-lint 1.58) have, but the schema bundled with CDK 2.275's template "
        "validation does not: every queue-mode consumer gets a 'CloudFormation-Validate::F3002' finding (a warning; "
        "an error with @aws-cdk/core:validateAgainstDefaultRules).",
        "mapping/template.py, in queue mode: Validations.of(cfn).acknowledge(Acknowledgment(id='CloudFormation-"
        "Validate::F3002', reason='ConsumptionMode is in the Lambda API model and the current CloudFormation schema; "
        "CDK 2.275 bundles an older one')), or a CDK version whose bundled schema has it",
        Config(
            source=SourceSpec(
                kind="self_managed",
                auth=AuthSpec("sasl_plain", SecretSpec("kafka/credentials")),
                servers=("b-1.example.com:9096",),
            ),
            consumption_mode="QUEUE",
        ),
    ),
    KnownGap(
        "imported-vpc-without-route-tables",
        "crash",
        r"routeTableId",
        lambda c: c.source.vpc is not None and not c.source.vpc.route_tables,
        "A VPC imported with Vpc.from_vpc_attributes without route table ids, an S3 failure destination (the default) "
        "and the default network access: the S3 gateway endpoint needs the subnets' route tables, and CDK raises "
        "RuntimeError 'Of property Object.routeTableId: Unable to serialize value as string' from deep inside.",
        "network/endpoints.py, before adding the S3 gateway endpoint: if a selected subnet's route_table is None or "
        "its route_table_id is None, raise ConfigError('vpc', <vpc path>, 'the imported subnets have no route table "
        "ids, which an S3 gateway endpoint needs', 'import the VPC with private_subnet_route_table_ids=[...], or pass "
        "network_access=NetworkAccess.existing_egress()')",
        Config(
            source=SourceSpec(kind="msk_serverless", arn=MSK_ARN, vpc=VpcSpec(subnets=1, azs=1, route_tables=False))
        ),
    ),
    KnownGap(
        "oauth-scope-with-spaces",
        "refuses-valid",
        r"KafkaAuth\.oauth\(\w+\)=.*the API takes",
        lambda c: c.source.auth is not None and any(" " in str(v) for _, v in c.source.auth.oauth),
        "KafkaAuth.oauth(scope='kafka.read kafka.write') is refused, but OAuth scopes are space-separated lists "
        "(RFC 6749, section 3.3) and the API model's URI pattern ([ a-zA-Z0-9-\\/*:_+=.@-]*) includes the space "
        "for exactly that; CloudFormation's (unanchored) pattern does not constrain it.",
        "limits.py: ACCESS_URI_PATTERN = SOURCE_ACCESS_URI_PATTERN (the API's pattern, space included); source/auth.py "
        "_check_access_uri message: '... letters, digits, spaces and -/*:_+=.@'; tests/test_surface.py:183 must then "
        "use a value outside the API pattern (e.g. scope='a,b') instead of 'has space'",
        Config(
            source=SourceSpec(
                kind="self_managed",
                auth=AuthSpec("oauth", SecretSpec("kafka/oauth"), oauth=(("scope", "kafka.read kafka.write"),)),
                servers=("b-1.example.com:9096",),
            )
        ),
    ),
)
