"""Configurations the library still gets wrong (or cannot get right), found by the contract suite, whose fix lives in
modules owned by someone else (mapping/checks.py, mapping/template.py, source/*, network/*).

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

from .config import MSK_ARN, AuthSpec, Config, PollersSpec, RegistrySpec, SecretSpec, SourceSpec, Tok

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


def _token_filter(c: Config, kind: str, *texts: str) -> bool:
    found = re.findall(r"Tok\(default=(.*?), kind='(\w+)'\)", repr(c.filters))
    return any(k == kind and (not texts or any(t in default for t in texts)) for default, k in found)


KNOWN_GAPS: tuple[KnownGap, ...] = (
    KnownGap(
        "filter-string-token-not-escaped",
        "template",
        r"FilterCriteria",
        lambda c: _token_filter(c, "String", '"', "\\\\"),
        "A limitation rather than a bug: a filter holding a string token goes through Stack.to_json_string, which "
        "writes the parameter's value into the JSON text with Fn::Join; CloudFormation cannot JSON-escape it at "
        "deploy, so a value holding a quote or a backslash makes an invalid pattern ('Invalid filter pattern "
        "definition'). The library warns about it (since 7783e4a); number tokens are safe.",
        "none in the library beyond the warning (the value is unknown at synth); a user who needs such values "
        "passes them literally",
        Config(source=MSK_IAM, filters=({"value": {"field": [Tok('quote"d')]}},)),
    ),
    KnownGap(
        "queue-mode-infinite-retries",
        "accepts-invalid",
        r"MaximumRetryAttempts -1 is not supported in queue mode",
        lambda c: c.consumption_mode == "QUEUE" and c.retry_attempts == -1,
        "consumption_mode=QUEUE with retry_attempts=-1 is accepted and written, but the API model documents "
        "MaximumRetryAttempts: 'For Kafka event source mappings with ConsumptionMode set to Queue, the value -1 "
        "(infinite retries) is not supported and the default is 0 (no retries)'.",
        "mapping/checks.py, with the other queue-mode rules (_check_consumption_mode): raise ConfigError("
        "'retry_attempts', -1, 'queue mode does not support infinite retries (API: MaximumRetryAttempts)', 'pass "
        "0-10000; Lambda releases failed records back to the share group')",
        Config(
            source=SourceSpec(
                kind="self_managed",
                auth=AuthSpec("sasl_plain", SecretSpec("kafka/credentials")),
                servers=("b-1.example.com:9096",),
            ),
            pollers=PollersSpec(),
            consumption_mode="QUEUE",
            retry_attempts=-1,
        ),
    ),
    KnownGap(
        "cross-account-vpc-connection-region",
        "accepts-invalid",
        r"msk-cross-account: VPC connection in [a-z0-9-]+, function in",
        lambda c: c.source.kind == "msk_cross_account",
        "KafkaCluster.msk_cross_account with a VPC connection ARN in another Region than the function's stack is "
        "accepted: the placement check reads the owner's cluster ARN only, but the mapping's EventSourceArn is the "
        "VPC connection, which Lambda reads in the function's own Region (as every event source).",
        "mapping/checks.py _check_placement: add ('VPC connection', cluster.vpc_connection_arn) to the ARNs whose "
        "Region must be the stack's",
        Config(
            source=SourceSpec(
                kind="msk_cross_account",
                auth=AuthSpec("iam"),
                arn=MSK_ARN.replace("111111111111", "222222222222"),
                vpc_connection_arn="arn:aws:kafka:eu-west-1:111111111111:vpc-connection/222222222222/demo/0a1b-3",
            )
        ),
    ),
    KnownGap(
        "schema-registry-secret-region",
        "accepts-invalid",
        r"placement: secret in [a-z0-9-]+, function in",
        lambda c: (
            c.schema_registry is not None
            and any(secret.region != "us-east-1" for _, secret in c.schema_registry.access)
        ),
        "SchemaRegistry.confluent(..., basic_auth=<a secret in another Region>) is accepted: the placement check "
        "reads the cluster's secrets only. Lambda documents that the cluster's secrets must be in the function's "
        "Region; the pollers read the registry's secrets the same way (GetSecretValue on the Region's endpoint), so "
        "the same rule is assumed here (inferred, not stated for registries).",
        "mapping/checks.py _check_placement: include spec.schema_registry.secrets in the ARNs whose Region must be "
        "the stack's",
        Config(
            source=MSK_IAM,
            pollers=PollersSpec(),
            schema_registry=RegistrySpec(
                "confluent",
                "https://psrc-12345.us-east-1.aws.confluent.cloud",
                access=(("basic_auth", SecretSpec("registry/basic", region="eu-west-1")),),
            ),
        ),
    ),
)
