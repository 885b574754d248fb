"""AWS's machine-readable models as the judge: botocore's Lambda service model and CloudFormation's resource schema.

`judge(request)` checks CreateEventSourceMapping parameters against the input shape the way the service does:
string lengths and patterns (the WHOLE string must match, as Java's `String.matches`), integer ranges and types,
list and map sizes, enums, unknown and required members. botocore's own ParamValidator checks only minimums, so the
judge is written over the shape metadata here. It also applies the rules the model states in words for
SourceAccessConfiguration types (which type requires which, which omits its URI, which refuses the other
OAUTHBEARER types), read from the model's own documentation by `access_type_rules`.

Values known only at deploy (a resource's ARN, a function name) are `UNKNOWN` and not judged.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

OPERATION = "CreateEventSourceMapping"
CFN_TYPE = "AWS::Lambda::EventSourceMapping"


class _Unknown:
    """A value CloudFormation only knows at deploy time (Ref/GetAtt of a resource): never judged."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class Violation:
    """One rule of the model a value breaks."""

    path: str
    shape: str
    rule: str
    value: Any

    def __str__(self) -> str:
        shown = repr(self.value)
        shown = shown if len(shown) <= 120 else shown[:117] + "..."
        return f"{self.path} ({self.shape}): {self.rule}; got {shown}"


# ---------------------------------------------------------------------------------------------- the API model
@cache
def lambda_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("lambda")


def request_shape() -> StructureShape:
    shape = lambda_model().operation_model(OPERATION).input_shape
    assert isinstance(shape, StructureShape)
    return shape


def shape_at(path: str) -> Shape:
    """The shape at a dotted path under the request: member names, and `member` (list item), `key`, `value`."""
    shape: Shape = request_shape()
    for part in path.split(".") if path else []:
        if isinstance(shape, ListShape) and part == "member":
            shape = shape.member
        elif isinstance(shape, MapShape) and part in ("key", "value"):
            shape = shape.key if part == "key" else shape.value
        elif isinstance(shape, StructureShape) and part in shape.members:
            shape = shape.members[part]
        else:
            raise KeyError(f"{OPERATION} input has no {part!r} under {shape.name} (path {path!r})")
    return shape


def facet(path: str, name: str) -> Any:
    """A constraint of the shape at `path`: min, max, pattern or enum (None when the model sets none)."""
    shape = shape_at(path)
    if name == "enum":
        return list(getattr(shape, "enum", []) or []) or None
    return shape.metadata.get(name)


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """A model pattern as Java applies it: whole string, ASCII \\d \\w \\s."""
    return re.compile(rf"\A(?:{pattern})\Z", re.ASCII)


# ------------------------------------------------------------------------------------------------- the judge
def judge(request: dict[str, Any]) -> list[Violation]:
    """Every way `request` breaks the CreateEventSourceMapping input shape, or its access types' documented rules."""
    found: list[Violation] = []
    _judge(request, request_shape(), OPERATION, found)
    access = request.get("SourceAccessConfigurations")
    if isinstance(access, list):
        found += _judge_access_types(access)
    return found


# ------------------------------------------------------------------- SourceAccessType rules, from the model's words
@dataclass(frozen=True)
class AccessTypeRules:
    """What the model's documentation of SourceAccessConfiguration.Type says of each type, beyond its enum."""

    requires: dict[str, frozenset[str]]  # type -> one of these types must be present ("This type requires X or Y")
    omit_uri: frozenset[str]  # "Omit the URI field for this type"
    exclusive: dict[str, str]  # type -> prefix of the types it "does not support" ("the other OAUTHBEARER types")


@cache
def access_type_rules() -> AccessTypeRules:
    """Parse each `<li>` of the Type member's documentation: `<code>TYPE</code> (dash) ... This type requires <code>A</code>
    [or <code>B</code>] [and does not support the other <code>P</code> types]. ... Omit the <code>URI</code> field`."""
    shape = shape_at("SourceAccessConfigurations.member")
    assert isinstance(shape, StructureShape)
    text = shape.members["Type"].documentation
    requires: dict[str, frozenset[str]] = {}
    omit_uri: set[str] = set()
    exclusive: dict[str, str] = {}
    for item in re.findall(r"<li>(.*?)</li>", text, re.S):
        named = re.match(r"\s*<p>\s*<code>([A-Z0-9_]+)</code>", item)
        if named is None:
            continue
        kind = named[1]
        sentence = re.search(r"This type requires (.*?)(?:\.\s*(?:</p>|$)|\.\s+[A-Z])", item, re.S)
        if sentence:
            clause = sentence[1].split(" and does not support")[0]
            requires[kind] = frozenset(re.findall(r"<code>([A-Z0-9_]+)</code>", clause))
            other = re.search(r"does not support the other <code>([A-Z0-9_]+)</code> types", sentence[1])
            if other:
                exclusive[kind] = other[1]
        if re.search(r"Omit the <code>URI</code> field", item):
            omit_uri.add(kind)
    return AccessTypeRules(requires, frozenset(omit_uri), exclusive)


