"""Deletes and merges, which HubSpot's search never shows (hubspot_api.md section 9).

Archiving does not touch the last-modified time and archived records never appear in search, so
deletions are found by listing `archived=true` (every archived record, no time filter on the
server) and keeping those archived since a given time. A merge leaves a survivor whose
`hs_merged_object_ids` lists the ids it absorbed (";"-separated); old ids keep resolving to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from syncer.records import Record

from .api import HubSpotApi
from .objects import parse_time, to_record

MERGED_IDS = "hs_merged_object_ids"
LIST_LIMIT = 100
_ID_SEPARATORS = re.compile(r"[;,\s]+")


def archived_since(
    api: HubSpotApi,
    object_path: str,
    properties: Sequence[str],
    modified: str,
    since: datetime,
) -> list[Record]:
    """Records archived at or after `since`; `modified_at` is the archive time."""
    found: list[Record] = []
    after: str | None = None
    while True:
        params = [("archived", "true"), ("limit", str(LIST_LIMIT))]
        params += [("properties", p) for p in properties]
        if after is not None:
            params.append(("after", after))
        body = api.call_ok("GET", object_path, kind="list/archived", params=params)
        for obj in body.get("results") or []:
            stamp = obj.get("archivedAt")
            archived_at = parse_time(stamp) if stamp else None
            if archived_at is not None and archived_at >= since:
                record = to_record(obj, properties, modified)
                found.append(replace(record, modified_at=archived_at, archived=True))
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return found


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
