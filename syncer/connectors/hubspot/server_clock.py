"""HubSpot's clock, as its answers tell it: the `Date` header every response carries.

HubSpot stamps `lastmodifieddate` on its own clock, so an incremental read's signpost, which
becomes the stored cursor, must not be later than HubSpot's time. Taken from a syncer clock that
runs fast, it would lie in HubSpot's future, and every edit made before HubSpot's clock caught up
with it (less the overlap) would fall below the next read and never be seen. Each answer gives
the offset of HubSpot's clock from syncer's; `Date` has whole seconds, cut down, so HubSpot's
time is at most one second past what the offset says, a margin that any overlap of a second or
more re-reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

RESOLUTION = timedelta(seconds=1)


class ServerClock:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock  # syncer's clock
        self._lock = threading.Lock()
        self._offset: timedelta | None = None  # HubSpot's clock minus syncer's, at the last answer

    def observe(self, response: httpx.Response) -> None:
        """A response hook: the offset from the answer's `Date`, if it has a valid one."""
        value = response.headers.get("Date")
        if not value:
            return
        try:
            stamp = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return
        stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp
        offset = stamp - self._clock()
        with self._lock:
            self._offset = offset

    def latest(self, now: datetime) -> datetime:
        """The latest time HubSpot's clock can show when syncer's shows `now` (`now` itself
        before any dated answer)."""
        with self._lock:
            offset = self._offset
        if offset is None:
            return now
        return now + offset + RESOLUTION
