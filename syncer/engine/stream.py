"""A migration, streamed: the external side matched, planned and executed a page at a time.

A migration used to list both sides in full and hold every record, pair and plan of both at
once: memory grew with the table (~2.3 KB a record, 557 MB at 200,000 contacts). Nothing needs
the whole external listing at once, provided that:

- HubSpot's listing waits on disk (hubspot_pool.py) and each page claims from it the records
  it may pair with: the twins of its linked records, by id; the records reserved for its
  records (they name them by id, as the external id property); the free records holding one of
  its keys. The records no page claimed are matched last, with stand-ins (archived, empty) for
  linked twins no page listed, as a whole run stands them in for records a listing misses;
- a key taken by an earlier page is, once that page is executed and committed, a link in the
  ledger, which is where the matcher looks for keys already held; keys held by pairs made by id
  are held from the start, and passed to every match;
- nothing is archived: with `deletes = "archive"` a linked record missing from a listing would
  be, and the archive guard must count those before anything is written, so such a migration
  over existing links still lists both sides whole (a first migration has none to count).

So memory is one page, whatever either side holds. Which of two external records sharing a key
wins follows the listing's order (the SQL connector lists by primary key, the same order a
whole run uses).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from syncer.batches import chunks
from syncer.connectors.base import Connector
from syncer.engine import guards
from syncer.engine.collect import gone, keep_newest
from syncer.engine.context import RunState
from syncer.engine.execute import Executor
from syncer.engine.hubspot_pool import HubSpotPool
from syncer.engine.match import Matcher
from syncer.engine.plan import Policy, plan_pair
from syncer.engine.report import Mode
from syncer.ledger.store import Ledger
from syncer.records import ChangePage, Cursor, Record, Side

STREAM_PAGE = 5000  # external records matched, planned and executed together
_BY_ID = 500  # ids per look-up


@dataclass(slots=True)
class ListedHubSpot:
    """HubSpot's full listing, on disk, with the cursor its last page carried and the merges
    its records name ({merged-away id: survivor id})."""

    pool: HubSpotPool
    cursor: Cursor | None
    merged: dict[str, str]


def list_hubspot(
    state: RunState, merged_ids: Callable[[list[Record]], dict[str, str]]
) -> ListedHubSpot:
    pool = HubSpotPool(state.fieldmap, state.ctx.pipeline.external_id_property)
    cursor: Cursor | None = None
    merged: dict[str, str] = {}
    try:
        for page in state.ctx.connectors[Side.HUBSPOT].changes(None, state.until):
            pool.add(page.records)
            merged.update(merged_ids(list(page.records)))
            cursor = page.cursor or cursor
    except BaseException:
        pool.close()
        raise
    return ListedHubSpot(pool, cursor, merged)


def streams(state: RunState, link_count: int) -> bool:
    """Whether this run is a migration that can go page by page (see the docstring)."""
    ctx = state.ctx
    return (
        state.mode is Mode.MIGRATE
        and not ctx.dry_run
        and (not link_count or ctx.pipeline.deletes == "ignore")
    )


def migrate_streamed(state: RunState, hubspot: ListedHubSpot, link_count: int) -> dict[str, Cursor]:
    """Run a migration page by page; returns the sides' cursors to commit. The caller closes
    the pool."""
    ctx, pool = state.ctx, hubspot.pool
    executor = state.executor()
    migration = _Streamed(state, executor, ctx.ledger, link_count)
    state.report.collected[Side.HUBSPOT.value] = len(pool)
    external = ctx.connectors[Side.EXTERNAL]
    guards.check_listed(link_count, Side.HUBSPOT, len(pool), force=ctx.force)
    if link_count:
        _mark_linked(pool, ctx.ledger, ctx.pipeline.name)
    _reserve_named_twins(pool, external)
    pages = pages_of(external.changes(None, state.until), STREAM_PAGE)
    listed, external_cursor = migration.run(pool, pages)
    state.report.collected[Side.EXTERNAL.value] = listed
    state.fill_report(executor)
    cursors = {Side.HUBSPOT: hubspot.cursor, Side.EXTERNAL: external_cursor}
    return {side: cursor for side, cursor in cursors.items() if cursor is not None}


def _mark_linked(pool: HubSpotPool, ledger: Ledger, pipeline: str) -> None:
    for ids in pool.ids(_BY_ID):
        pool.mark_linked(ledger.links_for(pipeline, Side.HUBSPOT, ids))


def _reserve_named_twins(pool: HubSpotPool, external: Connector) -> None:
    """Unlinked records naming an external record by id pair with it if it is live, as in a
    whole run (`Matcher._pair_by_carried_id`): read those by id and reserve."""
    for ids in pool.carried_ids(_BY_ID):
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


class _Streamed:
    def __init__(self, state: RunState, executor: Executor, ledger: Ledger, links: int) -> None:
        self.matcher: Matcher = state.matcher()
        self.executor = executor
        self.fieldmap = state.fieldmap
        self.policy: Policy = state.policy()
        self.force = state.ctx.force
        self.pipeline = state.ctx.pipeline.name
        self.ledger = ledger
        self.link_count = links

    def run(self, pool: HubSpotPool, external: Iterable[ChangePage]) -> tuple[int, Cursor | None]:
        """Match, plan and execute page by page, then the HubSpot records no page claimed, then
        the links neither listing showed. Returns how many external records were listed, and
        the external listing's cursor."""
        listed, cursor = 0, None
        for page in external:
            if not listed:  # the first page: an empty listing is refused before any write
                empty = len(page.records)
                guards.check_listed(self.link_count, Side.EXTERNAL, empty, force=self.force)
            listed += len(page.records)
            cursor = page.cursor or cursor
            self._page(pool, page.records)
        for rest in pool.rest(STREAM_PAGE):
            twins = self._twins(Side.HUBSPOT, rest)
            missing = sorted(set(twins) - pool.seen(twins))
            self._execute(rest, _stand_ins(missing), pool.held(rest, Side.HUBSPOT))
        if self.link_count:
            self._unlisted_links(pool)
        return listed, cursor

    def _page(self, pool: HubSpotPool, records: Sequence[Record]) -> None:
        if self.link_count:
            pool.note_seen(r.id for r in records)
        twins = self._twins(Side.EXTERNAL, records)
        claimed = pool.claim_ids(twins) + pool.claim(records)
        missing = sorted(set(twins) - pool.listed(twins))
        hubspot = claimed + _stand_ins(missing)
        held = pool.held(claimed, Side.HUBSPOT) | pool.held(records, Side.EXTERNAL)
        self._execute(hubspot, records, held)

    def _twins(self, side: Side, records: Sequence[Record]) -> list[str]:
        """The other side's ids of these records' links. In a first migration there are none to
        find: a record is linked in its own page, and a page lists each record once."""
        if not self.link_count:
            return []
        links = self.ledger.links_for(self.pipeline, side, [r.id for r in records])
        return [link.id_on(side.other) for link in links.values()]

    def _unlisted_links(self, pool: HubSpotPool) -> None:
        """Links neither listing showed: both records are gone (a whole run stands in both)."""
        missing: list[tuple[str, str]] = []
        batch: list[tuple[str, str]] = []
        for pair in self.ledger.linked_ids(self.pipeline):  # read whole before writing again
            batch.append(pair)
            if len(batch) == _BY_ID:
                missing += _neither_listed(pool, batch)
                batch = []
        missing += _neither_listed(pool, batch)
        for part in chunks(missing, STREAM_PAGE):
            self._execute(_stand_ins([h for h, _ in part]), _stand_ins([e for _, e in part]), {})

    def _execute(
        self, hubspot: Sequence[Record], external: Sequence[Record], held: dict[str, str]
    ) -> None:
        matched = self.matcher.match(hubspot, external, held)
        plans = [
            p
            for p in (plan_pair(x, self.fieldmap.fields, self.policy) for x in matched.pairs)
            if not p.is_noop
        ]
        guards.check_plan(self.link_count, plans, force=self.force)
        self.executor.execute(plans, matched.rejected)


def _neither_listed(pool: HubSpotPool, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    listed = pool.listed(h for h, _ in pairs)
    seen = pool.seen(e for _, e in pairs)
    return [(h, e) for h, e in pairs if h not in listed and e not in seen]


def _stand_ins(ids: Iterable[str]) -> list[Record]:
    return [gone(record_id) for record_id in ids]
