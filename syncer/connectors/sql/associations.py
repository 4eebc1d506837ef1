"""Association fields of a SQL table (syncer/relations.py): foreign-key columns and join tables.

A field kept in foreign-key columns reads as a list of at most one key: the columns' values as a
record id (`keys.record_id`: a composite key joined with ":"), [] when any of them is NULL. A
write sets the columns from a list of one key, or to NULL from []; a longer list, or a key that
cannot fit the columns, is refused for that record alone (INVALID_VALUE, naming the columns and
the keys). The columns ride along with the row's own read and write: no extra statement.

A field kept in a join table reads as the list of the `to` column's values of the rows whose
`from` column holds the record's key, read for a whole page at once (chunked IN lists). A write
sets the whole list: in the row write's own transaction, the pairs no longer wanted are deleted
and the missing ones inserted. A join row's change leaves the record's updated_at as it is: the
engine's sweep (`association_values`) finds those.

Every table and column is looked up in the database's reflected catalogue when the connector is
prepared; one that is not there is a ConfigError naming the setting and the columns that are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from syncer.connectors.sql.calls import chunked, run, run_many
from syncer.connectors.sql.keys import key_condition, parse_id, parse_value, record_id
from syncer.connectors.sql.schema import Column, TableSchema, lookup_column
from syncer.errors import ConfigError
from syncer.records import CallCounter, Record, Rejection, RejectionKind, Write, WriteResult
from syncer.relations import AssociationField

Lists = dict[str, list[str]]  # {association field name: ids}
# Reflects another table the configuration names: (its name, the setting naming it) -> table.
Reflect = Callable[[str, str], sa.Table]


@dataclass(frozen=True)
class ForeignKey:
    field: AssociationField
    columns: tuple[Column, ...]  # of this table, in the order of the target's key columns


@dataclass(frozen=True)
class Join:
    field: AssociationField
    table: sa.Table
    from_column: Column  # holds this table's key
    to_column: Column  # holds the target's key


def resolve(
    reflect: Reflect, schema: TableSchema, fields: Sequence[AssociationField]
) -> tuple[list[ForeignKey], list[Join]]:
    """Each field's columns and join table, looked up in the database; ConfigError otherwise."""
    foreign_keys: list[ForeignKey] = []
    joins: list[Join] = []
    for field in fields:
        if field.join is None:
            setting = (
                f"pipelines.{schema.pipeline}.associations (to {field.to_pipeline!r}).external"
            )
            columns = tuple(lookup_column(schema.table, c, key=setting) for c in field.columns)
            foreign_keys.append(ForeignKey(field, columns))
            continue
        setting = f"associations (between {schema.pipeline!r} and {field.to_pipeline!r})"
        if len(schema.primary_key) != 1:
            raise ConfigError(
                f"{setting}.columns: join table column {field.join.from_column!r} holds one "
                f"value; the key of {schema.table.fullname} has {len(schema.primary_key)} columns"
            )
        table = reflect(field.join.table, f"{setting}.table")
        from_column = lookup_column(table, field.join.from_column, key=f"{setting}.columns")
        to_column = lookup_column(table, field.join.to_column, key=f"{setting}.columns")
        joins.append(Join(field, table, from_column, to_column))
    return foreign_keys, joins


