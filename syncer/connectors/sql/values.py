"""Conversions between driver values and the connector's values.

Naive datetimes are wall-clock times in the pipeline's `sql.timezone`; everything leaving the
connector is an aware UTC datetime, and aware datetimes going in are converted back to the
column's form (naive in `sql.timezone`, or aware for timezone-aware columns). Legacy CRMs often
store booleans as 0/1 integers (MySQL has no other way), so boolean columns come out as bool.
MySQL TIMESTAMP columns are returned naive in the *session* time zone: for them, set
`sql.timezone` to the server's time zone (the session default).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from syncer.connectors.sql.keys import parse_value, record_id
from syncer.connectors.sql.schema import Column, TableSchema, field_type
from syncer.errors import FatalError
from syncer.records import Cursor, FieldType, Record

# Without an updated_at column there is no watermark: every call reads every row, and the engine
# compares per-record hashes with the ledger. This cursor says "already listed once".
FULL_SCAN = Cursor("full-scan")

# The watermark of a table with no timestamped row yet: earlier than any real change.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    if value.tzinfo is None:
        if zone.key == "UTC":  # the common case, per value of a full listing: no conversion
            return value.replace(tzinfo=UTC)
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def to_column_time(value: datetime, column: Column, zone: ZoneInfo) -> datetime:
    """An aware datetime in `column`'s form: naive wall-clock time in `zone` unless tz-aware."""
    if value.tzinfo is None:
        return value
    if getattr(column.type, "timezone", False):
        return value
    return value.astimezone(zone).replace(tzinfo=None)


def to_column_value(value: Any, column: Column, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return to_column_time(value, column, zone)
    return value


def record_maker(
    schema: TableSchema, columns: tuple[Column, ...]
) -> Callable[[sa.RowMapping], Record]:
    """Rows to Records, each column's conversion decided once rather than per value (a full
    listing converts every row of the table)."""
    zone = schema.zone
    names = tuple(c.name for c in columns)
    booleans = frozenset(c.name for c in columns if field_type(c.type) is FieldType.BOOLEAN)
    key = tuple(c.name for c in schema.primary_key)
    updated = schema.updated_at.name if schema.updated_at is not None else None
    flag = schema.deleted_flag.name if schema.deleted_flag is not None else None

    def make(row: sa.RowMapping) -> Record:
        properties: dict[str, Any] = {}
        for name in names:
            value = row[name]
            if isinstance(value, datetime):
                value = to_utc(value, zone)
            elif name in booleans and isinstance(value, int):
                value = bool(value)
            properties[name] = value
        if updated in properties:  # read as a mapped column too: converted once
            modified = properties[updated]
        else:
            modified = row[updated] if updated is not None else None
            modified = to_utc(modified, zone) if isinstance(modified, datetime) else None
        return Record(
            id=record_id(tuple(row[name] for name in key)),
            properties=properties,
            modified_at=modified if isinstance(modified, datetime) else None,
            archived=bool(row[flag]) if flag is not None else False,
        )

    return make


def encode_cursor(watermark: datetime) -> Cursor:
    return Cursor(watermark.astimezone(UTC).isoformat())


def decode_cursor(cursor: Cursor, pipeline: str) -> datetime | None:
    """The watermark in `cursor`, or None for a full-scan cursor."""
    if cursor == FULL_SCAN:
        return None
    try:
        watermark = datetime.fromisoformat(cursor.position)
    except ValueError as exc:
        raise FatalError(
            f"pipelines.{pipeline}: stored SQL cursor {cursor.position!r} is not "
            "an ISO-8601 timestamp or 'full-scan'"
        ) from exc
    return to_utc(watermark, ZoneInfo("UTC"))


def match_key(column: Column, value: Any) -> Any | None:
    """How a unique-key value compares: trimmed and lower-cased for text columns."""
    if isinstance(value, str) and field_type(column.type) is FieldType.TEXT:
        return value.strip().lower()
    return parse_value(column, str(value)) if value is not None else None


def match_condition(column: Column, values: Sequence[str]) -> sa.ColumnElement[bool]:
    """`column` equals one of `values`, ignoring case and surrounding blanks for text."""
    keys = [k for k in dict.fromkeys(match_key(column, v) for v in values) if k is not None]
    if field_type(column.type) is FieldType.TEXT:
        return sa.func.lower(sa.func.trim(column)).in_(keys)
    return column.in_(keys)
