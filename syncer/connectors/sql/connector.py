"""The SQL connector: a legacy CRM table, read and written with SQLAlchemy Core.

Works on any SQLAlchemy URL; tested on SQLite, PostgreSQL (psycopg) and MariaDB (pymysql).
The table is reflected on first use (`prepare`), and every statement is built from the
reflected columns. `reading` and `writing` hold the behaviour, `associations` the association
fields (foreign-key columns, join tables) and `owners` the `[owners]` users table; this class
wires them to the `Connector` protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo

import sqlalchemy as sa

from syncer.connectors.base import Capabilities
from syncer.connectors.sql.associations import Lists, TableAssociations
from syncer.connectors.sql.connection import build_engine
from syncer.connectors.sql.distinct import distinct_values
from syncer.connectors.sql.engines import SqlEngines
from syncer.connectors.sql.owners import OwnersTable
from syncer.connectors.sql.reading import TableReader
from syncer.connectors.sql.schema import (
    TableSchema,
    check_identifiers,
    field_shape,
    field_type,
    reflect_named,
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
    Rejection,
    Write,
    WriteResult,
)
from syncer.relations import AssociationField
from syncer.settings_external import SqlSettings
from syncer.settings_pipeline import PipelineSettings
from syncer.settings_relations import OwnersSettings


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlConnector:
    """A `Connector` for one pipeline's table (`pipeline.external_object`). `engines`: the
    process's engines and reflected tables (a daemon's), used instead of building its own."""

    capabilities = Capabilities(associations=True, bulk_writes=True, field_shapes=True)

    def __init__(
        self,
        settings: SqlSettings,
        pipeline: PipelineSettings,
        *,
        engine: sa.Engine | None = None,
        engines: SqlEngines | None = None,
        clock: Callable[[], datetime] = _utc_now,
        associations: Sequence[AssociationField] = (),
        owners: OwnersSettings | None = None,
    ) -> None:
        """`associations`: the pipeline's association fields (`relations.association_fields`);
        `owners`: the users table owner columns point at (capability `owners`)."""
        check_identifiers(pipeline)
        self.capabilities = replace(type(self).capabilities, owners=owners is not None)
        self.counter = CallCounter()
        self._association_fields = tuple(associations)
        self._owners_settings = owners
        self._associations: TableAssociations | None = None
        self._owners: OwnersTable | None = None
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
        self._associations = TableAssociations(
            self._engine,
            self._schema,
            self.counter,
            self._association_fields,
            reflect=self._reflect,
            batch_size=self._settings.batch_size,
        )
        if self._owners_settings is not None:
            owners = self._owners_settings
            self._owners = OwnersTable(self._engine, self.counter, owners, self._reflect)

    def _reflect(self, name: str, setting: str) -> sa.Table:
        """A join table or the users table, reflected once per process when it has engines."""
        self.counter.add("reflect")
        if self._engines is not None:
            return self._engines.named(self._engine, name, key=setting)
        return reflect_named(self._engine, name, key=setting)

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
            return self._attached(self._reader().scan(until, live_only=True))
        watermark = decode_cursor(since, self._pipeline.name)
        if watermark is None or self._table().updated_at is None:
            return self._attached(self._reader().scan(until, live_only=False))
        return self._attached(self._reader().since(watermark, until))

    def _attached(self, pages: Iterator[ChangePage]) -> Iterator[ChangePage]:
        for page in pages:
            yield ChangePage(self._relations().attach(page.records), page.cursor)

    def fetch(self, ids: Sequence[str]) -> list[Record]:
        return self._relations().attach(self._reader().fetch(ids))

    def find(self, field: str, values: Sequence[str]) -> list[Record]:
        found = self._reader().find(self._table().column(field), values)
        return self._relations().attach(found)

    def association_values(self, ids: Sequence[str]) -> dict[str, dict[str, list[str]]]:
        """Each live record's association fields, read as `fetch` reads them (the row's
        foreign-key columns with it, join rows a chunk of ids at a time)."""
        names = self._relations().names
        return {r.id: {n: r.properties[n] for n in names} for r in self.fetch(ids)}

    def owner_emails(self) -> dict[str, str]:
        """{user key: email} from the `[owners]` table, read once per connector."""
        self._table()
        if self._owners is None:
            raise ValueError("owner_emails: this connector was built without [owners]")
        return self._owners.emails()

    def normalise_key(self, field: str, value: object) -> str | None:
        """As `find` compares: text trimmed and lower-cased, other types parsed."""
        key = match_key(self._table().column(field), value)
        return None if key is None else str(key)

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        """Association lists become foreign-key column values before the row is written, and
        join rows are set in the row write's transaction; a list the table cannot hold is
        refused for its record alone."""
        relations = self._relations()
        if not relations.names:
            return self._writer().write(writes)
        split = [relations.split(w) for w in writes]
        ready = [s for s in split if not isinstance(s, Rejection)]
        lists: dict[int, Lists] = {id(write): held for write, held in ready}

        def joins(
            conn: sa.Connection, batch: Sequence[Write], results: list[WriteResult]
        ) -> list[WriteResult]:
            return relations.write_joins(conn, [(w, lists[id(w)]) for w in batch], results)

        written = iter(self._writer().write([w for w, _ in ready], joins))
        return [
            WriteResult(w.key, None, rejection=s) if isinstance(s, Rejection) else next(written)
            for w, s in zip(writes, split, strict=True)
        ]

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

    def _relations(self) -> TableAssociations:
        self._table()
        assert self._associations is not None
        return self._associations

    def _reader(self) -> TableReader:
        return TableReader(
            self._engine,
            self._relations().reading_schema(),
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
