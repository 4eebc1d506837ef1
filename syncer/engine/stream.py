"""A first migration, streamed: HubSpot listed whole, the external side matched page by page.

A migration used to list both sides in full and hold every record, pair and plan of both at
once: memory grew with the table (~2.3 KB a record, 557 MB at 200,000 contacts). When the
pipeline has no links yet and no HubSpot record names an external id (a first migration, the
one that moves a whole CRM), nothing needs the whole external listing at once:

- no linked record can be missing from it, so there is nothing to archive and nothing for the
  archive guard to count;
- a key taken by an earlier page is, once that page is executed and committed, a link in the
  ledger, which is where the matcher looks for keys already held: a later record with the
  same key is rejected as a duplicate exactly as in a whole run;
- the HubSpot records a page can pair with are those with one of its keys; they are claimed
  from an index, and the ones no page claimed are matched last, alone.

So memory is the HubSpot side plus one page. Which of two external records sharing a key wins
follows the listing's order (the SQL connector lists by primary key, the same order a whole run
uses). Otherwise (links exist, or HubSpot records carry external ids, whose twins may sit in any
page) the run lists both sides whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from syncer.engine import guards
from syncer.engine.collect import Collected, keep_newest
from syncer.engine.context import RunState
from syncer.engine.execute import Executor
from syncer.engine.match import Matcher
from syncer.engine.plan import Policy, plan_pair
from syncer.mapping.apply import FieldMap
from syncer.records import ChangePage, Cursor, Record, Side

STREAM_PAGE = 5000  # external records matched, planned and executed together


class HubSpotPool:
    """The HubSpot records of the run not yet claimed by a page, indexed by match key."""

    def __init__(self, records: dict[str, Record], fieldmap: FieldMap) -> None:
        self._records = records
        self._fieldmap = fieldmap
        self._by_key: dict[str, list[str]] = {}
        for record in records.values():
            key = self._key(record, Side.HUBSPOT)
            if key is not None:
                self._by_key.setdefault(key, []).append(record.id)

    def claim(self, page: Iterable[Record]) -> list[Record]:
        """Every unclaimed HubSpot record holding a key one of the page's records holds."""
        claimed: list[Record] = []
        for record in page:
            key = self._key(record, Side.EXTERNAL)
            for record_id in self._by_key.pop(key, ()) if key is not None else ():
                claimed.append(self._records.pop(record_id))
        return claimed

    def rest(self) -> list[Record]:
        rest = list(self._records.values())
        self._records.clear()
        self._by_key.clear()
        return rest

    def _key(self, record: Record, side: Side) -> str | None:
        try:
            return self._fieldmap.match_key(record, side)
        except ValueError:
            return None  # unreadable: the matcher rejects it with the reason


def streams(link_count: int, hubspot: Iterable[Record], id_property: str) -> bool:
    """Whether a migration can stream the external side (see the module's docstring)."""
    return link_count == 0 and not any(
        r.properties.get(id_property) not in (None, "") for r in hubspot
    )


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


def migrate_streamed(state: RunState, hubspot: Collected) -> dict[str, Cursor]:
    """Run a first migration page by page; returns the sides' cursors to commit."""
    executor = state.executor()
    migration = _Streamed(
        state.matcher(), executor, state.fieldmap, state.policy(), state.ctx.force
    )
    external = state.ctx.connectors[Side.EXTERNAL].changes(None, state.until)
    state.report.collected[Side.HUBSPOT.value] = len(hubspot.records)  # the pool empties it
    listed, external_cursor = migration.run(
        HubSpotPool(hubspot.records, state.fieldmap), pages_of(external, STREAM_PAGE)
    )
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
            self._execute(pool.claim(page.records), page.records)
        self._execute(pool.rest(), [])
        return listed, cursor

    def _execute(self, hubspot: Sequence[Record], external: Sequence[Record]) -> None:
        matched = self.matcher.match(hubspot, external)
        plans = [
            p
            for p in (plan_pair(x, self.fieldmap.fields, self.policy) for x in matched.pairs)
            if not p.is_noop
        ]
        guards.check_plan(0, plans, force=self.force)  # no links: 10 archives refuse
        self.executor.execute(plans, matched.rejected)
