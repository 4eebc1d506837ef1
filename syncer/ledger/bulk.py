"""Many rows into one table through the driver's own executemany.

On the ledger's hot path (an intent per create, a link per pair: 100,000 of each in a large
migration) SQLAlchemy's per-row parameter processing cost more than the inserts themselves
(py-spy of benchmark 3: `record_intents` 18 % of the syncer's CPU, most of it in
`_init_compiled`). Here the statement is compiled once per call for the connection's dialect,
each column's bind processor (e.g. timestamps as text on SQLite) is applied only where the
type has one, and the driver gets plain tuples or dicts in its own parameter style.

On PostgreSQL (psycopg) the rows go through COPY instead: a quarter of executemany's CPU for
100,000 link rows (0.26 s against 1.01 s, measured on this machine), the same constraints and
the same transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler


def insert_many(conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (all with the same keys, values of the columns' Python types)."""
    if not rows:
        return
    names = tuple(rows[0])
    compiled = _compiled(table, names, conn.dialect)
    order = list(compiled.positiontup or []) if compiled.positional else list(names)
    processors = _bind_processors(conn.dialect, table, order)
    # Column by column: a processor maps its whole column at once (no per-row Python loop),
    # then zip makes the rows in the statement's order, at C speed.
    columns = [
        list(map(processors[name], map(itemgetter(name), rows)))
        if name in processors
        else list(map(itemgetter(name), rows))
        for name in order
    ]
    values: list[Any] = list(zip(*columns, strict=True))
    if conn.dialect.driver == "psycopg":
        _copy(conn, table, order, values)
    elif compiled.positional:
        conn.exec_driver_sql(str(compiled), values)
    else:
        conn.exec_driver_sql(str(compiled), [dict(zip(order, row, strict=True)) for row in values])


@functools.lru_cache(maxsize=64)
def _compiled(table: sa.Table, names: tuple[str, ...], dialect: sa.Dialect) -> SQLCompiler:
    """The INSERT compiled once per table, columns and dialect: compiling it anew for each
    chunk of intents and links cost more than a chunk's own bind processing."""
    statement = sa.insert(table).values({name: sa.bindparam(name) for name in names})
    return statement.compile(dialect=dialect)


def _copy(conn: sa.Connection, table: sa.Table, names: list[str], rows: list[Any]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    target = conn.dialect.identifier_preparer.format_table(table)
    statement = f"COPY {target} ({', '.join(map(quote, names))}) FROM STDIN"
    driver_connection: Any = conn.connection.driver_connection
    try:
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.IntegrityError as exc:
        # As SQLAlchemy raises it for the other drivers: callers catch one exception.
        raise sa.exc.IntegrityError(statement, None, exc) from exc


def _bind_processors(
    dialect: sa.Dialect, table: sa.Table, names: Sequence[str]
) -> dict[str, Callable[[Any], Any]]:
    processors: dict[str, Callable[[Any], Any]] = {}
    for name in names:
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = _remembering(processor)
    return processors


def _remembering(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Rows of one call mostly repeat a value (the commit's timestamp): convert each once."""
    seen: dict[tuple[type, Any], Any] = {}

    def process(value: Any) -> Any:
        key = (type(value), value)  # 1 and True are equal keys, not equal values
        try:
            return seen[key]
        except KeyError:
            seen[key] = converted = processor(value)
            return converted
        except TypeError:  # unhashable
            return processor(value)

    return process
