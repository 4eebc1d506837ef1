"""What the SQL connector knows about its table: reflected columns checked against the pipeline.

Identifiers from the configuration never reach SQL as text. They are first checked for shape
(`check_identifiers`, at load), then looked up in the database's reflected metadata, and only
the reflected `sa.Column` objects are used to build statements, so the database's own catalogue
is the allowlist.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from syncer.errors import ConfigError
from syncer.records import FieldShape, FieldType
from syncer.settings_external import SqlTableSettings
from syncer.settings_pipeline import PipelineSettings

# Letters, digits, underscore and `$` (common in legacy schemas); nothing that can close a quote.
_IDENTIFIER = re.compile(r"^[^\W\d][\w$]{0,127}$")

Column = sa.Column[Any]


def table_settings(pipeline: PipelineSettings) -> SqlTableSettings:
    return pipeline.sql or SqlTableSettings()


def configured_columns(pipeline: PipelineSettings) -> list[tuple[str, str]]:
    """(configuration key, column name) for every column the pipeline names."""
    prefix = f"pipelines.{pipeline.name}"
    sql = table_settings(pipeline)
    named = [(f"{prefix}.sql.primary_key", name) for name in sql.key_columns()]
    if sql.updated_at:
        named.append((f"{prefix}.sql.updated_at", sql.updated_at))
    if sql.deleted_flag:
        named.append((f"{prefix}.sql.deleted_flag", sql.deleted_flag))
    if pipeline.match is not None:
        named.append((f"{prefix}.match.external", pipeline.match.external))
    named += [
        (f"{prefix}.fields.{hub}.external", m.external)
        for hub, m in pipeline.fields.items()
        if m.external is not None  # a constant has no column
    ]
    return named


def split_table_name(pipeline: PipelineSettings) -> tuple[str | None, str]:
    """`external_object` is `table` or `schema.table`."""
    schema, _, table = pipeline.external_object.rpartition(".")
    return schema or None, table


def check_identifiers(pipeline: PipelineSettings) -> None:
    """Refuse table and column names that could not be plain SQL identifiers."""
    key = f"pipelines.{pipeline.name}.external_object"
    for part in split_table_name(pipeline):
        if part is not None and not _IDENTIFIER.match(part):
            raise ConfigError(
                f"{key}: {pipeline.external_object!r} is not a valid table name "
                "(expected letters, digits, '_' or '$', optionally 'schema.table')"
            )
    for key, name in configured_columns(pipeline):
        if not _IDENTIFIER.match(name):
            raise ConfigError(
                f"{key}: {name!r} is not a valid column name (expected letters, digits, '_' or '$')"
            )


def zone_of(pipeline: PipelineSettings) -> ZoneInfo:
    name = table_settings(pipeline).timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"pipelines.{pipeline.name}.sql.timezone: unknown time zone {name!r} "
            "(expected an IANA name such as 'UTC' or 'Europe/Paris')"
        ) from exc


@dataclass(frozen=True)
class TableSchema:
    """The reflected table and the roles its columns play for one pipeline."""

    pipeline: str
    table: sa.Table
    primary_key: tuple[Column, ...]  # in the configured order, which is the record id's
    updated_at: Column | None
    deleted_flag: Column | None
    read_columns: tuple[Column, ...]
    zone: ZoneInfo

    def column(self, name: str) -> Column:
        return lookup_column(self.table, name, key=f"pipelines.{self.pipeline} field {name!r}")

    def has_unique_index(self, columns: Sequence[Column]) -> bool:
        """True when the declared primary key, a unique constraint or a unique index (not a
        partial one) covers exactly `columns`: the database itself keeps them unique."""
        wanted = {column.name for column in columns}
        constraints = self.table.constraints
        covered = [c.columns.keys() for c in constraints if isinstance(c, sa.UniqueConstraint)]
        covered += [i.columns.keys() for i in self.table.indexes if i.unique and not _partial(i)]
        covered.append(self.table.primary_key.columns.keys())
        return any(set(names) == wanted for names in covered)

    def live(self) -> sa.ColumnElement[bool]:
        """The condition that a row is not soft-deleted."""
        flag = self.deleted_flag
        if flag is None:
            return sa.true()
        return sa.or_(flag.is_(None), flag == flag_value(flag, deleted=False))


def reflect_table(engine: sa.Engine, pipeline: PipelineSettings) -> TableSchema:
    """Reflect the pipeline's table and check every configured column exists."""
    check_identifiers(pipeline)
    schema_name, table_name = split_table_name(pipeline)
    try:
        table = sa.Table(table_name, sa.MetaData(), schema=schema_name, autoload_with=engine)
    except sa.exc.NoSuchTableError as exc:
        tables = ", ".join(sorted(sa.inspect(engine).get_table_names(schema=schema_name)))
        raise ConfigError(
            f"pipelines.{pipeline.name}.external_object: table "
            f"{pipeline.external_object!r} does not exist "
            f"(tables: {tables})"
        ) from exc
    sql = table_settings(pipeline)
    columns = {
        name: lookup_column(table, name, key=key) for key, name in configured_columns(pipeline)
    }
    flag = columns[sql.deleted_flag] if sql.deleted_flag else None
    if flag is not None and field_type(flag.type) not in (FieldType.BOOLEAN, FieldType.NUMBER):
        raise ConfigError(
            f"pipelines.{pipeline.name}.sql.deleted_flag: column {flag.name!r} "
            f"has type {flag.type}; expected a boolean or integer column"
        )
    return TableSchema(
        pipeline=pipeline.name,
        table=table,
        primary_key=tuple(columns[name] for name in sql.key_columns()),
        updated_at=columns[sql.updated_at] if sql.updated_at else None,
        deleted_flag=flag,
        read_columns=tuple(dict.fromkeys(columns.values())),
        zone=zone_of(pipeline),
    )


