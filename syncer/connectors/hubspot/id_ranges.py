"""Who reads which ids of a ranged listing (ranges.py), so that every id is read exactly once
and no reader waits while another still has pages to go.

The ids above the list endpoint's first page, up to the highest id, are cut into segments. The
list cursor reads up from the bottom. A search reader claims the highest free segment and reads
it from the top down. As each page arrives, its reader keeps only the ids nobody else kept:

- the list cursor, those below the lowest id a search reader kept: it goes on into the lowest
  claimed range, from below, until it meets that range's reader coming down;
- a search reader, those above its range's lower bound and above the list cursor's highest.

Whoever records a page first keeps the ids both read; the other drops them and stops there. So
the list cursor and the search readers meet wherever their speeds take them, instead of the
list cursor stopping where a range was claimed and the last readers of a claimed range going on
alone. When no free segment is left, a search reader takes the lower half of the range with the
most ids left (two pages' worth at least), whose reader goes on with the upper half.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from syncer.records import Record


@dataclass(slots=True)
class IdRange:
    """A claimed range (lower, upper], read from the top down by one search reader."""

    lower: int  # exclusive; raised when another reader takes the lower part
    down_to: int  # the lowest id its reader kept (upper + 1 before its first page)
    done: bool = False


class IdRanges:
    def __init__(self, low: int, top: int, segments: int) -> None:
        """Ids above `low` (the list cursor's first page) up to `top`, in `segments` pieces."""
        self._lock = threading.Lock()
        self._free = _cut(low, top, segments)  # ascending; search readers take the last
        self._claimed: list[IdRange] = []
        self._list_at = low  # the list cursor kept every id up to here
        self._page_span: int | None = None  # ids a full search page spanned, lately

    def claim(self) -> IdRange | None:
        """A range for a search reader: the highest free segment above the list cursor, else
        the lower half of the range with the most ids left; None when neither is worth it."""
        with self._lock:
            while self._free:
                lower, upper = self._free.pop()
                if upper > self._list_at:
                    return self._claimed_now(IdRange(max(lower, self._list_at), upper + 1))
            return self._split()

    def bounds(self, claimed: IdRange) -> tuple[int, int] | None:
        """What the next search of `claimed` asks for: ids above the first, below the second;
        None (and the range is done) when no id is left between them."""
        with self._lock:
            floor = max(claimed.lower, self._list_at)
            claimed.done = claimed.done or claimed.down_to - floor <= 1
            return None if claimed.done else (floor, claimed.down_to)

    def keep_searched(self, claimed: IdRange, page: Sequence[Record], full: bool) -> list[Record]:
        """The records of a search page of `claimed` (ids descending) nobody kept before; the
        range is done when the page was short or reached ids the list cursor kept."""
        with self._lock:
            floor = max(claimed.lower, self._list_at)
            kept = [r for r in page if int(r.id) > floor]
            if kept:
                claimed.down_to = min(claimed.down_to, *(int(r.id) for r in kept))
            if full and len(page) > 1:
                self._page_span = int(page[0].id) - int(page[-1].id)
            claimed.done = not full or len(kept) < len(page)
            return kept

    def keep_listed(self, page: Sequence[Record]) -> tuple[list[Record], bool]:
        """The records of a list page (ids ascending) below every id a search reader kept, and
        whether the list cursor met a search reader (it stops there)."""
        with self._lock:
            limit = min((claimed.down_to for claimed in self._claimed), default=None)
            kept = [r for r in page if limit is None or int(r.id) < limit]
            if kept:
                self._list_at = max(self._list_at, *(int(r.id) for r in kept))
            return kept, len(kept) < len(page)

    def _split(self) -> IdRange | None:
        open_ranges = [claimed for claimed in self._claimed if not claimed.done]
        busiest = max(open_ranges, key=self._left, default=None)
        span = self._page_span
        if busiest is None or span is None or self._left(busiest) < 2 * span:
            return None
        floor = max(busiest.lower, self._list_at)
        middle = floor + self._left(busiest) // 2
        busiest.lower = middle  # its reader goes on above the middle
        return self._claimed_now(IdRange(floor, middle + 1))

    def _left(self, claimed: IdRange) -> int:
        """How many ids (read or not) lie between a range's floor and its reader's position."""
        return claimed.down_to - 1 - max(claimed.lower, self._list_at)

    def _claimed_now(self, claimed: IdRange) -> IdRange:
        self._claimed.append(claimed)
        return claimed


def _cut(low: int, top: int, count: int) -> list[tuple[int, int]]:
    """(low, top] in up to `count` segments of equal id span, ascending."""
    if top <= low:
        return []
    span = max(1, -(-(top - low) // count))
    return [(start, min(start + span, top)) for start in range(low, top, span)]
