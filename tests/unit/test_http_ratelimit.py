"""The rolling-window budget: limits, re-stamping after the answer, header corrections, pauses."""

from __future__ import annotations

import threading

import pytest

from syncer.http import RollingWindowBudget


class FakeTime:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def budget(limit: int, window: float = 10.0) -> tuple[RollingWindowBudget, FakeTime]:
    time = FakeTime()
    return RollingWindowBudget(limit, window, clock=time.clock, sleep=time.sleep), time


def test_requests_within_the_limit_do_not_wait() -> None:
    rate, time = budget(3)
    for _ in range(3):
        rate.complete(rate.acquire())
    assert time.slept == []
    assert rate.in_window() == 3


def test_the_next_request_waits_until_the_oldest_leaves_the_window() -> None:
    rate, time = budget(2)
    rate.complete(rate.acquire())
    time.now += 3
    rate.complete(rate.acquire())
    rate.acquire()
    assert sum(time.slept) == pytest.approx(7.0)


def test_a_slot_is_restamped_at_the_midpoint_of_its_round_trip() -> None:
    rate, time = budget(1)
    slot = rate.acquire()
    time.now += 4  # a slow round trip: the server counted it up to 2 s after we sent it
    rate.complete(slot)
    rate.acquire()
    assert sum(time.slept) == pytest.approx(8.0)  # 2 s (midpoint) + 10 s window - 4 s gone


def test_a_completion_stamp_counts_the_slot_from_the_answer() -> None:
    time = FakeTime()
    rate = RollingWindowBudget(1, 10.0, clock=time.clock, sleep=time.sleep, stamp="completion")
    slot = rate.acquire()
    time.now += 4
    rate.complete(slot)
    rate.acquire()
    assert sum(time.slept) == pytest.approx(10.0)


def test_server_headers_add_requests_made_by_others_and_set_the_limit() -> None:
    rate, time = budget(100)
    rate.complete(rate.acquire())
    rate.observe(remaining=2, maximum=5)  # the server saw 3 in its window; we made 1
    assert rate.limit == 5
    assert rate.in_window() == 3
    rate.acquire()
    rate.acquire()
    assert time.slept == []
    rate.acquire()
    assert sum(time.slept) == pytest.approx(10.0)


def test_observing_twice_does_not_double_count() -> None:
    rate, _ = budget(10)
    rate.observe(remaining=6, maximum=None)
    rate.observe(remaining=6, maximum=None)
    assert rate.in_window() == 4


def test_pause_blocks_every_request_for_its_duration() -> None:
    rate, time = budget(50)
    rate.pause(2.5)
    rate.acquire()
    assert sum(time.slept) == pytest.approx(2.5)


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="positive limit"):
        RollingWindowBudget(0, 10)


def test_threads_never_exceed_the_limit_in_any_window() -> None:
    """Real threads and the real clock, with a short window so it stays fast."""
    rate = RollingWindowBudget(5, 0.2)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(4):
            slot = rate.acquire()
            with lock:
                stamps.append(slot.at)
            rate.complete(slot)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    assert len(stamps) == 20
    for i, start in enumerate(stamps):
        in_window = [s for s in stamps[i:] if s < start + 0.2]
        assert len(in_window) <= 5


def test_a_header_older_than_our_window_makes_no_phantom_slot() -> None:
    """The server counted a request when it admitted ours; by the time its header arrives that
    request may have left our window. Compared as of our request's start, nobody else is there."""
    rate, time = budget(10)
    first = rate.acquire()
    rate.complete(first)
    time.now += 9.95
    ours = rate.acquire()  # the server admits it at once and counts both: remaining 8
    time.now += 0.1  # the answer arrives a latency later: `first` has left our window
    rate.observe(remaining=8, maximum=None, as_of=ours.at)
    rate.complete(ours)
    assert rate.in_window() == 1


def test_a_header_still_shows_requests_made_by_others() -> None:
    rate, _ = budget(10)
    ours = rate.acquire()
    rate.observe(remaining=6, maximum=None, as_of=ours.at)  # the server saw 4; we made 1
    rate.complete(ours)
    assert rate.in_window() == 4


def test_a_shared_gate_is_asked_after_the_local_budget_and_waited_for() -> None:
    """The gate (the replicas' ledger, in the daemon) says how long to wait; the request starts
    only once it grants one, and it is told this budget's limit and window."""
    rate, time = budget(5)
    answers = [2.5, 0.5, 0.0]
    asked: list[tuple[int, float]] = []

    def gate(limit: int, window: float) -> float:
        asked.append((limit, window))
        return answers.pop(0)

    rate.gate = gate
    rate.complete(rate.acquire())
    assert time.slept == [2.5, 0.5]
    assert asked == [(5, 10.0)] * 3
