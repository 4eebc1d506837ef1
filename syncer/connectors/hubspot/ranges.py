"""A full listing read by several readers at once: the list endpoint and searches by id range.

One list cursor reads a page per round trip: at 300 ms that is 3.3 pages a second where the
burst budget allows 10, and a first migration waits on it. Search pages independently on an
`hs_object_id` range (GT lower AND LT upper, sorted by id, key-set paged so no query reaches
the 10,000-result cap) and draws on its own per-second budget, beside the list endpoint's.

So the ids above the first list page, up to the highest id (one search, sorted descending),
are shared out (id_ranges.py): the list cursor goes on from the bottom, search readers take
ranges from the top and read each from its top down, and every reader keeps only the ids
nobody kept before it. The list cursor and the search readers meet wherever their speeds take
them, and a reader left with nothing takes half of what another has left: the listing ends when
the budget allows, not when the slowest reader of the last range does. Pages come out in the
order they are read (a listing has no order to keep); the last page carries the cursor.

A record created while the listing runs may be missed where search lags behind writes; it was
created after the listing began, so the next incremental pass, which re-reads its overlap,
finds it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from syncer.records import ChangePage, Cursor, Record

from .id_ranges import IdRanges
from .search import ID_PROPERTY, PAGE_LIMIT
from .shapes import objects_of

JsonObject = dict[str, Any]
SEGMENTS_PER_READER = 4  # at first: a reader with nothing left takes half of another's


@dataclass(frozen=True, slots=True)
class ListPage:
    """A list endpoint page: its records, and the `after` of the next page (None: the end)."""

    records: list[Record]
    after: str | None


class RangedListing:
    def __init__(
        self,
        list_page: Callable[[str | None], ListPage],
        search: Callable[[JsonObject], JsonObject],
        to_records: Callable[[list[JsonObject]], list[Record]],
        properties: list[str],
        search_readers: int,
    ) -> None:
        self._list_page = list_page
        self._search = search
        self._to_records = to_records
        self._properties = properties
        self._readers = search_readers
        self._pages: queue.Queue[list[Record] | BaseException | None] = queue.Queue(maxsize=64)
        self._stop = threading.Event()

    def pages(self, final_cursor: Cursor) -> Iterator[ChangePage]:
        first = self._list_page(None)
        if first.after is None or self._readers < 1:  # one page, or no one to share with
            yield from self._alone(first, final_cursor)
            return
        top = self._highest_id()
        low = max((int(r.id) for r in first.records), default=0)
        ranges = IdRanges(low, top, self._readers * SEGMENTS_PER_READER)
        workers = [threading.Thread(target=self._run, args=(self._list_rest, first.after, ranges))]
        workers += [
            threading.Thread(target=self._run, args=(self._search_ranges, None, ranges))
            for _ in range(self._readers)
        ]
        try:
            for worker in workers:
                worker.daemon = True  # a consumer that stops early must not keep the process
                worker.start()
            yield ChangePage(first.records, None)
            yield from self._drain(len(workers))
            yield ChangePage([], final_cursor)
        finally:
            self._stop.set()
            for worker in workers:
                if worker.is_alive():
                    _discard_until_done(self._pages, worker)

    def _alone(self, first: ListPage, final_cursor: Cursor) -> Iterator[ChangePage]:
        page = first
        while page.after is not None:
            yield ChangePage(page.records, None)
            page = self._list_page(page.after)
        yield ChangePage(page.records, final_cursor)

    def _drain(self, running: int) -> Iterator[ChangePage]:
        while running:
            item = self._pages.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield ChangePage(item, None)

    def _run(self, read: Callable[[Any, IdRanges], None], start: Any, ranges: IdRanges) -> None:
        try:
            read(start, ranges)
        except BaseException as exc:  # handed to the consumer, which raises it
            self._stop.set()
            self._pages.put(exc)
        finally:
            self._pages.put(None)

    def _list_rest(self, after: str, ranges: IdRanges) -> None:
        cursor: str | None = after
        while cursor is not None and not self._stop.is_set():
            page = self._list_page(cursor)
            records, met = ranges.keep_listed(page.records)
            self._pages.put(records)
            if met:
                return  # the rest is the search readers'
            cursor = page.after

    def _search_ranges(self, _: None, ranges: IdRanges) -> None:
        while not self._stop.is_set() and (claimed := ranges.claim()) is not None:
            while not self._stop.is_set() and (bounds := ranges.bounds(claimed)) is not None:
                objects = objects_of(self._search(self._range(*bounds)), "search answer")
                full = len(objects) == PAGE_LIMIT
                records = ranges.keep_searched(claimed, self._to_records(objects), full)
                if records:
                    self._pages.put(records)

    def _highest_id(self) -> int:
        body = {
            "filterGroups": [],
            "sorts": [{"propertyName": ID_PROPERTY, "direction": "DESCENDING"}],
            "properties": [ID_PROPERTY],
            "limit": 1,
        }
        found = objects_of(self._search(body), "search answer")
        return int(found[0]["id"]) if found else 0

    def _range(self, above: int, below: int) -> JsonObject:
        """The highest ids between `above` and `below`, both left out, from the top down."""
        return {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": ID_PROPERTY, "operator": "GT", "value": str(above)},
                        {"propertyName": ID_PROPERTY, "operator": "LT", "value": str(below)},
                    ]
                }
            ],
            "sorts": [{"propertyName": ID_PROPERTY, "direction": "DESCENDING"}],
            "properties": self._properties,
            "limit": PAGE_LIMIT,
        }


def _discard_until_done(pages: queue.Queue[Any], worker: threading.Thread) -> None:
    """Empty the queue so a worker blocked on a full one can see the stop and end."""
    while worker.is_alive():
        with contextlib.suppress(queue.Empty):
            pages.get(timeout=0.05)
