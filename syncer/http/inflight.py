"""Several batches in flight: a small thread pool that keeps each caller's logging context.

Batches of one call are independent and each one is rate-limited by the shared, thread-safe
budgets, so sending a few at once hides network latency without exceeding any limit. Workers
run in a copy of the caller's `contextvars` context, so structlog's bound values (run id,
pipeline) appear on their log lines too. A task started from inside a worker runs inline:
waiting on the pool from one of its own threads could deadlock once every thread waits.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class InFlight:
    def __init__(self, max_in_flight: int, *, name: str = "batches") -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
        self.max_in_flight = max_in_flight
        self._executor: ThreadPoolExecutor | None = None
        self._name = name
        self._lock = threading.Lock()
        self._inside = threading.local()

    def map(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`work` applied to every item, results in the items' order.

        The first failure is raised once every started task has ended; tasks not yet started
        are cancelled, so a fatal error does not go on spending the rate budget.
        """
        if len(items) <= 1 or self.max_in_flight == 1 or getattr(self._inside, "worker", False):
            return [work(item) for item in items]
        executor = self._pool()
        futures = [
            executor.submit(contextvars.copy_context().run, self._as_worker, work, item)
            for item in items
        ]
        return _gather(futures)

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def _as_worker(self, work: Callable[[T], R], item: T) -> R:
        self._inside.worker = True
        try:
            return work(item)
        finally:
            self._inside.worker = False

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self.max_in_flight, thread_name_prefix=f"syncer-{self._name}"
                )
            return self._executor


def _gather(futures: list[Future[R]]) -> list[R]:
    failure: BaseException | None = None
    for future in futures:
        if failure is not None:
            future.cancel()
        elif future.exception() is not None:
            failure = future.exception()
    if failure is not None:
        for future in futures:
            if not future.cancelled():
                future.exception()  # wait for tasks already running to end
        raise failure
    return [future.result() for future in futures]
