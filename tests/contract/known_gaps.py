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

from .config import MSK_ARN, AuthSpec, Config, SourceSpec, Tok

GapKind = Literal["crash", "accepts-invalid", "refuses-valid", "wrong-reason", "template"]


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
        "passes them literally, or writes the pattern as a raw Fn::ToJsonString under the stack-wide "
        "AWS::LanguageExtensions transform (README, Known gaps: cfn-lint resolves it escaped; not deploy-verified)",
        Config(source=MSK_IAM, filters=({"value": {"field": [Tok('quote"d')]}},)),
    ),
)
