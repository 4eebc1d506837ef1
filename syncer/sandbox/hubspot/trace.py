"""The sandbox's request trace: when each API request came in and when its answer went out, by
the sandbox's clock, so a run's timeline (set-up calls one after another or together, requests
in flight over time, idle gaps) can be read after the fact (`GET /_sandbox/trace`).

On loopback these are the client's own send and receive times: the configured latency is slept
inside the sandbox, half before admitting the request and half after answering it. The newest
MAX_ENTRIES requests are kept; admin requests are not traced.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

MAX_ENTRIES = 200_000


@dataclass(frozen=True, slots=True)
class TracedRequest:
    start_ms: float
    end_ms: float
    method: str
    path: str
    kind: str
    status: int | None  # None: the connection was dropped unanswered (a fault)

    def to_json(self) -> dict[str, Any]:
        return {
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "method": self.method,
            "path": self.path,
            "kind": self.kind,
            "status": self.status,
        }


class RequestTrace:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: deque[TracedRequest] = deque(maxlen=max_entries)
        self._lock = threading.Lock()

    def record(self, entry: TracedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[TracedRequest]:
        """Oldest first, by when the request came in."""
        with self._lock:
            return sorted(self._entries, key=lambda e: e.start_ms)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
