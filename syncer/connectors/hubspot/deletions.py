"""Merges, which HubSpot's search does not report as such.

A merge leaves a survivor (a new record, since HubSpot's updated merge) whose
`hs_merged_object_ids` lists the ids it absorbed (";"-separated); old ids keep resolving to it.
Deletes are found by `RecordReader.list_archived`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from syncer.records import Record

MERGED_IDS = "hs_merged_object_ids"
_ID_SEPARATORS = re.compile(r"[;,\s]+")


def merged_ids(records: Iterable[Record]) -> dict[str, str]:
    """{old id: surviving id} for every id the records say they absorbed.

    Chains (A merged into B, then B into C) resolve to the last survivor, whether HubSpot lists
    A on C directly or only on B.
    """
    merged: dict[str, str] = {}
    for record in records:
        for old in _ids(record.properties.get(MERGED_IDS)):
            if old != record.id:
                merged[old] = record.id
    return {old: _final(survivor, merged) for old, survivor in merged.items()}


def _ids(value: object) -> list[str]:
    if value is None:
        return []
    return [part for part in _ID_SEPARATORS.split(str(value)) if part]


def _final(survivor: str, merged: dict[str, str]) -> str:
    seen = {survivor}
    while survivor in merged and merged[survivor] not in seen:
        survivor = merged[survivor]
        seen.add(survivor)
    return survivor
