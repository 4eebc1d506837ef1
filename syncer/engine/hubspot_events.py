"""What HubSpot's change search cannot show: merges and archives.

Merges: a merged record names the ids it absorbed (`hs_merged_object_ids`); a link that named
one of them is re-pointed to the survivor, or, when the survivor has a link of its own, marked
archived on HubSpot so its external twin is never re-created there as a duplicate.
Archives: archived records never appear in search, so with `deletes = "archive"` each sync also
lists the recycle bin since the last look (its own cursor) and plans those records as archived.
With `deletes = "ignore"` an archive is found lazily, when an update finds the record gone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta

from syncer.connectors.base import ReportsArchives
from syncer.engine.plan import decode_sides, encode_sides
from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, Link
from syncer.logs import get_logger
from syncer.records import Cursor, Record, Side

ARCHIVE_CURSOR = "hubspot_archive"
log = get_logger(__name__)


def merge_commit(ledger: Ledger, pipeline: str, merged: Mapping[str, str]) -> Commit:
    """The link changes that follow from HubSpot merges ({absorbed id: survivor id})."""
    commit = Commit()
    if not merged:
        return commit
    absorbed = ledger.links_for(pipeline, Side.HUBSPOT, merged)
    survivors = ledger.links_for(pipeline, Side.HUBSPOT, merged.values())
    for old_id, link in absorbed.items():
        survivor = merged[old_id]
        if survivor in survivors and survivors[survivor].id != link.id:
            gone = encode_sides(decode_sides(link.archived_on) | {Side.HUBSPOT})
            commit.links.append(dataclasses.replace(link, archived_on=gone))
        else:
            commit.links.append(dataclasses.replace(link, hubspot_id=survivor))
            survivors[survivor] = link
    if commit.links:
        log.info("links re-pointed after merges", links=len(commit.links))
    return commit


def archived_records(
    ledger: Ledger, pipeline: str, connector: ReportsArchives, until: datetime, overlap: float
) -> tuple[list[Record], Cursor]:
    """HubSpot records archived since the last look (re-reading an overlap window)."""
    last = ledger.cursor(pipeline, ARCHIVE_CURSOR)
    since = datetime.fromisoformat(last.position) - timedelta(seconds=overlap) if last else None
    records = connector.archived_since(since) if since else []  # first run: only from now on
    return records, Cursor(connector.signpost(until).isoformat())


def linked_only(ledger: Ledger, pipeline: str, records: list[Record]) -> list[Record]:
    """Archived records matter only when linked: the others were never synced."""
    links: dict[str, Link] = ledger.links_for(pipeline, Side.HUBSPOT, [r.id for r in records])
    return [r for r in records if r.id in links]
