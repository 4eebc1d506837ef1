"""Who reads which ids of a ranged listing (connectors/hubspot/id_ranges.py): the list cursor
and the search readers meet wherever they are, a reader with nothing left takes half of what
another has, and, whatever order their pages arrive in, every id is kept exactly once."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import accumulate

from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.connectors.hubspot.id_ranges import IdRange, IdRanges
from syncer.records import Record

LIST_PAGE, SEARCH_PAGE = 100, 200


def records(ids: range | list[int]) -> list[Record]:
    return [Record(str(i), {}) for i in ids]


def ids_of(kept: list[Record]) -> list[int]:
    return [int(r.id) for r in kept]


def test_the_list_cursor_reads_into_the_lowest_range_until_it_meets_its_reader() -> None:
    ranges = IdRanges(100, 1000, 1)
    claimed = ranges.claim()
    assert claimed is not None and ranges.bounds(claimed) == (100, 1001)
    assert ids_of(ranges.keep_searched(claimed, records(range(1000, 800, -1)), True)) == list(
        range(1000, 800, -1)
    )
    assert ids_of(ranges.keep_listed(records(range(101, 201)))[0]) == list(range(101, 201))
    assert ranges.bounds(claimed) == (200, 801)
    kept, met = ranges.keep_listed(records(range(201, 301)))
    assert len(kept) == 100 and not met
    kept = ranges.keep_searched(claimed, records(range(800, 600, -1)), True)
    assert len(kept) == 200 and not claimed.done
    # The search reader's next page reaches below what the list cursor has kept meanwhile.
    kept, met = ranges.keep_listed(records(range(301, 401)))
    assert len(kept) == 100 and not met
    kept = ranges.keep_searched(claimed, records(range(600, 400, -1)), True)
    assert ids_of(kept) == list(range(600, 400, -1)) and not claimed.done
    assert ranges.bounds(claimed) is None and claimed.done  # nothing between 400 and 401
    kept, met = ranges.keep_listed(records(range(401, 501)))
    assert kept == [] and met


def test_whoever_records_a_page_first_keeps_the_ids_both_read() -> None:
    ranges = IdRanges(0, 1000, 1)
    claimed = ranges.claim()
    assert claimed is not None
    ranges.keep_listed(records(range(1, 301)))  # the list cursor went on while the search flew
    kept = ranges.keep_searched(claimed, records(range(400, 200, -1)), True)
    assert ids_of(kept) == list(range(400, 300, -1)) and claimed.done
    kept, met = ranges.keep_listed(records(range(301, 401)))
    assert kept == [] and met


def test_a_reader_with_nothing_left_takes_the_lower_half_of_the_busiest_range() -> None:
    ranges = IdRanges(0, 2000, 1)
    first = ranges.claim()
    assert first is not None
    assert ranges.claim() is None  # no page read yet: no idea what two pages' worth is
    ranges.keep_searched(first, records(range(2000, 1800, -1)), True)  # spans 199 ids
    second = ranges.claim()
    assert second == IdRange(0, 901) and first.lower == 900
    assert ranges.bounds(first) == (900, 1801) and ranges.bounds(second) == (0, 901)
    # A page of `first` asked before the split, had it reached the middle (it is below it now):
    late = ranges.keep_searched(first, records(range(1000, 800, -1)), True)
    assert ids_of(late) == list(range(1000, 900, -1)) and first.done
    ranges.keep_searched(second, records(range(900, 700, -1)), True)
    ranges.keep_listed(records(range(1, 311)))
    assert ranges.claim() is None  # 390 ids left in `second`: under two pages' worth


@dataclass
class Reader:
    """One reader's state: a page it asked for and has not recorded yet."""

    claimed: IdRange | None = None
    asked: list[Record] | None = None
    full: bool = False
    finished: bool = False
    kept: list[int] = field(default_factory=list)


def _listing(ids: list[int], search_readers: int, order: random.Random) -> list[int]:
    """Every id the readers keep, their steps (ask a page, record it) interleaved by `order`."""
    first = ids[:LIST_PAGE]
    ranges = IdRanges(max(first), max(ids), search_readers * 4)
    kept = list(first)
    at = LIST_PAGE  # the list cursor's position in the listing
    listing = Reader()
    searchers = [Reader() for _ in range(search_readers)]
    while not listing.finished or not all(s.finished for s in searchers):
        reader = order.choice([r for r in [listing, *searchers] if not r.finished])
        if reader is listing:
            if listing.asked is None:
                listing.asked, at = records(ids[at : at + LIST_PAGE]), at + LIST_PAGE
                continue
            page, more = listing.asked, at < len(ids)
            listing.asked = None
            taken, met = ranges.keep_listed(page)
            kept += ids_of(taken)
            listing.finished = met or not more
        elif reader.asked is None:
            if reader.claimed is None:
                reader.claimed = ranges.claim()
                reader.finished = reader.claimed is None
                continue
            bounds = ranges.bounds(reader.claimed)
            if bounds is None:
                reader.claimed = None
                continue
            found = [i for i in reversed(ids) if bounds[0] < i < bounds[1]][:SEARCH_PAGE]
            reader.asked, reader.full = records(found), len(found) == SEARCH_PAGE
        else:
            assert reader.claimed is not None
            kept += ids_of(ranges.keep_searched(reader.claimed, reader.asked, reader.full))
            reader.asked = None
    return kept


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    gaps=st.lists(st.integers(1, 40), min_size=101, max_size=3000),
    search_readers=st.integers(1, 5),
    order=st.randoms(use_true_random=False),
)
def test_whatever_order_pages_arrive_in_every_id_is_kept_once(
    gaps: list[int], search_readers: int, order: random.Random
) -> None:
    ids = list(accumulate(gaps))
    kept = _listing(ids, search_readers, order)
    assert sorted(kept) == ids
