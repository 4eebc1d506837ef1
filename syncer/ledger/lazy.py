"""The ledger opened on first use, then kept: part of the ledger's front door with store.py.

The daemon's rate gate (wiring.py) and its health endpoints (service/health.py) each hold one,
so a daemon started while the ledger is down still starts and serves /healthz.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from syncer.ledger.store import Ledger


class LazyLedger:
    """A ledger opened on first use, then kept, for a process that must start while the
    ledger is down (the daemon's rate gate and health endpoints). Threads share it: the lock
    makes the first uses at once open it once, not once each (each open would leave a
    connection pool behind, and two first opens of a fresh ledger both create its tables)."""

    def __init__(self, open_ledger: Callable[[], Ledger]) -> None:
        self._open = open_ledger
        self._ledger: Ledger | None = None
        self._lock = threading.Lock()

    def opened(self) -> Ledger:
        """The ledger, opened now if it is not yet; raises (and stays unopened) if it cannot
        be reached, so a later use tries again."""
        with self._lock:
            if self._ledger is None:
                self._ledger = self._open()
            return self._ledger

    def close(self) -> None:
        """Close its connections; a later use opens it again."""
        with self._lock:
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None
