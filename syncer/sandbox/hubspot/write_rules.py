"""Rules a write must follow beyond each value's own type: required properties on create,
multi-checkbox appends, and enumerations that only move forward."""

from __future__ import annotations

from collections.abc import Mapping

from syncer.sandbox.hubspot.errors import PropertyProblem, property_values_invalid
from syncer.sandbox.hubspot.schema import ObjectTypeSpec, PropertyDef


def require_properties(spec: ObjectTypeSpec, values: Mapping[str, str], portal_id: int) -> None:
    """On create, each of the type's required groups needs at least one value."""
    problems = [
        PropertyProblem(
            group[0],
            "REQUIRED_PROPERTY",
            f"The following required properties were not set: [{', '.join(group)}]"
            if len(group) == 1
            else f"One of the following properties must be set: [{', '.join(group)}]",
        )
        for group in spec.required
        if not any(values.get(name) for name in group)
    ]
    if problems:
        raise property_values_invalid(problems, portal_id)


def merged_value(
    definition: PropertyDef | None, old: str | None, new: str, *, forward_only: bool
) -> str:
    """Multi-checkbox values starting with ';' add to the current selection; a forward-only
    enumeration keeps its value when asked to move backwards (clear it first to go back)."""
    if definition is None:
        return new
    if old and forward_only and _moves_backwards(definition, old, new):
        return old
    if definition.field_type == "checkbox" and new.startswith(";"):
        parts = [p for p in (old or "").split(";") if p]
        parts += [p for p in new.split(";") if p and p not in parts]
        return ";".join(parts)
    return new


def _moves_backwards(definition: PropertyDef, old: str, new: str) -> bool:
    if not new:
        return False
    order = definition.option_values
    return new in order and old in order and order.index(new) < order.index(old)
