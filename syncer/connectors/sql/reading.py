"""Reading the table: full listings, incremental changes, fetch by id and find by value.

Every listing is keyset-paged (never OFFSET): by the primary key's columns, in order, for full
scans, by (updated_at, the primary key's columns) for incremental reads, so rows sharing one
updated_at value are split across pages without being skipped or repeated.

Watermark choice. An incremental read takes rows with `cursor - overlap <= updated_at <= until`.
The cursor it hands back is the newest updated_at it actually saw (never past `until` nor the
horizon, never behind the cursor it was given), not `until` itself. `until` comes from syncer's
clock while updated_at comes from the CRM's writers, so moving the cursor only as far as
observed data protects against clock skew; the cursor is also held back to the read's `horizon`
(the database server's clock and, on PostgreSQL, the start of the oldest open write transaction:
see `horizon`), so neither syncer's own writes stamped on a clock that runs ahead nor a
transaction still open can carry it too far. The overlap window protects against the classic
risk of long transactions: a row committed late carries an updated_at from when its transaction
wrote it, which may be older than rows already read; every row committed within
`overlap_seconds` of its updated_at is re-read on the next pass (the engine drops echoes by
hash). Except on PostgreSQL, where the horizon waits for it, a transaction that stays open
longer than the overlap can still be missed: size `overlap_seconds` above the CRM's longest
write transaction. Rows whose updated_at is NULL are only seen by full listings. When the newest
row is more than twice the overlap older than the horizon, the cursor settles just past it (see
`_settled`), so quiet passes stop re-reading the last burst of writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncer.connectors.sql.calls import chunked, run
from syncer.connectors.sql.horizon import horizon
from syncer.connectors.sql.keys import key_condition, parse_id
from syncer.connectors.sql.schema import Column, TableSchema
from syncer.connectors.sql.values import (
    EPOCH,
    FULL_SCAN,
    encode_cursor,
    match_condition,
    record_maker,
    to_column_time,
    to_utc,
)
from syncer.records import CallCounter, ChangePage, Cursor, Record

Rows = Sequence[sa.RowMapping]


class TableReader:
    def __init__(
        self,
        engine: sa.Engine,
        schema: TableSchema,
        counter: CallCounter,
        *,
        batch_size: int,
        overlap_seconds: float,
    ) -> None:
        self._engine = engine
        self._schema = schema
        self._counter = counter
        self._batch_size = batch_size
        self._overlap = timedelta(seconds=overlap_seconds)

    def scan(self, until: datetime, *, live_only: bool) -> Iterator[ChangePage]:
        """Every row in primary-key order; only the last page carries the (final) cursor."""
        final = self._watermark(until) if self._schema.updated_at is not None else FULL_SCAN
        query = self._select()
        if live_only:
            query = query.where(self._schema.live())
        pages = self._keyset_pages(query, self._schema.primary_key)
        previous: Rows | None = None
        for rows in pages:
            if previous is not None:
                yield ChangePage(self._records(previous), None)
            previous = rows
        yield ChangePage(self._records(previous or []), final)

    def since(self, watermark: datetime, until: datetime) -> Iterator[ChangePage]:
        """Rows with updated_at from `watermark` minus the overlap up to `until`."""
        updated_at = self._schema.updated_at
        assert updated_at is not None, "incremental reads need an updated_at column"
        lower = max(watermark - self._overlap, EPOCH)
        safe = horizon(self._engine, self._counter, until)  # before reading: rows are newer
        query = self._select().where(
            updated_at >= self._column_time(lower), updated_at <= self._column_time(until)
        )
        seen = watermark
        yielded = False
        for rows in self._keyset_pages(query, (updated_at, *self._schema.primary_key)):
            records = self._records(rows)
            times = [r.modified_at for r in records if r.modified_at is not None]
            seen = max([seen, *(min(t, safe) for t in times)])
            yielded = True
            yield ChangePage(records, encode_cursor(seen))
        settled = self._settled(seen, safe) if yielded else watermark
        if not yielded or settled != seen:
            yield ChangePage([], encode_cursor(settled))

    def _settled(self, seen: datetime, until: datetime) -> datetime:
        """The cursor after a pass whose newest row is `seen`; `until` is the read's horizon.

        Normally `seen`: the next pass re-reads the overlap before it. Once `until` is more
        than twice the overlap past `seen`, every row up to `seen` has been committed and read
        (a later commit that old is past the documented limit), so the cursor moves to just
        after `seen` plus the overlap: the next pass starts after `seen` instead of re-reading
        the last overlap's rows on every quiet pass (after a bulk load, the whole table).
        """
        if not self._overlap or until - seen <= 2 * self._overlap:
            return seen  # without an overlap, rows tied at `seen` may still be committing
        return seen + self._overlap + timedelta(microseconds=1)

    def fetch(self, ids: Sequence[str]) -> list[Record]:
        pk = self._schema.primary_key
        keys = [k for k in (parse_id(pk, i) for i in dict.fromkeys(ids)) if k is not None]
        conditions = [key_condition(pk, chunk) for chunk in chunked(keys, self._batch_size)]
        return self._select_where(conditions, self._schema.read_columns)

    def find(self, column: Column, values: Sequence[str]) -> list[Record]:
        columns = tuple(dict.fromkeys((*self._schema.read_columns, column)))
        conditions = [match_condition(column, chunk) for chunk in chunked(values, self._batch_size)]
        return self._select_where(conditions, columns)

    def _select_where(
        self, conditions: Sequence[sa.ColumnElement[bool]], columns: tuple[Column, ...]
    ) -> list[Record]:
        """Live rows matching each condition in turn (one query per condition)."""
        records: list[Record] = []
        for condition in conditions:
            query = sa.select(*columns).where(condition, self._schema.live())
            with self._engine.connect() as conn:
                rows = run(conn, self._counter, query).mappings().all()
            records += self._records(rows, columns)
        return records

    def _watermark(self, until: datetime) -> Cursor:
        """The newest updated_at before a full scan starts: rows changed during it are newer."""
        updated_at = self._schema.updated_at
        assert updated_at is not None
        query = sa.select(sa.func.max(updated_at)).where(updated_at <= self._column_time(until))
        safe = horizon(self._engine, self._counter, until)
        with self._engine.connect() as conn:
            newest = run(conn, self._counter, query).scalar()
        return encode_cursor(min(to_utc(newest, self._schema.zone), safe) if newest else EPOCH)

    def _keyset_pages(self, query: sa.Select[Any], order: tuple[Column, ...]) -> Iterator[Rows]:
        """Pages of `query` ordered by `order`, each starting after the previous page's last row.

        Each query asks for one row more than a page: that row only says another page exists,
        so a listing that ends on a page boundary costs no extra, empty query.
        """
        boundary = [_comparable(c).label(f"syncer_keyset_{i}") for i, c in enumerate(order)]
        size = self._batch_size
        paged = query.add_columns(*boundary).order_by(*order).limit(size + 1)
        after: list[Any] | None = None
        while True:
            page = paged if after is None else paged.where(_after(order, after))
            with self._engine.connect() as conn:
                rows = run(conn, self._counter, page).mappings().all()
            if rows:
                yield rows[:size]
            if len(rows) <= size:
                return
            after = [rows[size - 1][label.name] for label in boundary]

    def _select(self) -> sa.Select[Any]:
        return sa.select(*self._schema.read_columns)

    def _records(self, rows: Rows, columns: tuple[Column, ...] | None = None) -> list[Record]:
        chosen = columns or self._schema.read_columns
        make = record_maker(self._schema, chosen)
        return [make(row) for row in rows]

    def _column_time(self, value: datetime) -> datetime:
        updated_at = self._schema.updated_at
        assert updated_at is not None
        return to_column_time(value, updated_at, self._schema.zone)


def _comparable(column: Column) -> sa.ColumnElement[Any]:
    """The column as stored, so a keyset boundary compares equal to the row it came from.

    SQLite stores datetimes as text that may not match how SQLAlchemy renders a datetime
    ("10:00:00" vs "10:00:00.000000"); reading and binding the stored text keeps ties exact.
    """
    if isinstance(column.type, (sa.DateTime, sa.Date)):
        return sa.type_coerce(column, sa.String())
    return column


def _after(order: tuple[Column, ...], boundary: Sequence[Any]) -> sa.ColumnElement[bool]:
    """Lexicographic `(order...) > (boundary...)`, spelled without row values for portability."""
    condition: sa.ColumnElement[bool] = _comparable(order[-1]) > boundary[-1]
    for column, value in zip(reversed(order[:-1]), reversed(boundary[:-1]), strict=True):
        condition = sa.or_(
            _comparable(column) > value, sa.and_(_comparable(column) == value, condition)
        )
    return condition
