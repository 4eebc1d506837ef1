"""One pipeline run: lease -> reconcile -> collect -> match -> plan -> guard -> execute -> commit.

`migrate`, `sync` and `plan` share this path: migrate lists both sides in full, sync reads
changes since the cursors, plan stops after the guard and writes nothing. A first migration
(no links yet) streams the external side page by page instead of holding it whole (stream.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime

from syncer.connectors.base import Connector, ReportsArchives, ReportsMerges
from syncer.engine import backoff, failpoints, guards, reconcile
from syncer.engine.collect import Collected, collect, gone
from syncer.engine.collector_pacing import fewer_collections
from syncer.engine.context import PipelineRun, RunState
from syncer.engine.hubspot_events import (
    ARCHIVE_CURSOR,
    archived_records,
    linked_only,
    merge_commit,
)
from syncer.engine.observer import RunStarted
from syncer.engine.plan import PairPlan, plan_pair
from syncer.engine.report import Mode, RunReport
from syncer.engine.stream import list_hubspot, migrate_streamed, streams
from syncer.errors import RunStopped
from syncer.ledger.values import Commit
from syncer.logs import bound_run, get_logger
from syncer.mapping.apply import FieldMap, compile_mapping
from syncer.records import Cursor, Record, Side

log = get_logger(__name__)


def run_pipeline(ctx: PipelineRun, mode: Mode) -> RunReport:
    report = RunReport(str(uuid.uuid4()), ctx.pipeline.name, mode, dry_run=ctx.dry_run)
    with (
        bound_run(run_id=report.run_id, pipeline=ctx.pipeline.name, mode=mode.value),
        fewer_collections(),
    ):
        epoch = ctx.ledger.acquire_lease(ctx.pipeline.name, ctx.owner, ctx.lease_ttl)
        calls_before = {s: ctx.connectors[s].counter.calls for s in Side}
        started = time.monotonic()
        ctx.ledger.start_run(report.run_id, ctx.pipeline.name, mode.value)
        try:
            ctx.observer.run_started(RunStarted.of(report))
            _run(ctx, mode, epoch, report)
            report.status = "quarantined" if report.quarantined else "ok"
        except Exception as exc:
            report.status = "stopped" if isinstance(exc, RunStopped) else "failed"
            report.error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            report.seconds = time.monotonic() - started
            for side in Side:
                report.api_calls[side.value] = (
                    ctx.connectors[side].counter.calls - calls_before[side]
                )
            ctx.ledger.finish_run(
                report.run_id,
                status=report.status,
                counts=report.counts(),
                api_calls=sum(report.api_calls.values()),
                error=report.error,
            )
            ctx.ledger.release_lease(ctx.pipeline.name, epoch)
            ctx.observer.run_finished(report)
    return report


def _run(ctx: PipelineRun, mode: Mode, epoch: int, report: RunReport) -> None:
    name = ctx.pipeline.name
    fieldmap = _prepare(ctx)
    if not ctx.dry_run:
        reconcile.pending_intents(ctx.ledger, name, epoch, ctx.connectors, report.run_id)
    state = RunState(ctx, mode, epoch, report, fieldmap, until=ctx.clock())
    link_count = ctx.ledger.link_count(name)
    if streams(state, link_count):
        _commit(ctx, state, _run_streamed(state, link_count))
        return
    collected = {side: _collect(ctx, side, mode, state.until) for side in Side}
    failpoints.hit("mid_collect")
    records = collected[Side.HUBSPOT].records
    cursors = _hubspot_events(ctx, mode, epoch, report.run_id, records, until=state.until)
    whole = _run_whole(state, collected, link_count)
    if whole is not None:  # None: a dry run, planned, nothing written
        cursors.update(whole)
        _commit(ctx, state, cursors)


def _run_streamed(state: RunState, link_count: int) -> dict[str, Cursor]:
    """A migration page by page (stream.py); returns the cursors to commit."""
    ctx, hubspot = state.ctx, state.ctx.connectors[Side.HUBSPOT]
    merges = _merges_of(hubspot)
    listed = list_hubspot(state, merges)
    try:
        failpoints.hit("mid_collect")
        cursors = _hubspot_events(
            ctx,
            state.mode,
            state.epoch,
            state.report.run_id,
            {},
            until=state.until,
            merged=listed.merged,
        )
        cursors.update(migrate_streamed(state, listed, link_count))
        return cursors
    finally:
        listed.pool.close()


def _no_merges(records: list[Record]) -> dict[str, str]:
    return {}


def _merges_of(connector: Connector) -> Callable[[list[Record]], dict[str, str]]:
    if connector.capabilities.merges and isinstance(connector, ReportsMerges):
        return connector.merged_ids
    return _no_merges


def _commit(ctx: PipelineRun, state: RunState, cursors: dict[str, Cursor]) -> None:
    failpoints.hit("before_cursor_commit")
    ctx.ledger.commit(ctx.pipeline.name, state.epoch, Commit(cursors=cursors), state.report.run_id)


def _run_whole(
    state: RunState, collected: dict[Side, Collected], link_count: int
) -> dict[str, Cursor] | None:
    """Both sides' changes in memory at once: match, plan, guard, execute. Returns the sides'
    cursors to commit, or None for a dry run."""
    ctx, report = state.ctx, state.report
    for side in Side:
        report.collected[side.value] = len(collected[side].records)
    guards.check_listing(link_count, collected, force=ctx.force)
    _missing_from_listing_is_archived(ctx, collected)
    _add_quarantine_retries(ctx, collected)
    held = _hold_back(ctx, state.mode, collected, state.fieldmap)
    matched = state.matcher().match(
        collected[Side.HUBSPOT].records.values(), collected[Side.EXTERNAL].records.values()
    )
    policy = state.policy()
    plans = [
        p
        for p in (plan_pair(x, state.fieldmap.fields, policy) for x in matched.pairs)
        if not p.is_noop
    ]
    guards.check_plan(link_count, plans, force=ctx.force)
    if ctx.dry_run:
        report.planned = guards.describe(plans)
        report.quarantined = len(matched.rejected) + held
        return None
    executor = state.executor()
    executor.execute(plans, matched.rejected)
    state.fill_report(executor)
    report.quarantined += held  # still quarantined, waiting for their retry time
    return {s: c.cursor for s, c in collected.items() if c.cursor is not None}


def _prepare(ctx: PipelineRun) -> FieldMap:
    """Both sides checked and ready; the mapping compiled against their field types."""
    for connector in ctx.connectors.values():
        connector.prepare()
    return compile_mapping(
        ctx.pipeline,
        ctx.connectors[Side.HUBSPOT].field_types(),
        ctx.connectors[Side.EXTERNAL].field_types(),
    )


def _hubspot_events(
    ctx: PipelineRun,
    mode: Mode,
    epoch: int,
    run_id: str,
    records: dict[str, Record],
    *,
    until: datetime,
    merged: dict[str, str] | None = None,
) -> dict[str, Cursor]:
    """Apply merges to the links (those `records` name, or `merged`); add archived records
    (deletes=archive) to `records`. Returns the cursor of the archive listing, to be committed
    with the run."""
    hubspot, name = ctx.connectors[Side.HUBSPOT], ctx.pipeline.name
    if hubspot.capabilities.merges and not ctx.dry_run:
        if merged is None:
            merged = _merges_of(hubspot)(list(records.values()))
        ctx.ledger.commit(name, epoch, merge_commit(ctx.ledger, name, merged), run_id)
    if ctx.pipeline.deletes != "archive" or not hubspot.capabilities.archives:
        return {}
    if not isinstance(hubspot, ReportsArchives):
        raise TypeError(f"{type(hubspot).__name__} declares archives but cannot list them")
    if mode is Mode.MIGRATE:  # the full listing already shows what is gone
        return {ARCHIVE_CURSOR: Cursor(hubspot.signpost(until).isoformat())}
    archived, cursor = archived_records(
        ctx.ledger, name, hubspot, until, ctx.pipeline.overlap_seconds
    )
    for record in linked_only(ctx.ledger, name, archived):
        records.setdefault(record.id, record)
    return {ARCHIVE_CURSOR: cursor}


def _collect(ctx: PipelineRun, side: Side, mode: Mode, until: datetime) -> Collected:
    since = None if mode is Mode.MIGRATE else ctx.ledger.cursor(ctx.pipeline.name, side)
    return collect(ctx.connectors[side], since, until)


def _missing_from_listing_is_archived(ctx: PipelineRun, collected: dict[Side, Collected]) -> None:
    """A full listing (a migration, or a first sync) shows every live record, so a linked
    record it did not list is gone: it is planned as archived, never silently forgotten."""
    full = [side for side in Side if collected[side].full]
    if not full:
        return
    for pair_ids in ctx.ledger.linked_ids(ctx.pipeline.name):
        for side, record_id in zip(Side, pair_ids, strict=True):
            records = collected[side].records
            if side in full and record_id not in records:
                records[record_id] = gone(record_id)


def _add_quarantine_retries(ctx: PipelineRun, collected: dict[Side, Collected]) -> None:
    """Records whose retry time has come are read again by id and go through the run."""
    due = ctx.ledger.quarantine_due(ctx.pipeline.name, ctx.clock())
    for side, ids in due.items():
        missing = [i for i in ids if i not in collected[side].records]
        if missing:
            for record in ctx.connectors[side].fetch(missing):
                collected[side].records[record.id] = record


def _hold_back(
    ctx: PipelineRun, mode: Mode, collected: dict[Side, Collected], fieldmap: FieldMap
) -> int:
    """Quarantined records re-read unchanged before their retry time wait for it (see
    backoff.py). Not in a migration: it matches full listings without look-ups, so a record
    left out could let its counterpart be created again."""
    if mode is Mode.MIGRATE:
        return 0
    held = backoff.hold_back(
        ctx.ledger,
        ctx.pipeline.name,
        collected,
        fieldmap=fieldmap,
        id_property=ctx.pipeline.external_id_property,
        now=ctx.clock(),
    )
    if held:
        log.info("quarantined records left to their back-off", held=held)
    return held


__all__ = ["Mode", "PairPlan", "PipelineRun", "RunReport", "run_pipeline"]
