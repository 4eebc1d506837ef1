"""HubSpot objects as syncer Records, HubSpot timestamps, and this connector's cursor format.

HubSpot sends property values as strings (or null) and timestamps as ISO-8601 UTC with
milliseconds; search filters take epoch milliseconds as strings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from syncer.errors import ConfigError
from syncer.records import Cursor, Record

from .shapes import kind_of, malformed, record_id

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_record(
    obj: dict[str, Any],
    properties: Sequence[str],
    modified: str,
    absent: set[str] | None = None,
) -> Record:
    """A HubSpot object as a Record; MalformedResponse when it is not the documented shape.
    `absent` collects the requested properties the answer left out (unknown to HubSpot, or
    empty where a portal omits empty values): absent and null both read as None."""
    where = "record"
    raw = obj.get("properties")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise malformed(where, f"'properties' is {kind_of(raw)}, not an object")
    values = {name: _as_text(raw.get(name), name) for name in properties}
    if absent is not None and not raw.keys() >= values.keys():
        absent.update(values.keys() - raw.keys())
    stamp = raw.get(modified) or obj.get("updatedAt")
    archived = obj.get("archived", False)
    if not isinstance(archived, bool):
        raise malformed(where, f"'archived' is {kind_of(archived)}, not a boolean")
    return Record(
        id=record_id(obj, where),
        properties=values,
        modified_at=checked_time(stamp, modified) if stamp else None,
        archived=archived,
    )


def _as_text(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise malformed("record", f"property {name!r} is {kind_of(value)}, not a value")


def checked_time(value: Any, name: str) -> datetime:
    """parse_time for a value read from a response: MalformedResponse when it is no time."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise malformed("record", f"{name!r} is {kind_of(value)}, not a timestamp")
    try:
        return parse_time(value)
    except (ValueError, OverflowError):
        raise malformed("record", f"{name!r} is not an ISO-8601 time or epoch ms") from None


def parse_time(value: str | int) -> datetime:
    """An ISO-8601 timestamp or epoch milliseconds, as an aware UTC datetime."""
    text = str(value).strip()
    if text.isdigit():
        return from_epoch_ms(int(text))
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: syncer times must be aware UTC")
    return (moment - _EPOCH) // _MS  # integer arithmetic: float seconds * 1000 can lose 1 ms


def from_epoch_ms(ms: int) -> datetime:
    return _EPOCH + ms * _MS


def record_ms(record: Record) -> int:
    return epoch_ms(record.modified_at) if record.modified_at else 0


def encode_cursor(ms: int) -> Cursor:
    return Cursor(json.dumps({"t": ms}))


def decode_cursor(cursor: Cursor) -> int:
    try:
        value = json.loads(cursor.position)["t"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(
            f'HubSpot cursor {cursor.position!r} is not this connector\'s; expected {{"t": ms}}'
        ) from exc
    if not isinstance(value, int):
        raise ConfigError(f'HubSpot cursor {cursor.position!r}: "t" must be epoch milliseconds')
    return value
