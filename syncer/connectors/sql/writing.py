"""Writing to the table: updates, idempotent creates, archives, each batch in one transaction.

A create never duplicates: within the batch's transaction, rows are first looked up by the
normalised unique key (`lower(trim(column))` for text), an existing live row is updated, and only
a missing one is inserted (see `inserts` for the dialect upserts that close the race window).
A create with no unique key (a pipeline without `match`) is an upsert on the primary key, whose
columns must all be among its values: a row is never inserted under a key the database makes up,
since a resend could not find it again.
When the database rejects a batch for a row-level reason, the batch is rolled back and replayed
one row per transaction, so each bad row gets its own Rejection and the rest are written.
Every write bumps the updated_at column (when there is one) so other readers of the CRM see it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from syncer.connectors.sql.calls import chunked, run
from syncer.connectors.sql.inserts import insert_rows, upsert_by_key
from syncer.connectors.sql.keys import Key, key_condition, key_of, normalised, parse_id, record_id
from syncer.connectors.sql.rejections import call_failure, is_record_error, rejection_for
from syncer.connectors.sql.schema import TableSchema, flag_value
from syncer.connectors.sql.updates import update_rows
from syncer.connectors.sql.values import match_condition, match_key, to_column_value
from syncer.records import CallCounter, Rejection, RejectionKind, Write, WriteResult

T = TypeVar("T")
Apply = Callable[[sa.Connection, Sequence[T]], list[WriteResult]]
Then = Callable[[sa.Connection, Sequence[Write], list[WriteResult]], list[WriteResult]]
# (unique column, match key) -> the key of the row holding it; (None, key) for the rows
# that creates carrying their own primary key name.
Existing = dict[tuple[str | None, Any], Key]


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

    def write(self, writes: Sequence[Write], then: Then | None = None) -> list[WriteResult]:
        """`then`: more to write in each batch's transaction, given its writes and results
        (a join table's rows); it may turn a result into a rejection."""
        for write in writes:
            self._check(write)

        def apply(conn: sa.Connection, batch: Sequence[Write]) -> list[WriteResult]:
            results = self._apply_writes(conn, batch)
            return results if then is None else then(conn, batch, results)

        results: list[WriteResult] = []
        for batch in chunked(writes, self._batch_size):
            results += self._isolated(batch, apply, self._describe_write)
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
                key, written = describe(item)
                # The written columns first: a refusal may name a column the write left out
                # (NOT NULL without a default), so every column of the table is a candidate.
                columns = [*written, *(c.name for c in self._schema.table.columns)]
                results.append(WriteResult(key, None, rejection=rejection_for(exc, columns)))
        return results

    def _apply_writes(self, conn: sa.Connection, batch: Sequence[Write]) -> list[WriteResult]:
        """The whole batch in a handful of statements: one look-up of the creates' keys, one
        multi-row insert per column set, one executemany per set of updated columns."""
        creates = [w for w in batch if w.target_id is None]
        identities = {
            p: self._create_identity(w) for p, w in enumerate(batch) if w.target_id is None
        }
        existing = self._existing(conn, creates) | self._existing_keys(conn, identities.values())
        results: dict[int, WriteResult] = {}
        changes: list[tuple[int, Key, dict[str, Any]]] = []  # (position, key, values)
        new_rows: dict[tuple[str | None, Any], list[int]] = {}  # creates to insert, by key
        for position, write in enumerate(batch):
            if write.target_id is not None:
                target = parse_id(self._schema.primary_key, write.target_id)
            else:
                identity = identities[position]
                if isinstance(identity, Rejection):
                    results[position] = WriteResult(write.key, None, rejection=identity)
                    continue
                if identity not in existing:
                    new_rows.setdefault(identity, []).append(position)
                    continue
                target = existing[identity]
            values = self._values(write.properties)
            moved = self._key_moved(values, target) if target is not None else None
            if target is None:
                results[position] = self._not_found(write.key, str(write.target_id))
            elif moved is not None:
                results[position] = WriteResult(write.key, None, rejection=moved)
            else:
                changes.append((position, target, values))
        results |= self._insert_new(conn, batch, new_rows, changes)
        results |= self._update(conn, batch, sorted(changes, key=lambda c: c[0]))
        return [results[position] for position in range(len(batch))]

    def _create_identity(self, write: Write) -> tuple[str | None, Any] | Rejection:
        """What a create is an upsert on: (unique column, normalised value), or, for a create
        with no unique property, (None, the primary key its values hold)."""
        if write.unique_property is not None:
            unique = self._schema.column(write.unique_property)
            return (unique.name, match_key(unique, write.unique_value))
        values = self._values(write.properties)
        for column in self._schema.primary_key:
            if values.get(column.name) is None:
                message = (
                    f"no value for key column {column.name!r} of {self._schema.table.fullname}: "
                    "a row is created only with its whole primary key (map that column)"
                )
                return Rejection(
                    RejectionKind.REQUIRED_MISSING, "missing_key", message, column.name
                )
        given = key_of(self._schema.primary_key, values)
        key = normalised(self._schema.primary_key, given)
        if key is None:
            table = self._schema.table.fullname
            message = f"key values {given!r} do not fit the key columns of {table}"
            return Rejection(RejectionKind.INVALID_VALUE, "invalid_value", message)
        return (None, key)

    def _key_moved(self, values: Mapping[str, Any], target: Key) -> Rejection | None:
        """An update may not give a key column another value: the row's id would change under
        its link, and the next read would take it for a new record."""
        for column, current in zip(self._schema.primary_key, target, strict=True):
            if column.name in values and normalised((column,), (values[column.name],)) != (
                current,
            ):
                message = (
                    f"{column.name!r} is part of the key of {self._schema.table.fullname}: "
                    f"changing it from {current!r} to {values[column.name]!r} would give the "
                    "row another id, so the row is left as it is"
                )
                return Rejection(RejectionKind.CONSTRAINT, "key_changed", message, column.name)
        return None

    def _insert_new(
        self,
        conn: sa.Connection,
        batch: Sequence[Write],
        new_rows: Mapping[tuple[str | None, Any], list[int]],
        changes: list[tuple[int, Key, dict[str, Any]]],
    ) -> dict[int, WriteResult]:
        """Insert the first create of each new key; later creates of that key become updates
        of the new row (appended to `changes`)."""
        groups: dict[tuple[str | None, tuple[str, ...]], list[tuple[list[int], dict[str, Any]]]]
        groups = {}
        for (unique_name, _), positions in new_rows.items():
            values = self._insert_values(batch[positions[0]])
            groups.setdefault((unique_name, tuple(sorted(values))), []).append((positions, values))
        results: dict[int, WriteResult] = {}
        for (unique_name, _), members in groups.items():
            rows = [values for _, values in members]
            if unique_name is None:
                inserted = upsert_by_key(conn, self._counter, self._schema, rows)
            else:
                unique = self._schema.column(unique_name)
                inserted = insert_rows(conn, self._counter, self._schema, rows, unique)
            for (positions, _), (key, created) in zip(members, inserted, strict=True):
                first, *later = positions
                results[first] = WriteResult(batch[first].key, record_id(key), created=created)
                changes += [(p, key, self._values(batch[p].properties)) for p in later]
        return results

    def _update(
        self,
        conn: sa.Connection,
        batch: Sequence[Write],
        changes: Sequence[tuple[int, Key, dict[str, Any]]],
    ) -> dict[int, WriteResult]:
        to_apply = [(key, values) for _, key, values in changes if values]
        missing = update_rows(conn, self._counter, self._schema, to_apply) if to_apply else set()
        results: dict[int, WriteResult] = {}
        for position, key, _ in changes:
            write = batch[position]
            if key in missing:
                results[position] = self._not_found(write.key, str(write.target_id))
            else:
                target_id = write.target_id if write.target_id is not None else record_id(key)
                results[position] = WriteResult(write.key, target_id, created=False)
        return results

    def _insert_values(self, write: Write) -> dict[str, Any]:
        values = self._values(write.properties)
        if write.unique_property is not None:
            values.setdefault(write.unique_property, write.unique_value)
        flag = self._schema.deleted_flag
        if flag is not None:
            values.setdefault(flag.name, flag_value(flag, deleted=False))
        return values

    def _not_found(self, key: str, target_id: str) -> WriteResult:
        names = ", ".join(c.name for c in self._schema.primary_key)
        message = f"no live row with ({names}) = {target_id!r} in {self._schema.table.fullname}"
        rejection = Rejection(RejectionKind.NOT_FOUND, "not_found", message)
        return WriteResult(key, None, rejection=rejection)

    def _existing(self, conn: sa.Connection, creates: Sequence[Write]) -> Existing:
        """Live rows already holding the creates' unique keys: one query per unique column."""
        by_column: dict[str, list[str]] = {}
        for write in creates:
            if write.unique_property is not None:
                by_column.setdefault(write.unique_property, []).append(str(write.unique_value))
        existing: Existing = {}
        pk = self._schema.primary_key
        for name, values in by_column.items():
            column = self._schema.column(name)
            query = (
                sa.select(*pk, column)
                .where(match_condition(column, values), self._schema.live())
                .order_by(*pk)
            )
            for row in run(conn, self._counter, query).mappings():
                existing.setdefault((name, match_key(column, row[column.name])), key_of(pk, row))
        return existing

    def _existing_keys(
        self, conn: sa.Connection, identities: Iterable[tuple[str | None, Any] | Rejection]
    ) -> Existing:
        """Live rows already holding the primary keys of the creates that carry their key."""
        keys = [i[1] for i in identities if not isinstance(i, Rejection) and i[0] is None]
        if not keys:
            return {}
        pk = self._schema.primary_key
        query = sa.select(*pk).where(key_condition(pk, keys), self._schema.live())
        rows = run(conn, self._counter, query).mappings()
        return {(None, key_of(pk, row)): key_of(pk, row) for row in rows}

    def _apply_archive(self, conn: sa.Connection, ids: Sequence[str]) -> list[WriteResult]:
        pk, flag = self._schema.primary_key, self._schema.deleted_flag
        keys = [k for k in (parse_id(pk, i) for i in ids) if k is not None]
        if keys and flag is not None:
            values = self._values({flag.name: flag_value(flag, deleted=True)})
            statement = sa.update(self._schema.table).where(key_condition(pk, keys)).values(values)
            run(conn, self._counter, statement)
        elif keys:
            run(conn, self._counter, sa.delete(self._schema.table).where(key_condition(pk, keys)))
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
        if write.target_id is None and (write.unique_property is None) != (
            write.unique_value is None
        ):
            raise ValueError(
                f"write {write.key!r}: a create names both unique_property and unique_value, "
                "or neither (then it is an upsert on the primary key its values hold)"
            )
        if write.unique_property is not None:
            self._schema.column(write.unique_property)

    def _describe_write(self, write: Write) -> tuple[str, Sequence[str]]:
        return write.key, [*write.properties, *filter(None, [write.unique_property])]
