"""The in-flight window: Little's law with headroom, bounded, following the measured latency;
InFlight holding to a window that changes while a call runs."""

from __future__ import annotations

import threading
import time

import pytest

from syncer.http.inflight import InFlight
from syncer.http.window import CAP, FLOOR, RoundTrips, sized_by, window_size


@pytest.mark.parametrize(
    ("rate", "round_trip", "expected"),
    [
        (10.0, None, FLOOR),  # nothing measured yet
        (10.0, 0.1, FLOOR),  # 2 would do: never under the floor
        (10.0, 0.3, 6),  # 3 in flight keep 10/s going; twice that for headroom
        (19.0, 0.3, 12),
        (10.0, 2.0, CAP),  # 40 wanted: capped
        (100_000.0, 0.001, CAP),  # an unlimited budget
    ],
)
def test_the_window_is_rate_times_round_trip_with_headroom(
    rate: float, round_trip: float | None, expected: int
) -> None:
    assert window_size(rate, round_trip) == expected


def test_an_explicit_cap_below_the_floor_wins() -> None:
    assert window_size(10.0, None, cap=2) == 2
    assert window_size(10.0, 5.0, cap=2) == 2


def test_the_round_trip_is_a_moving_average_that_follows_the_network() -> None:
    trips = RoundTrips()
    assert trips.average() is None
    trips.observe(0.1)
    assert trips.average() == pytest.approx(0.1)
    for _ in range(30):  # the latency rose to 300 ms and stayed there
        trips.observe(0.3)
    assert trips.average() == pytest.approx(0.3, abs=0.001)
    assert sized_by(lambda: 10.0, trips)() == 6


def peak_of(
    pool: InFlight, items: int, wanted: int, on_start: object = None, hold: float = 2.0
) -> int:
    """The most tasks running at once; each task holds on until `wanted` ran together (or
    `hold` seconds passed), so the peak does not depend on how fast threads wake."""
    running, peak, lock = 0, 0, threading.Lock()
    reached = threading.Event()

    def work(n: int) -> None:
        nonlocal running, peak
        if callable(on_start):
            on_start(n)
        with lock:
            running += 1
            peak = max(peak, running)
            if running >= wanted:
                reached.set()
        reached.wait(hold)
        time.sleep(0.005)
        with lock:
            running -= 1

    pool.map(work, list(range(items)))
    return peak


def test_no_more_than_the_window_run_at_once() -> None:
    pool = InFlight(8, width=lambda: 3)
    try:
        assert peak_of(pool, 6, wanted=4, hold=0.3) == 3  # 4 never run together
    finally:
        pool.close()


def test_a_window_that_grows_mid_call_lets_more_go() -> None:
    width = [2]
    pool = InFlight(8, width=lambda: width[0])

    def widen(n: int) -> None:
        if n == 1:
            width[0] = 6

    try:
        assert peak_of(pool, 30, 6, widen) == 6
    finally:
        pool.close()


def test_tasks_waiting_at_the_window_are_not_started_after_a_failure() -> None:
    pool = InFlight(8, width=lambda: 1)
    started: list[int] = []

    def work(n: int) -> None:
        started.append(n)
        time.sleep(0.01)
        if n == 0:
            raise ValueError("batch 0 is bad")

    try:
        with pytest.raises(ValueError, match="batch 0 is bad"):
            pool.map(work, list(range(8)))
    finally:
        pool.close()
    assert started == [0]  # the seven other threads had started and waited at the window