def _judge_access_types(access: list[Any]) -> list[Violation]:
    rules = access_type_rules()
    types = [a.get("Type") for a in access if isinstance(a, dict)]
    found: list[Violation] = []
    path = f"{OPERATION}.SourceAccessConfigurations"
    for i, item in enumerate(access):
        kind = item.get("Type") if isinstance(item, dict) else None
        if not isinstance(kind, str):
            continue
        where = f"{path}[{i}]"
        needed = rules.requires.get(kind)
        if needed and not needed & set(types):
            found.append(Violation(where, "SourceAccessType", f"{kind} requires {' or '.join(sorted(needed))}", kind))
        if kind in rules.omit_uri and "URI" in item:
            found.append(Violation(where, "SourceAccessType", f"the URI of {kind} must be omitted", item["URI"]))
        prefix = rules.exclusive.get(kind)
        if prefix is not None:
            allowed = rules.requires.get(kind, frozenset())
            others = sorted({t for t in types if isinstance(t, str) and t.startswith(prefix)} - allowed - {kind})
            if others:
                found.append(Violation(where, "SourceAccessType", f"{kind} does not support {others}", kind))
    return found


def _judge(value: Any, shape: Shape, path: str, found: list[Violation]) -> None:
    if value is UNKNOWN:
        return
    kind = shape.type_name

    def bad(rule: str) -> None:
        found.append(Violation(path, shape.name, rule, value))

    if kind == "structure":
        _judge_structure(value, shape, path, found)
    elif kind == "list":
        if not isinstance(value, list):
            return bad("expected a list")
        _judge_size(value, shape, bad, "items")
        for i, item in enumerate(value):
            _judge(item, shape.member, f"{path}[{i}]", found)  # type: ignore[attr-defined]
    elif kind == "map":
        if not isinstance(value, dict):
            return bad("expected a map")
        _judge_size(value, shape, bad, "entries")
        for key, item in value.items():
            _judge(key, shape.key, f"{path}.<key>", found)  # type: ignore[attr-defined]
            _judge(item, shape.value, f"{path}[{key!r}]", found)  # type: ignore[attr-defined]
    elif kind == "string":
        _judge_string(value, shape, bad)
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return bad("expected an integer")
        _judge_range(value, shape, bad)
    elif kind == "boolean":
        if not isinstance(value, bool):
            bad("expected a boolean")
    elif kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, int | float | datetime.datetime):
            bad("expected a timestamp")
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            bad("expected a number")


def _judge_structure(value: Any, shape: Shape, path: str, found: list[Violation]) -> None:
    assert isinstance(shape, StructureShape)
    if not isinstance(value, dict):
        found.append(Violation(path, shape.name, "expected a structure", value))
        return
    for name in shape.required_members:
        if name not in value:
            found.append(Violation(f"{path}.{name}", shape.name, "required member missing", None))
    for name, item in value.items():
        if name not in shape.members:
            found.append(Violation(f"{path}.{name}", shape.name, "not a member of the shape", item))
        else:
            _judge(item, shape.members[name], f"{path}.{name}", found)


def _judge_string(value: Any, shape: Shape, bad: Any) -> None:
    if not isinstance(value, str):
        return bad("expected a string")
    meta = shape.metadata
    if "min" in meta and len(value) < meta["min"]:
        bad(f"shorter than the minimum length {meta['min']}")
    if "max" in meta and len(value) > meta["max"]:
        bad(f"longer than the maximum length {meta['max']}")
    enum = getattr(shape, "enum", None)
    if enum and value not in enum:
        bad(f"not one of {enum}")
    if "pattern" in meta and not compiled(meta["pattern"]).match(value):
        bad(f"does not match the pattern {meta['pattern']}")


def _judge_range(value: int, shape: Shape, bad: Any) -> None:
    meta = shape.metadata
    if "min" in meta and value < meta["min"]:
        bad(f"below the minimum {meta['min']}")
    if "max" in meta and value > meta["max"]:
        bad(f"above the maximum {meta['max']}")


def _judge_size(value: list[Any] | dict[Any, Any], shape: Shape, bad: Any, what: str) -> None:
    meta = shape.metadata
    if "min" in meta and len(value) < meta["min"]:
        bad(f"fewer than {meta['min']} {what}")
    if "max" in meta and len(value) > meta["max"]:
        bad(f"more than {meta['max']} {what}")


# -------------------------------------------------------------------------------- the CloudFormation schema
@cache
def cfn_schema() -> dict[str, Any]:
    """AWS::Lambda::EventSourceMapping's resource schema as cfn-lint ships it (us-east-1 provider data)."""
    schemas = resources.files("cfnlint.data.schemas")
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    schema: dict[str, Any] = json.loads((schemas / "resources" / f"{index[CFN_TYPE]}.json").read_text())
    assert schema["typeName"] == CFN_TYPE
    return schema


def cfn_property(path: str) -> dict[str, Any]:
    """The schema of a property at a dotted path (`items` for array items), with $ref followed."""
    schema = cfn_schema()
    node: dict[str, Any] = {"properties": schema["properties"], "type": "object"}
    for part in path.split("."):
        node = node["items"] if part == "items" else node["properties"][part]
        while "$ref" in node:
            node = schema["definitions"][node["$ref"].rsplit("/", 1)[1]]
    return node
