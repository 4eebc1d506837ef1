"""`syncer check`'s audit of enumerated fields: the values each side holds that the field's
`values` table (or, without one, HubSpot's options) does not cover, named before a run meets
them record by record. HubSpot's side: its options with no entry in `values` (a record holding
one cannot be copied across). The external side: the column's distinct values (up to
AUDIT_LIMIT) that map to nothing."""

from __future__ import annotations

from collections.abc import Collection

from syncer.connectors.base import Connector, ListsValues
from syncer.mapping.apply import FieldMap, FieldSpec
from syncer.mapping.convert import to_canonical
from syncer.mapping.enumerated import describe
from syncer.policies import Unmapped
from syncer.records import Side

AUDIT_LIMIT = 1000  # distinct values read from a column; more is no enumeration


def unmapped_values(fieldmap: FieldMap, external: Connector) -> list[str]:
    """One line per field and side holding values the mapping does not cover."""
    lines: list[str] = []
    for spec in fieldmap.fields:
        if spec.reference is not None or spec.external is None:
            continue
        if spec.to_external_values and spec.options and spec.flows_to(Side.EXTERNAL):
            missing = spec.options - set(spec.to_external_values)
            if missing:
                lines.append(_line(spec, "HubSpot options with no entry in values", missing))
        allowed = set(spec.to_hubspot_values) if spec.to_hubspot_values else spec.options
        if (
            allowed is not None
            and spec.flows_to(Side.HUBSPOT)
            and isinstance(external, ListsValues)
        ):
            held = _column_values(fieldmap, spec, external)
            if held - allowed:
                what = f"values in column {spec.external!r} with no entry in " + (
                    "values" if spec.to_hubspot_values else "HubSpot's options"
                )
                lines.append(_line(spec, what, held - allowed))
    return lines


def _column_values(fieldmap: FieldMap, spec: FieldSpec, external: ListsValues) -> set[str]:
    out = set()
    for raw in external.distinct_values(spec.column, AUDIT_LIMIT):
        try:
            text = to_canonical(raw, spec.external_type, fieldmap.external_tz)
        except ValueError:
            continue  # a value of the wrong type: the run names it, record by record
        if text is not None:
            out.add(text)
    return out


def _line(spec: FieldSpec, what: str, values: Collection[str]) -> str:
    if spec.default is not None:
        fate = f"they become {spec.default!r} (default)"
    elif spec.unmapped is Unmapped.SKIP_FIELD:
        fate = "the field is left alone on those records (skip_field)"
    else:
        fate = "those records are quarantined; map them, or set default or unmapped"
    return f"{spec.hubspot}: {what}: {describe(values)}; {fate}"
