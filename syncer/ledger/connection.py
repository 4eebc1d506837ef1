"""The ledger's database connection: opened, guarded and brought to the newest schema."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from syncer.errors import ConfigError, FatalError, SyncerError
from syncer.ledger import migrate
from syncer.logs import mask_url_password
from syncer.private_files import create_owner_only


def connect(url: str) -> sa.Engine:
    """Connect and upgrade the schema to the newest revision. A URL no installed driver serves
    is a ConfigError; a database that cannot be reached or migrated, one clear error."""
    try:
        engine = sa.create_engine(url, future=True)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise ConfigError(f"ledger.url: cannot use {mask_url_password(url)!r}: {exc}") from None
    sa.event.listen(engine, "handle_error", _ledger_unavailable)
    if engine.dialect.name == "sqlite":
        _create_sqlite_file(engine.url)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate.upgrade(engine)
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise _open_failure(exc) from None
    return engine


def _create_sqlite_file(url: sa.URL) -> None:
    """A new SQLite ledger holds emails and names: it is created readable by its owner only.
    In-memory databases and URI filenames (`file:...?mode=ro`) are left to SQLite."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir():  # a missing folder is SQLite's error to report, as before
        create_owner_only(path)


def _open_failure(exc: sa.exc.DBAPIError) -> SyncerError:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    if "readonly" in reason or "read-only" in reason:
        return ConfigError(f"ledger.url: the ledger must be writable: {reason}")
    return FatalError(f"ledger cannot be opened: {reason}")


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
