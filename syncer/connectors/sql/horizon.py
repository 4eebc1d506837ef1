"""The horizon of an incremental read: how far the SQL cursor may move, on the database's terms.

A read takes rows up to `until`, a time on syncer's clock, but updated_at is written on another
clock (the database's `now()`, the legacy app's) and rows become visible only when their
transaction commits. The cursor must never pass a time the table may still receive rows for:

- the database server's own clock: if syncer's clock runs ahead, rows syncer wrote carry times in
  the server's future, and a cursor carried there would skip the app's next edits, stamped on the
  server's clock;
- on PostgreSQL, the start of the oldest write transaction still open in the database: a row it
  stamps with `now()` carries that start time and becomes visible only when it commits, however
  long after (Salesforce's `latestDateCovered` works the same way). Seeing other sessions'
  transactions needs superuser or `pg_read_all_stats`; without it only the overlap covers them.

SQLite has no server: its clock is the machine's, the same as syncer's. Other dialects keep the
overlap alone (`overlap_seconds`, sized above the longest write transaction).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from syncer.records import CallCounter

_POSTGRES = sa.text(
    "SELECT statement_timestamp(), "
    "(SELECT min(xact_start) FROM pg_stat_activity "
    " WHERE datname = current_database() AND backend_xid IS NOT NULL "
    " AND pid <> pg_backend_pid())"
)
_MYSQL = sa.text("SELECT UTC_TIMESTAMP(6), NULL")


def horizon(engine: sa.Engine, counter: CallCounter, until: datetime) -> datetime:
    """`until`, held back to the server's clock and the oldest open write transaction."""
    query = {"postgresql": _POSTGRES, "mysql": _MYSQL, "mariadb": _MYSQL}.get(engine.dialect.name)
    if query is None:
        return until
    counter.add("clock")  # not a "select": page counts stay one query per page
    with engine.connect() as conn:
        server_now, oldest = conn.execute(query).one()
    times = [until, *(_aware(t) for t in (server_now, oldest) if t is not None)]
    return min(times)


def _aware(value: datetime) -> datetime:
    """PostgreSQL answers in aware times; MySQL's UTC_TIMESTAMP is naive UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
