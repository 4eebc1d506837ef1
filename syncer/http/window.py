"""How many requests to keep in flight: sized from the measured round trip and the budget.

Little's law: to send `rate` requests a second when each takes `rtt` seconds, `rate * rtt` must
be in flight. Batches go out in groups (a chunk's batches, then the next chunk's), so the
window drains at the end of every group; the headroom lets the sender run faster than the
budget allows between drains and catch up after a pause (a page read and planned, a chunk
committed) with the budget still the only limit. A rolling-window budget then holds the pace.

The round trip is a moving average of what the sender measured, so the window follows the
network as latency changes. Until a round trip is measured the window is the floor.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

HEADROOM = 2.0
FLOOR = 4  # the former fixed default: never fewer, so a fast network loses nothing
CAP = 16  # threads kept for batches; an explicit max_in_flight may set another
SMOOTHING = 0.2  # weight of the newest round trip in the moving average


class RoundTrips:
    """A moving average of request round trips, in seconds (thread-safe)."""

    def __init__(self) -> None:
        self._average: float | None = None
        self._lock = threading.Lock()

    def observe(self, seconds: float) -> None:
        with self._lock:
            if self._average is None:
                self._average = seconds
            else:
                self._average += SMOOTHING * (seconds - self._average)

    def average(self) -> float | None:
        with self._lock:
            return self._average


def window_size(
    rate: float, round_trip: float | None, *, floor: int = FLOOR, cap: int = CAP
) -> int:
    """Requests to keep in flight for `rate` per second at `round_trip` seconds each."""
    if round_trip is None:
        return min(floor, cap)
    wanted = math.ceil(rate * round_trip * HEADROOM)
    return max(min(floor, cap), min(wanted, cap))


def sized_by(
    rate: Callable[[], float], round_trips: RoundTrips, *, cap: int = CAP
) -> Callable[[], int]:
    """The window for InFlight, read afresh before every request it lets go."""
    return lambda: window_size(rate(), round_trips.average(), cap=cap)
