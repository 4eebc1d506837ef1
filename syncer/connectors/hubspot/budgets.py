"""The limits HubSpot counts per app and per account, in one object that several connectors
(one per pipeline) can share: the ten-second burst (per app), search's per-second limit and the
daily quota (per account), as HubSpot's usage guidelines define them. Each budget is
thread-safe."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from syncer.http import RollingWindowBudget
from syncer.http.daily import DailyBudget
from syncer.settings import HubSpotSettings

from .outcomes import BURST_WINDOW_SECONDS


@dataclass(frozen=True, slots=True)
class PortalBudgets:
    burst: RollingWindowBudget
    search: RollingWindowBudget
    daily: DailyBudget

    @classmethod
    def from_settings(
        cls,
        settings: HubSpotSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
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
