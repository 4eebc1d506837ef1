"""Duplicate-key refusals whose key was let go: retried at once, not after their back-off.

A record refused as DUPLICATE_MATCH_KEY waits because another record holds its key; nothing
about the refused record changes when the holder moves to another key, so neither its retry
time nor its fingerprint would let it through before its back-off ends (up to a day). Each
sync therefore reads those waiting records again by id (one batched fetch per side, only
while such refusals are open) and puts back in the run the ones whose key no linked pair holds
any more: the matcher decides again, with the holder's move already settled.
"""

from __future__ import annotations

from datetime import datetime

from syncer.connectors.base import Connector
from syncer.ledger.store import Ledger
from syncer.mapping.apply import FieldMap
from syncer.records import Record, Side

DUPLICATE_KEY = "DUPLICATE_MATCH_KEY"


def freed_refusals(
    ledger: Ledger,
    pipeline: str,
    connectors: dict[Side, Connector],
    listed: dict[Side, dict[str, Record]],
    *,
    fieldmap: FieldMap,
    now: datetime,
) -> dict[Side, list[Record]]:
    """Records refused for a duplicate key, still waiting for their retry time, whose key no
    other linked pair holds now; read from `listed` when the run has them, else fetched."""
    waiting: dict[Side, list[str]] = {Side.HUBSPOT: [], Side.EXTERNAL: []}
    for entry in ledger.quarantined(pipeline):
        if entry.category == DUPLICATE_KEY and entry.state == "open" and entry.next_retry_at > now:
            waiting[entry.source_side].append(entry.record_id)
    return {
        side: _freed(
            ledger,
            pipeline,
            side,
            connectors[side],
            listed=listed[side],
            ids=ids,
            fieldmap=fieldmap,
        )
        for side, ids in waiting.items()
    }


def _freed(
    ledger: Ledger,
    pipeline: str,
    side: Side,
    connector: Connector,
    *,
    listed: dict[str, Record],
    ids: list[str],
    fieldmap: FieldMap,
) -> list[Record]:
    if not ids:
        return []
    missing = [i for i in ids if i not in listed]
    records = [listed[i] for i in ids if i in listed]
    records += connector.fetch(missing) if missing else []
    keys: dict[str, str] = {}
    for record in records:
        try:
            key = fieldmap.match_key(record, side)
        except ValueError:
            continue  # unreadable now: its own refusal will say so when it is retried
        if key is not None:
            keys[record.id] = key
    holders = ledger.links_by_match_key(pipeline, set(keys.values()))
    return [
        r
        for r in records
        if r.id in keys
        and ((holder := holders.get(keys[r.id])) is None or holder.id_on(side) == r.id)
    ]
