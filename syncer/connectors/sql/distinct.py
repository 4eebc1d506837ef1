"""The distinct values a column holds, for `syncer check` to name those no mapping covers."""

from __future__ import annotations

import sqlalchemy as sa

from syncer.connectors.sql.calls import run
from syncer.connectors.sql.schema import TableSchema
from syncer.records import CallCounter


def distinct_values(
    engine: sa.Engine, counter: CallCounter, schema: TableSchema, field: str, limit: int
) -> list[object]:
    """Up to `limit` distinct non-null values of `field` among live rows, in the database's
    order (a column with more values than that is no enumeration to audit whole)."""
    column = schema.column(field)
    query = sa.select(column).where(column.is_not(None), schema.live()).distinct().limit(limit)
    with engine.connect() as conn:
        return [row[0] for row in run(conn, counter, query)]
