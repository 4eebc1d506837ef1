"""Inserting new rows a batch at a time and getting their primary keys back, on every dialect.

Rows of one call share a column set and have distinct unique keys (the writer groups them), so
each call is one multi-row statement: `executemany`, which SQLAlchemy turns into multi-row
`INSERT ... VALUES` ("insertmanyvalues") with `RETURNING` in parameter order where the dialect
supports it (PostgreSQL, SQLite >= 3.35, MariaDB >= 10.5 for plain inserts). Returned keys are
matched to rows by their unique value, which the caller keeps distinct within a call.

When the unique column has a unique constraint or index, the insert is a dialect upsert
(`ON CONFLICT DO UPDATE` on SQLite and PostgreSQL, `ON DUPLICATE KEY UPDATE` on MySQL/MariaDB),
so a concurrent writer inserting the same key between our look-up and our insert cannot make a
duplicate or fail the batch. The caller has already looked for a live row by the normalised key,
so a conflict here means a race or a soft-deleted row with the same key, which the upsert brings
back to life (a create means the other side wants the record to exist). MySQL's upsert returns
nothing, so there the keys are read back by the unique column inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from syncer.connectors.sql.calls import run, run_many
from syncer.connectors.sql.keys import Key, key_of, normalised
from syncer.connectors.sql.schema import Column, TableSchema
from syncer.connectors.sql.values import match_condition, match_key
from syncer.records import CallCounter

if TYPE_CHECKING:
    from sqlalchemy.dialects import mysql, postgresql, sqlite

Inserted = tuple[Key, bool]  # (primary key, whether a new row was created)
_CREATED = "syncer_created"


def insert_rows(
    conn: sa.Connection,
    counter: CallCounter,
    schema: TableSchema,
    rows: Sequence[dict[str, Any]],
    unique: Column,
) -> list[Inserted]:
    """Insert `rows` (same keys, distinct unique values); their keys in the same order."""
    dialect = conn.dialect.name
    if schema.has_unique_index([unique]) and (unique,) != schema.primary_key:
        if dialect in ("postgresql", "sqlite"):
            return _upsert_returning(conn, counter, schema, rows, unique)
        if dialect in ("mysql", "mariadb"):
            return _upsert_then_select(conn, counter, schema, rows, unique)
    return _insert(conn, counter, schema, rows, unique)


def _upsert_returning(
    conn: sa.Connection,
    counter: CallCounter,
    schema: TableSchema,
    rows: Sequence[dict[str, Any]],
    unique: Column,
) -> list[Inserted]:
    pk = schema.primary_key
    statement = _on_conflict_insert(conn.dialect.name, schema.table)
    updates = {name: statement.excluded[name] for name in rows[0] if name not in _names(pk)}
    # xmax is 0 only for a row this statement inserted (PostgreSQL MVCC); SQLite cannot
    # tell, and its only conflict here is a soft-deleted row brought back, so "created".
    created = (
        sa.literal_column("xmax") == sa.literal_column("0")
        if conn.dialect.name == "postgresql"
        else sa.true()
    )
    upsert = statement.on_conflict_do_update(index_elements=[unique], set_=updates).returning(
        *pk, unique, created.label(_CREATED)
    )
    returned = run_many(conn, counter, upsert, rows).mappings()
    # Matched back by unique value rather than position: sorting by parameter order would
    # need a sentinel column, and without one SQLAlchemy falls back to a statement per row.
    by_key = {
        match_key(unique, r[unique.name]): (key_of(pk, r), bool(r[_CREATED])) for r in returned
    }
    return [by_key[match_key(unique, row[unique.name])] for row in rows]


def _upsert_then_select(
    conn: sa.Connection,
    counter: CallCounter,
    schema: TableSchema,
    rows: Sequence[dict[str, Any]],
    unique: Column,
) -> list[Inserted]:
    """MySQL/MariaDB: one multi-row upsert, then the keys read back by exact unique value."""
    pk = schema.primary_key
    values = [row[unique.name] for row in rows]
    revived = _keys_by_unique(conn, counter, schema, unique, values)  # soft-deleted or raced in
    statement = _mysql_insert(schema.table)
    updates = {name: statement.inserted[name] for name in rows[0] if name not in _names(pk)}
    run_many(conn, counter, statement.on_duplicate_key_update(updates), rows)
    keys = _keys_by_unique(conn, counter, schema, unique, values)
    inserted: list[Inserted] = []
    for value in values:
        match = match_key(unique, value)
        inserted.append((keys[match], match not in revived))
    return inserted


def _insert(
    conn: sa.Connection,
    counter: CallCounter,
    schema: TableSchema,
    rows: Sequence[dict[str, Any]],
    unique: Column,
) -> list[Inserted]:
    """A plain multi-row insert (no usable unique index): every row is a new one."""
    pk = schema.primary_key
    if all(name in row for row in rows for name in _names(pk)):
        run_many(conn, counter, sa.insert(schema.table), rows)
        return [(_given_key(pk, row), True) for row in rows]
    if conn.dialect.insert_executemany_returning:
        statement = sa.insert(schema.table).returning(*pk, unique)
        returned = run_many(conn, counter, statement, rows).mappings()
        by_key = {match_key(unique, r[unique.name]): key_of(pk, r) for r in returned}
        return [(by_key[match_key(unique, row[unique.name])], True) for row in rows]
    run_many(conn, counter, sa.insert(schema.table), rows)
    # No RETURNING: the newest row per key is ours (the caller found no live one before).
    keys = _keys_by_unique(conn, counter, schema, unique, [row[unique.name] for row in rows])
    return [(keys[match_key(unique, row[unique.name])], True) for row in rows]


def _keys_by_unique(
    conn: sa.Connection,
    counter: CallCounter,
    schema: TableSchema,
    unique: Column,
    values: Sequence[Any],
) -> dict[Any, Any]:
    """Primary key per normalised unique value, live or not; the newest row wins."""
    pk = schema.primary_key
    query = sa.select(*pk, unique).where(match_condition(unique, [str(v) for v in values]))
    keys: dict[Any, Key] = {}
    for row in run(conn, counter, query.order_by(*pk)).mappings():
        keys[match_key(unique, row[unique.name])] = key_of(pk, row)
    return keys


def upsert_by_key(
    conn: sa.Connection,
    counter: CallCounter,
    schema: TableSchema,
    rows: Sequence[dict[str, Any]],
) -> list[Inserted]:
    """Insert `rows` (same keys, each holding its whole, distinct primary key), as an upsert
    when the database keeps that key unique: a soft-deleted row under the key comes back to
    life, and one a concurrent writer inserted meanwhile is updated instead of failing."""
    pk = schema.primary_key
    statement = _upsert_on_key(conn, schema, rows[0]) if schema.has_unique_index(pk) else None
    run_many(conn, counter, statement if statement is not None else sa.insert(schema.table), rows)
    return [(_given_key(pk, row), True) for row in rows]


def _upsert_on_key(
    conn: sa.Connection, schema: TableSchema, row: dict[str, Any]
) -> sa.Executable | None:
    pk = schema.primary_key
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        statement = _on_conflict_insert(dialect, schema.table)
        updates = {n: statement.excluded[n] for n in row if n not in _names(pk)}
        upsert: sa.Executable
        if updates:
            upsert = statement.on_conflict_do_update(index_elements=list(pk), set_=updates)
        else:
            upsert = statement.on_conflict_do_nothing(index_elements=list(pk))
        return upsert
    if dialect in ("mysql", "mariadb"):
        mine = _mysql_insert(schema.table)
        names = [n for n in row if n not in _names(pk)] or [pk[0].name]
        return mine.on_duplicate_key_update({n: mine.inserted[n] for n in names})
    return None


# The dialects' own INSERTs are imported when first used: a run loads only its database's
# dialect (SQLAlchemy's PostgreSQL and MySQL modules are a tenth of a second of start-up).
def _on_conflict_insert(dialect: str, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """PostgreSQL's or SQLite's INSERT, which takes ON CONFLICT."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _mysql_insert(table: sa.Table) -> mysql.Insert:
    """MySQL's and MariaDB's INSERT, which takes ON DUPLICATE KEY UPDATE."""
    from sqlalchemy.dialects.mysql import insert as mysql_insert

    return mysql_insert(table)


def _names(columns: Sequence[Column]) -> set[str]:
    return {column.name for column in columns}


def _given_key(pk: Sequence[Column], row: dict[str, Any]) -> Key:
    """The key a row was inserted with, as the database hands it back."""
    key = key_of(pk, row)
    return normalised(pk, key) or key
