"""HubSpot's time formats: ISO-8601 UTC with milliseconds out, epoch-ms or ISO in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

_DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=4096)
def iso_ms(epoch_ms: int) -> str:
    """`2024-08-15T17:09:13.648Z`, the form HubSpot uses for every timestamp it returns.

    Cached because a batch stamps and renders the same instant a hundred times over.
    """
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def iso_date(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def day_number(epoch_ms: int) -> int:
    """Days since the epoch (UTC); the daily limit resets when this changes."""
    return epoch_ms // _DAY_MS


@lru_cache(maxsize=65_536)
def parse_epoch_ms(text: str) -> int | None:
    """Epoch milliseconds from `1700000000000`, `2024-01-01`, or an ISO datetime; None if neither.

    Cached because search compares the same stored timestamps over and over.
    """
    text = text.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def is_midnight_utc(epoch_ms: int) -> bool:
    return epoch_ms % _DAY_MS == 0
