"""One pipeline run: lease -> reconcile -> collect -> match -> plan -> guard -> execute -> commit.

`migrate`, `sync` and `plan` share this path. The run opens a listing of both sides
(listing.py): whole, in memory, served as one page (whole.py); for a migration that can
stream, the external side a page at a time with HubSpot's listing waiting on disk (stream.py);
or, for a first extraction from HubSpot, HubSpot's pages as they are read, with the external
side's listing waiting on disk (extraction.py).
It applies each side's merges and archives to it (side_events.py), runs each page through
match -> plan -> guard -> execute (page.py; a dry run stops after the guard and writes
nothing), and commits the listing's cursors.
"""

from __future__ import annotations

import time
import uuid

from syncer.connectors.base import ReadsAhead
from syncer.engine import failpoints, reconcile
from syncer.engine.collector_pacing import fewer_collections
from syncer.engine.compiled import compiled_mapping
from syncer.engine.context import PipelineRun, RunState
from syncer.engine.extraction import extracts, open_extraction
from syncer.engine.listing import Listing
from syncer.engine.observer import RunStarted
from syncer.engine.page import PageRunner
from syncer.engine.plan import PairPlan
from syncer.engine.references import LinkResolver, check_capabilities
from syncer.engine.report import Mode, RunReport, RunStatus
from syncer.engine.revisit import revisit_pages
from syncer.engine.side_events import apply_side_events
from syncer.engine.stream import StreamedListing, streams
from syncer.engine.sweep import sweep
from syncer.engine.whole import WholeListing
from syncer.errors import RunStopped
from syncer.ledger.values import Commit
from syncer.logs import bound_run
from syncer.mapping.apply import FieldMap
from syncer.mapping.references import AssociationRef
from syncer.records import Cursor, Side
from syncer.settings_relations import UnknownOwner


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
            report.status = RunStatus.QUARANTINED if report.quarantined else RunStatus.OK
        except Exception as exc:
            report.status = RunStatus.STOPPED if isinstance(exc, RunStopped) else RunStatus.FAILED
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
                status=report.status.value,
                counts=report.counts(),
                api_calls=sum(report.api_calls.values()),
                error=report.error,
            )
            ctx.ledger.release_lease(ctx.pipeline.name, epoch)
            ctx.observer.run_finished(report)
    return report


def _run(ctx: PipelineRun, mode: Mode, epoch: int, report: RunReport) -> None:
    if mode is Mode.MIGRATE:  # lists both sides in full: start while the set-up calls go
        for connector in ctx.connectors.values():
            if isinstance(connector, ReadsAhead):
                connector.read_ahead()
    fieldmap = _prepare(ctx)
    if not ctx.dry_run:
        reconcile.pending_intents(
            ctx.ledger, ctx.pipeline.name, epoch, ctx.connectors, report.run_id, fieldmap=fieldmap
        )
    state = RunState(ctx, mode, epoch, report, fieldmap, until=ctx.clock())
    link_count = ctx.ledger.link_count(ctx.pipeline.name)
    listing = _open_listing(state, link_count)
    try:
        failpoints.hit("mid_collect")
        cursors: dict[str, Cursor] = {}
        for side in Side:  # merges and archives the listings cannot show, of either side
            cursors |= apply_side_events(state, side, listing)
        _run_pages(state, listing, link_count)
        cursors.update(listing.cursors())
    finally:
        listing.close()
    if not ctx.dry_run:  # a dry run planned; nothing is written
        failpoints.hit("before_cursor_commit")
        ctx.ledger.commit(ctx.pipeline.name, epoch, Commit(cursors=cursors), report.run_id)
        if ctx.conflict_retention is not None:
            before = ctx.clock() - ctx.conflict_retention
            ctx.ledger.forget_conflict_values(ctx.pipeline.name, before)


def _open_listing(state: RunState, link_count: int) -> Listing:
    """A first extraction runs HubSpot's pages as they come; another migration that can
    stream, the external side's; any other run, both sides whole."""
    if extracts(state, link_count):
        return open_extraction(state)
    if streams(state, link_count):
        return StreamedListing(state, link_count)
    return WholeListing(state, link_count)


def _run_pages(state: RunState, listing: Listing, link_count: int) -> None:
    """Every page of the listing through match -> plan -> guard -> execute; then the report."""
    runner = PageRunner(state, link_count)
    try:
        for page in listing.pages():
            runner.run(page)
        runner.drain()  # the sweep reads the ledger for what the pages linked
        for page in revisit_pages(state, sweep(state)):
            runner.run(page)
        runner.drain()
    finally:  # what was listed and what the committed chunks did, however the run ends
        try:
            runner.close()
        finally:
            for side, count in listing.collected.items():
                state.report.collected[side.value] = count
            runner.finish(listing.held_back)


def _prepare(ctx: PipelineRun) -> FieldMap:
    """Both sides checked and ready; the mapping compiled against their field types."""
    for connector in ctx.connectors.values():
        connector.prepare()
    fieldmap = compiled_mapping(ctx.pipeline, ctx.connectors, associations=ctx.associations)
    if fieldmap.has_references:
        check_capabilities(ctx.pipeline.name, ctx.connectors, fieldmap)
        fieldmap.resolver = _resolver(ctx, fieldmap)
    return fieldmap


def _resolver(ctx: PipelineRun, fieldmap: FieldMap) -> LinkResolver:
    """The run's resolver of `fieldmap`'s association and owner fields."""
    refs = [s.reference for s in fieldmap.fields if isinstance(s.reference, AssociationRef)]
    unknown = ctx.owners.unknown if ctx.owners is not None else UnknownOwner.QUARANTINE
    return LinkResolver(ctx.ledger, ctx.connectors, refs, unknown, ctx.pipeline.name)


__all__ = ["Mode", "PairPlan", "PipelineRun", "RunReport", "run_pipeline"]
