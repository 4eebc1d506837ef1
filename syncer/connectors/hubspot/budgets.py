"""The limits HubSpot counts per app and per account, in one object that several connectors
(one per pipeline) can share: the ten-second burst (per app), search's per-second limit and the
daily quota (per account), as HubSpot's usage guidelines define them. Each budget is
thread-safe."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from syncer.http import RollingWindowBudget, waits
from syncer.http.daily import DailyBudget
from syncer.settings_hubspot import HubSpotSettings

from .outcomes import BURST_WINDOW_SECONDS


class Tally:
    """Counts by name, from several threads at once."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, name: str) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + 1

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


@dataclass(frozen=True, slots=True)
class PortalBudgets:
    burst: RollingWindowBudget
    search: RollingWindowBudget
    daily: DailyBudget
    # 429s HubSpot answered, by the policy it named (TEN_SECONDLY_ROLLING, SECONDLY, DAILY...)
    rate_limited_by: Tally = field(default_factory=Tally)
    # Every answer (or transport failure), by result class: ok, rejected, retry, ...
    results_by: Tally = field(default_factory=Tally)

    def share_through(self, gate: Callable[[str, int, float], float]) -> None:
        """Also keep the burst and search budgets with others (the daemon's replicas): `gate`
        is asked, with the budget's name, limit and window, before every request."""
        self.burst.gate = lambda limit, window: gate("hubspot:burst", limit, window)
        self.search.gate = lambda limit, window: gate("hubspot:search", limit, window)

    def remaining(self) -> dict[str, float]:
        """Requests each budget allows now, as far as this process knows: "burst" (this
        ten-second window), "search" (this second), "daily" (today, in the portal's zone)."""
        return {
            "burst": max(0, self.burst.limit - self.burst.in_window()),
            "search": max(0, self.search.limit - self.search.in_window()),
            "daily": self.daily.remaining,
        }

    def rate_limited(self) -> dict[str, int]:
        return self.rate_limited_by.counts()

    def results(self) -> dict[str, int]:
        return self.results_by.counts()

    @classmethod
    def from_settings(
        cls,
        settings: HubSpotSettings,
        *,
        sleep: Callable[[float], None] = waits.sleep,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> PortalBudgets:
        """Budgets seeded from configuration; responses' X-HubSpot-RateLimit-* headers then
        correct them."""
        return cls(
            burst=RollingWindowBudget(
                settings.burst_limit,
                BURST_WINDOW_SECONDS,
                clock=monotonic,
                sleep=sleep,
                stamp="completion",
            ),
            search=RollingWindowBudget(
                settings.search_per_second,
                1.0,
                clock=monotonic,
                sleep=sleep,
                stamp=settings.search_stamp,
            ),
            daily=DailyBudget(
                settings.daily_limit, settings.portal_timezone, **({"now": now} if now else {})
            ),
        )
