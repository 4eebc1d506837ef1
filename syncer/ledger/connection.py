"""The ledger's database connection: opened, guarded and brought to the newest schema."""

from __future__ import annotations

import sqlalchemy as sa

from syncer.errors import FatalError
from syncer.ledger import migrate


def connect(url: str) -> sa.Engine:
    """Connect and upgrade the schema to the newest revision."""
    engine = sa.create_engine(url, future=True)
    sa.event.listen(engine, "handle_error", _ledger_unavailable)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    migrate.upgrade(engine)
    return engine


def _ledger_unavailable(context: sa.engine.ExceptionContext) -> None:
    """A lost or refused ledger connection stops the run with one clear error, not a driver
    traceback: nothing the run did next could be recorded, and the next run resumes from what
    was committed (the transaction in flight is rolled back whole by the server)."""
    lost = context.is_disconnect or context.connection is None  # None: could not connect
    if lost and isinstance(context.sqlalchemy_exception, sa.exc.OperationalError):
        reason = str(context.original_exception).strip().splitlines()[0]
        raise FatalError(f"ledger unavailable: {reason}")


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    # WAL lets `syncer status` read while a run writes; busy_timeout waits instead of failing.
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
