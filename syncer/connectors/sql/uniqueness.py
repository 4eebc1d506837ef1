"""Proof that the columns a pipeline pairs rows by are unique, for `syncer check`.

A listing or a look-up that meets two rows under one key keeps only one of them, so the other
is never synced: silent data loss. The database's own word is proof: a declared primary key,
unique constraint or (not partial) unique index on exactly those columns. Without one (a view,
or a table that never declared its key), the rows themselves are counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from syncer.connectors.sql.calls import run
from syncer.connectors.sql.schema import Column, TableSchema, is_text
from syncer.errors import ConfigError
from syncer.records import CallCounter


def verify_unique(
    engine: sa.Engine,
    counter: CallCounter,
    schema: TableSchema,
    columns: Sequence[Column],
    *,
    setting: str,
    normalised: bool = False,
) -> None:
    """Refuse `columns` when rows repeat their values. `normalised`: compare text as the match
    key does (trimmed, lower-cased) and only among live rows with a value, as look-ups do; a
    unique index does not prove text unique once case and blanks are folded, so it is counted."""
    folded = normalised and any(is_text(c) for c in columns)
    if schema.has_unique_index(columns) and not folded:
        return
    repeated = _repeated_values(engine, counter, schema, columns, normalised=normalised)
    if repeated:
        names = ", ".join(repr(c.name) for c in columns)
        raise ConfigError(
            f"pipelines.{schema.pipeline}.{setting}: column{'s' if len(columns) > 1 else ''} "
            f"{names} of {schema.table.fullname!r} {'are' if len(columns) > 1 else 'is'} not "
            f"unique: {repeated} value{'s repeat' if repeated > 1 else ' repeats'} in more than "
            "one row, and only one row per value would be synced (declare a primary key or a "
            "unique index, or correct the rows)"
        )


def _repeated_values(
    engine: sa.Engine,
    counter: CallCounter,
    schema: TableSchema,
    columns: Sequence[Column],
    *,
    normalised: bool,
) -> int:
    """How many distinct values of `columns` more than one row holds."""
    keys = [_compared(c) if normalised else c for c in columns]
    query = sa.select(*keys)
    if normalised:
        query = query.where(schema.live(), *(c.is_not(None) for c in columns))
    groups = query.group_by(*keys).having(sa.func.count() > 1).subquery()
    with engine.connect() as conn:
        return int(run(conn, counter, sa.select(sa.func.count()).select_from(groups)).scalar_one())


def _compared(column: Column) -> sa.ColumnElement[Any]:
    return sa.func.lower(sa.func.trim(column)) if is_text(column) else column
