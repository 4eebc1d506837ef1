"""A streamed listing: the external side served a page at a time, HubSpot's from a spool.

A migration used to list both sides in full and hold every record, pair and plan of both at
once: memory grew with the table (~2.3 KB a record, 557 MB at 200,000 contacts). Nothing needs
the whole external listing at once, provided that:

- HubSpot's listing waits on disk (spool.py) and each page claims from it the records it may
  pair with: the twins of its linked records, by id; the records reserved for its records
  (they name them by id, as the external id property); the free records holding one of its
  keys. The records no page claimed are run last, with stand-ins (archived, empty) for linked
  twins no page listed, as a whole listing stands them in for records a listing misses;
- a key taken by an earlier page is, once that page is executed and committed, a link in the
  ledger, which is where the matcher looks for keys already held; keys held by pairs made by id
  are held from the start, and passed to every page;
- nothing is archived: with `deletes = "archive"` a linked record missing from a listing would
  be, and the archive guard must count those before anything is written, so such a migration
  over existing links still lists both sides whole (a first migration has none to count);
- nothing is only planned: a dry run commits nothing, so a later page could not find the keys
  an earlier one took.

So memory is one page, whatever either side holds. Which of two external records sharing a key
wins follows the listing's order (the SQL connector lists by primary key, the same order a
whole listing uses).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from syncer.batches import chunks
from syncer.engine import guards
from syncer.engine.collect import gone, keep_newest, until_stopped
from syncer.engine.context import RunState
from syncer.engine.listing import merges_of
from syncer.engine.page import Page
from syncer.engine.report import Mode
from syncer.engine.spool import Spool
from syncer.policies import DeletePolicy
from syncer.records import ChangePage, Cursor, Record, Side

STREAM_PAGE = 5000  # external records matched, planned and executed together
_BY_ID = 500  # ids per look-up


def streams(state: RunState, link_count: int) -> bool:
    """Whether this run is a migration that can go page by page (see the docstring)."""
    ctx = state.ctx
    # Only HubSpot's merges are gathered while it is listed: links to an external side that
    # merges records are re-pointed by a run that holds its whole listing.
    external_merges = ctx.connectors[Side.EXTERNAL].capabilities.merges
    return (
        state.mode is Mode.MIGRATE
        and not ctx.dry_run
        and (not link_count or ctx.pipeline.deletes is DeletePolicy.IGNORE)
        and not (link_count and external_merges)
    )


class StreamedListing:
    def __init__(
        self, state: RunState, link_count: int, hubspot: Iterable[ChangePage] | None = None
    ) -> None:
        """`hubspot`: HubSpot's full listing, if the run opened it already."""
        ctx = state.ctx
        self.state = state
        self.link_count = link_count
        self.spool = Spool(state.fieldmap, Side.HUBSPOT, ctx.pipeline.external_id_property)
        self._merged: dict[str, str] = {}
        self._cursors: dict[Side, Cursor | None] = {side: None for side in Side}
        try:
            self._list_hubspot(hubspot)
        except BaseException:
            self.spool.close()
            raise
        self.collected = {Side.HUBSPOT: len(self.spool), Side.EXTERNAL: 0}
        self.held_back = 0  # a migration holds nothing back

    def merged(self, side: Side) -> dict[str, str]:
        """HubSpot's merges, gathered while it was listed. The external side's pages come
        later, and would name merges only then: streams() keeps a migration over links to an
        external side that merges whole."""
        return self._merged if side is Side.HUBSPOT else {}

    def add_archived(self, side: Side, records: Iterable[Record]) -> None:
        if side is Side.HUBSPOT:
            self.spool.add_missing(records)
        elif list(records):  # archives are linked records, and a streamed one with links ignores
            raise ValueError("a streamed migration has no place for archived external records")

    def pages(self) -> Iterator[Page]:
        """The external side's pages, then the HubSpot records no page claimed, then the
        links neither listing showed."""
        guards.check_listed(self.link_count, Side.HUBSPOT, len(self.spool), force=self._force)
        if self.link_count:
            self._mark_linked()
        self._reserve_named_twins()
        yield from self._external_pages()
        yield from self._unclaimed_pages()
        if self.link_count:
            yield from self._unlisted_links()

    def cursors(self) -> dict[str, Cursor]:
        return {side: cursor for side, cursor in self._cursors.items() if cursor is not None}

    def close(self) -> None:
        self.spool.close()

    @property
    def _force(self) -> bool:
        return self.state.ctx.force

    def _list_hubspot(self, listing: Iterable[ChangePage] | None) -> None:
        hubspot = self.state.ctx.connectors[Side.HUBSPOT]
        merged_ids = merges_of(hubspot)
        if listing is None:
            listing = hubspot.changes(None, self.state.until)
        for page in until_stopped(listing, self.state.ctx.stop):
            self.spool.add(page.records)
            self._merged.update(merged_ids(list(page.records)))
            self._cursors[Side.HUBSPOT] = page.cursor or self._cursors[Side.HUBSPOT]

    def _mark_linked(self) -> None:
        ctx = self.state.ctx
        for ids in self.spool.ids(_BY_ID):
            self.spool.mark_linked(ctx.ledger.links_for(ctx.pipeline.name, Side.HUBSPOT, ids))

    def _reserve_named_twins(self) -> None:
        """Unlinked records naming an external record by id pair with it if it is live, as in a
        whole listing (`Matcher._pair_by_carried_id`): read those by id and reserve."""
        external = self.state.ctx.connectors[Side.EXTERNAL]
        for ids in self.spool.carried_ids(_BY_ID):
            self.spool.reserve(r for r in external.fetch(ids) if not r.archived)

    def _external_pages(self) -> Iterator[Page]:
        external = self.state.ctx.connectors[Side.EXTERNAL]
        listing = until_stopped(external.changes(None, self.state.until), self.state.ctx.stop)
        for page in pages_of(listing, STREAM_PAGE):
            if not self.collected[Side.EXTERNAL]:  # the first page: empty is refused unwritten
                listed = len(page.records)
                guards.check_listed(self.link_count, Side.EXTERNAL, listed, force=self._force)
            self.collected[Side.EXTERNAL] += len(page.records)
            self._cursors[Side.EXTERNAL] = page.cursor or self._cursors[Side.EXTERNAL]
            yield self._claimed_by(page.records)

    def _claimed_by(self, records: Sequence[Record]) -> Page:
        """The page with the HubSpot records it claims, and stand-ins for its records' linked
        twins HubSpot's listing did not show."""
        spool = self.spool
        if self.link_count:
            spool.note_seen(r.id for r in records)
        twins = self._twins(Side.EXTERNAL, records)
        claimed = spool.claim_ids(twins) + spool.claim(records)
        missing = sorted(set(twins) - spool.listed(twins))
        held = spool.held(claimed, Side.HUBSPOT) | spool.held(records, Side.EXTERNAL)
        return Page(claimed + _stand_ins(missing), records, held)

    def _unclaimed_pages(self) -> Iterator[Page]:
        """HubSpot records no page claimed, with stand-ins for their twins no page listed."""
        for rest in self.spool.rest(STREAM_PAGE):
            twins = self._twins(Side.HUBSPOT, rest)
            missing = sorted(set(twins) - self.spool.seen(twins))
            yield Page(rest, _stand_ins(missing), self.spool.held(rest, Side.HUBSPOT))

    def _twins(self, side: Side, records: Sequence[Record]) -> list[str]:
        """The other side's ids of these records' links. In a first migration there are none to
        find: a record is linked in its own page, and a page lists each record once."""
        if not self.link_count:
            return []
        ctx = self.state.ctx
        links = ctx.ledger.links_for(ctx.pipeline.name, side, [r.id for r in records])
        return [link.id_on(side.other) for link in links.values()]

    def _unlisted_links(self) -> Iterator[Page]:
        """Links neither listing showed: both records are gone (a whole listing stands in both)."""
        ctx = self.state.ctx
        missing: list[tuple[str, str]] = []
        batch: list[tuple[str, str]] = []
        for pair in ctx.ledger.linked_ids(ctx.pipeline.name):  # read whole before writing again
            batch.append(pair)
            if len(batch) == _BY_ID:
                missing += self._neither_listed(batch)
                batch = []
        missing += self._neither_listed(batch)
        for part in chunks(missing, STREAM_PAGE):
            yield Page(_stand_ins([h for h, _ in part]), _stand_ins([e for _, e in part]))

    def _neither_listed(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        listed = self.spool.listed(h for h, _ in pairs)
        seen = self.spool.seen(e for _, e in pairs)
        return [(h, e) for h, e in pairs if h not in listed and e not in seen]


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


def _stand_ins(ids: Iterable[str]) -> list[Record]:
    return [gone(record_id) for record_id in ids]
