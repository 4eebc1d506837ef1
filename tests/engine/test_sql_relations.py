"""Relations through the engine against a real legacy schema, on SQLite, PostgreSQL and MariaDB:
a contact's foreign key to its company becomes its HubSpot association and back, its sales rep
(a row of the users table) its HubSpot owner by email, and a second pass writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from syncer.connectors.memory import MemoryConnector
from syncer.connectors.sql import SqlConnector
from syncer.engine.report import Mode, RunReport
from syncer.engine.run import PipelineRun, run_pipeline
from syncer.ledger.store import Ledger
from syncer.policies import Direction
from syncer.records import Record, Side
from syncer.relations import AssociationField
from syncer.settings_external import SqlSettings
from syncer.settings_pipeline import PipelineSettings
from syncer.settings_relations import OwnersSettings
from tests.contract import sql_harness
from tests.engine.conftest import Clock
from tests.engine.relations_world import COMPANY_HUB, CONTACT_HUB

sql_engine = sql_harness.sql_engine
sql_engines = sql_harness.sql_engines


class Legacy:
    """HubSpot in memory; companies, contacts and users tables on a real database."""

    def __init__(self, engine: sa.Engine, name: str, ledger: Ledger) -> None:
        meta = sa.MetaData()
        self.companies = sa.Table(
            f"{name}_co",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("domain", sa.String(100), unique=True),
            sa.Column("name", sa.String(100)),
        )
        self.users = sa.Table(
            f"{name}_us",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("email", sa.String(100)),
        )
        self.contacts = sa.Table(
            f"{name}_ct",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("email", sa.String(100), unique=True),
            sa.Column("first_name", sa.String(100)),
            sa.Column("company_id", sa.Integer, sa.ForeignKey(self.companies.c.id)),
            sa.Column("rep", sa.Integer),
        )
        meta.create_all(engine)
        self.meta, self.engine, self.ledger, self.clock = meta, engine, ledger, Clock()
        self.field = AssociationField(
            name="@companies",
            to_pipeline="companies",
            to_hubspot_object="companies",
            to_external_object=self.companies.name,
            label=None,
            direction=Direction.BOTH,
            columns=("company_id",),
        )
        self.hub_companies = MemoryConnector(COMPANY_HUB, clock=self.clock, ordered_versions=True)
        self.hub_contacts = MemoryConnector(
            CONTACT_HUB,
            clock=self.clock,
            ordered_versions=True,
            associations=[self.field],
            owners={"7": "Ann@Example.com"},
        )
        self.owners = OwnersSettings(table=self.users.name, key="id", email="email")

    def pipeline(self, name: str) -> PipelineSettings:
        if name == "companies":
            data: dict[str, Any] = {
                "external_object": self.companies.name,
                "match": {"hubspot": "domain", "external": "domain"},
                "fields": {"domain": "domain", "name": "name"},
            }
        else:
            data = {
                "external_object": self.contacts.name,
                "match": {"hubspot": "email", "external": "email"},
                "fields": {
                    "email": "email",
                    "firstname": "first_name",
                    "hubspot_owner_id": {"external": "rep", "owner": True},
                },
                "associations": [{"to": "companies", "external": "company_id"}],
            }
        return PipelineSettings.model_validate({"name": name, "sql": {"primary_key": "id"}, **data})

    def run(self, name: str, mode: Mode = Mode.SYNC) -> RunReport:
        pipeline = self.pipeline(name)
        fields = [self.field] if name == "contacts" else []
        owners = self.owners if name == "contacts" else None
        sql = SqlConnector(
            SqlSettings(url=str(self.engine.url)),
            pipeline,
            engine=self.engine,
            associations=fields,
            owners=owners,
        )
        hub = self.hub_contacts if name == "contacts" else self.hub_companies
        try:
            ctx = PipelineRun(
                pipeline,
                self.ledger,
                {Side.HUBSPOT: hub, Side.EXTERNAL: sql},
                owner="t",
                clock=self.clock,
                associations=fields,
                owners=self.owners,
            )
            return run_pipeline(ctx, mode)
        finally:
            sql.close()

    def execute(self, statement: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(statement)

    def company_of(self, email: str) -> Any:
        query = sa.select(self.contacts.c.company_id).where(self.contacts.c.email == email)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def hub_contact(self, email: str) -> Record:
        return next(r for r in self.hub_contacts.live() if r.properties.get("email") == email)

    def hub_company(self, domain: str) -> str:
        return next(r.id for r in self.hub_companies.live() if r.properties["domain"] == domain)

    def writes(self) -> int:
        reports = [self.run("companies"), self.run("contacts")]
        return sum(r.writes for r in reports)


@pytest.fixture
def legacy(sql_engine: sa.Engine, unique_name: str, tmp_path: Any) -> Iterator[Legacy]:
    ledger = Ledger.open(f"sqlite:///{tmp_path}/ledger.db")
    world = Legacy(sql_engine, unique_name, ledger)
    yield world
    ledger.close()
    world.meta.drop_all(sql_engine)


def test_a_foreign_key_and_a_sales_rep_become_an_association_and_an_owner(legacy: Legacy) -> None:
    legacy.execute(
        sa.insert(legacy.companies).values(
            [
                {"id": 1, "domain": "acme.com", "name": "Acme"},
                {"id": 2, "domain": "globex.com", "name": "Globex"},
            ]
        )
    )
    legacy.execute(sa.insert(legacy.users).values(id=1002, email="ann@example.com"))
    legacy.execute(
        sa.insert(legacy.contacts).values(
            email="ann@x.com", first_name="Ann", company_id=1, rep=1002
        )
    )
    legacy.run("companies", Mode.MIGRATE)
    legacy.run("contacts", Mode.MIGRATE)
    ann = legacy.hub_contact("ann@x.com")
    assert ann.properties["@companies"] == [legacy.hub_company("acme.com")]
    assert ann.properties["hubspot_owner_id"] == "7"
    assert legacy.writes() == 0

    contacts = legacy.contacts
    legacy.execute(sa.update(contacts).where(contacts.c.email == "ann@x.com").values(company_id=2))
    legacy.run("contacts")
    assert legacy.hub_contact("ann@x.com").properties["@companies"] == [
        legacy.hub_company("globex.com")
    ]
    legacy.hub_contacts.put({"@companies": [legacy.hub_company("acme.com")]}, ann.id)
    legacy.run("contacts")
    assert legacy.company_of("ann@x.com") == 1
    legacy.hub_contacts.put({"@companies": []}, ann.id)  # the association deleted in HubSpot
    legacy.run("contacts")
    assert legacy.company_of("ann@x.com") is None
    assert legacy.writes() == 0