def reflect_named(engine: sa.Engine, name: str, *, key: str) -> sa.Table:
    """Another table the pipeline names (`table` or `schema.table`: a join table, the users
    table); ConfigError naming the setting `key` and the tables that exist."""
    schema_name, _, table_name = name.rpartition(".")
    for part in (schema_name, table_name):
        if part and not _IDENTIFIER.match(part):
            raise ConfigError(f"{key}: {name!r} is not a valid table name")
    try:
        return sa.Table(table_name, sa.MetaData(), schema=schema_name or None, autoload_with=engine)
    except sa.exc.NoSuchTableError as exc:
        tables = ", ".join(sorted(sa.inspect(engine).get_table_names(schema=schema_name or None)))
        raise ConfigError(f"{key}: table {name!r} does not exist (tables: {tables})") from exc


def lookup_column(table: sa.Table, name: str, *, key: str) -> Column:
    """The reflected column `name`; ConfigError naming the key and the columns that exist."""
    if name not in table.columns:
        existing = ", ".join(sorted(table.columns.keys()))
        raise ConfigError(
            f"{key}: column {name!r} does not exist in table "
            f"{table.fullname!r} (columns: {existing})"
        )
    return table.columns[name]


def field_type(column_type: sa.types.TypeEngine[Any]) -> FieldType:
    """The mapping layer's type for a reflected column type."""
    if isinstance(column_type, sa.Boolean) or _is_mysql_bool(column_type):
        return FieldType.BOOLEAN
    if isinstance(column_type, sa.DateTime):
        return FieldType.DATETIME
    if isinstance(column_type, sa.Date):
        return FieldType.DATE
    if isinstance(column_type, (sa.Integer, sa.Numeric)):
        return FieldType.NUMBER
    return FieldType.TEXT


def field_shape(column_type: sa.types.TypeEngine[Any], dialect: str) -> FieldShape | None:
    """The limits a column's values are kept to: a fixed-point column's scale (its values come
    back rounded to it), and where the database enforces them (not SQLite, which stores any
    length and any number of digits whatever the declaration), its precision and a text's
    length."""
    enforced = dialect != "sqlite"
    if isinstance(column_type, sa.Numeric) and not isinstance(column_type, (sa.Float, sa.Integer)):
        if column_type.scale is None:
            return None
        precision = column_type.precision if enforced else None
        return FieldShape(precision=precision, scale=column_type.scale)
    length = getattr(column_type, "length", None)
    if enforced and field_type(column_type) is FieldType.TEXT and isinstance(length, int):
        return FieldShape(length=length)
    return None


def _partial(index: sa.Index) -> bool:
    # A partial unique index (e.g. WHERE NOT is_deleted) cannot be an ON CONFLICT target as is.
    return any(options.get("where") is not None for options in index.dialect_options.values())


def _is_mysql_bool(column_type: sa.types.TypeEngine[Any]) -> bool:
    # MySQL has no boolean type: BOOLEAN columns are TINYINT(1) and reflect as such. Only the
    # MySQL dialect, loaded for a MySQL engine, makes a TINYINT: no other run need load it.
    mysql = sys.modules.get("sqlalchemy.dialects.mysql")
    tinyint = mysql is not None and isinstance(column_type, mysql.TINYINT)
    return tinyint and getattr(column_type, "display_width", None) == 1


def is_text(column: Column) -> bool:
    return field_type(column.type) is FieldType.TEXT


def flag_value(column: Column, *, deleted: bool) -> bool | int:
    """The value that means deleted / not deleted in a boolean or integer flag column."""
    if isinstance(column.type, sa.Boolean):
        return deleted
    return int(deleted)
