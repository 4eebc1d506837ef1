"""The SQL connector: a legacy CRM table, read and written with SQLAlchemy Core.

Works on any SQLAlchemy URL; tested on SQLite, PostgreSQL (psycopg) and MariaDB (pymysql).
The table is reflected on first use (`prepare`), and every statement is built from the
reflected columns. `reading` and `writing` hold the behaviour; this class wires them to the
`Connector` protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, tzinfo

import sqlalchemy as sa

from syncer.connectors.base import Capabilities
from syncer.connectors.sql.connection import build_engine
from syncer.connectors.sql.distinct import distinct_values
from syncer.connectors.sql.engines import SqlEngines
from syncer.connectors.sql.reading import TableReader
from syncer.connectors.sql.schema import (
    TableSchema,
    check_identifiers,
    field_shape,
    field_type,
    reflect_table,
    zone_of,
)
from syncer.connectors.sql.uniqueness import verify_unique
from syncer.connectors.sql.values import decode_cursor, match_key
from syncer.connectors.sql.writing import TableWriter
from syncer.records import (
    CallCounter,
    ChangePage,
    Cursor,
    FieldShape,
    FieldType,
    Record,
    Write,
    WriteResult,
)
from syncer.settings import PipelineSettings
from syncer.settings_external import SqlSettings


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlConnector:
    """A `Connector` for one pipeline's table (`pipeline.external_object`). `engines`: the
    process's engines and reflected tables (a daemon's), used instead of building its own."""

    capabilities = Capabilities(bulk_writes=True, field_shapes=True)

    def __init__(
        self,
        settings: SqlSettings,
        pipeline: PipelineSettings,
        *,
        engine: sa.Engine | None = None,
        engines: SqlEngines | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        check_identifiers(pipeline)
        self.counter = CallCounter()
        self._settings = settings
        self._pipeline = pipeline
        self._engines = engines
        if engine is None and engines is not None:
            engine = engines.engine(settings)
        self._owns_engine = engine is None
        self._engine = engine if engine is not None else build_engine(settings)
        self._clock = clock
        self._schema: TableSchema | None = None

    @property
    def time_zone(self) -> tzinfo:
        """The configured zone of the table's date-time columns (`sql.timezone`)."""
        return zone_of(self._pipeline)

    def prepare(self) -> None:
        self.counter.add("reflect")
        if self._engines is not None:
            self._schema = self._engines.table(self._engine, self._pipeline)
        else:
            self._schema = reflect_table(self._engine, self._pipeline)

    def field_types(self) -> dict[str, FieldType]:
        return {c.name: field_type(c.type) for c in self._table().read_columns}

    def field_shapes(self) -> dict[str, FieldShape]:
        dialect = self._engine.dialect.name
        shapes = {c.name: field_shape(c.type, dialect) for c in self._table().read_columns}
        return {name: shape for name, shape in shapes.items() if shape is not None}

    def changes(self, since: Cursor | None, until: datetime) -> Iterator[ChangePage]:
        """Full listing when `since` is None; rows changed since the cursor's watermark otherwise.

        Without an updated_at column there is no watermark: every call after the first returns
        every row (soft-deleted ones too, marked archived) under the `FULL_SCAN` cursor, and the
        engine acts only on rows whose hash differs from the ledger.
        """
        if since is None:
            return self._reader().scan(until, live_only=True)
        watermark = decode_cursor(since, self._pipeline.name)
        if watermark is None or self._table().updated_at is None:
            return self._reader().scan(until, live_only=False)
        return self._reader().since(watermark, until)

    def fetch(self, ids: Sequence[str]) -> list[Record]:
        return self._reader().fetch(ids)

    def find(self, field: str, values: Sequence[str]) -> list[Record]:
        return self._reader().find(self._table().column(field), values)

    def normalise_key(self, field: str, value: object) -> str | None:
        """As `find` compares: text trimmed and lower-cased, other types parsed."""
        key = match_key(self._table().column(field), value)
        return None if key is None else str(key)

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        return self._writer().write(writes)

    def archive(self, ids: Sequence[str]) -> list[WriteResult]:
        return self._writer().archive(ids)

    def verify_unique_keys(self) -> None:
        """Refuse (ConfigError) a primary key or match column that rows repeat."""
        schema = self._table()
        verify_unique(
            self._engine, self.counter, schema, schema.primary_key, setting="sql.primary_key"
        )
        match = self._pipeline.match
        if match is not None:
            column = schema.column(match.external)
            verify_unique(
                self._engine,
                self.counter,
                schema,
                [column],
                setting="match.external",
                normalised=True,
            )

    def distinct_values(self, field: str, limit: int) -> list[object]:
        return distinct_values(self._engine, self.counter, self._table(), field, limit)

    def close(self) -> None:
        if self._owns_engine:
            self._engine.dispose()

    def _table(self) -> TableSchema:
        if self._schema is None:
            self.prepare()
        assert self._schema is not None
        return self._schema

    def _reader(self) -> TableReader:
        return TableReader(
            self._engine,
            self._table(),
            self.counter,
            batch_size=self._settings.batch_size,
            overlap_seconds=self._pipeline.overlap_seconds,
        )

    def _writer(self) -> TableWriter:
        return TableWriter(
            self._engine,
            self._table(),
            self.counter,
            batch_size=self._settings.batch_size,
            clock=self._clock,
        )
