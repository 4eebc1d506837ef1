"""Quarantine back-off within a run: an unchanged refused record waits for its retry time.

The cursor's overlap window re-reads recent records on every pass, a refused one included; sent
again at once it would be refused again, count another attempt and defeat the back-off. Whether
the record changed since its refusal is told by a fingerprint of its content, never by comparing
its modification time with our clock (the source's clock may be minutes off ours): a user
who fixes the data changes the fingerprint, and the record goes through at once.

Two kinds of fingerprint, told apart by their content: of the version the engine planned with
(its canonical mapped values, archived flag and carried external id), for writes that were
refused; and of the raw record, for records whose values could not be read at all.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from syncer.engine.collect import Collected
from syncer.engine.pairs import Version, read_version
from syncer.ledger.store import Ledger
from syncer.mapping.apply import FieldMap
from syncer.records import Record, Side


def fingerprint(version: Version) -> str:
    """Of the version a write carried: what the engine would send again if it were resent."""
    return _digest(
        {"values": version.values, "archived": version.archived, "carried": version.carried_id}
    )


def record_fingerprint(record: Record) -> str:
    """Of a record as read, for one whose values the mapping refused."""
    return _digest({"properties": dict(record.properties), "archived": record.archived})


def hold_back(
    ledger: Ledger,
    pipeline: str,
    collected: dict[Side, Collected],
    *,
    fieldmap: FieldMap,
    id_property: str,
    now: datetime,
    released: dict[Side, set[str]] | None = None,
) -> int:
    """Take out of `collected` the records unchanged since they were refused: those still
    waiting for their retry time, and those an operator discarded (they stay discarded until
    they change); except those `released` (their reason is gone). Return how many wait: the
    discarded are no longer the run's concern."""
    waiting = ledger.quarantine_waiting(pipeline, now)
    discarded = ledger.quarantine_discarded(pipeline)
    unchanged = {
        side: {
            record_id
            for record_id, stored in (waiting[side] | discarded[side]).items()
            if (record := collected[side].records.get(record_id)) is not None
            and stored in _fingerprints(record, side, fieldmap, id_property)
            and record_id not in (released or {}).get(side, set())
        }
        for side in Side
    }
    _release_pairs_whose_twin_changed(ledger, pipeline, collected, unchanged)
    for side, ids in unchanged.items():
        for record_id in ids:
            del collected[side].records[record_id]
    return sum(len(ids & waiting[side].keys()) for side, ids in unchanged.items())


def _fingerprints(record: Record, side: Side, fieldmap: FieldMap, id_property: str) -> set[str]:
    """Both kinds for the record as read now (the Version the matcher would build from it)."""
    raw = {record_fingerprint(record)}
    try:
        version = read_version(record, side, fieldmap, id_property)
    except ValueError:
        return raw  # unreadable: only the raw record's fingerprint can match
    return raw | {fingerprint(version)}


def _release_pairs_whose_twin_changed(
    ledger: Ledger, pipeline: str, collected: dict[Side, Collected], held: dict[Side, set[str]]
) -> None:
    """A linked record whose twin is in the run too stays in: planned without it, the pair
    would copy a change of the twin over its unsent change unseen, where planned with both
    sides a conflict is settled by the policy and logged. (A twin merely re-read in the window
    brings the record back as before: resent early, never lost.)"""
    for side in Side:
        other = collected[side.other].records
        for record_id, link in ledger.links_for(pipeline, side, held[side]).items():
            twin = link.id_on(side.other)
            if twin in other and twin not in held[side.other]:
                held[side].discard(record_id)


def _digest(content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
