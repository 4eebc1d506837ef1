"""`LazyLedger` (ledger/lazy.py): the ledger the rate gate and the health endpoints open on
first use. Several threads using it first at once open it once; closed, it opens again on the
next use."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from syncer.ledger.lazy import LazyLedger
from syncer.ledger.store import Ledger

THREADS = 8


class CountingOpener:
    """Opens a real SQLite ledger, counting the opens. The first open waits until every thread
    is about to use the ledger, so an unguarded check-then-open would let them all open it."""

    def __init__(self, url: str, expected_users: int) -> None:
        self.url = url
        self.opens = 0
        self.arrived = 0
        self._expected = expected_users
        self._cond = threading.Condition()

    def arrive(self) -> None:
        with self._cond:
            self.arrived += 1
            self._cond.notify_all()

    def __call__(self) -> Ledger:
        with self._cond:
            self.opens += 1
            # Not a timing assertion: the timeout only keeps a broken lock from hanging the test.
            self._cond.wait_for(lambda: self.arrived >= self._expected, timeout=10)
        return Ledger.open(self.url)


def test_threads_using_it_first_at_once_open_the_ledger_once(tmp_path: Path) -> None:
    opener = CountingOpener(f"sqlite:///{tmp_path}/ledger.db", THREADS)
    lazy = LazyLedger(opener)
    start = threading.Barrier(THREADS)
    got: list[Ledger] = []

    def use() -> None:
        start.wait()
        opener.arrive()
        got.append(lazy.opened())

    threads = [threading.Thread(target=use) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert opener.opens == 1
        assert len(got) == THREADS and all(ledger is got[0] for ledger in got)
    finally:
        lazy.close()


def test_closed_it_opens_a_fresh_ledger_on_the_next_use(tmp_path: Path) -> None:
    opener = CountingOpener(f"sqlite:///{tmp_path}/ledger.db", expected_users=0)
    lazy = LazyLedger(opener)
    first = lazy.opened()
    assert lazy.opened() is first
    lazy.close()
    lazy.close()  # closing twice is harmless (the daemon's stop may close what never opened)
    second = lazy.opened()
    try:
        assert second is not first
        assert opener.opens == 2
        second.ping()
    finally:
        lazy.close()


def test_a_ledger_that_cannot_be_opened_is_tried_again_on_the_next_use(tmp_path: Path) -> None:
    attempts: list[int] = []

    def down_then_up() -> Ledger:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("ledger down")
        return Ledger.open(f"sqlite:///{tmp_path}/ledger.db")

    lazy = LazyLedger(down_then_up)
    with pytest.raises(ConnectionError):
        lazy.opened()
    try:
        lazy.opened().ping()
        assert len(attempts) == 2
    finally:
        lazy.close()
