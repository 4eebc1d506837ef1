"""Incremental collection through the search endpoint, complete despite its limits.

HubSpot search answers at most 200 records a page and 10,000 per query, and `after` is an offset
into a result set that shifts when a record is edited mid-listing (it leaves the set and the next
page skips one). So every query starts at offset 0 and moves its lower bound instead (key-set
paging): GTE the highest last-modified time seen, dropping the ids already yielded at that exact
millisecond. When a full page shares one millisecond the bound cannot move, so that instant is
drained on its own, ordered by `hs_object_id` (EQ t AND id GT last id), and collection continues
at t + 1 ms. Each query therefore returns far fewer than 10,000 results, every step strictly
advances (time or id), and nothing loops.

Restarting at GTE t re-reads the records of instant t already yielded; when a page ends inside
a batch written in one millisecond that is up to a page of re-reads per page (twice the pages
measured for 50,000 records). So the next query leaves them out: (t AND id NOT_IN the ids seen
at t) OR (after t, up to until), at most MAX_EXCLUDED ids. Whether HubSpot takes NOT_IN on
hs_object_id is UNCONFIRMED: if that query is refused, the collector re-reads ties for the rest
of the listing, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from syncer.errors import FatalError
from syncer.logs import get_logger
from syncer.records import ChangePage, Record

from .objects import encode_cursor, record_ms, to_record
from .shapes import next_page, objects_of

PAGE_LIMIT = 200
ID_PROPERTY = "hs_object_id"
MAX_EXCLUDED = 100  # ids of one instant left out by NOT_IN; more than that are re-read
log = get_logger(__name__)

JsonObject = dict[str, Any]
Search = Callable[[JsonObject], JsonObject]


class SearchCollector:
    def __init__(
        self,
        search: Search,
        properties: Sequence[str],
        modified: str,
        absent: set[str] | None = None,
    ) -> None:
        self._search = search
        self._properties = list(properties)
        self._modified = modified
        self._absent = absent  # requested properties answers left out (see objects.to_record)
        self._exclude_ties = True  # until HubSpot refuses NOT_IN on hs_object_id

    def collect(self, lower_ms: int, until_ms: int) -> Iterator[ChangePage]:
        """Pages of records modified in [lower_ms, until_ms]; the last page's cursor is until."""
        at_bound: set[str] = set()  # ids already yielded whose time equals lower_ms
        while True:
            records, more = self._window_page(lower_ms, until_ms, at_bound)
            top = max((record_ms(r) for r in records), default=None)
            if top is None:
                yield ChangePage([], encode_cursor(until_ms))
                return
            if top < lower_ms:
                raise FatalError(f"HubSpot search returned records before {lower_ms} ms")
            if more and all(record_ms(r) == top for r in records):
                # A full page of one instant: the bound cannot move past it, so drain it by id.
                yield from self._drain_instant(top, at_bound if top == lower_ms else set())
                lower_ms, at_bound = top + 1, set()
                continue
            fresh = [
                r
                for r in records
                if record_ms(r) >= lower_ms and not (record_ms(r) == lower_ms and r.id in at_bound)
            ]
            if not more:
                yield ChangePage(fresh, encode_cursor(until_ms))
                return
            yield ChangePage(fresh, encode_cursor(top))
            tied = {r.id for r in records if record_ms(r) == top}
            at_bound = (at_bound | tied) if top == lower_ms else tied
            lower_ms = top

    def _drain_instant(self, instant_ms: int, already: set[str]) -> Iterator[ChangePage]:
        last_id: int | None = None
        while True:
            records, more = self._page(self._instant(instant_ms, last_id))
            if not records:
                return
            ids = [int(r.id) for r in records]
            if last_id is not None and min(ids) <= last_id:
                raise FatalError(f"HubSpot search ignored {ID_PROPERTY} GT {last_id}")
            last_id = max(ids)
            yield ChangePage([r for r in records if r.id not in already], encode_cursor(instant_ms))
            if not more:
                return

    def _window_page(
        self, lower_ms: int, until_ms: int, at_bound: set[str]
    ) -> tuple[list[Record], bool]:
        """A page of [lower_ms, until_ms], leaving out the ids already yielded at lower_ms."""
        if at_bound and self._exclude_ties and len(at_bound) <= MAX_EXCLUDED:
            try:
                return self._page(self._window_excluding(lower_ms, until_ms, at_bound))
            except FatalError as refusal:
                self._exclude_ties = False
                log.warning("hubspot.search_tie_exclusion_refused", reason=str(refusal))
        return self._page(self._window(lower_ms, until_ms))

    def _page(self, body: JsonObject) -> tuple[list[Record], bool]:
        answer = self._search(body)
        results = objects_of(answer, "search answer")
        records = [to_record(o, self._properties, self._modified, self._absent) for o in results]
        more = next_page(answer, "search answer") is not None
        return records, more

    def _window(self, lower_ms: int, until_ms: int) -> JsonObject:
        filters = [
            self._filter(self._modified, "GTE", lower_ms),
            self._filter(self._modified, "LTE", until_ms),
        ]
        return self._body(filters, sort_by=self._modified)

    def _window_excluding(self, lower_ms: int, until_ms: int, seen: set[str]) -> JsonObject:
        rest_of_instant = [
            self._filter(self._modified, "EQ", lower_ms),
            {"propertyName": ID_PROPERTY, "operator": "NOT_IN", "values": sorted(seen, key=int)},
        ]
        after_instant = [
            self._filter(self._modified, "GT", lower_ms),
            self._filter(self._modified, "LTE", until_ms),
        ]
        body = self._body(rest_of_instant, sort_by=self._modified)
        body["filterGroups"].append({"filters": after_instant})
        return body

    def _instant(self, instant_ms: int, after_id: int | None) -> JsonObject:
        filters = [self._filter(self._modified, "EQ", instant_ms)]
        if after_id is not None:
            filters.append(self._filter(ID_PROPERTY, "GT", after_id))
        return self._body(filters, sort_by=ID_PROPERTY)

    def _body(self, filters: list[JsonObject], *, sort_by: str) -> JsonObject:
        return {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort_by, "direction": "ASCENDING"}],
            "properties": list(dict.fromkeys([*self._properties, self._modified])),
            "limit": PAGE_LIMIT,
        }

    @staticmethod
    def _filter(name: str, operator: str, value: int) -> JsonObject:
        return {"propertyName": name, "operator": operator, "value": str(value)}


def any_has_value(search: Search, name: str) -> bool:
    """Whether any live record has a value in property `name`: one search, one result asked."""
    body = {
        "filterGroups": [{"filters": [{"propertyName": name, "operator": "HAS_PROPERTY"}]}],
        "properties": [ID_PROPERTY],
        "limit": 1,
    }
    return bool(objects_of(search(body), "search answer"))
