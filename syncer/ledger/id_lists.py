"""`column IN (a list of ids)`, with the list bound as one parameter where the database takes
a list as one value.

On PostgreSQL `= ANY(:ids)` binds one array: SQLAlchemy's expanding IN rendered and bound
1,000 placeholders per call instead, and resolving each chunk's intents that way was 6 % of a
100k migration's CPU with a PostgreSQL ledger (py-spy, bench.engine). Elsewhere the list is an
expanding parameter, as before (SQLite's own cost of it is small; MariaDB has no arrays).
The value bound under "ids" is a list of strings in every case.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def among(column: sa.ColumnElement[str], dialect: sa.Dialect) -> sa.ColumnElement[bool]:
    """`column` is one of the ids bound as "ids" (a list of strings)."""
    if dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.String)))
    return column.in_(sa.bindparam("ids", expanding=True))
