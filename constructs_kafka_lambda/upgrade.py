"""Upgrades and edits that replace nothing by surprise: records of logical ids and replacement-sensitive properties.

A *record* says, for each resource of a synthesized cloud assembly (`cdk.out`), what an upgrade or an edit could
replace: its logical id, its type, its construct path, and the properties that cannot change in place. For a Kafka
event source mapping those are `MAPPING_REPLACEMENT_PROPERTIES`. A replaced mapping is created anew (before the old
one is deleted): with an explicit consumer group kept it competes with the old mapping for that group during the
deploy, and with a new group (or the default, the mapping's UUID) it starts again from its starting position.

Two users of the same record and comparison:
- the library's own tests (`tests/upgrade/`) synthesize representative consumers and compare them with the record
  of the last release: a change fails unless CHANGELOG.md names it under a "Breaking" heading;
- an app that commits a record of what it deployed (`python -m constructs_kafka_lambda record`, and the context key
  `RECORD_CONTEXT_KEY` naming the file in cdk.json) gets a warning at synth from each consumer whose mapping would
  be replaced, naming the property, the old and new values and the way out.

Pure Python (no aws-cdk-lib): the command line writes records without booting jsii.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

MAPPING_TYPE: Final = "AWS::Lambda::EventSourceMapping"
RECORD_FORMAT: Final = 1
# cdk.json: {"context": {"constructs-kafka-lambda:record": "kafka-mappings.json"}}, a path from the app's directory.
RECORD_CONTEXT_KEY: Final = "constructs-kafka-lambda:record"

# What cannot change in place on a Kafka mapping, as template property paths. CloudFormation's resource schema marks
# EventSourceArn, StartingPosition, StartingPositionTimestamp and SelfManagedEventSource create-only (a change replaces
# the mapping; tests/upgrade checks this list still covers the schema's). The Lambda API cannot update Topics, the
# consumer group ("After creating a Kafka event source mapping with the consumer group ID specified, you cannot
# update this value") or ConsumptionMode, which the library therefore treats as replacements too (queue mode has
# its own logical id for that reason).
MAPPING_REPLACEMENT_PROPERTIES: Final = (
    "EventSourceArn",
    "SelfManagedEventSource",
    "Topics",
    "AmazonManagedKafkaEventSourceConfig.ConsumerGroupId",
    "SelfManagedKafkaEventSourceConfig.ConsumerGroupId",
    "SelfManagedKafkaEventSourceConfig.ConsumptionMode",
    "StartingPosition",
    "StartingPositionTimestamp",
)
_GROUP_PROPERTIES: Final = (
    "AmazonManagedKafkaEventSourceConfig.ConsumerGroupId",
    "SelfManagedKafkaEventSourceConfig.ConsumerGroupId",
)

# Which properties of a resource type to record; the default records a mapping's and only the ids of the rest.
ReplacementProperties = Callable[[str], tuple[str, ...]]


def mapping_properties_only(resource_type: str) -> tuple[str, ...]:
    return MAPPING_REPLACEMENT_PROPERTIES if resource_type == MAPPING_TYPE else ()


@dataclass(frozen=True)
class Resource:
    """One recorded resource: where it is, what it is, and its replacement-sensitive property values."""

    stack: str
    logical_id: str
    type: str
    path: str | None
    properties: Mapping[str, Any]

    @property
    def consumer_group(self) -> Any:
        return next((self.properties[p] for p in _GROUP_PROPERTIES if p in self.properties), None)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "path": self.path, "properties": dict(self.properties)}


@dataclass(frozen=True)
class Difference:
    """What changed since a record. `ref` names it ("Stack/LogicalId" or "Stack/LogicalId Property") for CHANGELOG."""

    ref: str
    message: str


# --------------------------------------------------------------------------------------------------- recording
def lookup(properties: Mapping[str, Any], dotted: str) -> tuple[bool, Any]:
    """(found, value) of a dotted property path in a template's Properties."""
    value: Any = properties
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def record_resource(
    stack: str,
    logical_id: str,
    resource: Mapping[str, Any],
    replacement_properties: ReplacementProperties = mapping_properties_only,
) -> Resource:
    """A template resource as recorded (properties as the template writes them: tokens as their intrinsics)."""
    resource_type = str(resource.get("Type"))
    properties = resource.get("Properties") or {}
    kept = {}
    for dotted in replacement_properties(resource_type):
        found, value = lookup(properties, dotted)
        if found:
            kept[dotted] = value
    path = (resource.get("Metadata") or {}).get("aws:cdk:path")
    return Resource(stack, logical_id, resource_type, path, kept)


