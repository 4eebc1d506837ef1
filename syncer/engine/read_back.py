"""Read-back: did a side apply what it accepted?

HubSpot may answer a write with success and keep another value: a `lifecyclestage` moved
backwards keeps its later stage (HubSpot documents that it only moves forward; clear it first
to go back). A write is therefore not assumed done: the values the side answered with are read
back through the mapping and compared with what was sent. A field that differs is reported as
a conflict the side itself decided (policy "not_applied", its kept value the winner), and the
pair's base is set to what was sent, so the next pass sees the side's kept value as its change
and copies it back: the pair converges on it instead of re-sending a refused value forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from syncer.mapping.apply import Canonical, FieldMap
from syncer.mapping.enumerated import UnmappedValue
from syncer.records import Record, Side

NOT_APPLIED = "not_applied"  # the policy named on the conflicts such a write logs


@dataclass(frozen=True, slots=True)
class NotApplied:
    """One field a side accepted and did not apply: what was sent, what it kept."""

    field: str
    sent: str | None
    kept: str | None


def not_applied(
    fieldmap: FieldMap, side: Side, sent: Canonical, applied: Mapping[str, Any] | None
) -> list[NotApplied]:
    """The fields of `sent` whose value the side answered with differs. A field the answer
    does not mention, or whose answered value cannot be read, is not judged."""
    if applied is None or side is not Side.HUBSPOT:
        return []  # only HubSpot answers with the record's values; SQL keeps or refuses
    record = Record("", applied)
    out = []
    for key, text in sent.items():
        if key not in applied:
            continue
        try:
            kept = fieldmap.canonical_field(key, record, side)
        except (ValueError, UnmappedValue):
            continue
        if kept != text:  # what the base hashes would compare, without hashing both
            out.append(NotApplied(key, text, kept))
    return out
