"""Inserting one new row and getting its primary key back, on every supported dialect.

When the unique column has a unique constraint or index, the insert is a dialect upsert
(`ON CONFLICT DO UPDATE` on SQLite and PostgreSQL, `ON DUPLICATE KEY UPDATE` on MySQL/MariaDB),
so a concurrent writer inserting the same key between our look-up and our insert cannot make a
duplicate or fail the batch. The caller has already looked for a live row by the normalised key,
so a conflict here means a race or a soft-deleted row with the same key, which the upsert brings
back to life (a create means the other side wants the record to exist).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from syncer.connectors.sql.calls import run
from syncer.connectors.sql.schema import Column, TableSchema
from syncer.connectors.sql.values import match_condition
from syncer.records import CallCounter

Inserted = tuple[Any, bool]  # (primary key value, whether a new row was created)


def insert_row(conn: sa.Connection, counter: CallCounter, schema: TableSchema,
               values: dict[str, Any], unique: Column) -> Inserted:
    if schema.has_unique_index(unique) and unique is not schema.primary_key:
        upserted = _upsert(conn, counter, schema, values, unique)
        if upserted is not None:
            return upserted
    result = run(conn, counter, sa.insert(schema.table).values(values))
    return _new_key(conn, counter, schema, result, values=values, unique=unique), True


def _upsert(conn: sa.Connection, counter: CallCounter, schema: TableSchema,
            values: dict[str, Any], unique: Column) -> Inserted | None:
    """The dialect upsert, or None where this dialect (or key type) has none we can use."""
    pk = schema.primary_key
    updates = {name: value for name, value in values.items() if name != pk.name}
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        module = postgresql if dialect == "postgresql" else sqlite
        # xmax is 0 only for a row this statement inserted (PostgreSQL MVCC); SQLite cannot
        # tell, and its only conflict here is a soft-deleted row brought back, so "created".
        created = (sa.literal_column("xmax") == sa.literal_column("0")
                   if dialect == "postgresql" else sa.true())
        statement = (module.insert(schema.table).values(values)
                     .on_conflict_do_update(index_elements=[unique], set_=updates)
                     .returning(pk, created.label("syncer_created")))
        row = run(conn, counter, statement).mappings().one()
        return row[pk.name], bool(row["syncer_created"])
    if dialect in ("mysql", "mariadb") and isinstance(pk.type, sa.Integer):
        # LAST_INSERT_ID(pk) makes lastrowid the existing row's key when the update path runs.
        updates[pk.name] = sa.func.last_insert_id(pk)
        statement = mysql.insert(schema.table).values(values).on_duplicate_key_update(updates)
        result = run(conn, counter, statement)
        key = values.get(pk.name, result.lastrowid)
        return key, result.rowcount == 1  # MySQL counts 1 for an insert, 2 for an update
    return None


def _new_key(conn: sa.Connection, counter: CallCounter, schema: TableSchema,
             result: sa.CursorResult[Any], *, values: dict[str, Any], unique: Column) -> Any:
    """The new row's primary key: given, reported by the driver, or looked up by unique key."""
    pk = schema.primary_key
    if pk.name in values:
        return values[pk.name]
    if list(schema.table.primary_key.columns) == [pk]:
        inserted = result.inserted_primary_key
        if inserted is not None and inserted[0] is not None:
            return inserted[0]
    # The configured key is not the declared primary key: find the row we just inserted.
    lookup = (sa.select(pk).where(match_condition(unique, [str(values[unique.name])]))
              .order_by(pk.desc()).limit(1))
    return run(conn, counter, lookup).scalar_one()