def stack_templates(assembly: str | Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(artifact id, template) of every stack in a cloud assembly directory, nested assemblies (stages) included."""
    root = Path(assembly)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    for artifact_id, artifact in sorted((manifest.get("artifacts") or {}).items()):
        properties = artifact.get("properties") or {}
        if artifact.get("type") == "aws:cloudformation:stack":
            template = json.loads((root / properties["templateFile"]).read_text(encoding="utf-8"))
            yield artifact_id, template
        elif artifact.get("type") == "cdk:cloud-assembly":
            yield from stack_templates(root / properties["directoryName"])


def record_assembly(
    assembly: str | Path,
    *,
    replacement_properties: ReplacementProperties = mapping_properties_only,
    types: tuple[str, ...] | None = (MAPPING_TYPE,),
    version: str | None = None,
) -> dict[str, Any]:
    """The record of a synthesized cloud assembly: every resource of `types` (None: all) in every stack."""
    stacks: dict[str, dict[str, Any]] = {}
    for stack, template in stack_templates(assembly):
        resources = {}
        for logical_id, resource in sorted((template.get("Resources") or {}).items()):
            if types is None or resource.get("Type") in types:
                resources[logical_id] = record_resource(stack, logical_id, resource, replacement_properties).to_json()
        stacks[stack] = resources
    if version is None:
        from . import __version__ as version
    return {"format": RECORD_FORMAT, "version": version, "stacks": stacks}


def write_record(record: Mapping[str, Any], path: str | Path) -> None:
    Path(path).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def read_record(path: str | Path) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    if record.get("format") != RECORD_FORMAT or not isinstance(record.get("stacks"), dict):
        raise ValueError(f"{path}: not a constructs_kafka_lambda record (format {RECORD_FORMAT})")
    return record


def resources(record: Mapping[str, Any]) -> Iterator[Resource]:
    for stack, entries in sorted(record["stacks"].items()):
        for logical_id, entry in sorted(entries.items()):
            yield Resource(stack, logical_id, entry["type"], entry.get("path"), entry.get("properties") or {})


# -------------------------------------------------------------------------------------------------- comparing
def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Difference]:
    """What in `new` would replace or delete a resource of `old`: a logical id gone or retyped, or a recorded
    property changed. Resources only in `new` are additions, not differences."""
    current = {(r.stack, r.logical_id): r for r in resources(new)}
    by_path: dict[tuple[str, str | None], Resource] = {(r.stack, r.path): r for r in current.values() if r.path}
    differences: list[Difference] = []
    for before in resources(old):
        ref = f"{before.stack}/{before.logical_id}"
        after = current.get((before.stack, before.logical_id))
        if after is None:
            moved = by_path.get((before.stack, before.path))
            where = f" (now logical id {moved.logical_id})" if moved is not None else ""
            differences.append(
                Difference(
                    ref,
                    f"{ref} ({before.type} at {before.path}) is no longer synthesized{where}: CloudFormation deletes "
                    "it, and creates whatever took its place as a new resource",
                )
            )
            continue
        if after.type != before.type:
            differences.append(Difference(ref, f"{ref} changes type from {before.type} to {after.type}: replaced"))
            continue
        for name in sorted({*before.properties, *after.properties}):
            was, now = before.properties.get(name), after.properties.get(name)
            if was != now:
                differences.append(
                    Difference(
                        f"{ref} {name}",
                        f"{ref} ({before.type} at {before.path}): {name} changes from {_show(was)} to {_show(now)}, "
                        "which cannot change in place (the resource is replaced)",
                    )
                )
    return differences


def mapping_replacement(record: Mapping[str, Any], current: Resource) -> tuple[str, str] | None:
    """Whether a consumer's mapping, as synthesized now, replaces the one in a record of what was deployed:
    (warning id, message) or None. The recorded mapping is the one with the same logical id, else the one at the
    same construct path, else one in the same stack with the same explicit consumer group."""
    recorded = [r for r in resources(record) if r.stack == current.stack and r.type == MAPPING_TYPE]
    before = next((r for r in recorded if r.logical_id == current.logical_id), None)
    before = before or next((r for r in recorded if current.path and r.path == current.path), None)
    group = current.consumer_group
    if before is None and group is not None:
        before = next((r for r in recorded if r.consumer_group == group), None)
    if before is None:
        return None
    changed = [
        name
        for name in sorted({*before.properties, *current.properties})
        if before.properties.get(name) != current.properties.get(name)
    ]
    moved = before.logical_id != current.logical_id
    if not changed and not moved:
        return None
    what = [
        f"{name} changes from {_show(before.properties.get(name))} to {_show(current.properties.get(name))}"
        for name in changed
    ]
    if moved:
        what.insert(0, f"its logical id changes from {before.logical_id} to {current.logical_id}")
    summary = "; ".join(what)
    if group is not None and group == before.consumer_group and ("Topics" in changed or moved):
        return (
            "replacement-group-kept",
            f"this deploy replaces the event source mapping ({summary}) while its explicit consumer group "
            f"{_show(group)} stays: CloudFormation creates the new mapping before it deletes the old one, and a "
            "consumer group must be unique among the account's Kafka mappings, so the create can collide with the "
            "old mapping; if it goes through, the new mapping reads the group's committed offsets, not its "
            "starting position. Give the new mapping a new consumer_group_id (it then starts from "
            "starting_position), or remove the old consumer in one deploy and add the new one in the next. "
            "Then refresh the record (python -m constructs_kafka_lambda record).",
        )
    return (
        "replacement",
        f"this deploy replaces the event source mapping ({summary}): the new mapping starts from its starting "
        "position unless its consumer group has committed offsets (TRIM_HORIZON reads the topic again, LATEST "
        "skips what arrives during the deploy). If that is intended, refresh the record (python -m "
        "constructs_kafka_lambda record) after the deploy.",
    )


def _show(value: Any) -> str:
    return "(unset)" if value is None else json.dumps(value, sort_keys=True)


__all__ = [
    "MAPPING_REPLACEMENT_PROPERTIES",
    "MAPPING_TYPE",
    "RECORD_CONTEXT_KEY",
    "Difference",
    "Resource",
    "compare",
    "mapping_replacement",
    "read_record",
    "record_assembly",
    "record_resource",
    "write_record",
]
