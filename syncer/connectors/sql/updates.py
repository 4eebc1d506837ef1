"""Updating many rows by primary key in few statements.

Rows that set the same columns share one `UPDATE ... WHERE pk = :pk` (one condition per key
column for a composite key) executed with a list of
parameter sets (`executemany`: one pipeline on psycopg, one prepared loop in the driver
elsewhere). When a row is named twice, its second update goes in a later wave so the last write
still wins. Soft-deleted rows are not updated. Rows that matched nothing are found from the row
counts, and only when a count comes up short is one `SELECT` spent to tell which.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from syncer.connectors.sql.calls import run, run_many
from syncer.connectors.sql.keys import Key, key_condition, key_of
from syncer.connectors.sql.schema import TableSchema
from syncer.records import CallCounter

Change = tuple[Key, dict[str, Any]]  # (primary key, column values)
_PK_PARAM = "syncer_pk_{}"


def update_rows(
    conn: sa.Connection, counter: CallCounter, schema: TableSchema, changes: Sequence[Change]
) -> set[Any]:
    """Apply `changes` in order; the primary keys of rows that do not exist or are deleted."""
    missing: set[Any] = set()
    for wave in _waves(changes):
        groups: dict[tuple[str, ...], list[Change]] = {}
        for key, values in wave:
            groups.setdefault(tuple(sorted(values)), []).append((key, values))
        for group in groups.values():
            missing |= _update_group(conn, counter, schema, group)
    return missing


def _waves(changes: Sequence[Change]) -> list[list[Change]]:
    """Split so that no wave names a row twice, keeping each row's updates in order."""
    waves: list[list[Change]] = []
    seen: dict[Any, int] = {}
    for key, values in changes:
        index = seen.get(key, 0)
        seen[key] = index + 1
        if index == len(waves):
            waves.append([])
        waves[index].append((key, values))
    return waves


def _update_group(
    conn: sa.Connection, counter: CallCounter, schema: TableSchema, group: Sequence[Change]
) -> set[Any]:
    pk = schema.primary_key
    params = [_PK_PARAM.format(i) for i in range(len(pk))]
    where = [c == sa.bindparam(p, type_=c.type) for c, p in zip(pk, params, strict=True)]
    # Only live rows: a soft-deleted row is gone, as it is to fetch, and updating it would
    # report a write that nobody sees.
    statement = sa.update(schema.table).where(*where, schema.live())
    parameters = [{**dict(zip(params, key, strict=True)), **values} for key, values in group]
    result = run_many(conn, counter, statement, parameters)
    if conn.dialect.supports_sane_multi_rowcount and result.rowcount == len(group):
        return set()
    keys = [key for key, _ in group]
    query = sa.select(*pk).where(key_condition(pk, keys), schema.live())
    found = run(conn, counter, query).mappings()
    return set(keys) - {key_of(pk, row) for row in found}
