"""What a side's change listing cannot show: merges and archives, for any side that has them.

A connector declares them in its capabilities (HubSpot both; Salesforce merges too), and each
side is handled alike:
Merges: a merged record names the ids it absorbed; a link that named one of them is re-pointed
to the survivor, or, when the survivor has a link of its own, marked archived on that side so
its twin is never re-created there as a duplicate.
Archives: where archived records never appear in the change listing (HubSpot's search), with
`deletes = "archive"` each sync also lists those archived since the last look (a cursor of the
side's own) and plans them as archived. With `deletes = "ignore"` an archive is found lazily,
when an update finds the record gone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from syncer.connectors.base import Connector, ReportsArchives, ReportsMerges
from syncer.engine.context import PipelineRun
from syncer.engine.plan import decode_sides, encode_sides
from syncer.engine.report import Mode
from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, Link
from syncer.logs import get_logger
from syncer.policies import DeletePolicy
from syncer.records import Cursor, Record, Side

log = get_logger(__name__)


def apply_side_events(
    ctx: PipelineRun,
    side: Side,
    records: dict[str, Record],
    *,
    mode: Mode,
    epoch: int,
    run_id: str,
    until: datetime,
    merged: dict[str, str] | None = None,
) -> dict[str, Cursor]:
    """Apply `side`'s merges to the links (those its `records` name, or `merged`); add its
    archived records (deletes=archive) to `records`. Returns the cursor of its archive listing,
    to be committed with the run. A side that declares neither capability is left alone."""
    connector, name = ctx.connectors[side], ctx.pipeline.name
    if connector.capabilities.merges and not ctx.dry_run:
        if merged is None:
            merged = merges_of(connector)(list(records.values()))
        ctx.ledger.commit(name, epoch, merge_commit(ctx.ledger, name, side, merged), run_id)
    if ctx.pipeline.deletes is not DeletePolicy.ARCHIVE or not connector.capabilities.archives:
        return {}
    if not isinstance(connector, ReportsArchives):
        raise TypeError(f"{type(connector).__name__} declares archives but cannot list them")
    if mode is Mode.MIGRATE:  # the full listing already shows what is gone
        return {archive_cursor(side): Cursor(connector.signpost(until).isoformat())}
    overlap = ctx.pipeline.overlap_seconds
    archived, cursor = archived_records(
        ctx.ledger, name, side, connector, until=until, overlap=overlap
    )
    for record in linked_only(ctx.ledger, name, side, archived):
        records.setdefault(record.id, record)
    return {archive_cursor(side): cursor}


def _no_merges(records: list[Record]) -> dict[str, str]:
    return {}


def merges_of(connector: Connector) -> Callable[[list[Record]], dict[str, str]]:
    """How to ask `connector` which ids its records absorbed; nothing, if it has no merges."""
    if connector.capabilities.merges and isinstance(connector, ReportsMerges):
        return connector.merged_ids
    return _no_merges


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
        else:
            commit.links.append(_repointed(link, side, survivor))
            survivors[survivor] = link
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
