"""Which database errors belong to one record and which stop the whole call.

The database's own code decides, through the per-dialect tables in `refusal_codes`: every
refusal of a row (NOT NULL, no default, foreign key, unique, check, too long, out of range,
truncated, an invalid date or enum) is a rejection of that record, whichever DB-API class the
driver raised it as; a lost connection, a deadlock or a lock timeout is transient; any other code
(a missing column, permissions) is a fault of the set-up that retrying will not fix. A value
SQLAlchemy could not even bind (a str for a SQLite Date column) is about the row too. An error
that carries no code (the driver's own, before any server answered) is judged by its class.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa

from syncer.connectors.sql import refusal_codes as codes
from syncer.errors import FatalError, RetryableError
from syncer.records import Rejection, RejectionKind

# A row refusal the database gave no code for: its kind and code, by DB-API class.
_BY_CLASS: tuple[tuple[type[sa.exc.DBAPIError], RejectionKind, str], ...] = (
    (sa.exc.IntegrityError, RejectionKind.CONSTRAINT, "constraint"),
    (sa.exc.DataError, RejectionKind.INVALID_VALUE, "invalid_value"),
)
_TRANSIENT_CLASSES = (sa.exc.OperationalError, sa.exc.InterfaceError)
Refusal = tuple[RejectionKind, str]  # what the refusal means, the database's code for it


def is_record_error(exc: sa.exc.StatementError) -> bool:
    if not isinstance(exc, sa.exc.DBAPIError):
        return True  # raised while binding a value, before anything reached the database
    return _refusal(exc) is not None


def call_failure(exc: sa.exc.StatementError, action: str) -> Exception:
    """The exception to raise for an error that is not about one record."""
    message = f"SQL {action} failed: {_first_line(exc)}"
    if isinstance(exc, sa.exc.DBAPIError) and (exc.connection_invalidated or _transient(exc)):
        return RetryableError(message)
    return FatalError(message)


def rejection_for(exc: sa.exc.StatementError, columns: Iterable[str]) -> Rejection:
    """A Rejection for a record-level error, naming the column when the database does."""
    refusal = _refusal(exc) if isinstance(exc, sa.exc.DBAPIError) else None
    kind, code = refusal or (RejectionKind.INVALID_VALUE, "invalid_value")
    message = _first_line(exc)
    return Rejection(kind, code, message, property=_column(exc, message, list(columns)))


def _refusal(exc: sa.exc.DBAPIError) -> Refusal | None:
    """What the database's code says of the row; None when the error is not about the row."""
    number, sqlstate, name = _codes_of(exc.orig)
    if number is not None:
        kind = codes.ROW_MYSQL.get(number)
        return (kind, str(number)) if kind is not None else None
    if sqlstate is not None:
        kind = codes.ROW_POSTGRESQL.get(sqlstate) or codes.ROW_POSTGRESQL_CLASSES.get(sqlstate[:2])
        return (kind, sqlstate) if kind is not None else None
    if name is not None and name in codes.ROW_SQLITE:
        return codes.ROW_SQLITE[name], name
    return next(((kind, code) for cls, kind, code in _BY_CLASS if isinstance(exc, cls)), None)


def _transient(exc: sa.exc.DBAPIError) -> bool:
    number, sqlstate, name = _codes_of(exc.orig)
    if number is not None:
        return number in codes.TRANSIENT_MYSQL or number in codes.MYSQL_CLIENT_ERRORS
    if sqlstate is not None:
        return (
            sqlstate in codes.TRANSIENT_POSTGRESQL
            or sqlstate[:2] in codes.TRANSIENT_POSTGRESQL_CLASSES
        )
    if name is not None and name.startswith(codes.TRANSIENT_SQLITE_PREFIXES):
        return True
    return isinstance(exc, _TRANSIENT_CLASSES)


def _codes_of(orig: object) -> tuple[int | None, str | None, str | None]:
    """(MariaDB/MySQL error number, PostgreSQL SQLSTATE, SQLite result code name), whichever
    the driver's exception carries. The MySQL number comes first: PyMySQL also fills a
    `sqlstate`, but a coarse one (23000 for every integrity error)."""
    number = _mysql_number(orig)
    if number is not None:
        return number, None, None
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    name = getattr(orig, "sqlite_errorname", None)
    return (
        None,
        sqlstate if isinstance(sqlstate, str) else None,
        name if isinstance(name, str) else None,
    )


def _mysql_number(orig: object) -> int | None:
    """MariaDB/MySQL's error number: the first argument of the driver's exception."""
    if type(orig).__module__.split(".")[0] not in ("pymysql", "MySQLdb", "mysql"):
        return None
    args = getattr(orig, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _first_line(exc: sa.exc.StatementError) -> str:
    # The driver's message, without SQLAlchemy's echo of the statement and its parameters.
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _column(exc: sa.exc.StatementError, message: str, columns: list[str]) -> str | None:
    """The column the refusal is about: psycopg names it for NOT NULL; its detail line says
    "Key (col)=(...)" for unique and foreign keys; other drivers say it in the message."""
    diag = getattr(exc.orig, "diag", None)
    named = getattr(diag, "column_name", None)
    if isinstance(named, str):
        return named
    detail = getattr(diag, "message_detail", None)
    keyed = re.match(r"Key \(([^)]*)\)", detail) if isinstance(detail, str) else None
    if keyed is not None:
        return _column_in(f'"{keyed.group(1)}"', columns) or keyed.group(1)
    return _column_in(message, columns)


def _column_in(message: str, columns: Iterable[str]) -> str | None:
    """The column a driver message names: "col" (PostgreSQL), 'col' or `col` (MySQL),
    table.col (SQLite)."""
    for name in columns:
        quoted = re.escape(name)
        if re.search(rf"[\"'`]{quoted}[\"'`]|\.{quoted}\b", message):
            return name
    return None
