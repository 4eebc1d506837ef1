"""Enumerated values: translated through a field's `values` table, or held to HubSpot's options.

A value with no entry (or, without a table, one that is not an option of the HubSpot
enumeration it goes to) is never sent untranslated: it becomes the field's `default`, or the
field is left alone on that record (`unmapped = "skip_field"`), or the record is refused with
a reason naming the field, the value and what is allowed (`unmapped = "quarantine"`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from syncer.policies import Unmapped

if TYPE_CHECKING:
    from syncer.mapping.apply import FieldSpec

SHOWN_OPTIONS = 20  # a long option list is cut, saying how many more there are


class UnmappedValue(Exception):  # a signal, not an error: the field is skipped
    """The field has no value for this record (`unmapped = "skip_field"`)."""


def from_external(spec: FieldSpec, text: str) -> str:
    """An external value as the HubSpot value it stands for."""
    if spec.to_hubspot_values:
        mapped = spec.to_hubspot_values.get(text)
        if mapped is not None:
            return mapped
        reason = f"{text!r} has no entry in values for HubSpot property {spec.hubspot!r}"
        return _unmapped(spec, reason, spec.to_hubspot_values)
    if spec.options is not None and text not in spec.options:
        reason = f"{text!r} is not an option of HubSpot property {spec.hubspot!r}"
        return _unmapped(spec, reason, spec.options)
    return text


def from_hubspot(spec: FieldSpec, text: str) -> str:
    """A HubSpot value bound for the external side: one the `values` table can translate."""
    if not spec.to_external_values or text in spec.to_external_values:
        return text
    reason = f"HubSpot value {text!r} has no entry in values"
    return _unmapped(spec, reason, spec.to_external_values)


def _unmapped(spec: FieldSpec, reason: str, allowed: Collection[str]) -> str:
    if spec.default is not None:
        return spec.default
    if spec.unmapped is Unmapped.SKIP_FIELD:
        raise UnmappedValue(spec.hubspot)
    raise ValueError(
        f"{reason} (allowed: {describe(allowed)}); map it in values, or set default or "
        'unmapped = "skip_field"'
    )


def describe(allowed: Collection[str]) -> str:
    names = sorted(allowed)
    shown = ", ".join(names[:SHOWN_OPTIONS]) or "none"
    extra = len(names) - SHOWN_OPTIONS
    return f"{shown} and {extra} more" if extra > 0 else shown