class TableAssociations:
    """Reads and writes one table's association fields (see the module's docstring)."""

    def __init__(
        self,
        engine: sa.Engine,
        schema: TableSchema,
        counter: CallCounter,
        fields: Sequence[AssociationField],
        *,
        reflect: Reflect,
        batch_size: int,
    ) -> None:
        self._engine = engine
        self._schema = schema
        self._counter = counter
        self._batch_size = batch_size
        self.foreign_keys, self.joins = resolve(reflect, schema, fields)
        self.names = [f.name for f in fields]
        read = {c.name for c in schema.read_columns}
        self._extra = tuple(
            dict.fromkeys(c for fk in self.foreign_keys for c in fk.columns if c.name not in read)
        )

    def reading_schema(self) -> TableSchema:
        """The table's schema with the foreign-key columns read along with the mapped ones."""
        if not self._extra:
            return self._schema
        return replace(self._schema, read_columns=(*self._schema.read_columns, *self._extra))

    # -- reading -------------------------------------------------------------------------------

    def attach(self, records: Sequence[Record]) -> list[Record]:
        """The records with every association field's list (and no column read only for it)."""
        if not self.names:
            return list(records)
        joined = {j.field.name: self._pairs(j, [r.id for r in records]) for j in self.joins}
        extra = {c.name for c in self._extra}
        attached = []
        for record in records:
            properties = {k: v for k, v in record.properties.items() if k not in extra}
            for fk in self.foreign_keys:
                values = tuple(record.properties[c.name] for c in fk.columns)
                has_key = all(v is not None for v in values)
                properties[fk.field.name] = [record_id(values)] if has_key else []
            for name, pairs in joined.items():
                properties[name] = pairs.get(record.id, [])
            attached.append(replace(record, properties=properties))
        return attached

    def _pairs(
        self, join: Join, ids: Sequence[str], conn: sa.Connection | None = None
    ) -> dict[str, list[str]]:
        """{record id: the target keys its join rows hold}, one query per chunk of ids."""
        keys = [
            k for k in dict.fromkeys(parse_value(join.from_column, i) for i in ids) if k is not None
        ]
        pairs: dict[str, list[str]] = {}
        for chunk in chunked(keys, self._batch_size):
            query = sa.select(join.from_column, join.to_column).where(join.from_column.in_(chunk))
            if conn is None:
                with self._engine.connect() as own:
                    rows = run(own, self._counter, query).mappings().all()
            else:
                rows = run(conn, self._counter, query).mappings().all()
            for row in rows:
                from_value, to_value = row[join.from_column.name], row[join.to_column.name]
                if to_value is not None:
                    pairs.setdefault(record_id((from_value,)), []).append(record_id((to_value,)))
        return {k: sorted(v) for k, v in pairs.items()}

    # -- writing -------------------------------------------------------------------------------

    def split(self, write: Write) -> tuple[Write, Lists] | Rejection:
        """The write with its foreign-key lists turned into column values and its join-table
        lists taken out (to be written after the row); or why the side cannot hold them."""
        properties = {k: v for k, v in write.properties.items() if k not in self.names}
        for fk in self.foreign_keys:
            if fk.field.name in write.properties:
                values = _column_values(fk, write.properties[fk.field.name])
                if isinstance(values, Rejection):
                    return values
                properties |= values
        lists: Lists = {}
        for join in self.joins:
            if join.field.name in write.properties:
                wanted = _join_keys(join, write.properties[join.field.name])
                if isinstance(wanted, Rejection):
                    return wanted
                lists[join.field.name] = wanted
        return replace(write, properties=properties), lists

    def write_joins(
        self,
        conn: sa.Connection,
        batch: Sequence[tuple[Write, Lists]],
        results: Sequence[WriteResult],
    ) -> list[WriteResult]:
        """Set the join rows of the written records, in the row write's transaction. An update
        carrying nothing but join lists wrote no row: its record must exist (NOT_FOUND if not)."""
        results = self._found(conn, batch, results)
        for join in self.joins:
            wanted = {
                str(result.id): lists[join.field.name]
                for (_, lists), result in zip(batch, results, strict=True)
                if result.ok and result.id is not None and join.field.name in lists
            }
            if wanted:
                self._set_pairs(conn, join, wanted)
        return list(results)

    def _found(
        self,
        conn: sa.Connection,
        batch: Sequence[tuple[Write, Lists]],
        results: Sequence[WriteResult],
    ) -> list[WriteResult]:
        unchecked = [
            str(w.target_id) for w, lists in batch if lists and not w.properties and w.target_id
        ]
        if not unchecked:
            return list(results)
        pk = self._schema.primary_key
        keys = [k for k in (parse_id(pk, i) for i in unchecked) if k is not None]
        query = sa.select(*pk).where(key_condition(pk, keys), self._schema.live())
        live = {record_id(tuple(row)) for row in run(conn, self._counter, query).all()}
        checked = []
        for (write, _), result in zip(batch, results, strict=True):
            gone = write.target_id in unchecked and write.target_id not in live
            checked.append(_not_found(write, self._schema) if gone else result)
        return checked

    def _set_pairs(self, conn: sa.Connection, join: Join, wanted: Mapping[str, list[str]]) -> None:
        current = self._pairs(join, list(wanted), conn)
        gone = [
            {"syncer_from": parse_value(join.from_column, own), "syncer_to": to}
            for own, keys in current.items()
            for to in sorted(set(keys) - set(wanted.get(own, keys)))
        ]
        new = [
            {join.from_column.name: parse_value(join.from_column, own), join.to_column.name: to}
            for own, keys in wanted.items()
            for to in keys
            if to not in current.get(own, [])
        ]
        if gone:
            delete = sa.delete(join.table).where(
                join.from_column == sa.bindparam("syncer_from"),
                join.to_column == sa.bindparam("syncer_to"),
            )
            for chunk in chunked(gone, self._batch_size):
                run_many(conn, self._counter, delete, [_typed(join, p) for p in chunk])
        for chunk in chunked(new, self._batch_size):
            run_many(conn, self._counter, sa.insert(join.table), [_typed(join, p) for p in chunk])


