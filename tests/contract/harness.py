"""Judge many configurations per app: construct each in its own scope (phase A), synthesize once, judge every
accepted mapping (phase B).

Phase A, per example (inside hypothesis, so a failure shrinks): a configuration the model and the rules call
invalid must raise ConfigError at construction, naming a property one of the judge's reasons is about (reasons.py:
the right exception for the wrong rule fails), a valid one must construct, and nothing may raise anything else.
Phase B, per batch (CDK's template validation costs seconds the first time in a process, then milliseconds): the
synthesized mapping, turned back into API parameters, must pass the model and equal the expected request, and CDK's
CloudFormation-schema validation must report nothing on what the library made. Phase B failures are collected, not
raised inside hypothesis, and reported with the configuration that produced them.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from constructs import Construct

from constructs_kafka_lambda import ConfigError, KafkaLambdaConsumer

from .api_model import judge
from .build import FIXTURE, Fixtures, build
from .config import ACCOUNT, REGION, Config
from .expected import differences, expected_request
from .from_template import request_from_template
from .known_gaps import KNOWN_GAPS, GapKind, KnownGap
from .reasons import refused_for_a_judged_reason
from .rules import verdict


class ContractFailure(AssertionError):
    """The library broke the contract on one configuration."""


@dataclass
class Accepted:
    config: Config
    consumer: KafkaLambdaConsumer
    stack: cdk.Stack
    path: str


@dataclass
class Tally:
    """What a run saw: how many examples were valid, refused, accepted, and which known gaps they hit."""

    valid: int = 0
    invalid: int = 0
    known: dict[str, int] = field(default_factory=dict)
    access_types: set[str] = field(default_factory=set)

    def hit(self, gap: KnownGap) -> None:
        self.known[gap.name] = self.known.get(gap.name, 0) + 1


class Run:
    """A run of examples over apps of `per_stack` x `stacks_per_app` consumers."""

    def __init__(
        self,
        *,
        per_stack: int = 20,
        stacks_per_app: int = 10,
        gaps: tuple[KnownGap, ...] = KNOWN_GAPS,
        collect: bool = False,
    ) -> None:
        self.collect = collect  # record phase A failures instead of raising (exploration, repro checks)
        self.per_stack = per_stack
        self.stacks_per_app = stacks_per_app
        self.gaps = gaps
        self.tally = Tally()
        self.failures: list[str] = []
        self._app: cdk.App | None = None
        self._stack: cdk.Stack | None = None
        self._fixtures: Fixtures | None = None
        self._in_stack = 0
        self._stacks = 0
        self._examples = 0
        self._accepted: list[Accepted] = []
        self._ignored: list[str] = []
        # Poller groups of the current app: name -> [(VPC, maximum pollers)] of the consumers in it.
        self._groups: dict[str, list[tuple[str | None, int]]] = {}

    # ------------------------------------------------------------------------------------------- phase A
    def check(self, config: Config) -> None:
        """Construct `config`; raise ContractFailure when the outcome contradicts the verdict."""
        stack, fixtures = self._next_stack()
        reasons = verdict(config) + self._poller_group_reasons(config, stack)
        self._examples += 1
        scope_id = f"E{self._examples}"
        scope = Construct(stack, scope_id)
        try:
            consumer = build(scope, config, fixtures)
        except ConfigError as error:
            stack.node.try_remove_child(scope_id)
            self.tally.invalid += 1
            if not reasons and not self._excused("refuses-valid", config, str(error)):
                self._fail(f"refused a valid configuration: {error}", config)
            elif reasons and not refused_for_a_judged_reason(reasons, error):
                # Refused, but for a reason the judge does not give: the right exception for the wrong rule.
                if not self._excused("wrong-reason", config, str(error)):
                    self._fail(
                        f"refused for another reason than the judge's: {error.prop}: {error}\n  judge: "
                        + "\n  judge: ".join(reasons),
                        config,
                    )
            return
        except Exception as error:  # any other exception is the failure under test
            stack.node.try_remove_child(scope_id)
            message = f"raised {type(error).__name__} instead of ConfigError: {_first_line(error)}"
            # A half-built consumer may linger in app-wide state (e.g. poller groups): go on in a new app.
            self._stacks, self._in_stack = self.stacks_per_app, self.per_stack
            if not self._excused("crash", config, message):
                self._fail(message, config)
            return
        if reasons:
            # Kept (shared resources such as the dashboard may refer to it), but not judged after synthesis.
            self._ignored.append(scope.node.path + "/")
            self._join_poller_group(config, stack)
            unexplained = [r for r in reasons if not self._excused("accepts-invalid", config, r)]
            if unexplained:
                self._fail("accepted an invalid configuration:\n  " + "\n  ".join(unexplained), config)
            return
        self.tally.valid += 1
        self._accepted.append(Accepted(config, consumer, stack, scope.node.path))
        self._join_poller_group(config, stack)

    # ------------------------------------------------------------------------------- rules across consumers
    def _poller_group(self, config: Config, stack: cdk.Stack) -> tuple[str, str | None, int] | None:
        pollers = config.pollers
        if pollers is None or not isinstance(pollers.group_name, str):
            return None
        vpc = config.source.vpc
        vpc_key = f"{stack.node.path}/{vpc.subnets}x{vpc.azs}{vpc.route_tables}" if vpc and vpc.give_vpc else None
        maximum = 200 if pollers.maximum is None else pollers.maximum
        return pollers.group_name, vpc_key, maximum if isinstance(maximum, int) else 0

    def _poller_group_reasons(self, config: Config, stack: cdk.Stack) -> list[str]:
        """Lambda guide, provisioned mode (poller groups): <= 100 mappings, one VPC, maximum pollers add up to
        <= 2000, across every consumer of the app that names the group."""
        member = self._poller_group(config, stack)
        if member is None:
            return []
        name, vpc, maximum = member
        members = [*self._groups.get(name, []), (vpc, maximum)]
        reasons = []
        if len({v for v, _ in members if v is not None}) > 1:
            reasons.append(f"poller-group: {name!r} would span two VPCs")
        if len(members) > 100:
            reasons.append(f"poller-group: {name!r} would hold {len(members)} mappings")
        if sum(m for _, m in members) > 2000:
            reasons.append(f"poller-group: {name!r} maximum pollers would add up to {sum(m for _, m in members)}")
        return reasons

    def _join_poller_group(self, config: Config, stack: cdk.Stack) -> None:
        member = self._poller_group(config, stack)
        if member is not None:
            self._groups.setdefault(member[0], []).append(member[1:])

    def _excused(self, kind: GapKind, config: Config, message: str) -> bool:
        """Whether a known gap explains this failure (then it is counted, not raised)."""
        gap = next((g for g in self.gaps if g.explains(kind, config, message)), None)
        if gap is not None:
            self.tally.hit(gap)
        return gap is not None

    def _fail(self, message: str, config: Config) -> None:
        if self.collect:
            self.failures.append(f"{message}\nconfiguration: {config!r}")
            return
        raise ContractFailure(f"{message}\nconfiguration: {config!r}")

    def _next_stack(self) -> tuple[cdk.Stack, Fixtures]:
        if self._stack is None or self._in_stack >= self.per_stack:
            if self._app is None or self._stacks >= self.stacks_per_app:
                self.flush()
                outdir = tempfile.mkdtemp(prefix="ckl-contract-")
                self._app = cdk.App(context={"aws:cdk:bundling-stacks": []}, outdir=outdir)
                self._groups = {}
                self._stacks = 0
            self._stacks += 1
            env = cdk.Environment(account=ACCOUNT, region=REGION)
            self._stack = cdk.Stack(self._app, f"Contract{self._stacks}", env=env)
            self._fixtures = Fixtures(self._stack)
            self._in_stack = 0
        self._in_stack += 1
        assert self._fixtures is not None
        return self._stack, self._fixtures

    # ------------------------------------------------------------------------------------------- phase B
    def flush(self) -> None:
        """Synthesize the current app and judge every accepted mapping in it."""
        app, accepted, ignored = self._app, self._accepted, tuple(self._ignored)
        self._app, self._stack, self._accepted, self._ignored = None, None, [], []
        if app is None:
            return
        try:
            if accepted:
                self._judge_app(app, accepted, ignored)
        finally:
            shutil.rmtree(app.outdir, ignore_errors=True)

    def _judge_app(self, app: cdk.App, accepted: list[Accepted], ignored: tuple[str, ...]) -> None:
        try:
            app.synth()
        except Exception as error:
            self.failures.append(f"synth of {len(accepted)} accepted configurations failed: {_first_line(error)}")
            return
        findings = _findings(Path(app.outdir))
        examples = tuple(item.path + "/" for item in accepted) + ignored
        for path, finding in findings:
            if f"/{FIXTURE}" not in path and not (path + "/").startswith(examples) and path.count("/") > 0:
                self.failures.append(f"CDK template validation on a shared resource {path}: {finding}")
        templates: dict[str, dict[str, Any]] = {}
        for item in accepted:
            name = item.stack.artifact_id
            if name not in templates:
                templates[name] = json.loads((Path(app.outdir) / f"{name}.template.json").read_text())
            for problem in self._judge_template(item, templates[name], findings):
                if not self._excused("template", item.config, problem):
                    self.failures.append(f"{problem}\nconfiguration: {item.config!r}")

    def _judge_template(self, item: Accepted, template: dict[str, Any], findings: list[tuple[str, str]]) -> list[str]:
        logical_id = item.stack.resolve(item.stack.get_logical_id(item.consumer.cfn_mapping))
        actual = request_from_template(template, logical_id)
        for access in actual.get("SourceAccessConfigurations", []):
            self.tally.access_types.add(str(access.get("Type")))
        problems = [f"the API model rejects the synthesized mapping: {v}" for v in judge(actual)]
        expected = expected_request(item.config, resolve_tokens=True)
        problems += [f"the mapping differs from the request asked for: {d}" for d in differences(expected, actual)]
        prefix = item.path + "/"
        problems += [
            f"CDK template validation: {finding}"
            for path, finding in findings
            if (path + "/").startswith(prefix) and f"/{FIXTURE}/" not in path[len(prefix) - 1 :] + "/"
        ]
        return problems


def _findings(outdir: Path) -> list[tuple[str, str]]:
    """(construct path, "rule: description") of every violation in CDK's validation report."""
    report = outdir / "validation-report.json"
    if not report.exists():
        return []
    data = json.loads(report.read_text())
    return [
        (construct.get("constructPath", ""), f"{violation['ruleName']}: {violation.get('description', '')}")
        for plugin in data.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        for construct in violation.get("violatingConstructs", violation.get("violatingResources", []))
    ]


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:400] if text else repr(error)
