"""Writing to the table: updates, idempotent creates, archives, each batch in one transaction.

A create never duplicates: within the batch's transaction, rows are first looked up by the
normalised unique key (`lower(trim(column))` for text), an existing live row is updated, and only
a missing one is inserted (see `inserts` for the dialect upserts that close the race window).
When the database rejects a batch for a row-level reason, the batch is rolled back and replayed
one row per transaction, so each bad row gets its own Rejection and the rest are written.
Every write bumps the updated_at column (when there is one) so other readers of the CRM see it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from syncer.connectors.sql.calls import chunked, run
from syncer.connectors.sql.inserts import insert_rows
from syncer.connectors.sql.rejections import call_failure, is_record_error, rejection_for
from syncer.connectors.sql.schema import TableSchema, flag_value
from syncer.connectors.sql.updates import update_rows
from syncer.connectors.sql.values import match_condition, match_key, parse_key, to_column_value
from syncer.records import CallCounter, Rejection, Write, WriteResult

T = TypeVar("T")
Apply = Callable[[sa.Connection, Sequence[T]], list[WriteResult]]
Existing = dict[tuple[str, Any], Any]  # (unique column, match key) -> primary key value


class TableWriter:
    def __init__(
        self,
        engine: sa.Engine,
        schema: TableSchema,
        counter: CallCounter,
        *,
        batch_size: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._schema = schema
        self._counter = counter
        self._batch_size = batch_size
        self._clock = clock

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        for write in writes:
            self._check(write)
        results: list[WriteResult] = []
        for batch in chunked(writes, self._batch_size):
            results += self._isolated(batch, self._apply_writes, self._describe_write)
        return results

    def archive(self, ids: Sequence[str]) -> list[WriteResult]:
        results: list[WriteResult] = []
        for batch in chunked(list(dict.fromkeys(ids)), self._batch_size):
            results += self._isolated(batch, self._apply_archive, lambda i: (i, ()))
        return results

    def _isolated(
        self,
        batch: Sequence[T],
        apply: Apply[T],
        describe: Callable[[T], tuple[str, Sequence[str]]],
    ) -> list[WriteResult]:
        """`apply` the batch in one transaction; on a row-level error, row by row."""
        try:
            with self._engine.begin() as conn:
                return apply(conn, batch)
        except sa.exc.StatementError as exc:
            if not is_record_error(exc):
                raise call_failure(exc, "write") from exc
        results: list[WriteResult] = []
        for item in batch:
            try:
                with self._engine.begin() as conn:
                    results += apply(conn, [item])
            except sa.exc.StatementError as exc:
                if not is_record_error(exc):
                    raise call_failure(exc, "write") from exc
                key, columns = describe(item)
                results.append(WriteResult(key, None, rejection=rejection_for(exc, columns)))
        return results

    def _apply_writes(self, conn: sa.Connection, batch: Sequence[Write]) -> list[WriteResult]:
        """The whole batch in a handful of statements: one look-up of the creates' keys, one
        multi-row insert per column set, one executemany per set of updated columns."""
        existing = self._existing(conn, [w for w in batch if w.target_id is None])
        results: dict[int, WriteResult] = {}
        changes: list[tuple[int, Any, dict[str, Any]]] = []  # (position, pk, values)
        new_rows: dict[tuple[str, Any], list[int]] = {}  # creates to insert, by match key
        for position, write in enumerate(batch):
            if write.target_id is None:
                unique = self._schema.column(str(write.unique_property))
                match = (unique.name, match_key(unique, write.unique_value))
                if match not in existing:
                    new_rows.setdefault(match, []).append(position)
                    continue
                target: Any = existing[match]
            else:
                target = parse_key(self._schema.primary_key, write.target_id)
            if target is None:
                results[position] = self._not_found(write.key, str(write.target_id))
            else:
                changes.append((position, target, self._values(write.properties)))
        results |= self._insert_new(conn, batch, new_rows, changes)
        results |= self._update(conn, batch, sorted(changes, key=lambda c: c[0]))
        return [results[position] for position in range(len(batch))]

    def _insert_new(
        self,
        conn: sa.Connection,
        batch: Sequence[Write],
        new_rows: Mapping[tuple[str, Any], list[int]],
        changes: list[tuple[int, Any, dict[str, Any]]],
    ) -> dict[int, WriteResult]:
        """Insert the first create of each new key; later creates of that key become updates
        of the new row (appended to `changes`)."""
        groups: dict[tuple[str, tuple[str, ...]], list[tuple[list[int], dict[str, Any]]]] = {}
        for positions in new_rows.values():
            values = self._insert_values(batch[positions[0]])
            group = (str(batch[positions[0]].unique_property), tuple(sorted(values)))
            groups.setdefault(group, []).append((positions, values))
        results: dict[int, WriteResult] = {}
        for (unique_name, _), members in groups.items():
            unique = self._schema.column(unique_name)
            rows = [values for _, values in members]
            inserted = insert_rows(conn, self._counter, self._schema, rows, unique)
            for (positions, _), (key, created) in zip(members, inserted, strict=True):
                first, *later = positions
                results[first] = WriteResult(batch[first].key, str(key), created=created)
                changes += [(p, key, self._values(batch[p].properties)) for p in later]
        return results

    def _update(
        self,
        conn: sa.Connection,
        batch: Sequence[Write],
        changes: Sequence[tuple[int, Any, dict[str, Any]]],
    ) -> dict[int, WriteResult]:
        to_apply = [(key, values) for _, key, values in changes if values]
        missing = update_rows(conn, self._counter, self._schema, to_apply) if to_apply else set()
        results: dict[int, WriteResult] = {}
        for position, key, _ in changes:
            write = batch[position]
            if key in missing:
                results[position] = self._not_found(write.key, str(write.target_id))
            else:
                target_id = write.target_id if write.target_id is not None else str(key)
                results[position] = WriteResult(write.key, target_id, created=False)
        return results

    def _insert_values(self, write: Write) -> dict[str, Any]:
        values = self._values(write.properties)
        values.setdefault(str(write.unique_property), write.unique_value)
        flag = self._schema.deleted_flag
        if flag is not None:
            values.setdefault(flag.name, flag_value(flag, deleted=False))
        return values

    def _not_found(self, key: str, target_id: str) -> WriteResult:
        pk = self._schema.primary_key
        message = f"no live row with {pk.name} = {target_id!r} in {self._schema.table.fullname}"
        return WriteResult(key, None, rejection=Rejection("not_found", message))

    def _existing(self, conn: sa.Connection, creates: Sequence[Write]) -> Existing:
        """Live rows already holding the creates' unique keys: one query per unique column."""
        by_column: dict[str, list[str]] = {}
        for write in creates:
            by_column.setdefault(str(write.unique_property), []).append(str(write.unique_value))
        existing: Existing = {}
        for name, values in by_column.items():
            column, pk = self._schema.column(name), self._schema.primary_key
            query = (
                sa.select(pk, column)
                .where(match_condition(column, values), self._schema.live())
                .order_by(pk)
            )
            for row in run(conn, self._counter, query).mappings():
                existing.setdefault((name, match_key(column, row[column.name])), row[pk.name])
        return existing

    def _apply_archive(self, conn: sa.Connection, ids: Sequence[str]) -> list[WriteResult]:
        pk, flag = self._schema.primary_key, self._schema.deleted_flag
        keys = [k for k in (parse_key(pk, i) for i in ids) if k is not None]
        if keys and flag is not None:
            values = self._values({flag.name: flag_value(flag, deleted=True)})
            statement = sa.update(self._schema.table).where(pk.in_(keys)).values(values)
            run(conn, self._counter, statement)
        elif keys:
            run(conn, self._counter, sa.delete(self._schema.table).where(pk.in_(keys)))
        return [WriteResult(i, i) for i in ids]  # already gone counts as archived

    def _values(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """Column values in the columns' own forms, with updated_at set to now."""
        zone = self._schema.zone
        values = {
            name: to_column_value(value, self._schema.column(name), zone)
            for name, value in properties.items()
        }
        updated_at = self._schema.updated_at
        if values and updated_at is not None and updated_at.name not in properties:
            values[updated_at.name] = to_column_value(self._clock(), updated_at, zone)
        return values

    def _check(self, write: Write) -> None:
        """Refuse malformed writes before touching the database (caller bugs, not bad records)."""
        for name in write.properties:
            self._schema.column(name)
        unique_key = (write.unique_property, write.unique_value)
        if write.target_id is None and None in unique_key:
            raise ValueError(
                f"write {write.key!r}: a create needs unique_property and "
                "unique_value (creates are upserts on a unique key)"
            )
        if write.unique_property is not None:
            self._schema.column(write.unique_property)

    def _describe_write(self, write: Write) -> tuple[str, Sequence[str]]:
        return write.key, [*write.properties, *filter(None, [write.unique_property])]
