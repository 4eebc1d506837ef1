"""Per-field readers, compiled once per FieldMap: a native value to canonical text.

FieldMap._canonical_one decides, for every field of every record, which conversions apply
(side, email, enumeration, shape); on a 100k-record migration that branching was a tenth of the
planner's CPU. The decisions depend on the field spec only, so they are made once here and a
record's value goes straight through the conversions its field needs. A conversion that is an
identity for the field's type (a text field's canonical text is its text) is left out.
The result must equal FieldMap._canonical_one's for every value: tests/unit/test_mapping_readers.py
checks both against each other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING, Any

from syncer.mapping import enumerated
from syncer.mapping.convert import normalise_email, to_canonical, to_native
from syncer.records import FieldType, Side

if TYPE_CHECKING:
    from syncer.mapping.apply import FieldSpec

Convert = Callable[[Any], "str | None"]

# Types whose canonical text is the value's own text: to_canonical is str() but for blanks.
_TEXTUAL = frozenset({FieldType.TEXT, FieldType.ENUMERATION})


def text_canonical(value: Any) -> str | None:
    """to_canonical for a textual type, without its type dispatch."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    return str(value)


def _blank_to_none(text: str | None) -> str | None:
    """to_canonical of canonical text of a textual type: only "" changes (to None)."""
    return text or None


def converter(ftype: FieldType, tz: tzinfo = UTC) -> Convert:
    """to_canonical(value, ftype, tz) as a function of the value alone."""
    if ftype in _TEXTUAL:
        return text_canonical
    return lambda value: to_canonical(value, ftype, tz)


def hubspot_reader(spec: FieldSpec, fit: Callable[[str | None], str | None]) -> Convert:
    """A HubSpot value of a (non-reference) field as canonical text; `fit` is apply._fitted
    for the spec, applied only when the spec has a shape to fit."""
    if spec.is_email:
        return normalise_email
    base = converter(spec.canonical_type)
    to_external = spec.flows_to(Side.EXTERNAL)
    translates = to_external and bool(spec.to_external_values)
    fits = to_external and spec.external_shape is not None
    if not translates and not fits:
        return base

    def read(raw: Any) -> str | None:
        text = base(raw)
        if text is not None and translates:
            text = enumerated.from_hubspot(spec, text)
        return fit(text)

    return read


def external_reader(spec: FieldSpec, tz: tzinfo) -> Convert:
    """An external value of a (non-reference) field as canonical text, in HubSpot's value
    space (through the inverse of the value table, or held to HubSpot's options)."""
    if spec.is_email:
        return normalise_email
    first = converter(spec.external_type, tz)
    translates = spec.external is not None and (
        bool(spec.to_hubspot_values) or spec.options is not None
    )
    if spec.canonical_type in _TEXTUAL:
        second: Convert = _blank_to_none  # first's output is canonical text or None already
    else:
        second = converter(spec.canonical_type, tz)
    if not translates and spec.external_type in _TEXTUAL and spec.canonical_type in _TEXTUAL:
        return first  # text to text: the second pass changes nothing first can return

    def read(raw: Any) -> str | None:
        text = first(raw)
        if text is not None and translates:
            text = enumerated.from_external(spec, text)
        return second(text)

    return read


def external_writer(spec: FieldSpec, tz: tzinfo) -> Convert:
    """Canonical text of a (non-reference) field as the external field's native value."""
    table, ftype = spec.to_external_values, spec.external_type
    if not table and ftype in _TEXTUAL:
        return _same  # to_native of text is the text itself
    if not table:
        return lambda text: to_native(text, ftype, tz)
    return lambda text: to_native(table.get(text, text) if text is not None else None, ftype, tz)


def _same(text: str | None) -> str | None:
    return text
