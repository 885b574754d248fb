"""Random configurations over the whole public props space, judged by AWS's API model and documented rules.

Invalid -> ConfigError at construction (never a jsii error, RuntimeError or TypeError). Valid -> it constructs, and
the synthesized mapping, turned back into API parameters, passes the model, equals the request asked for, and
CDK's CloudFormation-schema validation reports nothing on what the library made.

Many consumers share one app (see harness.Run): the default profile judges 200 random configurations plus the
boundary tour in a few seconds; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) judges 10,000 random ones.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from constructs_kafka_lambda import ConfigError

from .boundaries import BOUNDARIES
from .config import Config
from .conftest import contract_settings
from .harness import Run
from .known_gaps import KNOWN_GAPS, KnownGap
from .reasons import API_PROPS, RULE_PROPS, refused_for_a_judged_reason
from .rules import RULES
from .strategies import SOURCE_FAMILIES, configs


def _report(run: Run) -> str:
    return f"{len(run.failures)} configuration(s) break the contract:\n\n" + "\n\n".join(run.failures[:20])


@pytest.mark.parametrize("family", sorted(SOURCE_FAMILIES))
def test_random_configurations_keep_the_contract(family: str) -> None:
    run = Run()
    profile = contract_settings()

    @settings(profile, max_examples=max(1, profile.max_examples // len(SOURCE_FAMILIES)))
    @given(configs(SOURCE_FAMILIES[family]))
    def construct(config: Config) -> None:
        run.check(config)

    construct()
    run.flush()
    assert not run.failures, _report(run)
    assert run.tally.valid >= profile.max_examples // 10, f"too few valid configurations were synthesized: {run.tally}"


def test_every_boundary_keeps_the_contract() -> None:
    run = Run(collect=True)
    for config in BOUNDARIES:
        run.check(config)
    run.flush()
    assert not run.failures, _report(run)
    # The tour reaches both outcomes, and every SourceAccessType the library writes for these sources.
    assert run.tally.valid > 40 and run.tally.invalid > 40, run.tally
    assert run.tally.access_types == {
        "IAM_AUTH",
        "IAM_OAUTHBEARER_AUTH",
        "OAUTHBEARER_AUDIENCE",
        "BASIC_AUTH",
        "SASL_SCRAM_512_AUTH",
        "SERVER_ROOT_CA_CERTIFICATE",
        "VPC_SUBNET",
        "VPC_SECURITY_GROUP",
    }


@pytest.mark.parametrize("gap", KNOWN_GAPS, ids=lambda gap: gap.name)
def test_known_gaps_still_reproduce(gap: KnownGap) -> None:
    """Each known gap's repro still fails the way it says; once the library is fixed, remove it from known_gaps."""
    strict = Run(gaps=(), collect=True)
    strict.check(gap.repro)
    strict.flush()
    assert strict.failures, f"{gap.name} no longer reproduces: remove it from tests/contract/known_gaps.py"
    excused = Run(gaps=(gap,), collect=True)
    excused.check(gap.repro)
    excused.flush()
    assert not excused.failures, f"{gap.name} does not explain its own repro:\n" + "\n".join(excused.failures)
    assert excused.tally.known.get(gap.name), excused.tally


def test_every_rule_of_the_judge_says_which_property_a_refusal_names() -> None:
    """reasons.py maps every rule (and the harness's poller-group rule) to the props that state it."""
    assert {rule.name for rule in RULES} | {"poller-group"} == set(RULE_PROPS)
    assert all(RULE_PROPS.values()) and all(API_PROPS.values())


def test_a_refusal_for_the_wrong_rule_fails_the_contract() -> None:
    """The harness cannot pass a refusal for the wrong reason: an invalid batch size refused as a topic error."""
    reasons = ["API model: CreateEventSourceMapping.BatchSize (BatchSize): below the minimum 1; got 0"]
    assert refused_for_a_judged_reason(reasons, ConfigError("batch_size", 0, "range", "fix"))
    assert not refused_for_a_judged_reason(reasons, ConfigError("topic", "x", "pattern", "fix"))
    assert not refused_for_a_judged_reason(["a-rule-nobody-mapped: why"], ConfigError("topic", "x", "r", "f"))
