"""A full listing read by several readers at once: the list endpoint and searches by id range.

One list cursor reads a page per round trip: at 300 ms that is 3.3 pages a second where the
burst budget allows 10, and a first migration waits on it. Search pages independently on an
`hs_object_id` range (GT lower AND LTE upper, sorted by id, key-set paged so no query reaches
the 10,000-result cap) and draws on its own per-second budget, beside the list endpoint's.

So the ids above the first list page are cut into segments up to the highest id (one search,
sorted descending). The list cursor goes on from the bottom; search readers take segments from
the top down. A search reader claims a segment only above where the list cursor has read, and
the list cursor stops at the lowest claimed segment, dropping what it read beyond it: every id
is read by exactly one reader. Pages come out in the order they are read (a listing has no
order to keep); the last page carries the cursor.

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

from .search import ID_PROPERTY, PAGE_LIMIT
from .shapes import objects_of

JsonObject = dict[str, Any]
SEGMENTS_PER_READER = 8  # small segments: readers that finish early take more of the rest


@dataclass(frozen=True, slots=True)
class ListPage:
    """A list endpoint page: its records, and the `after` of the next page (None: the end)."""

    records: list[Record]
    after: str | None


class _Segments:
    """Id segments (lower exclusive, upper inclusive), claimed by search readers from the top
    and bounded from below by the list cursor's position."""

    def __init__(self, bounds: list[tuple[int, int]]) -> None:
        self._bounds = bounds  # ascending
        self._lock = threading.Lock()
        self._list_at = bounds[0][0] if bounds else 0  # the highest id the list cursor read
        self._claimed_from: int | None = None  # lower bound of the lowest claimed segment

    def claim(self) -> tuple[int, int] | None:
        with self._lock:
            if not self._bounds or self._bounds[-1][1] <= self._list_at:
                return None
            lower, upper = self._bounds.pop()
            self._claimed_from = max(lower, self._list_at)  # what the list read stays its own
            return self._claimed_from, upper

    def list_read_up_to(self, top_id: int) -> int | None:
        """The list cursor read up to `top_id`: the id it must stop at (None: go on)."""
        with self._lock:
            self._list_at = max(self._list_at, top_id)
            return self._claimed_from


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
        segments = _Segments(_cut(low, top, self._readers * SEGMENTS_PER_READER))
        workers = [
            threading.Thread(target=self._run, args=(self._list_rest, first.after, segments))
        ]
        workers += [
            threading.Thread(target=self._run, args=(self._search_segments, None, segments))
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

    def _run(self, read: Callable[[Any, _Segments], None], start: Any, segments: _Segments) -> None:
        try:
            read(start, segments)
        except BaseException as exc:  # handed to the consumer, which raises it
            self._stop.set()
            self._pages.put(exc)
        finally:
            self._pages.put(None)

    def _list_rest(self, after: str, segments: _Segments) -> None:
        cursor: str | None = after
        while cursor is not None and not self._stop.is_set():
            page = self._list_page(cursor)
            top = max((int(r.id) for r in page.records), default=0)
            stop_at = segments.list_read_up_to(top)
            records = page.records
            if stop_at is not None:
                records = [r for r in records if int(r.id) <= stop_at]
            self._pages.put(records)
            if stop_at is not None and top >= stop_at:
                return  # the rest is a search reader's
            cursor = page.after

    def _search_segments(self, _: None, segments: _Segments) -> None:
        while not self._stop.is_set() and (segment := segments.claim()) is not None:
            lower, upper = segment
            while not self._stop.is_set():
                objects = objects_of(self._search(self._range(lower, upper)), "search answer")
                if objects:
                    self._pages.put(self._to_records(objects))
                if len(objects) < PAGE_LIMIT:
                    break
                lower = max(int(o["id"]) for o in objects)

    def _highest_id(self) -> int:
        body = {
            "filterGroups": [],
            "sorts": [{"propertyName": ID_PROPERTY, "direction": "DESCENDING"}],
            "properties": [ID_PROPERTY],
            "limit": 1,
        }
        found = objects_of(self._search(body), "search answer")
        return int(found[0]["id"]) if found else 0

    def _range(self, lower: int, upper: int) -> JsonObject:
        return {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": ID_PROPERTY, "operator": "GT", "value": str(lower)},
                        {"propertyName": ID_PROPERTY, "operator": "LTE", "value": str(upper)},
                    ]
                }
            ],
            "sorts": [{"propertyName": ID_PROPERTY, "direction": "ASCENDING"}],
            "properties": self._properties,
            "limit": PAGE_LIMIT,
        }


def _cut(low: int, top: int, count: int) -> list[tuple[int, int]]:
    """(low, top] in up to `count` segments of equal id span, ascending."""
    if top <= low:
        return []
    span = max(1, -(-(top - low) // count))
    return [(start, min(start + span, top)) for start in range(low, top, span)]


def _discard_until_done(pages: queue.Queue[Any], worker: threading.Thread) -> None:
    """Empty the queue so a worker blocked on a full one can see the stop and end."""
    while worker.is_alive():
        with contextlib.suppress(queue.Empty):
            pages.get(timeout=0.05)