def _typed(join: Join, values: dict[str, Any]) -> dict[str, Any]:
    """A pair's target key in the `to` column's type (ids arrive as text)."""
    for name in ("syncer_to", join.to_column.name):
        if isinstance(values.get(name), str):
            values[name] = parse_value(join.to_column, values[name])
    return values


def _ids(field: AssociationField, value: Any) -> list[str] | Rejection:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        message = f"{field.name}: expected a list of record keys, got {value!r}"
        return Rejection(RejectionKind.INVALID_VALUE, "not_a_list", message, field.name)
    return list(dict.fromkeys(value))


def _column_values(fk: ForeignKey, value: Any) -> dict[str, Any] | Rejection:
    ids = _ids(fk.field, value)
    if isinstance(ids, Rejection):
        return ids
    names = ", ".join(c.name for c in fk.columns)
    if len(ids) > 1:
        message = (
            f"column {names} holds one key of {fk.field.to_pipeline!r}; "
            f"cannot point at {len(ids)}: {', '.join(ids)}"
        )
        return Rejection(RejectionKind.INVALID_VALUE, "one_key_only", message, fk.field.name)
    if not ids:
        return {c.name: None for c in fk.columns}
    key = parse_id(fk.columns, ids[0])
    if key is None:
        message = f"key {ids[0]!r} does not fit column {names}"
        return Rejection(RejectionKind.INVALID_VALUE, "invalid_key", message, fk.field.name)
    return {c.name: v for c, v in zip(fk.columns, key, strict=True)}


def _join_keys(join: Join, value: Any) -> list[str] | Rejection:
    ids = _ids(join.field, value)
    if isinstance(ids, Rejection):
        return ids
    parsed = {i: parse_value(join.to_column, i) for i in ids}
    unfit = [i for i, value in parsed.items() if value is None]
    if unfit:
        column = f"{join.table.fullname}.{join.to_column.name}"
        message = f"key {', '.join(map(repr, unfit))} does not fit column {column}"
        return Rejection(RejectionKind.INVALID_VALUE, "invalid_key", message, join.field.name)
    # As the column keeps them ("007" is 7), so two forms of one key are one pair.
    return list(dict.fromkeys(record_id((value,)) for value in parsed.values()))


def _not_found(write: Write, schema: TableSchema) -> WriteResult:
    message = f"no live row with id {write.target_id!r} in {schema.table.fullname}"
    return WriteResult(
        write.key, None, rejection=Rejection(RejectionKind.NOT_FOUND, "not_found", message)
    )
