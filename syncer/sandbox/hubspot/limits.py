"""HubSpot's rate limits: a rolling 10-second burst per token, a daily quota, and search's own
per-second limit (search is exempt from the burst window and carries no rate-limit headers).

A refused (429) request does not count towards any limit: HubSpot documents no such counting.
"""

from __future__ import annotations

from collections import deque

from syncer.sandbox.hubspot.config import SandboxConfig
from syncer.sandbox.hubspot.errors import rate_limited
from syncer.sandbox.hubspot.timefmt import day_number

BURST_WINDOW_MS = 10_000
SEARCH_WINDOW_MS = 1_000


class RateLimiter:
    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        # one rolling window per app (token); `_burst` is the one the current request uses
        self._buckets: dict[str, deque[int]] = {}
        self._burst: deque[int] = deque()
        self._search: deque[int] = deque()
        self._day = -1
        self._day_count = 0
        self._latest_ms = 0

    def admit(
        self, now_ms: int, is_search: bool, burst_exempt: bool = False, app: str = ""
    ) -> dict[str, str]:
        """Count the request, or raise a 429 ApiError; returns the rate-limit headers to send.
        Each `app` has its own ten-secondly window; the daily quota and search's per-second
        limit are the account's. `burst_exempt`: associations batch endpoints skip the window
        (HubSpot's spec marks them so) but still count towards the daily quota."""
        self._roll_day(now_ms)
        self._burst = self._buckets.setdefault(app, deque())
        if is_search:
            self._admit_search(now_ms)
            return {}
        if burst_exempt:
            if self._config.daily_limit and self._day_count >= self._config.daily_limit:
                raise self._refusal("DAILY", "You have reached your daily limit.")
            self._day_count += 1
            return {}
        config = self._config
        self._latest_ms = now_ms
        _expire(self._burst, now_ms - BURST_WINDOW_MS)
        if config.daily_limit and self._day_count >= config.daily_limit:
            raise self._refusal("DAILY", "You have reached your daily limit.")
        if config.burst_limit and len(self._burst) >= config.burst_limit:
            group = f"publicapi:private-app-api-calls-ten-secondly:{config.portal_id}"
            raise self._refusal(
                "TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.", group
            )
        self._burst.append(now_ms)
        self._day_count += 1
        return self.headers()

    def _secondly_headers(self) -> dict[str, str]:
        """The deprecated per-second pair HubSpot still sent in 2022: a tenth of the burst."""
        per_second = max(self._config.burst_limit // 10, 1)
        latest = self._burst[-1] if self._burst else 0
        used = 0
        for at in reversed(self._burst):
            if at <= latest - SEARCH_WINDOW_MS:
                break
            used += 1
        return {
            "X-HubSpot-RateLimit-Secondly": str(per_second),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(max(per_second - used, 0)),
        }

    def headers(self) -> dict[str, str]:
        config = self._config
        headers: dict[str, str] = {}
        if config.burst_limit:
            headers["X-HubSpot-RateLimit-Max"] = str(config.burst_limit)
            headers["X-HubSpot-RateLimit-Remaining"] = str(
                max(config.burst_limit - len(self._burst), 0)
            )
            headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(BURST_WINDOW_MS)
            if config.secondly_headers:
                headers.update(self._secondly_headers())
        if config.daily_limit:
            headers["X-HubSpot-RateLimit-Daily"] = str(config.daily_limit)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(
                max(config.daily_limit - self._day_count, 0)
            )
        return headers

    def reset(self) -> None:
        self._buckets.clear()
        self._burst = deque()
        self._search.clear()
        self._day_count = 0

    def _admit_search(self, now_ms: int) -> None:
        config = self._config
        _expire(self._search, now_ms - SEARCH_WINDOW_MS)
        if config.daily_limit and self._day_count >= config.daily_limit:
            error = rate_limited("DAILY", "You have reached your daily limit.")
            raise error
        if config.search_per_second and len(self._search) >= config.search_per_second:
            raise rate_limited("SECONDLY", "You have reached your secondly limit.")
        self._search.append(now_ms)
        self._day_count += 1

    def _refusal(self, policy: str, message: str, group: str | None = None) -> Exception:
        error = rate_limited(policy, message, group)
        error.headers.update(self.headers())
        if self._config.retry_after_on_429 and policy == "TEN_SECONDLY_ROLLING" and self._burst:
            # seconds until the oldest request in the window leaves it
            wait_ms = self._burst[0] + BURST_WINDOW_MS - self._latest_ms
            error.headers["Retry-After"] = str(max(-(-wait_ms // 1000), 1))
        return error

    def _roll_day(self, now_ms: int) -> None:
        # The daily quota resets at midnight in the account's time zone.
        today = day_number(now_ms + self._config.utc_offset_minutes * 60_000)
        if today != self._day:
            self._day = today
            self._day_count = 0


def _expire(window: deque[int], older_than_or_at: int) -> None:
    while window and window[0] <= older_than_or_at:
        window.popleft()
