"""A legacy table that cannot take every HubSpot record: a text key with no default and NOT NULL
columns, `direction = "both"`. The records it refuses are quarantined once each, naming the
column, every other record syncs, the run exits 4 (not 1), and the config's next pipeline still
runs; on SQLite, PostgreSQL and MariaDB (whose refusal of a missing value, 1364, PyMySQL raises
as an OperationalError)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from syncer.cli import main
from syncer.ledger.store import Ledger
from syncer.sandbox.hubspot import HubSpotSandbox
from tests.integration.harness import TOKEN, loopback

PIPELINES = """\
[[pipelines]]
name = "contacts"
external_object = "{accounts}"
direction = "both"
match = {{ hubspot = "email", external = "email" }}
[pipelines.sql]
primary_key = "code"
[pipelines.fields]
email = "email"
legacy_code = "code"
firstname = "name"

[[pipelines]]
name = "companies"
hubspot_object = "companies"
external_object = "{firms}"
match = {{ hubspot = "domain", external = "domain" }}
[pipelines.fields]
domain = "domain"
name = "name"
"""

LEGACY_CODE = {
    "name": "legacy_code",
    "label": "Legacy code",
    "type": "string",
    "fieldType": "text",
    "groupName": "contactinformation",
}


@dataclass
class Legacy:
    app: HubSpotSandbox
    client: httpx.Client
    engine: sa.Engine
    accounts: sa.Table
    firms: sa.Table
    config: Path
    ledger_url: str

    def contact(self, **properties: str) -> None:
        response = self.client.post("/crm/v3/objects/contacts", json={"properties": properties})
        response.raise_for_status()

    def codes(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(self.accounts.c.email, self.accounts.c.code))
            return {email: code for email, code in rows}


@pytest.fixture
def legacy(tmp_path: Path, sql_url: str, unique_name: str) -> Iterator[Legacy]:
    engine = sa.create_engine(sql_url)
    metadata = sa.MetaData()
    accounts = sa.Table(
        f"{unique_name}_accounts",
        metadata,
        sa.Column("code", sa.String(20), primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(120), unique=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("region", sa.String(10), nullable=False),  # not mapped, no default
    )
    firms = sa.Table(
        f"{unique_name}_firms",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("domain", sa.String(120), unique=True),
        sa.Column("name", sa.String(80)),
    )
    metadata.create_all(engine)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with (
            loopback(tmp_path, sql_url) as served,
            httpx.Client(base_url=served.url, headers=headers) as client,
        ):
            client.post("/crm/v3/properties/contacts", json=LEGACY_CODE).raise_for_status()
            config = served.configure(PIPELINES, accounts=accounts.name, firms=firms.name)
            yield Legacy(served.app, client, engine, accounts, firms, config, served.ledger_url)
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_refused_records_are_quarantined_once_and_the_rest_of_the_config_runs(
    legacy: Legacy,
) -> None:
    with legacy.engine.begin() as conn:
        conn.execute(
            sa.insert(legacy.accounts),
            [
                {"code": "A-1", "email": "shared@x.org", "name": "Shared", "region": "EU"},
                {"code": "A-2", "email": "legacy-only@x.org", "name": "Legacy", "region": "US"},
            ],
        )
        conn.execute(sa.insert(legacy.firms), [{"domain": "firm.example", "name": "Firm"}])
    legacy.contact(email="shared@x.org", firstname="Shared", legacy_code="A-1")
    # The table cannot take these: region is NOT NULL without a default and never mapped;
    # the second has no name either, the third no key.
    legacy.contact(email="no-region@x.org", firstname="Noregion", legacy_code="H-1")
    legacy.contact(email="no-name@x.org", legacy_code="H-2")
    legacy.contact(email="no-code@x.org", firstname="Nocode")

    assert main(["migrate", "-c", str(legacy.config)]) == 4
    assert legacy.codes() == {"shared@x.org": "A-1", "legacy-only@x.org": "A-2"}
    emails = {c["properties"].get("email") for c in legacy.app.records("contacts")}
    assert "legacy-only@x.org" in emails
    companies = legacy.app.records("companies")
    assert [c["properties"].get("domain") for c in companies] == ["firm.example"]

    # Still refused, still one entry each; refused again unchanged, nothing new: exit 0, not 4.
    assert main(["migrate", "-c", str(legacy.config)]) == 0
    ledger = Ledger.open(legacy.ledger_url)
    try:
        entries = {entry.record_id: entry for entry in ledger.quarantined("contacts")}
        assert len(entries) == 3, entries  # once each, though refused on both passes
        assert {e.attempts for e in entries.values()} == {2}
        # Each names a column the table refused (the database says which it checked first).
        assert {e.property in ("region", "name", "code") for e in entries.values()} == {True}
        ids = {c["properties"].get("email"): c["id"] for c in legacy.app.records("contacts")}
        assert entries[ids["no-region@x.org"]].property == "region"
        assert ledger.quarantined("companies") == []
    finally:
        ledger.close()
