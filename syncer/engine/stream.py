"""A first migration, streamed: the external side matched, planned and executed page by page.

A migration used to list both sides in full and hold every record, pair and plan of both at
once: memory grew with the table (~2.3 KB a record, 557 MB at 200,000 contacts). When the
pipeline has no links yet and no HubSpot record names an external id (a first migration, the
one that moves a whole CRM), nothing needs the whole external listing at once:

- no linked record can be missing from it, so there is nothing to archive and nothing for the
  archive guard to count;
- a key taken by an earlier page is, once that page is executed and committed, a link in the
  ledger, which is where the matcher looks for keys already held: a later record with the
  same key is rejected as a duplicate exactly as in a whole run;
- the HubSpot records a page can pair with are those with one of its keys; they wait on disk
  (hubspot_pool.py) until a page claims them, and the ones no page claimed are matched last.

So memory is one page, whatever either side holds. Which of two external records sharing a key
wins follows the listing's order (the SQL connector lists by primary key, the same order a
whole run uses). A HubSpot record naming a live external record by id is reserved for it, its
key and its twin's held meanwhile (hubspot_pool.py). A migration over existing links lists both
sides whole: a linked record missing from a listing is archived, and the archive guard must
count those before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from syncer.connectors.base import Connector
from syncer.engine import guards
from syncer.engine.collect import keep_newest
from syncer.engine.context import RunState
from syncer.engine.execute import Executor
from syncer.engine.hubspot_pool import HubSpotPool
from syncer.engine.match import Matcher
from syncer.engine.plan import Policy, plan_pair
from syncer.mapping.apply import FieldMap
from syncer.records import ChangePage, Cursor, Record, Side

STREAM_PAGE = 5000  # external records matched, planned and executed together


@dataclass(slots=True)
class ListedHubSpot:
    """HubSpot's full listing, on disk, with the cursor its last page carried."""

    pool: HubSpotPool
    cursor: Cursor | None


def list_hubspot(state: RunState) -> ListedHubSpot:
    pool = HubSpotPool(state.fieldmap, state.ctx.pipeline.external_id_property)
    cursor = None
    try:
        for page in state.ctx.connectors[Side.HUBSPOT].changes(None, state.until):
            pool.add(page.records)
            cursor = page.cursor or cursor
    except BaseException:
        pool.close()
        raise
    return ListedHubSpot(pool, cursor)


def _reserve_named_twins(pool: HubSpotPool, external: Connector) -> None:
    """Records naming an external record by id pair with it if it is live, as in a whole run
    (`Matcher._pair_by_carried_id`): read those by id, 500 at a time, and reserve."""
    for ids in pool.carried_ids(500):
        pool.reserve(r for r in external.fetch(ids) if not r.archived)


def pages_of(changes: Iterable[ChangePage], size: int) -> Iterator[ChangePage]:
    """The connector's pages regrouped into pages of at least `size` records (the last one may
    be smaller), each with the newest cursor seen so far; a record listed twice in one page
    keeps its newest version."""
    records: dict[str, Record] = {}
    cursor: Cursor | None = None
    for page in changes:
        for record in page.records:
            keep_newest(records, record)
        cursor = page.cursor or cursor
        if len(records) >= size:
            yield ChangePage(list(records.values()), cursor)
            records = {}
    yield ChangePage(list(records.values()), cursor)


def migrate_streamed(state: RunState, hubspot: ListedHubSpot) -> dict[str, Cursor]:
    """Run a first migration page by page; returns the sides' cursors to commit."""
    executor = state.executor()
    migration = _Streamed(
        state.matcher(), executor, state.fieldmap, state.policy(), state.ctx.force
    )
    state.report.collected[Side.HUBSPOT.value] = len(hubspot.pool)
    external = state.ctx.connectors[Side.EXTERNAL]
    try:
        _reserve_named_twins(hubspot.pool, external)
        pages = pages_of(external.changes(None, state.until), STREAM_PAGE)
        listed, external_cursor = migration.run(hubspot.pool, pages)
    finally:
        hubspot.pool.close()
    state.report.collected[Side.EXTERNAL.value] = listed
    state.fill_report(executor)
    cursors = {Side.HUBSPOT: hubspot.cursor, Side.EXTERNAL: external_cursor}
    return {side: cursor for side, cursor in cursors.items() if cursor is not None}


@dataclass(slots=True)
class _Streamed:
    matcher: Matcher
    executor: Executor
    fieldmap: FieldMap
    policy: Policy
    force: bool

    def run(self, pool: HubSpotPool, external: Iterable[ChangePage]) -> tuple[int, Cursor | None]:
        """Match, plan and execute page by page, then the HubSpot records no page claimed.
        Returns how many external records were listed, and the external listing's cursor."""
        listed, cursor = 0, None
        for page in external:
            listed += len(page.records)
            cursor = page.cursor or cursor
            claimed = pool.claim(page.records)
            held = pool.held(claimed, Side.HUBSPOT) | pool.held(page.records, Side.EXTERNAL)
            self._execute(claimed, page.records, held)
        for rest in pool.rest(STREAM_PAGE):
            self._execute(rest, [], pool.held(rest, Side.HUBSPOT))
        return listed, cursor

    def _execute(
        self, hubspot: Sequence[Record], external: Sequence[Record], held: dict[str, str]
    ) -> None:
        matched = self.matcher.match(hubspot, external, held)
        plans = [
            p
            for p in (plan_pair(x, self.fieldmap.fields, self.policy) for x in matched.pairs)
            if not p.is_noop
        ]
        # No links, so nothing to archive: any archive planned is an anomaly the guard refuses.
        guards.check_plan(0, plans, force=self.force)
        self.executor.execute(plans, matched.rejected)
