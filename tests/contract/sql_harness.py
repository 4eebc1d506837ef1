"""The SQL connector's contract harness: a uniquely named CRM table on a real database."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from syncer.connectors.sql import SqlConnector
from syncer.relations import AssociationField
from syncer.settings_external import SqlSettings, SqlTableSettings
from syncer.settings_pipeline import MatchRule, PipelineSettings
from tests.contract.harness import OVERLAP_SECONDS, T0, ContractFields, PageSizes, RelationFields
from tests.contract.sql_relations import SqlRelatedTables, relation_columns

SQL_FIELDS = ContractFields(
    email="email",
    name="first_name",
    score="score",
    birthday="birthday",
    active="active",
    last_seen="last_seen",
)


def crm_table(
    name: str,
    *,
    unique_email: bool = True,
    updated_at: bool = True,
    deleted_flag: bool = True,
    relations: bool = False,
) -> sa.Table:
    """A legacy CRM customer table, in the shape the contract's fields need; with `relations`,
    the foreign-key columns of the contract's associations (sql_relations.py)."""
    columns: list[sa.Column[Any]] = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(120), unique=unique_email),
        sa.Column("first_name", sa.String(40), nullable=False),
        sa.Column("score", sa.Numeric(10, 2)),
        sa.Column("birthday", sa.Date),
        sa.Column("active", sa.Boolean),
        sa.Column("last_seen", sa.DateTime),
        *(relation_columns() if relations else []),
    ]
    if updated_at:
        columns.append(sa.Column("updated_at", sa.DateTime))
    if deleted_flag:
        columns.append(sa.Column("is_deleted", sa.Boolean, nullable=False, server_default="0"))
    return sa.Table(name, sa.MetaData(), *columns)


def pipeline_for(
    table: sa.Table, *, overlap_seconds: float = OVERLAP_SECONDS, timezone: str = "UTC"
) -> PipelineSettings:
    return PipelineSettings(
        name="contacts",
        external_object=table.name,
        match=MatchRule(hubspot="email", external="email"),
        overlap_seconds=overlap_seconds,
        sql=SqlTableSettings(
            primary_key="id",
            updated_at="updated_at" if "updated_at" in table.c else None,
            deleted_flag="is_deleted" if "is_deleted" in table.c else None,
            timezone=timezone,
        ),
        fields={
            "firstname": "first_name",
            "score": "score",
            "birthday": "birthday",
            "active": "active",
            "last_seen": "last_seen",
        },
    )


