"""A listing read ahead on a thread of its own, so the next pages arrive while the last ones run.

A streamed run plans and executes one page while the side's listing could already be fetching
the next: a remote listing is mostly waiting on round trips, and left to the run thread it
would wait between pages (and the run would wait on it). `Prefetched` drains the listing into
a bounded queue: memory stays a few pages whatever the listing holds, and a reader that gets
ahead of the run blocks until a page is taken. What the listing raises is raised to the run
thread, at the point where it would have been met; closing stops the reader and closes the
listing on its own thread (a generator is closed where it runs).
"""

from __future__ import annotations

import contextlib
import contextvars
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_POLL = 0.1  # seconds a blocked reader waits before looking whether it was told to stop


class _End:
    """The listing ran out."""


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class Prefetched(Generic[T]):
    """`items` read ahead, up to `depth` items, on a daemon thread started at once."""

    def __init__(self, items: Iterable[T], depth: int, name: str = "syncer-prefetch") -> None:
        self._queue: queue.Queue[T | _End | _Failed] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        # A daemon: a run that ends early must not be kept alive by a reader still blocked.
        # It runs in a copy of the caller's context: its log lines carry the run's fields.
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self._read, items), name=name, daemon=True
        )
        self._thread.start()

    def __iter__(self) -> Iterator[T]:
        while not self._done:
            item = self._queue.get()
            if isinstance(item, _End):
                self._done = True
            elif isinstance(item, _Failed):
                self._done = True
                raise item.error
            else:
                yield item

    def close(self) -> None:
        """Stop reading ahead and wait for the reader to close the listing; twice is harmless."""
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):  # a reader blocked on a full queue moves on
                self._queue.get(timeout=_POLL)

    def _read(self, items: Iterable[T]) -> None:
        listing = iter(items)
        try:
            for item in listing:
                if not self._put(item):
                    return
            self._put(_End())
        except BaseException as exc:  # handed to the run thread, which raises it
            self._put(_Failed(exc))
        finally:
            close = getattr(listing, "close", None)
            if close is not None:
                close()  # a generator's own clean-up (the ranged readers stop) runs here

    def _put(self, item: T | _End | _Failed) -> bool:
        """Queue `item` unless told to stop first; whether it was queued."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False
