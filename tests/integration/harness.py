"""A whole deployment on one machine: the HubSpot sandbox on loopback, a legacy CRM table in a
real SQL database, a ledger (SQLite unless told otherwise) and a config file naming them, as a
user would write it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from syncer.ledger.store import Ledger
from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig, serve_in_thread

TOKEN = "pat-na1-it-00000000-0000-0000-0000-000000000000"

CONNECTIONS = """\
[ledger]
url = "{ledger}"

[hubspot]
base_url = "{url}"
token = "{token}"
allow_private_network = true

[external]
kind = "sql"
url = "{sql_url}"

"""

PIPELINES = """\
[[pipelines]]
name = "contacts"
external_object = "{table}"
external_id_property = "legacy_id"
match = {{ hubspot = "email", external = "email" }}
conflict = "newest"

[pipelines.sql]
primary_key = "id"
{watermark}

[pipelines.fields]
email = "email"
firstname = "first_name"
lastname = "last_name"
lifecyclestage = {{ external = "status", values = {{ lead = "L", customer = "C" }} }}
"""


def config_text(
    pipelines: str, *, ledger: str, url: str, token: str, sql_url: str, **fields: object
) -> str:
    """An end-to-end test's config: the connection sections every one shares, then its own
    pipelines (a template formatted with `fields`)."""
    head = CONNECTIONS.format(ledger=ledger, url=url, token=token, sql_url=sql_url)
    return head + pipelines.format(**fields)


@dataclass
class Loopback:
    """The HubSpot sandbox served on loopback (guarded by TOKEN) and a config file in the test's
    directory naming it, a SQL database and a ledger (a SQLite file beside the config unless
    told otherwise): what every end-to-end test runs `syncer` against."""

    app: HubSpotSandbox
    url: str
    sql_url: str
    config: Path
    ledger_url: str

    def configure(self, pipelines: str, **fields: object) -> Path:
        """Write the config: the shared connection sections, then `pipelines` formatted with
        `fields`."""
        text = config_text(
            pipelines,
            ledger=self.ledger_url,
            url=self.url,
            token=TOKEN,
            sql_url=self.sql_url,
            **fields,
        )
        self.config.write_text(text)
        return self.config


@contextmanager
def loopback(
    tmp_path: Path, sql_url: str, *, ledger_url: str | None = None, **sandbox: Any
) -> Iterator[Loopback]:
    """A sandbox served until the block ends (configured by `sandbox`: SandboxConfig's fields),
    with its config still to be written (`Loopback.configure`)."""
    app = HubSpotSandbox(SandboxConfig(token=TOKEN, **sandbox))
    server = serve_in_thread(app)
    ledger_url = ledger_url or f"sqlite:///{tmp_path / 'ledger.db'}"
    try:
        yield Loopback(app, server.url, sql_url, tmp_path / "syncer.toml", ledger_url)
    finally:
        server.stop()


@dataclass
class Deployment:
    sandbox: HubSpotSandbox
    url: str
    engine: sa.Engine
    table: sa.Table
    config: Path
    ledger_url: str

    def hubspot(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def hub_contacts(self) -> list[dict[str, Any]]:
        return self.sandbox.records("contacts")

    def sql_rows(self) -> list[sa.Row[Any]]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(self.table).order_by(self.table.c.id)))

    @contextmanager
    def ledger(self) -> Iterator[Ledger]:
        """The deployment's ledger, opened for a look and closed after."""
        opened = Ledger.open(self.ledger_url)
        try:
            yield opened
        finally:
            opened.close()

    def edit_row(self, row_id: int, **values: Any) -> None:
        values.update(_stamp(self.table))
        with self.engine.begin() as conn:
            conn.execute(sa.update(self.table).where(self.table.c.id == row_id).values(**values))


@contextmanager
def deployment(
    tmp_path: Path,
    sql_url: str,
    table_name: str,
    *,
    watermark: bool = True,
    ledger_url: str | None = None,
    **sandbox: Any,
) -> Iterator[Deployment]:
    """A running deployment; without `watermark` the table has no updated_at column; the
    ledger is `tmp_path/ledger.db` unless `ledger_url` names another (e.g. PostgreSQL)."""
    engine = sa.create_engine(sql_url)
    table = _customers(table_name, watermark)
    table.create(engine)
    watermark_key = 'updated_at = "updated_at"' if watermark else ""
    try:
        with loopback(tmp_path, sql_url, ledger_url=ledger_url, **sandbox) as served:
            config = served.configure(PIPELINES, table=table_name, watermark=watermark_key)
            yield Deployment(served.app, served.url, engine, table, config, served.ledger_url)
    finally:
        table.drop(engine)
        engine.dispose()


def _customers(name: str, watermark: bool) -> sa.Table:
    columns = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(255), unique=True),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("status", sa.String(1)),
    ]
    if watermark:
        columns.append(sa.Column("updated_at", sa.DateTime, nullable=False))
    return sa.Table(name, sa.MetaData(), *columns)


def _stamp(table: sa.Table) -> dict[str, datetime]:
    """What the legacy app sets on every write: updated_at, naive UTC, when the table has it."""
    if "updated_at" not in table.c:
        return {}
    return {"updated_at": datetime.now(UTC).replace(tzinfo=None)}


def seed(dep: Deployment, hub_count: int, sql_count: int, shared: int, seed: int = 1) -> None:
    """HubSpot gets hub_count contacts, SQL sql_count rows; `shared` emails are in both, typed
    with other case and stray whitespace on the SQL side."""
    rng = random.Random(seed)
    hub_emails = [f"person{i}@example.com" for i in range(hub_count)]
    sql_emails = [_messy(e, rng) for e in hub_emails[:shared]]
    sql_emails += [f"row{i}@legacy.test" for i in range(sql_count - shared)]
    with dep.hubspot() as client:
        for start in range(0, hub_count, 100):
            inputs = [
                {
                    "properties": {
                        "email": e,
                        "firstname": f"Hub{start + i}",
                        "lastname": "H",
                        "lifecyclestage": "lead",
                    }
                }
                for i, e in enumerate(hub_emails[start : start + 100])
            ]
            response = client.post("/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
            response.raise_for_status()
    rows = [
        {"email": e, "first_name": f"Sql{i}", "last_name": "S", "status": "C", **_stamp(dep.table)}
        for i, e in enumerate(sql_emails)
    ]
    with dep.engine.begin() as conn:
        conn.execute(sa.insert(dep.table), rows)


def _messy(email: str, rng: random.Random) -> str:
    return rng.choice([email.upper(), f"  {email}", f"{email} ", email.title(), email])
