"""A thread-safe rolling-window rate budget: at most `limit` requests in any `window` seconds.

Slots are reserved when a request starts and re-stamped once its response arrives, because the
server counts a request when it arrives, which is after we started it. By default the stamp is
the midpoint of the round trip: the request reached the server no later than that when the way
there takes no longer than the way back (the server's own work, which also comes after the
count, only moves the midpoint later). `stamp="completion"` is the strictest estimate, for a
link whose way there is the slower one; it costs a round trip per window (on a sequential
search at 5/s with 100 ms answers, a tenth of the ceiling).

Headers reporting what the server has left correct the budget for requests made by others
sharing it (other replicas, other tools on the same app).

A header is the server's count when it admitted the request, read by us a latency later; slots
that left our window in between are still in that count. They are compared as of the request's
start (`observe(..., as_of=...)`), or every stale header would be mistaken for someone else's
requests and hold phantom slots for a whole window (measured: 4 phantoms at 100 ms latency,
which left a third of a 10-second window idle in benchmark 1).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from syncer.http import waits

Stamp = Literal["midpoint", "completion"]

# Where a request carries the budget-clock time its slot was taken, for `observe(as_of=...)`.
STARTED = "syncer.budget_started"

# The same budget kept by others too (the daemon's replicas, through their ledger): given the
# limit and window, it grants one request (0.0) or says how many seconds to wait and ask again.
SharedGate = Callable[[int, float], float]


@dataclass(slots=True)
class Slot:
    """One request counted against the budget; `at` is when it last touched the server."""

    at: float


class RollingWindowBudget:
    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = waits.sleep,
        stamp: Stamp = "midpoint",
    ) -> None:
        if limit <= 0 or window <= 0:
            raise ValueError(f"rate budget needs a positive limit and window, got {limit}/{window}")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._midpoint = stamp == "midpoint"
        self._slots: list[Slot] = []
        self._retired: deque[float] = deque()  # when pruned slots last touched the server
        self._blocked_until = 0.0
        self._lock = threading.Lock()
        self.gate: SharedGate | None = None

    def acquire(self) -> Slot:
        """Block until a request may start, by this budget and then by its shared `gate`, if it
        has one; the returned slot is then counted."""
        while True:
            with self._lock:
                wait = self._wait_locked()
                if wait <= 0:
                    slot = Slot(self._clock())
                    self._slots.append(slot)
                    break
            self._sleep(wait)
        gate = self.gate
        while gate is not None and (wait := gate(self.limit, self.window)) > 0:
            self._sleep(wait)
        return slot

    def complete(self, slot: Slot) -> None:
        """Re-stamp the slot once the response arrived (see module docstring)."""
        with self._lock:
            now = self._clock()
            slot.at = max(slot.at, (slot.at + now) / 2 if self._midpoint else now)

    def observe(
        self, remaining: int | None, maximum: int | None, *, as_of: float | None = None
    ) -> None:
        """Correct the budget from the server's view of it (e.g. X-HubSpot-RateLimit-* headers)
        taken no earlier than `as_of` (when the request carrying it started; default now)."""
        with self._lock:
            if maximum is not None and maximum > 0:
                self.limit = maximum
            if remaining is None:
                return
            self._prune_locked()
            now = self._clock()
            horizon = (now if as_of is None else min(as_of, now)) - self.window
            ours = len(self._slots) + sum(1 for at in self._retired if at > horizon)
            unseen = (self.limit - remaining) - ours
            # Requests the server counted that we did not make: someone else shares the budget.
            self._slots.extend(Slot(now) for _ in range(max(0, unseen)))

    def pause(self, seconds: float) -> None:
        """Refuse every request for `seconds` (the server said the budget is spent)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    def in_window(self) -> int:
        with self._lock:
            self._prune_locked()
            return len(self._slots)

    def _wait_locked(self) -> float:
        now = self._clock()
        if now < self._blocked_until:
            return self._blocked_until - now
        self._prune_locked()
        if len(self._slots) < self.limit:
            return 0.0
        oldest = sorted(slot.at for slot in self._slots)[len(self._slots) - self.limit]
        return max(oldest + self.window - now, 0.001)

    def _prune_locked(self) -> None:
        now = self._clock()
        horizon = now - self.window
        kept: list[Slot] = []
        for slot in self._slots:
            if slot.at > horizon:
                kept.append(slot)
            else:
                self._retired.append(slot.at)
        self._slots = kept
        while self._retired and self._retired[0] <= horizon - self.window:
            self._retired.popleft()  # older than any header still on its way can count
