"""A whole listing: both sides' changes held in memory and run as one page.

A sync reads what changed since the cursors; a migration that cannot stream (a dry run, or
`deletes = "archive"` over existing links: the archive guard must count every archive before
anything is written) lists both sides in full. Before the one page, the steps only a whole
listing takes, in order:

1. the listing guard: a full listing that found nothing while pairs are linked is refused;
2. a linked record a full listing did not show is gone: it is stood in as archived;
3. quarantined records whose retry time has come are read again by id;
4. in a sync, duplicate-key refusals whose key was let go are read again (freed_keys.py);
   other quarantined records re-read unchanged before their retry time wait for it
   (backoff.py). Not in a migration: it matches full listings without look-ups, so a record
   left out could let its counterpart be created again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from syncer.engine import backoff, guards
from syncer.engine.collect import Collected, collect, gone
from syncer.engine.context import RunState
from syncer.engine.freed_keys import freed_refusals
from syncer.engine.listing import merges_of
from syncer.engine.page import Page
from syncer.engine.report import Mode
from syncer.logs import get_logger
from syncer.records import Cursor, Record, Side

log = get_logger(__name__)


class WholeListing:
    def __init__(self, state: RunState, link_count: int) -> None:
        self.state = state
        self.link_count = link_count
        self.sides = {side: self._collect(side) for side in Side}
        self.collected: dict[Side, int] = {}
        self.held_back = 0

    def merged(self, side: Side) -> dict[str, str]:
        connector = self.state.ctx.connectors[side]
        return merges_of(connector)(list(self.sides[side].records.values()))

    def add_archived(self, side: Side, records: Iterable[Record]) -> None:
        listed = self.sides[side].records
        for record in records:
            listed.setdefault(record.id, record)

    def pages(self) -> Iterator[Page]:
        sides = self.sides
        self.collected = {side: len(sides[side].records) for side in Side}
        guards.check_listing(self.link_count, sides, force=self.state.ctx.force)
        self._missing_from_listing_is_archived()
        self._add_quarantine_retries()
        self.held_back = self._hold_back(self._add_freed_refusals())
        yield Page(
            list(sides[Side.HUBSPOT].records.values()), list(sides[Side.EXTERNAL].records.values())
        )

    def cursors(self) -> dict[str, Cursor]:
        return {s: c.cursor for s, c in self.sides.items() if c.cursor is not None}

    def close(self) -> None:
        """Nothing to release: the records go with the listing."""

    def _collect(self, side: Side) -> Collected:
        ctx = self.state.ctx
        full = self.state.mode is Mode.MIGRATE
        since = None if full else ctx.ledger.cursor(ctx.pipeline.name, side)
        return collect(ctx.connectors[side], since, self.state.until)

    def _missing_from_listing_is_archived(self) -> None:
        """A full listing (a migration, or a first sync) shows every live record, so a linked
        record it did not list is gone: it is planned as archived, never silently forgotten."""
        full = [side for side in Side if self.sides[side].full]
        if not full:
            return
        ctx = self.state.ctx
        for pair_ids in ctx.ledger.linked_ids(ctx.pipeline.name):
            for side, record_id in zip(Side, pair_ids, strict=True):
                records = self.sides[side].records
                if side in full and record_id not in records:
                    records[record_id] = gone(record_id)

    def _add_quarantine_retries(self) -> None:
        """Records whose retry time has come are read again by id and go through the run."""
        ctx = self.state.ctx
        due = ctx.ledger.quarantine_due(ctx.pipeline.name, ctx.clock())
        for side, ids in due.items():
            listed = self.sides[side].records
            missing = [i for i in ids if i not in listed]
            if missing:
                for record in ctx.connectors[side].fetch(missing):
                    listed[record.id] = record

    def _add_freed_refusals(self) -> dict[Side, set[str]]:
        """Duplicate-key refusals whose key was let go go through the run at once (a sync's
        step: a migration's full listings read every record anyway)."""
        if self.state.mode is Mode.MIGRATE:
            return {}
        ctx = self.state.ctx
        freed = freed_refusals(
            ctx.ledger,
            ctx.pipeline.name,
            ctx.connectors,
            {side: self.sides[side].records for side in Side},
            fieldmap=self.state.fieldmap,
            now=ctx.clock(),
        )
        for side, records in freed.items():
            for record in records:
                self.sides[side].records.setdefault(record.id, record)
        return {side: {r.id for r in records} for side, records in freed.items()}

    def _hold_back(self, released: dict[Side, set[str]]) -> int:
        if self.state.mode is Mode.MIGRATE:
            return 0
        ctx = self.state.ctx
        held = backoff.hold_back(
            ctx.ledger,
            ctx.pipeline.name,
            self.sides,
            fieldmap=self.state.fieldmap,
            id_property=ctx.pipeline.external_id_property,
            now=ctx.clock(),
            released=released,
        )
        if held:
            log.info("quarantined records left to their back-off", held=held)
        return held
