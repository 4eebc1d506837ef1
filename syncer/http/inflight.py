"""Several batches in flight: a small thread pool that keeps each caller's logging context.

Batches of one call are independent and each one is rate-limited by the shared, thread-safe
budgets, so sending a few at once hides network latency without exceeding any limit. Workers
run in a copy of the caller's `contextvars` context, so structlog's bound values (run id,
pipeline) appear on their log lines too. A task started from inside a worker runs inline:
waiting on the pool from one of its own threads could deadlock once every thread waits.

With a `width`, `max_in_flight` threads are kept but only `width()` tasks run at once, read
afresh as each task starts: the window follows the measured latency (http/window.py).
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
    def __init__(
        self,
        max_in_flight: int,
        *,
        name: str = "batches",
        width: Callable[[], int] | None = None,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
        self.max_in_flight = max_in_flight
        self._width = width
        self._gate = threading.Condition()
        self._running = 0
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
        failed = threading.Event()
        futures = [
            executor.submit(contextvars.copy_context().run, self._as_worker, work, item, failed)
            for item in items
        ]
        return _gather(futures)

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def _as_worker(self, work: Callable[[T], R], item: T, failed: threading.Event) -> R:
        self._inside.worker = True
        self._enter()
        try:
            if failed.is_set():  # waited at the gate while another task failed: not sent
                raise _Skipped()
            return work(item)
        except BaseException as exc:
            if not isinstance(exc, _Skipped):
                failed.set()
            raise
        finally:
            self._leave()
            self._inside.worker = False

    def _enter(self) -> None:
        """Wait until fewer than `width()` tasks run (no wait without a width)."""
        if self._width is None:
            return
        with self._gate:
            while self._running >= max(1, self._width()):
                self._gate.wait(0.05)  # the width may grow meanwhile: look again soon
            self._running += 1

    def _leave(self) -> None:
        if self._width is None:
            return
        with self._gate:
            self._running -= 1
            self._gate.notify_all()  # the width may have grown: every waiter looks again

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self.max_in_flight, thread_name_prefix=f"syncer-{self._name}"
                )
            return self._executor


class _Skipped(Exception):
    """A task not started because another task of the same call had failed."""


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
                # wait for tasks already running to end; prefer a real failure to a skip
                error = future.exception()
                if isinstance(failure, _Skipped) and error is not None:
                    failure = error
        raise failure
    return [future.result() for future in futures]
