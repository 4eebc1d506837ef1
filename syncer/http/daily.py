"""A daily request quota that resets at midnight in the account's time zone.

Waiting inside a run cannot lift a daily limit, so an exhausted budget raises `RateLimited`
(policy DAILY) with the seconds until the reset; the caller parks the pipeline until then.
The count is seeded from configuration and corrected from what the server reports left, since
the quota is shared by every app and replica on the account.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from syncer.errors import RateLimited

DAILY = "DAILY"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DailyBudget:
    def __init__(
        self, limit: int, timezone: str = "UTC", *, now: Callable[[], datetime] = _utc_now
    ) -> None:
        if limit <= 0:
            raise ValueError(f"daily limit must be positive, got {limit}")
        self.limit = limit
        self._zone = ZoneInfo(timezone)
        self._now = now
        self._lock = threading.Lock()
        self._day = self._today()
        self.remaining = limit

    def spend(self) -> None:
        """Count one request, or raise RateLimited(DAILY) when none is left today."""
        with self._lock:
            self._roll_locked()
            if self.remaining <= 0:
                raise RateLimited(
                    f"daily request limit ({self.limit}) used up; it resets at midnight "
                    f"{self._zone.key}",
                    policy=DAILY,
                    retry_after=self.seconds_until_reset(),
                )
            self.remaining -= 1

    def observe(self, remaining: int | None, limit: int | None = None) -> None:
        """The server's count of what is left today (X-HubSpot-RateLimit-Daily-*)."""
        with self._lock:
            self._roll_locked()
            if limit is not None and limit > 0:
                self.limit = limit
            if remaining is not None:
                self.remaining = max(0, remaining)

    def exhaust(self) -> None:
        """The server refused for the daily limit: refuse everything else until the reset."""
        with self._lock:
            self._roll_locked()
            self.remaining = 0

    def seconds_until_reset(self) -> float:
        local = self._now().astimezone(self._zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
        reset = midnight.replace(tzinfo=self._zone)
        return max((reset - local).total_seconds(), 0.0)

    def _today(self) -> date:
        return self._now().astimezone(self._zone).date()

    def _roll_locked(self) -> None:
        today = self._today()
        if today != self._day:
            self._day = today
            self.remaining = self.limit
