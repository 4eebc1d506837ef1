"""Values as the SQL column keeps them: a HubSpot number rounded by a DECIMAL(10,2) column is
no change on the next pass, and a value that cannot fit the column is refused before anything
is sent, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from syncer.connectors.memory import MemoryConnector
from syncer.connectors.sql import SqlConnector
from syncer.engine.report import Mode, RunReport
from syncer.engine.run import PipelineRun, run_pipeline
from syncer.ledger.store import Ledger
from syncer.records import FieldType, Side
from syncer.settings_external import SqlSettings
from syncer.settings_pipeline import PipelineSettings
from tests.contract import sql_harness
from tests.engine.conftest import Clock

sql_engine = sql_harness.sql_engine
sql_engines = sql_harness.sql_engines

HUB_TYPES = {
    "email": FieldType.TEXT,
    "firstname": FieldType.TEXT,
    "amount": FieldType.NUMBER,
    "syncer_external_id": FieldType.TEXT,
}


class Crm:
    """HubSpot in memory, the legacy table on a real database, a ledger between them."""

    def __init__(self, engine: sa.Engine, table: sa.Table, ledger: Ledger) -> None:
        self.clock = Clock()
        self.hub = MemoryConnector(HUB_TYPES, clock=self.clock, ordered_versions=True)
        self.engine, self.table, self.ledger = engine, table, ledger
        self.pipeline = PipelineSettings.model_validate(
            {
                "name": "deals",
                "external_object": table.name,
                "match": {"hubspot": "email", "external": "email"},
                "sql": {"primary_key": "id"},
                "fields": {"email": "email", "firstname": "name", "amount": "amount"},
            }
        )

    def run(self, mode: Mode = Mode.SYNC) -> RunReport:
        sql = SqlConnector(SqlSettings(url=str(self.engine.url)), self.pipeline, engine=self.engine)
        try:
            connectors = {Side.HUBSPOT: self.hub, Side.EXTERNAL: sql}
            ctx = PipelineRun(self.pipeline, self.ledger, connectors, owner="t", clock=self.clock)
            return run_pipeline(ctx, mode)
        finally:
            sql.close()

    def rows(self) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(self.table)).mappings()
            return {row["email"]: dict(row) for row in rows}


@pytest.fixture
def crm(sql_engine: sa.Engine, unique_name: str, tmp_path: Any) -> Iterator[Crm]:
    table = sa.Table(
        unique_name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(120), unique=True),
        sa.Column("name", sa.String(10)),
        sa.Column("amount", sa.Numeric(10, 2)),
    )
    table.create(sql_engine)
    ledger = Ledger.open(f"sqlite:///{tmp_path}/ledger.db")
    yield Crm(sql_engine, table, ledger)
    ledger.close()
    table.drop(sql_engine)


def test_a_number_the_column_rounds_is_no_change_on_the_next_pass(crm: Crm) -> None:
    crm.hub.put({"email": "a@x.org", "firstname": "Ann", "amount": "12.345"})
    crm.hub.put({"email": "b@x.org", "firstname": "Bo", "amount": "7"})
    first = crm.run(Mode.MIGRATE)
    assert first.created == {"hubspot": 0, "external": 2}, first.render()
    assert crm.rows()["a@x.org"]["amount"] == Decimal("12.35")
    for _ in range(2):
        again = crm.run()
        assert (again.writes, again.quarantined) == (0, 0), again.render()
    assert [r.properties["amount"] for r in crm.hub.live()] == ["12.345", "7"]


def test_a_value_that_cannot_fit_is_refused_before_anything_is_sent(crm: Crm) -> None:
    crm.hub.put({"email": "ok@x.org", "firstname": "Ann", "amount": "1"})
    crm.hub.put({"email": "big@x.org", "firstname": "Bo", "amount": "123456789"})
    crm.hub.put({"email": "long@x.org", "firstname": "Bartholomew", "amount": "2"})
    report = crm.run(Mode.MIGRATE)
    if crm.engine.dialect.name == "sqlite":  # SQLite keeps any length and number of digits
        assert (report.created["external"], report.quarantined) == (3, 0), report.render()
        assert crm.rows()["long@x.org"]["name"] == "Bartholomew"
        return
    assert report.created == {"hubspot": 0, "external": 1}, report.render()
    assert report.quarantined == 2
    assert list(crm.rows()) == ["ok@x.org"]
    entries = crm.ledger.quarantined("deals")  # refused by the mapping, before any write
    assert {entry.message.split(":")[0] for entry in entries} == {
        "field 'amount'",
        "field 'firstname'",
    }
    assert crm.run(Mode.MIGRATE).created == {"hubspot": 0, "external": 0}
