"""A rig for the incremental-window scenarios (T19-T24): the real engine between the HubSpot
sandbox, served on loopback, and a legacy CRM table in a real SQL database.

Two clocks matter and they are kept apart on purpose: `world` is the clock of the two CRMs (the
sandbox stamps `lastmodifieddate` with it, the legacy app stamps `updated_at` with it), and the
daemon's clock is `world + skew`. Both stand still until a test moves them, so every timestamp a
test asserts on is chosen, not raced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from pydantic import SecretStr

from syncer.connectors.base import Capabilities, Connector
from syncer.connectors.hubspot import HubSpotConnector
from syncer.connectors.sql import SqlConnector
from syncer.engine.report import Mode, RunReport
from syncer.engine.run import PipelineRun, run_pipeline
from syncer.ledger import schema as ledger_schema
from syncer.ledger.store import Ledger
from syncer.records import (
    CallCounter,
    ChangePage,
    Cursor,
    FieldType,
    Record,
    Side,
    Write,
    WriteResult,
)
from syncer.sandbox.hubspot import HubSpotSandbox, serve_in_thread
from syncer.settings_external import SqlSettings
from syncer.settings_hubspot import HubSpotSettings
from syncer.settings_pipeline import PipelineSettings
from tests.connectors.hubspot_harness import TOKEN, StepClock, sandbox
from tests.ledger_tables import ledger_tables

OVERLAP_SECONDS = 60.0
PIPELINE = "contacts"


def naive_utc(moment: datetime) -> datetime:
    """How the legacy table stores times: naive, in UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)


@dataclass
class Rig:
    world: StepClock  # the CRMs' clock
    app: HubSpotSandbox
    url: str
    engine: sa.Engine
    table: sa.Table
    ledger: Ledger
    pipeline: PipelineSettings
    sql_batch_size: int
    ledger_url: str  # for a look at the ledger's tables (tests/ledger_tables.py)
    skew: timedelta = timedelta(0)  # the daemon's clock minus the CRMs' clock
    _open: list[Connector] = field(default_factory=list)

    # -- time --------------------------------------------------------------------------------

    def daemon_now(self) -> datetime:
        return self.world.now() + self.skew

    def tick(self, seconds: float = 1.0) -> None:
        """Both clocks move on together."""
        self.world.seconds += seconds

    # -- the engine --------------------------------------------------------------------------

    def connectors(self) -> dict[Side, Connector]:
        hub = HubSpotConnector(
            HubSpotSettings(
                base_url=self.url, allow_private_network=True, token=SecretStr(TOKEN),
                search_per_second=1000,
            ),
            self.pipeline,
            clock=self.daemon_now,
        )  # fmt: skip
        ext = SqlConnector(
            SqlSettings(url=str(self.engine.url), batch_size=self.sql_batch_size),
            self.pipeline,
            engine=self.engine,
            clock=self.daemon_now,
        )
        self._open += [hub, ext]
        return {Side.HUBSPOT: hub, Side.EXTERNAL: ext}

    def run(
        self, mode: Mode = Mode.SYNC, connectors: dict[Side, Connector] | None = None
    ) -> RunReport:
        ctx = PipelineRun(
            self.pipeline,
            self.ledger,
            connectors or self.connectors(),
            owner="faults",
            clock=self.daemon_now,
        )
        return run_pipeline(ctx, mode)

    # -- the legacy CRM (its own app writes, stamped on the world's clock) --------------------

    def sql_insert(self, rows: Sequence[dict[str, Any]], stamp: datetime | None = None) -> None:
        stamped = [{"updated_at": naive_utc(stamp or self.world.now()), **r} for r in rows]
        with self.engine.begin() as conn:
            conn.execute(sa.insert(self.table), stamped)

    def sql_edit(self, email: str, stamp: datetime | None = None, **values: Any) -> None:
        values["updated_at"] = naive_utc(stamp or self.world.now())
        with self.engine.begin() as conn:
            done = conn.execute(
                sa.update(self.table).where(self.table.c.email == email).values(**values)
            )
        assert done.rowcount == 1, email

    def sql_rows(self) -> dict[str, sa.RowMapping]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(self.table)).mappings().all()
        return {r["email"]: r for r in rows}

    # -- HubSpot (another app on the portal) -------------------------------------------------

    def hub_client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        )

    def hub_create(self, emails: Sequence[str], **properties: str) -> None:
        with self.hub_client() as client:
            for start in range(0, len(emails), 100):
                inputs = [
                    {"properties": {"email": e, **properties}} for e in emails[start : start + 100]
                ]
                client.post(
                    "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs}
                ).raise_for_status()

    def hub_edit(self, email: str, **properties: str) -> None:
        with self.hub_client() as client:
            client.patch(
                f"/crm/v3/objects/contacts/{email}",
                params={"idProperty": "email"},
                json={"properties": properties},
            ).raise_for_status()

    def hub_contacts(self) -> dict[str, dict[str, Any]]:
        return {c["properties"]["email"]: c["properties"] for c in self.app.records("contacts")}

    def hub_writes(self) -> int:
        return self.app.stats().get("writes", 0)

    # -- the ledger --------------------------------------------------------------------------

    def links(self) -> list[tuple[Any, ...]]:
        """Every link row of the pipeline, whole, to prove a run left them untouched."""
        links = ledger_schema.links
        query = sa.select(links).where(links.c.pipeline == PIPELINE).order_by(links.c.hubspot_id)
        with ledger_tables(self.ledger_url) as conn:
            return [tuple(r) for r in conn.execute(query)]

    def intents(self) -> int:
        query = sa.select(sa.func.count()).select_from(ledger_schema.intents)
        with ledger_tables(self.ledger_url) as conn:
            return int(conn.execute(query).scalar_one())

    def close(self) -> None:
        for connector in self._open:
            connector.close()


