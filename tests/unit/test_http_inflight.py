"""InFlight: batches sent together, results in order, logging context kept, failures raised."""

from __future__ import annotations

import threading
import time

import pytest
import structlog

from syncer.http.inflight import InFlight


def test_results_keep_the_order_of_the_items() -> None:
    pool = InFlight(4)
    try:
        assert pool.map(lambda n: n * n, list(range(20))) == [n * n for n in range(20)]
    finally:
        pool.close()


def test_no_more_than_max_in_flight_run_at_once_and_they_overlap() -> None:
    pool = InFlight(3)
    running, peak, lock = 0, 0, threading.Lock()

    def work(_: int) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    started = time.monotonic()
    pool.map(work, list(range(9)))
    pool.close()
    assert peak == 3
    assert time.monotonic() - started < 0.4  # 3 rounds of 50 ms, not 9


def test_workers_see_the_callers_structlog_context() -> None:
    pool = InFlight(2)
    structlog.contextvars.bind_contextvars(run_id="run-42")
    try:
        seen = pool.map(lambda _: structlog.contextvars.get_contextvars().get("run_id"), [1, 2, 3])
    finally:
        structlog.contextvars.unbind_contextvars("run_id")
        pool.close()
    assert seen == ["run-42"] * 3


def test_work_started_inside_a_worker_runs_inline_instead_of_deadlocking() -> None:
    pool = InFlight(2)
    outer_threads = pool.map(
        lambda _: (threading.get_ident(), pool.map(lambda _: threading.get_ident(), [1, 2, 3])),
        [1, 2, 3, 4],
    )
    pool.close()
    assert all(inner == [outer] * 3 for outer, inner in outer_threads)


def test_the_first_failure_is_raised_and_unstarted_work_is_cancelled() -> None:
    pool = InFlight(1 + 1)
    done: list[int] = []

    def work(n: int) -> int:
        if n == 0:
            raise ValueError("batch 0 is bad")
        time.sleep(0.01)
        done.append(n)
        return n

    with pytest.raises(ValueError, match="batch 0 is bad"):
        pool.map(work, list(range(50)))
    pool.close()
    assert len(done) < 49


def test_max_in_flight_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InFlight(0)
