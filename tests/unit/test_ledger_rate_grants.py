"""The rate budget the daemon's replicas share through their ledger: three replicas (three
ledger connections, two threads each) asking at once are granted, together, never more than
the limit in any window, and still get about the limit."""

from __future__ import annotations

import threading
import time

from syncer.ledger.store import Ledger

LIMIT, WINDOW, RUN_SECONDS = 8, 1.0, 2.6


def _ask(ledger: Ledger, holder: str, granted: list[float], lock: threading.Lock) -> None:
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        wait = ledger.take_rate("test:burst", holder, LIMIT, WINDOW)
        if wait > 0:
            time.sleep(min(wait, 0.05))
            continue
        with lock:
            granted.append(time.monotonic())


def test_replicas_together_stay_within_the_limit_of_any_window(ledger_url: str) -> None:
    replicas = [Ledger.open(ledger_url) for _ in range(3)]
    granted: list[float] = []
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_ask, args=(ledger, f"replica{i}", granted, lock))
        for i, ledger in enumerate(replicas)
        for _ in range(2)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for ledger in replicas:
            ledger.close()
    times = sorted(granted)
    busiest = max(sum(1 for t in times if start <= t < start + WINDOW) for start in times)
    assert busiest <= LIMIT
    # The span a grant is counted for is the window and a half-second margin: about the limit
    # per 1.5 s, so at least two spans' worth in 2.6 s.
    assert len(times) >= 2 * LIMIT


def test_the_wait_names_when_the_oldest_grant_leaves_the_span(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url)
    try:
        for _ in range(3):
            assert ledger.take_rate("test:wait", "me", 3, 10.0) == 0.0
        wait = ledger.take_rate("test:wait", "me", 3, 10.0)
        assert 9.0 < wait <= 10.5  # the first grant leaves 10.5 s after it was made
        assert ledger.take_rate("test:other", "me", 3, 10.0) == 0.0  # budgets are apart
    finally:
        ledger.close()
