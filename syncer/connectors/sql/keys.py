"""Record ids of SQL rows: the primary key's values as one text, and back.

A single-column key's id is the value's text as it is (`42`, `ACME`). A composite key's id
joins the values' texts with `:` in the configured column order (`10100:S18_1749`); so that a
value holding `:` cannot be mistaken for two, each value is escaped first: a backslash becomes
`\\\\` and a colon `\\:`. Reading an id back splits on the colons no backslash escapes and
undoes the escapes, so every id names exactly one tuple of values and every tuple one id.

Inside the connector a key is always a tuple, one value per key column in the column's own
Python type (int, Decimal, date, datetime or text), so a key read from a row and a key parsed
from an id compare equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from syncer.connectors.sql.schema import Column, field_type
from syncer.records import FieldType

Key = tuple[Any, ...]

_SEPARATOR = ":"
_ESCAPE = "\\"


def record_id(key: Key) -> str:
    """The id of the row whose key columns hold `key`."""
    if len(key) == 1:
        return _text(key[0])
    return _SEPARATOR.join(_escape(_text(value)) for value in key)


def parse_id(columns: Sequence[Column], text: str) -> Key | None:
    """The key an id names, in the columns' types; None if no row could have that id."""
    parts = [text] if len(columns) == 1 else _split(text)
    if parts is None or len(parts) != len(columns):
        return None
    values = [parse_value(column, part) for column, part in zip(columns, parts, strict=True)]
    return None if any(v is None for v in values) else tuple(values)


def parse_value(column: Column, text: str) -> Any | None:
    """One key value's text as the column's value; None if it cannot be one."""
    column_type = column.type
    kind = field_type(column_type)
    try:
        if kind is FieldType.NUMBER and isinstance(column_type, sa.Integer):
            return int(text)
        if kind is FieldType.NUMBER:
            return Decimal(text)
        if kind is FieldType.DATETIME:
            return datetime.fromisoformat(text)
        if kind is FieldType.DATE:
            return date.fromisoformat(text)
    except (ValueError, InvalidOperation):
        return None
    return text


def key_of(columns: Sequence[Column], values: Mapping[Any, Any]) -> Key:
    """The key held in a row (or a row's values about to be written)."""
    return tuple(values[column.name] for column in columns)


def normalised(columns: Sequence[Column], key: Key) -> Key | None:
    """`key` as a row would hold it: values given in another type (a Decimal for an integer
    column, a text for a date) are read back through their id form."""
    return parse_id(columns, record_id(key))


def key_condition(columns: Sequence[Column], keys: Iterable[Key]) -> sa.ColumnElement[bool]:
    """The rows whose key is one of `keys`."""
    wanted = list(keys)
    if len(columns) == 1:
        return columns[0].in_([key[0] for key in wanted])
    return sa.or_(
        sa.false(),
        *(sa.and_(*(c == v for c, v in zip(columns, key, strict=True))) for key in wanted),
    )


def _text(value: Any) -> str:
    # str(), not isoformat(): the ids single-column keys have always had (datetime.fromisoformat
    # reads "2026-12-06 08:00:00" back all the same).
    return str(value)


def _escape(text: str) -> str:
    return text.replace(_ESCAPE, _ESCAPE * 2).replace(_SEPARATOR, _ESCAPE + _SEPARATOR)


def _split(text: str) -> list[str] | None:
    """The unescaped parts of a composite id; None when an escape is left dangling."""
    parts, current = [], []
    characters = iter(text)
    for character in characters:
        if character == _ESCAPE:
            following = next(characters, None)
            if following not in (_ESCAPE, _SEPARATOR):
                return None
            current.append(following)
        elif character == _SEPARATOR:
            parts.append("".join(current))
            current = []
        else:
            current.append(character)
    parts.append("".join(current))
    return parts