def customers(name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(255), unique=True, nullable=False),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def pipeline_settings(table: str, **overrides: Any) -> PipelineSettings:
    values: dict[str, Any] = {
        "name": PIPELINE,
        "external_object": table,
        "external_id_property": "legacy_id",
        "match": {"hubspot": "email", "external": "email"},
        "overlap_seconds": OVERLAP_SECONDS,
        "sql": {"primary_key": "id", "updated_at": "updated_at"},
        "fields": {"email": "email", "firstname": "first_name", "lastname": "last_name"},
    }
    values.update(overrides)
    return PipelineSettings.model_validate(values)


@contextmanager
def rig(
    tmp_path: Path,
    sql_url: str,
    table_name: str,
    *,
    start: float | None = None,
    sql_batch_size: int = 500,
    **sandbox_config: Any,
) -> Iterator[Rig]:
    """A running rig; `start` sets the world's clock (epoch seconds), else a fixed instant."""
    world = StepClock()
    if start is not None:
        world.seconds = start
    app = sandbox(clock=world, **sandbox_config)
    server = serve_in_thread(app)
    engine = sa.create_engine(sql_url)
    table = customers(table_name)
    table.create(engine)
    ledger_url = f"sqlite:///{tmp_path}/ledger.db"
    made = Rig(
        world, app, server.url, engine, table, Ledger.open(ledger_url),
        pipeline_settings(table_name), sql_batch_size, ledger_url,
    )  # fmt: skip
    try:
        yield made
    finally:
        made.close()
        server.stop()
        made.ledger.close()
        table.drop(engine)
        engine.dispose()


class Hooked:
    """A real connector with test hooks: `before_write` runs once, just before the first write
    (after both sides were read, before the run commits); `extra_pages` are delivered after the
    connector's own pages, as a retried or replayed request would deliver them."""

    def __init__(
        self,
        inner: Connector,
        *,
        before_write: Callable[[], None] | None = None,
        extra_pages: Sequence[ChangePage] = (),
    ) -> None:
        self.inner = inner
        self.capabilities: Capabilities = inner.capabilities
        self.counter: CallCounter = inner.counter
        # Only the core protocol passes through: no merges or archives to report.
        self.capabilities = Capabilities(bulk_writes=inner.capabilities.bulk_writes)
        self.before_write = before_write
        self.extra_pages = list(extra_pages)
        self.pages: list[ChangePage] = []  # what the connector itself delivered

    @property
    def time_zone(self) -> tzinfo:
        return self.inner.time_zone

    def normalise_key(self, field: str, value: object) -> str | None:
        return self.inner.normalise_key(field, value)

    def prepare(self) -> None:
        self.inner.prepare()

    def field_types(self) -> dict[str, FieldType]:
        return self.inner.field_types()

    def changes(self, since: Cursor | None, until: datetime) -> Iterator[ChangePage]:
        for page in self.inner.changes(since, until):
            self.pages.append(page)
            yield page
        yield from self.extra_pages

    def fetch(self, ids: Sequence[str]) -> list[Record]:
        return self.inner.fetch(ids)

    def find(self, field: str, values: Sequence[str]) -> list[Record]:
        return self.inner.find(field, values)

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        hook, self.before_write = self.before_write, None
        if hook is not None:
            hook()
        return self.inner.write(writes)

    def archive(self, ids: Sequence[str]) -> list[WriteResult]:
        return self.inner.archive(ids)

    def close(self) -> None:
        self.inner.close()


def migrated(
    r: Rig, *, sql: Sequence[str] = ("s1@legacy.test",), hub: Sequence[str] = ("h1@example.com",)
) -> None:
    """Both sides seeded, migrated and linked; the clocks then move on a second."""
    r.sql_insert([{"email": e, "first_name": "Sql", "last_name": "S"} for e in sql])
    r.hub_create(list(hub), firstname="Hub", lastname="H")
    r.tick()
    report = r.run(Mode.MIGRATE)
    assert report.status == "ok" and r.ledger.link_count("contacts") == len(sql) + len(hub)
    r.tick()


def db_now(url: str) -> float:
    """The database server's clock, in epoch seconds."""
    engine = sa.create_engine(url)
    try:
        query = "SELECT UTC_TIMESTAMP(6)" if engine.dialect.name == "mysql" else "SELECT now()"
        with engine.connect() as conn:
            now: datetime = conn.execute(sa.text(query)).scalar_one()
    finally:
        engine.dispose()
    return (now if now.tzinfo else now.replace(tzinfo=UTC)).timestamp()


def catch_up(r: Rig, url: str) -> None:
    """The CRMs' clock set to the database server's clock, which never stands still."""
    r.world.seconds = db_now(url)
