"""A first extraction: HubSpot's listing run page by page as it arrives, the external side on disk.

A pipeline that only copies from HubSpot (`direction = "to_external"`) spends its migration
listing HubSpot: a remote listing at the API's rate, where the external side (a SQL table) is
listed in a moment. The streamed migration (stream.py) pages the external side against
HubSpot's whole listing, so every write waited for the last HubSpot page. Here the two are
turned round: the external side's listing waits in a spool (spool.py), and each HubSpot page
is matched, planned and written with the external records it claims (those holding one of its
keys), while the next pages are read on a thread of their own (prefetch.py). The external
records no page claimed are run last, by key, as in a streamed migration.

That ends where a whole listing ends, provided that:

- nothing is linked yet (a first migration): there is no linked twin to wait for, no link a
  merge could re-point, none a listing could miss;
- no HubSpot record names an external record by id (`external_id_property`), which one search
  asks while the listing starts (if one does, the listing waits in a spool as in stream.py).
  A record naming its twin pairs with it whatever the other records' keys are, and holds both
  keys against every record, those listed before it too; a stream cannot take back what
  earlier pages committed. (Search lags writes by seconds: a record stamped that recently
  still pairs with the record it names, unless an earlier page took it.)
- a key taken by an earlier page is, once that page is executed and committed, a link in the
  ledger, which is where the matcher looks for keys already held;
- nothing is only planned: a dry run commits nothing (it takes a whole listing).

Which of two HubSpot records sharing a key is paired, the other refused as a duplicate,
follows the listing's order (with `listing_readers` > 1 not the id order a whole listing
uses); either way one is linked and the other quarantined naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from syncer.connectors.base import ProbesFields
from syncer.engine.collect import until_stopped
from syncer.engine.context import RunState
from syncer.engine.listing import Listing
from syncer.engine.page import Page
from syncer.engine.prefetch import Prefetched
from syncer.engine.report import Mode
from syncer.engine.spool import Spool
from syncer.engine.stream import StreamedListing, pages_of
from syncer.policies import Direction
from syncer.records import ChangePage, Cursor, Record, Side

EXTRACT_PAGE = 1000  # HubSpot records run together: small, so little is left after the listing
READ_AHEAD = 32  # HubSpot listing pages (100-200 records each) read while a page runs


def extracts(state: RunState, link_count: int) -> bool:
    """Whether this run is a first extraction, which may run HubSpot's pages as they come
    if no HubSpot record names an external id (see the docstring and open_extraction)."""
    ctx = state.ctx
    return (
        state.mode is Mode.MIGRATE
        and not ctx.dry_run
        and not link_count
        and ctx.pipeline.direction is Direction.TO_EXTERNAL
        and isinstance(ctx.connectors[Side.HUBSPOT], ProbesFields)
    )


def open_extraction(state: RunState) -> Listing:
    """HubSpot's listing, started at once on its own thread; meanwhile HubSpot is asked whether
    any record names an external id. None does: its pages run as they come. One does: they
    wait in a spool, as in any streamed migration (stream.py)."""
    ctx = state.ctx
    hubspot = ctx.connectors[Side.HUBSPOT]
    assert isinstance(hubspot, ProbesFields), "extracts() asked"
    listing = hubspot.changes(None, state.until)
    pages: Prefetched[ChangePage] = Prefetched(listing, READ_AHEAD, "syncer-listing")
    try:
        if hubspot.has_any(ctx.pipeline.external_id_property):
            return StreamedListing(state, 0, pages)
        return ExtractionListing(state, pages)
    except BaseException:
        pages.close()
        raise


class ExtractionListing:
    def __init__(self, state: RunState, hubspot: Prefetched[ChangePage]) -> None:
        """`hubspot`: HubSpot's full listing, being read."""
        self.state = state
        self._id_property = state.ctx.pipeline.external_id_property
        self._cursors: dict[Side, Cursor | None] = {side: None for side in Side}
        self._hubspot = hubspot
        self.spool = Spool(state.fieldmap, Side.EXTERNAL, None)
        try:
            self._list_external()  # while HubSpot's first pages arrive
        except BaseException:
            self.spool.close()
            raise
        self.collected = {Side.HUBSPOT: 0, Side.EXTERNAL: len(self.spool)}
        self.held_back = 0  # a migration holds nothing back

    def merged(self, side: Side) -> dict[str, str]:
        """Nothing: merges re-point links, and a first extraction has none."""
        return {}

    def add_archived(self, side: Side, records: Iterable[Record]) -> None:
        if list(records):  # archives are linked records, and nothing is linked
            raise ValueError("a first extraction has no place for archived records")

    def pages(self) -> Iterator[Page]:
        """HubSpot's pages as they are read, each with the external records it claims; then
        the external records no page claimed."""
        stop = self.state.ctx.stop
        for page in pages_of(until_stopped(self._hubspot, stop), EXTRACT_PAGE):
            self.collected[Side.HUBSPOT] += len(page.records)
            self._cursors[Side.HUBSPOT] = page.cursor or self._cursors[Side.HUBSPOT]
            named = self.spool.claim_ids(self._named_ids(page.records))
            yield Page(page.records, named + self.spool.claim(page.records))
        for rest in self.spool.rest(EXTRACT_PAGE):
            yield Page([], rest)

    def cursors(self) -> dict[str, Cursor]:
        return {side: cursor for side, cursor in self._cursors.items() if cursor is not None}

    def close(self) -> None:
        self._hubspot.close()
        self.spool.close()

    def _list_external(self) -> None:
        external = self.state.ctx.connectors[Side.EXTERNAL]
        listing = external.changes(None, self.state.until)
        for page in until_stopped(listing, self.state.ctx.stop):
            self.spool.add(page.records)
            self._cursors[Side.EXTERNAL] = page.cursor or self._cursors[Side.EXTERNAL]

    def _named_ids(self, records: Sequence[Record]) -> list[str]:
        """The external ids these records name (stamped since the probe: see the docstring)."""
        named = (r.properties.get(self._id_property) for r in records)
        return [str(value) for value in named if value not in (None, "")]