class SqlHarness:
    fields = SQL_FIELDS

    def __init__(
        self,
        engine: sa.Engine,
        table: sa.Table,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.table = table
        self.clock = clock
        self.connectors: list[SqlConnector] = []
        self._related: SqlRelatedTables | None = None

    def connector(
        self,
        *,
        batch_size: int = 500,
        overlap_seconds: float = OVERLAP_SECONDS,
        timezone: str = "UTC",
    ) -> SqlConnector:
        pipeline = pipeline_for(self.table, overlap_seconds=overlap_seconds, timezone=timezone)
        connector = SqlConnector(
            SqlSettings(url=str(self.engine.url), batch_size=batch_size),
            pipeline,
            engine=self.engine,
            clock=self.clock,
        )
        connector.prepare()
        self.connectors.append(connector)
        return connector

    # -- relations (sql_relations.py) ----------------------------------------------------------

    @property
    def relations(self) -> RelationFields:
        return self.related_tables().relations

    def related_connector(self, *, batch_size: int = 500) -> SqlConnector:
        tables = self.related_tables()
        connector = SqlConnector(
            SqlSettings(url=str(self.engine.url), batch_size=batch_size),
            pipeline_for(self.table),
            engine=self.engine,
            clock=self.clock,
            associations=tables.fields(),
            owners=tables.owners,
        )
        connector.prepare()
        self.connectors.append(connector)
        return connector

    def seed_target(self, field: AssociationField, number: int) -> str:
        return self.related_tables().seed_target(field, number)

    def seed_pointing(self, email: str, links: Mapping[str, list[str]]) -> str:
        tables = self.related_tables()
        row = {
            "email": email, "first_name": "Someone", "is_deleted": False,
            "updated_at": T0.replace(tzinfo=None), **tables.columns_for(dict(links)),
        }  # fmt: skip
        with self.engine.begin() as conn:
            key = conn.execute(sa.insert(self.table).values(row)).inserted_primary_key
        assert key is not None
        tables.seed_members(str(key[0]), dict(links))
        return str(key[0])

    def pointed(self, record_id: str) -> dict[str, list[str]]:
        return self.related_tables().pointed(record_id)

    def seed_owner(self, email: str) -> str:
        return self.related_tables().seed_owner(email)

    def related_tables(self) -> SqlRelatedTables:
        if self._related is None:
            self._related = SqlRelatedTables(self.engine, self.table)
        return self._related

    def seed(
        self,
        email: str,
        *,
        name: str = "Someone",
        modified_at: datetime = T0,
        archived: bool = False,
    ) -> str:
        row: dict[str, Any] = {"email": email, "first_name": name}
        if "updated_at" in self.table.c:
            row["updated_at"] = modified_at.astimezone(UTC).replace(tzinfo=None)
        if "is_deleted" in self.table.c:
            row["is_deleted"] = archived
        with self.engine.begin() as conn:
            key = conn.execute(sa.insert(self.table).values(row)).inserted_primary_key
        assert key is not None
        return str(key[0])

    def page_sizes(self, batch_size: int) -> PageSizes:
        return PageSizes(listing=batch_size, changes=batch_size)

    def edit(self, record_id: str, *, name: str, modified_at: datetime) -> None:
        self._update(record_id, first_name=name, modified_at=modified_at)

    def remove(self, record_id: str, *, modified_at: datetime) -> None:
        self._update(record_id, is_deleted=True, modified_at=modified_at)

    def stored(self, record_id: str) -> Mapping[str, Any] | None:
        query = sa.select(self.table).where(self.table.c.id == int(record_id))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().one_or_none()
        return None if row is None or row.get("is_deleted") else dict(row)

    def sample_values(self) -> Mapping[str, Any]:
        return {
            "score": Decimal("42.5"),
            "birthday": date(1990, 2, 3),
            "active": True,
            "last_seen": datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC),
        }

    def rejected_properties(self) -> Mapping[str, Any]:
        return {"first_name": None}  # NOT NULL

    def rejected_property(self) -> str:
        return "first_name"

    def rows(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            result = conn.execute(sa.select(self.table).order_by(self.table.c.id))
            return [dict(row) for row in result.mappings()]

    def _update(self, record_id: str, *, modified_at: datetime, **values: Any) -> None:
        if "updated_at" in self.table.c:
            values["updated_at"] = modified_at.astimezone(UTC).replace(tzinfo=None)
        update = sa.update(self.table).where(self.table.c.id == int(record_id)).values(values)
        with self.engine.begin() as conn:
            conn.execute(update)

    def close(self) -> None:
        for connector in self.connectors:
            connector.close()
        if self._related is not None:
            self._related.drop()
        self.table.drop(self.engine, checkfirst=True)


@pytest.fixture(scope="session")
def sql_engines() -> Iterator[dict[str, sa.Engine]]:
    """One engine per database URL for the whole session (connecting is the slow part)."""
    engines: dict[str, sa.Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture
def sql_engine(sql_url: str, sql_engines: dict[str, sa.Engine]) -> sa.Engine:
    if sql_url not in sql_engines:
        sql_engines[sql_url] = sa.create_engine(sql_url)
    return sql_engines[sql_url]


@pytest.fixture
def sql_harness(sql_engine: sa.Engine, unique_name: str) -> Iterator[SqlHarness]:
    table = crm_table(unique_name, relations=True)
    table.create(sql_engine)
    harness = SqlHarness(sql_engine, table)
    yield harness
    harness.close()
