"""Which database errors belong to one record and which stop the whole call.

The DB-API exception classes carry the distinction portably: IntegrityError (NOT NULL, UNIQUE,
CHECK, foreign key) and DataError (value too long, wrong type, out of range) are about the row;
a value SQLAlchemy could not even bind (a str for a SQLite Date column) is too. Lost connections
and locks (OperationalError, InterfaceError) are transient; anything else (ProgrammingError,
permissions) is a fault of the set-up that retrying a row will not fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa

from syncer.errors import FatalError, RetryableError
from syncer.records import Rejection, RejectionKind

# The code kept for the operator (the DB-API class of the error), by the class.
_CODES: tuple[tuple[type[sa.exc.DBAPIError], str], ...] = (
    (sa.exc.IntegrityError, "constraint"),
    (sa.exc.DataError, "invalid_value"),
)
# What the error means, where the driver's words say (PostgreSQL, MariaDB/MySQL, SQLite).
_MEANINGS: tuple[tuple[str, RejectionKind], ...] = (
    (r"not-null|cannot be null|NOT NULL constraint", RejectionKind.REQUIRED_MISSING),
    (r"duplicate key|duplicate entry|UNIQUE constraint", RejectionKind.DUPLICATE),
    (r"too long", RejectionKind.TOO_LONG),
)


def is_record_error(exc: sa.exc.StatementError) -> bool:
    if not isinstance(exc, sa.exc.DBAPIError):
        return True  # raised while binding a value, before anything reached the database
    return any(isinstance(exc, kind) for kind, _ in _CODES)


def call_failure(exc: sa.exc.StatementError, action: str) -> Exception:
    """The exception to raise for an error that is not about one record."""
    message = f"SQL {action} failed: {_first_line(exc)}"
    transient = (sa.exc.OperationalError, sa.exc.InterfaceError)
    if isinstance(exc, sa.exc.DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, transient)
    ):
        return RetryableError(message)
    return FatalError(message)


def rejection_for(exc: sa.exc.StatementError, columns: Iterable[str]) -> Rejection:
    """A Rejection for a record-level error, naming the column when the message does."""
    code = next((c for kind, c in _CODES if isinstance(exc, kind)), "invalid_value")
    message = _first_line(exc)
    # psycopg exposes the column of a NOT NULL violation; other drivers only say it in the text.
    named = getattr(getattr(exc.orig, "diag", None), "column_name", None)
    column = named if isinstance(named, str) else _column_in(message, columns)
    return Rejection(_kind(code, message), code, message, property=column)


def _kind(code: str, message: str) -> RejectionKind:
    for pattern, kind in _MEANINGS:
        if re.search(pattern, message, re.IGNORECASE):
            return kind
    return RejectionKind.CONSTRAINT if code == "constraint" else RejectionKind.INVALID_VALUE


def _first_line(exc: sa.exc.StatementError) -> str:
    # The driver's message, without SQLAlchemy's echo of the statement and its parameters.
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _column_in(message: str, columns: Iterable[str]) -> str | None:
    """The column a driver message names: "col" (PostgreSQL), 'col' (MySQL), table.col (SQLite)."""
    for name in columns:
        quoted = re.escape(name)
        if re.search(rf"[\"'`]{quoted}[\"'`]|\.{quoted}\b", message):
            return name
    return None
