"""Does the pipeline's mapping fit the HubSpot properties it names? Checked by `prepare`.

A mapping that cannot work fails every record at run time (INVALID_OPTION, READ_ONLY_VALUE, a
number field fed text), so it is reported once, up front, naming the pipeline and the property:
- a declared mapping `type` must be one the HubSpot property can hold;
- the HubSpot side of a `values` table must be options of an enumeration (or true/false), and
  so must a field's `default`;
- a read-only or calculated property cannot be written, so it may only flow to the external side.
Required properties the mapping leaves out are only warned about (creates fail record by record).
"""

from __future__ import annotations

from typing import Any

import structlog

from syncer.records import FieldType, Side
from syncer.settings_pipeline import FieldMapping, PipelineSettings

from .object_types import ObjectType

_FIELD_TYPES = {
    "string": FieldType.TEXT,
    "phone_number": FieldType.TEXT,
    "number": FieldType.NUMBER,
    "date": FieldType.DATE,
    "datetime": FieldType.DATETIME,
    "bool": FieldType.BOOLEAN,
    "enumeration": FieldType.ENUMERATION,
}
# Mapping types a HubSpot property of a given type accepts besides its own.
_ALSO_ACCEPTS = {
    FieldType.TEXT: frozenset(FieldType),  # a string property holds any value as text
    FieldType.ENUMERATION: frozenset({FieldType.TEXT, FieldType.BOOLEAN}),
    FieldType.DATETIME: frozenset({FieldType.DATE}),
    FieldType.DATE: frozenset({FieldType.DATETIME}),
}
_BOOLEAN_VALUES = frozenset({"true", "false"})
log = structlog.get_logger(__name__)


def field_type(definition: dict[str, Any]) -> FieldType:
    """The syncer type of a HubSpot property definition."""
    if definition.get("fieldType") == "booleancheckbox":
        return FieldType.BOOLEAN  # a single on/off checkbox, whatever its declared type
    return _FIELD_TYPES.get(str(definition.get("type")), FieldType.TEXT)


def is_single_choice(definition: dict[str, Any]) -> bool:
    """An enumeration holding one of its options (radio, select), not several (checkbox)."""
    return definition.get("type") == "enumeration" and definition.get("fieldType") not in (
        "checkbox",
        "booleancheckbox",
    )


def mapping_problems(
    pipeline: PipelineSettings, definitions: dict[str, dict[str, Any]]
) -> list[str]:
    problems: list[str] = []
    for name, mapping in pipeline.fields.items():
        definition = definitions.get(name)
        if definition is None:
            continue  # reported as missing by the caller
        problems += _type_problems(name, mapping, definition)
        problems += _option_problems(name, mapping, definition)
        if _writes_to_hubspot(pipeline, mapping) and _read_only(definition):
            problems.append(
                f"{name!r} is read-only in HubSpot (calculated or system-set); map it with "
                'direction = "to_external"'
            )
    return problems


def _type_problems(name: str, mapping: FieldMapping, definition: dict[str, Any]) -> list[str]:
    if mapping.type is None:
        return []
    held = field_type(definition)
    if mapping.type == held or mapping.type in _ALSO_ACCEPTS.get(held, frozenset()):
        return []
    return [
        f"{name!r} is a HubSpot {definition.get('type')} property "
        f"({definition.get('fieldType')}); it cannot hold the mapped type {mapping.type.value!r}"
    ]


def _default_problems(name: str, mapping: FieldMapping, definition: dict[str, Any]) -> list[str]:
    """A default is a HubSpot value: one of the enumeration's options."""
    if mapping.default is None or not is_single_choice(definition):
        return []
    allowed = {str(o.get("value")) for o in definition.get("options") or []}
    if mapping.default in allowed:
        return []
    return [
        f"{name!r}: default {mapping.default!r} is not an option in HubSpot "
        f"(options: {', '.join(sorted(allowed)) or 'none'})"
    ]


def _option_problems(name: str, mapping: FieldMapping, definition: dict[str, Any]) -> list[str]:
    if not mapping.values:
        return _default_problems(name, mapping, definition)
    held = field_type(definition)
    if held is FieldType.BOOLEAN:
        allowed = set(_BOOLEAN_VALUES)
    elif held is FieldType.ENUMERATION:
        allowed = {str(o.get("value")) for o in definition.get("options") or []}
    else:
        return [f"{name!r} has a values table but is a HubSpot {definition.get('type')} property"]
    unknown = sorted(set(mapping.values) - allowed)
    if not unknown:
        return _default_problems(name, mapping, definition)
    return [
        f"{name!r}: {', '.join(map(repr, unknown))} "
        f"{'is not an option' if len(unknown) == 1 else 'are not options'} in HubSpot "
        f"(options: {', '.join(sorted(allowed)) or 'none'})"
    ]


def _writes_to_hubspot(pipeline: PipelineSettings, mapping: FieldMapping) -> bool:
    return pipeline.direction.flows_to(Side.HUBSPOT) and mapping.direction.flows_to(Side.HUBSPOT)


def _read_only(definition: dict[str, Any]) -> bool:
    metadata = definition.get("modificationMetadata") or {}
    return bool(metadata.get("readOnlyValue") or definition.get("calculated"))


def warn_required_unmapped(pipeline: PipelineSettings, object_type: ObjectType) -> None:
    """Creates without a required property fail record by record: say so up front."""
    if not pipeline.direction.flows_to(Side.HUBSPOT):
        return
    match = pipeline.match
    mapped = {*pipeline.fields, *([match.hubspot] if match else [])}
    missing = object_type.missing_required(mapped)
    if missing:
        log.warning(
            "hubspot.required_properties_unmapped",
            pipeline=pipeline.name,
            object_type=object_type.name,
            missing=missing,
        )
