"""The external databases' engines of one process, built once, and their tables, reflected once.

The daemon runs a pipeline's pass again and again. Building the engine for each pass built a
new dialect each time too, and SQLAlchemy keeps each dialect's catalogue queries in caches
shared by the process: on PostgreSQL some 3,500 objects a pass, never freed. So a process keeps
one engine per database and one reflection per table. Before each pass reuses a reflection it
reads the table's columns (one catalogue query, much less than a reflection), and reflects
again when they changed: a column dropped or renamed between passes is still reported, naming
its field, before any statement uses it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from syncer.connectors.sql.connection import build_engine, database_url
from syncer.connectors.sql.schema import (
    TableSchema,
    reflect_named,
    reflect_table,
    split_table_name,
)
from syncer.settings_external import SqlSettings
from syncer.settings_pipeline import PipelineSettings

Columns = tuple[tuple[str, str, bool], ...]  # name, type, nullable: what reflection depends on


@dataclass(frozen=True, slots=True)
class _Reflected:
    columns: Columns | None
    schema: TableSchema


class SqlEngines:
    """Engines by database URL and reflected tables by pipeline, for every run of the process.
    Thread-safe: the daemon runs several pipelines at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engines: dict[str, tuple[sa.URL, sa.Engine]] = {}  # by the configured URL
        self._tables: dict[tuple[int, str], _Reflected] = {}  # by engine and pipeline
        self._others: dict[tuple[int, str], tuple[Columns | None, sa.Table]] = {}  # by name

    def engine(self, settings: SqlSettings) -> sa.Engine:
        """The engine of `settings.url`; a new one, the old disposed, when the password (read
        from its file for each run) changed."""
        url = database_url(settings)
        with self._lock:
            kept = self._engines.get(settings.url)
            if kept is not None and kept[0] == url:
                return kept[1]
            engine = build_engine(settings)
            self._engines[settings.url] = (url, engine)
            if kept is not None:
                gone = id(kept[1])
                self._tables = {k: v for k, v in self._tables.items() if k[0] != gone}
                self._others = {k: v for k, v in self._others.items() if k[0] != gone}
        if kept is not None:
            kept[1].dispose()
        return engine

    def table(self, engine: sa.Engine, pipeline: PipelineSettings) -> TableSchema:
        """The pipeline's table as reflected, again when its columns changed since."""
        key = (id(engine), pipeline.name)
        columns = _columns(engine, pipeline)
        with self._lock:
            kept = self._tables.get(key)
        if kept is not None and kept.columns == columns:
            return kept.schema
        schema = reflect_table(engine, pipeline)
        with self._lock:
            self._tables[key] = _Reflected(columns, schema)
        return schema

    def named(self, engine: sa.Engine, name: str, *, key: str) -> sa.Table:
        """Another table a pipeline names (a join table, the `[owners]` table), reflected
        again only when its columns changed; ConfigError naming `key` if it is not there."""
        cache_key = (id(engine), f"table {name}")
        schema_name, _, table_name = name.rpartition(".")
        columns = _listed(engine, schema_name or None, table_name)
        with self._lock:
            kept = self._others.get(cache_key)
        if kept is not None and kept[0] == columns and columns is not None:
            return kept[1]
        table = reflect_named(engine, name, key=key)
        with self._lock:
            self._others[cache_key] = (columns, table)
        return table

    def close(self) -> None:
        with self._lock:
            engines = [engine for _url, engine in self._engines.values()]
            self._engines.clear()
            self._tables.clear()
            self._others.clear()
        for engine in engines:
            engine.dispose()


def _columns(engine: sa.Engine, pipeline: PipelineSettings) -> Columns | None:
    """The table's columns as the catalogue lists them now; None when there is no such table
    (reflecting then reports it)."""
    schema, table = split_table_name(pipeline)
    return _listed(engine, schema, table)


def _listed(engine: sa.Engine, schema: str | None, table: str) -> Columns | None:
    try:
        listed: list[Any] = sa.inspect(engine).get_columns(table, schema=schema)
    except sa.exc.NoSuchTableError:
        return None
    return tuple((c["name"], repr(c["type"]), bool(c["nullable"])) for c in listed)
