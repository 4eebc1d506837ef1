"""A deployment to benchmark: a legacy CRM table, a ledger, a config naming the sandbox, and
seeding that stays out of the measured figures (SQL by executemany, HubSpot by batch create)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.procs import TOKEN, Sandbox

SQL_URL = os.environ.get("BENCH_SQL_URL", "")  # default: a SQLite file in the work directory
POSTGRES_URL = os.environ.get(
    "SYNCER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

HEAD = """\
[ledger]
url = "{ledger}"

[hubspot]
base_url = "{url}"
token = "{token}"
allow_private_network = true
{tuning}
[external]
kind = "sql"
url = "{sql_url}"
batch_size = 500
"""

# What the syncer is told when the sandbox is the bottleneck under test, not the limits.
UNLIMITED: dict[str, int] = {
    "burst_limit": 1_000_000,
    "daily_limit": 100_000_000,
    "search_per_second": 10_000,
}


def config_head(ledger: str, url: str, sql_url: str, hubspot: Mapping[str, int]) -> str:
    """The [ledger], [hubspot] and [external] sections of every bench's config: the sandbox at
    `url` with the bench token, and `hubspot` the limits and retries the syncer is told (not
    what the sandbox enforces). Each bench appends its own [[pipelines]]."""
    tuning = "".join(f"{key} = {value}\n" for key, value in hubspot.items())
    return HEAD.format(ledger=ledger, url=url, token=TOKEN, sql_url=sql_url, tuning=tuning)


PIPELINE = """
[[pipelines]]
name = "contacts"
external_object = "{table}"
external_id_property = "legacy_id"
match = {{ hubspot = "email", external = "email" }}
conflict = "newest"
direction = "{direction}"
stamp_external_id = {stamp}
overlap_seconds = {overlap_seconds}

[pipelines.sql]
primary_key = "id"
updated_at = "updated_at"

[pipelines.fields]
email = "email"
firstname = "first_name"
lastname = "last_name"
"""


@dataclass
class Deployment:
    workdir: Path
    sandbox: Sandbox
    engine: sa.Engine
    table: sa.Table
    config: Path
    ledger_url: str

    def hub_client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.Client(base_url=self.sandbox.url, headers=headers, timeout=120)


def customers(name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(255), unique=True),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


@contextmanager
def deployment(
    workdir: Path,
    sandbox: Sandbox,
    *,
    ledger: str = "sqlite",
    burst_limit: int = 190,
    daily_limit: int = 625_000,
    search_per_second: int = 5,
    overlap_seconds: float = 120.0,
    direction: str = "both",
    stamp_external_id: bool = True,
    listing_readers: int = 1,
) -> Iterator[Deployment]:
    """A fresh table and ledger; the limits are what the syncer is told, not the sandbox."""
    workdir.mkdir(parents=True, exist_ok=True)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    sql_url = SQL_URL or f"sqlite:///{workdir / (name + '.db')}"
    engine = sa.create_engine(sql_url)
    table = customers(name)
    table.create(engine)
    ledger_url, drop_ledger = _ledger(workdir, name, ledger)
    config = workdir / f"{name}.toml"
    limits = {
        "burst_limit": burst_limit,
        "daily_limit": daily_limit,
        "search_per_second": search_per_second,
        "listing_readers": listing_readers,
    }
    pipeline = PIPELINE.format(
        table=name,
        overlap_seconds=overlap_seconds,
        direction=direction,
        stamp="true" if stamp_external_id else "false",
    )
    config.write_text(config_head(ledger_url, sandbox.url, sql_url, limits) + pipeline)
    try:
        yield Deployment(workdir, sandbox, engine, table, config, ledger_url)
    finally:
        table.drop(engine)
        engine.dispose()
        drop_ledger()


def _ledger(workdir: Path, name: str, kind: str) -> tuple[str, Any]:
    """A ledger URL of `kind` and how to drop it (PostgreSQL: a schema of its own)."""
    if kind == "sqlite":
        path = workdir / f"{name}-ledger.db"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    if kind != "postgresql":
        raise ValueError(f"ledger kind {kind!r}: expected 'sqlite' or 'postgresql'")
    database = f"{name}_ledger"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{database}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()

    url = sa.make_url(POSTGRES_URL).set(database=database)
    return url.render_as_string(hide_password=False), drop


def now_naive() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def seed_sql(dep: Deployment, count: int, *, history: timedelta | None = None) -> None:
    """`count` customer rows (ids 1..count, emails row{i}@legacy.test) by executemany. Without
    `history` every row has one updated_at (a bulk load); with it, their updated_at values are
    spread evenly over that much past time, the last one now (a table with a history)."""
    now = now_naive()
    step = history / count if history is not None else timedelta(0)
    start = now - step * count
    with dep.engine.begin() as conn:
        for first in range(0, count, 5000):
            rows = [
                {
                    "id": i + 1,
                    "email": f"row{i}@legacy.test",
                    "first_name": f"Sql{i}",
                    "last_name": "S",
                    "updated_at": start + step * (i + 1) if history else now,
                }
                for i in range(first, min(first + 5000, count))
            ]
            conn.execute(sa.insert(dep.table), rows)


def seed_hubspot(dep: Deployment, count: int, *, twins: bool = False, threads: int = 4) -> None:
    """`count` contacts by batch create, a few batches in flight (the sandbox is unlimited).
    With `twins`, contact i is SQL row i with its legacy_id (as a completed migration leaves
    it); otherwise contacts of their own."""

    def properties(i: int) -> dict[str, str]:
        if twins:
            return {
                "email": f"row{i}@legacy.test",
                "firstname": f"Sql{i}",
                "lastname": "S",
                "legacy_id": str(i + 1),
            }
        return {"email": f"hub{i}@example.com", "firstname": f"Hub{i}", "lastname": "H"}

    def create(first: int) -> None:
        inputs = [{"properties": properties(i)} for i in range(first, min(first + 100, count))]
        with dep.hub_client() as client:
            response = client.post("/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
            response.raise_for_status()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(create, range(0, count, 100)))


def edit_sql(dep: Deployment, ids: list[int]) -> None:
    """What the legacy app does: change a field and bump updated_at."""
    with dep.engine.begin() as conn:
        statement = (
            sa.update(dep.table)
            .where(dep.table.c.id == sa.bindparam("row_id"))
            .values(first_name=sa.bindparam("name"), updated_at=sa.bindparam("stamp"))
        )
        stamp = now_naive()
        conn.execute(statement, [{"row_id": i, "name": f"Edited{i}", "stamp": stamp} for i in ids])


def edit_hubspot(dep: Deployment, ids: list[str]) -> None:
    with dep.hub_client() as client:
        for first in range(0, len(ids), 100):
            inputs = [
                {"id": i, "properties": {"lastname": f"Changed{i}"}}
                for i in ids[first : first + 100]
            ]
            client.post(
                "/crm/v3/objects/contacts/batch/update", json={"inputs": inputs}
            ).raise_for_status()


def hub_ids(dep: Deployment) -> list[str]:
    with dep.hub_client() as client:
        response = client.get("/_sandbox/records/contacts")
        response.raise_for_status()
        return [str(r["id"]) for r in response.json()["results"]]
