"""What a side's change listing cannot show: merges and archives, for any side that has them.

A connector declares them in its capabilities (HubSpot both; Salesforce merges too), and each
side is handled alike:
Merges: a merged record names the ids it absorbed; a link that named one of them is re-pointed
to the survivor, or, when the survivor has a link of its own, marked archived on that side so
its twin is never re-created there as a duplicate, and the edges pointing at it are re-pointed
to the survivor's (the side unions both records' associations on the survivor).
Archives: where archived records never appear in the change listing (HubSpot's search), with
`deletes = "archive"` each sync also lists those archived since the last look (a cursor of the
side's own) and plans them as archived. With `deletes = "ignore"` an archive is found lazily,
when an update finds the record gone, unless other pipelines' records point at this one's:
then the sync lists them too, so that the link remembers the side it is archived on (nothing is
archived on the other side) and what points at it keeps its edge (engine/references.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta

from syncer.connectors.base import ReportsArchives
from syncer.engine.context import RunState
from syncer.engine.listing import Listing
from syncer.engine.pairs import decode_sides, encode_sides
from syncer.engine.report import Mode
from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, Link
from syncer.logs import get_logger
from syncer.policies import DeletePolicy
from syncer.records import Cursor, Record, Side

log = get_logger(__name__)


def apply_side_events(state: RunState, side: Side, listing: Listing) -> dict[str, Cursor]:
    """Apply `side`'s merges to the links (those the listing's records name); add its archived
    records (deletes=archive) to the listing. Returns the cursor of its archive listing, to be
    committed with the run. A side that declares neither capability is left alone."""
    ctx, name = state.ctx, state.ctx.pipeline.name
    connector = ctx.connectors[side]
    if connector.capabilities.merges and not ctx.dry_run:
        commit = merge_commit(ctx.ledger, name, side, listing.merged(side))
        ctx.ledger.commit(name, state.epoch, commit, state.report.run_id)
    if not _reads_archives(state) or not connector.capabilities.archives:
        return {}
    if not isinstance(connector, ReportsArchives):
        raise TypeError(f"{type(connector).__name__} declares archives but cannot list them")
    if state.mode is Mode.MIGRATE:  # the full listing already shows what is gone
        return {archive_cursor(side): Cursor(connector.signpost(state.until).isoformat())}
    overlap = ctx.pipeline.overlap_seconds
    archived, cursor = archived_records(
        ctx.ledger, name, side, connector, until=state.until, overlap=overlap
    )
    listing.add_archived(side, linked_only(ctx.ledger, name, side, archived))
    return {archive_cursor(side): cursor}


def _reads_archives(state: RunState) -> bool:
    ctx = state.ctx
    return ctx.pipeline.deletes is DeletePolicy.ARCHIVE or ctx.pointed_at


def archive_cursor(side: Side) -> str:
    """The name of the cursor of a side's archive listing ("hubspot_archive" is in ledgers
    written before the external side could have one: it keeps that name)."""
    return f"{side.value}_archive"


def merge_commit(ledger: Ledger, pipeline: str, side: Side, merged: Mapping[str, str]) -> Commit:
    """The link changes that follow from merges on `side` ({absorbed id: survivor id})."""
    commit = Commit()
    if not merged:
        return commit
    absorbed = ledger.links_for(pipeline, side, merged)
    survivors = ledger.links_for(pipeline, side, merged.values())
    for old_id, link in absorbed.items():
        survivor = merged[old_id]
        if survivor in survivors and survivors[survivor].id != link.id:
            gone = encode_sides(decode_sides(link.archived_on) | {side})
            commit.links.append(dataclasses.replace(link, archived_on=gone))
            commit.merged_targets[link.external_id] = survivors[survivor].external_id
        else:
            commit.links.append(_repointed(link, side, survivor))
            survivors[survivor] = link
    # Records of other pipelines pointing at an absorbed record are read again.
    commit.revisit_targets += [link.external_id for link in commit.links]
    if commit.links:
        log.info("links re-pointed after merges", side=side.value, links=len(commit.links))
    return commit


def _repointed(link: Link, side: Side, survivor: str) -> Link:
    if side is Side.HUBSPOT:
        return dataclasses.replace(link, hubspot_id=survivor)
    return dataclasses.replace(link, external_id=survivor)


def archived_records(
    ledger: Ledger,
    pipeline: str,
    side: Side,
    connector: ReportsArchives,
    *,
    until: datetime,
    overlap: float,
) -> tuple[list[Record], Cursor]:
    """Records of `side` archived since the last look (re-reading an overlap window)."""
    last = ledger.cursor(pipeline, archive_cursor(side))
    since = datetime.fromisoformat(last.position) - timedelta(seconds=overlap) if last else None
    records = connector.archived_since(since) if since else []  # first run: only from now on
    return records, Cursor(connector.signpost(until).isoformat())


def linked_only(ledger: Ledger, pipeline: str, side: Side, records: list[Record]) -> list[Record]:
    """Archived records matter only when linked: the others were never synced."""
    links: dict[str, Link] = ledger.links_for(pipeline, side, [r.id for r in records])
    return [r for r in records if r.id in links]
