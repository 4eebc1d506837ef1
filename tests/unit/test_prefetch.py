"""A listing read ahead on its own thread (engine/prefetch.py): the same items in the same
order, its failure raised where it was met, and a reader that can always be stopped."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from syncer.engine.prefetch import Prefetched


def test_items_come_in_their_order_read_ahead_no_further_than_asked() -> None:
    read: list[int] = []

    def listing() -> Iterator[int]:
        for item in range(10):
            read.append(item)
            yield item

    ahead = Prefetched(listing(), depth=2)
    taken = iter(ahead)
    assert next(taken) == 0
    threading.Event().wait(0.3)  # time enough to read everything, were it not bounded
    assert len(read) <= 4  # one taken, two queued, one in the reader's hand
    assert [0, *taken] == list(range(10))
    ahead.close()


def test_a_failure_is_raised_after_the_items_before_it() -> None:
    def listing() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("gone")

    got: list[int] = []
    ahead = Prefetched(listing(), depth=5)
    with pytest.raises(ConnectionError, match="gone"):
        got.extend(ahead)
    assert got == [1, 2]
    ahead.close()


def test_closing_stops_a_reader_waiting_on_a_full_queue_and_closes_the_listing() -> None:
    finished = threading.Event()

    def endless() -> Iterator[int]:
        try:
            item = 0
            while True:
                yield item
                item += 1
        finally:
            finished.set()

    ahead = Prefetched(endless(), depth=1)
    assert next(iter(ahead)) == 0
    ahead.close()
    assert finished.is_set()  # closed on the reader's thread, before close() returned
    ahead.close()  # twice is harmless
