"""What each database's own error codes mean: a refusal of one row, or a passing trouble.

One table per dialect, keyed by the code the driver hands over: PostgreSQL's SQLSTATE
(psycopg's `sqlstate`), MariaDB/MySQL's error number (the first of PyMySQL's `args`), SQLite's
extended result code name (`sqlite_errorname`). A code found in a `ROW_*` table is a refusal of
that record, whatever DB-API class the driver raised it as (PyMySQL raises 1364, "Field ...
doesn't have a default value", as an OperationalError). A code in a `TRANSIENT_*` set is a lost
connection, a deadlock or a lock timeout: the call may succeed if tried again.
"""

from __future__ import annotations

from syncer.records import RejectionKind

_REQUIRED = RejectionKind.REQUIRED_MISSING
_DUPLICATE = RejectionKind.DUPLICATE
_TOO_LONG = RejectionKind.TOO_LONG
_INVALID = RejectionKind.INVALID_VALUE
_CONSTRAINT = RejectionKind.CONSTRAINT

ROW_POSTGRESQL: dict[str, RejectionKind] = {
    "23502": _REQUIRED,  # not_null_violation
    "23503": _CONSTRAINT,  # foreign_key_violation
    "23505": _DUPLICATE,  # unique_violation
    "23514": _CONSTRAINT,  # check_violation
    "23P01": _CONSTRAINT,  # exclusion_violation
    "22001": _TOO_LONG,  # string_data_right_truncation
    "22003": _INVALID,  # numeric_value_out_of_range
    "22007": _INVALID,  # invalid_datetime_format
    "22008": _INVALID,  # datetime_field_overflow
    "22P02": _INVALID,  # invalid_text_representation (a bad enum label, number, uuid)
    "22004": _REQUIRED,  # null_value_not_allowed
    "22021": _INVALID,  # character_not_in_repertoire
}
# Whole SQLSTATE classes: any other data exception or integrity violation is about the row.
ROW_POSTGRESQL_CLASSES: dict[str, RejectionKind] = {"22": _INVALID, "23": _CONSTRAINT}
TRANSIENT_POSTGRESQL = frozenset({"40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03"})
TRANSIENT_POSTGRESQL_CLASSES = frozenset({"08", "53"})  # connection, insufficient resources

ROW_MYSQL: dict[int, RejectionKind] = {
    1048: _REQUIRED,  # Column ... cannot be null
    1364: _REQUIRED,  # Field ... doesn't have a default value
    1406: _TOO_LONG,  # Data too long for column ...
    1264: _INVALID,  # Out of range value for column ...
    1265: _INVALID,  # Data truncated for column ...
    1292: _INVALID,  # Incorrect date/datetime value
    1366: _INVALID,  # Incorrect integer/decimal/string value
    1367: _INVALID,  # Illegal value found during parsing
    1690: _INVALID,  # value is out of range (arithmetic)
    1452: _CONSTRAINT,  # Cannot add or update a child row: a foreign key constraint fails
    1451: _CONSTRAINT,  # Cannot delete or update a parent row: a foreign key constraint fails
    1216: _CONSTRAINT,  # (older servers) child row foreign key failure
    1217: _CONSTRAINT,  # (older servers) parent row foreign key failure
    1062: _DUPLICATE,  # Duplicate entry ... for key ...
    1586: _DUPLICATE,  # Duplicate entry ... for key ... (partitioned tables)
    3819: _CONSTRAINT,  # Check constraint ... is violated (MySQL)
    4025: _CONSTRAINT,  # CONSTRAINT ... failed for ... (MariaDB)
}
TRANSIENT_MYSQL = frozenset(
    {
        1205,  # Lock wait timeout exceeded
        1213,  # Deadlock found when trying to get lock
        1040,  # Too many connections
        1053,  # Server shutdown in progress
        1927,  # Connection was killed (MariaDB)
        4031,  # disconnected by the server for inactivity
    }
)
# 2000-2999 are client errors (CR_*): the server gone away (2006), lost during a query (2013),
# could not connect (2003), ... all about the connection, never about a row.
MYSQL_CLIENT_ERRORS = range(2000, 3000)

ROW_SQLITE: dict[str, RejectionKind] = {
    "SQLITE_CONSTRAINT_NOTNULL": _REQUIRED,
    "SQLITE_CONSTRAINT_UNIQUE": _DUPLICATE,
    "SQLITE_CONSTRAINT_PRIMARYKEY": _DUPLICATE,
    "SQLITE_CONSTRAINT_CHECK": _CONSTRAINT,
    "SQLITE_CONSTRAINT_FOREIGNKEY": _CONSTRAINT,
    "SQLITE_CONSTRAINT_TRIGGER": _CONSTRAINT,
    "SQLITE_CONSTRAINT_DATATYPE": _INVALID,  # a STRICT table's column type
    "SQLITE_CONSTRAINT": _CONSTRAINT,
    "SQLITE_MISMATCH": _INVALID,
    "SQLITE_TOOBIG": _TOO_LONG,
}
# Busy and locked (with their extended forms): another connection holds the database.
TRANSIENT_SQLITE_PREFIXES = ("SQLITE_BUSY", "SQLITE_LOCKED")
