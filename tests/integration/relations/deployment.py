"""The legacy sales schema deployed against the HubSpot sandbox on loopback: its tables in a real
database, seeded rows, the employees' HubSpot owners seeded by email, and the config.

The test reads each side by its own means (SQL through SQLAlchemy, HubSpot through its HTTP API:
records by their stamped external id, associations through v4 batch reads), never through the
connector under test.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.integration.harness import TOKEN, loopback
from tests.integration.relations.config import pipelines_toml
from tests.integration.relations.data import Row, Sizes, generate, load
from tests.integration.relations.schema import (
    SalesSchema,
    enforce_sqlite_foreign_keys,
    sales_schema,
)

# (pipeline, HubSpot object, the property holding the record's external id)
OBJECTS = {
    "companies": ("companies", "legacy_customer_number"),
    "contacts": ("contacts", "legacy_contact_number"),
    "deals": ("deals", "legacy_order_number"),
    "products": ("products", "legacy_product_code"),
    "line_items": ("line_items", "legacy_order_line"),
    "notes": ("notes", "legacy_note_id"),
    "tasks": ("tasks", "legacy_task_id"),
}

Edge = tuple[str, str, str | None]  # (from external id, to external id, label or None)


@dataclass
class SalesDeployment:
    app: HubSpotSandbox
    url: str
    engine: sa.Engine
    schema: SalesSchema
    rows: dict[str, list[Row]]
    config: Path
    ledger_url: str
    owner_ids: dict[int, str]  # employeeNumber -> HubSpot owner id, for those who have one

    def hubspot(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    # -- HubSpot, as HubSpot shows it ------------------------------------------------------

    def hub_records(self, pipeline: str) -> dict[str, dict[str, Any]]:
        """Live records of the pipeline's object by the external id they carry; fails on two
        records carrying one id (a duplicate) or a record carrying none."""
        hub_object, stamp = OBJECTS[pipeline]
        found: dict[str, dict[str, Any]] = {}
        for record in self.app.records(hub_object):
            key = record["properties"].get(stamp)
            assert key, f"{hub_object} {record['id']} carries no {stamp}"
            assert key not in found, f"two {hub_object} carry {stamp}={key}: a duplicate"
            found[key] = record
        return found

    def hub_edges(self, pipeline: str, to_pipeline: str) -> set[Edge]:
        """Every association from the pipeline's HubSpot records to the other pipeline's, as
        (external id, external id, label): one entry per label, None for the unlabelled type."""
        sources, targets = self.hub_records(pipeline), self.hub_records(to_pipeline)
        external_of = {record["id"]: key for key, record in targets.items()}
        by_id = {record["id"]: key for key, record in sources.items()}
        from_object, to_object = OBJECTS[pipeline][0], OBJECTS[to_pipeline][0]
        edges: set[Edge] = set()
        ids = list(by_id)
        with self.hubspot() as client:
            for start in range(0, len(ids), 1_000):
                body = {"inputs": [{"id": i} for i in ids[start : start + 1_000]]}
                path = f"/crm/v4/associations/{from_object}/{to_object}/batch/read"
                response = client.post(path, json=body)
                assert response.status_code in (200, 207), response.text
                for result in response.json()["results"]:
                    source = by_id[str(result["from"]["id"])]
                    for target in result["to"]:
                        to_key = external_of.get(str(target["toObjectId"]), "?not synced")
                        for kind in target["associationTypes"]:
                            if kind["category"] != "HUBSPOT_DEFINED" or kind["label"] is None:
                                edges.add((source, to_key, kind["label"]))
        return edges

    # -- SQL, as the legacy app sees it ----------------------------------------------------

    def sql_rows(self, table: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            t = self.schema.table(table)
            return [dict(r) for r in conn.execute(sa.select(t)).mappings()]

    def sql_edges(self, table: str, key: str | Iterable[str], column: str) -> set[Edge]:
        """(row's external id, the FK's value, None) for every row whose `column` is set."""
        columns = [key] if isinstance(key, str) else list(key)
        return {
            (":".join(str(r[c]) for c in columns), str(r[column]), None)
            for r in self.sql_rows(table)
            if r[column] is not None
        }

    def execute(self, statement: sa.Executable) -> None:
        with self.engine.begin() as conn:
            conn.execute(statement)

    def update(self, table: str, where: dict[str, Any], **values: Any) -> None:
        """What the legacy app does: change the row and stamp `last_modified`."""
        t = self.schema.table(table)
        values["last_modified"] = now()
        condition = sa.and_(*(t.c[k] == v for k, v in where.items()))
        self.execute(sa.update(t).where(condition).values(**values))


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def sales_deployment(
    tmp_path: Path,
    sql_url: str,
    prefix: str,
    *,
    sizes: Sizes | None = None,
    without_owner: Iterable[int] = (),
    unknown_owner: str = "quarantine",
    sweep: str = "1d",
    company_deletes: str | None = None,
    ledger_url: str | None = None,
    **sandbox: Any,
) -> Iterator[SalesDeployment]:
    """The schema created and seeded under `prefix`; every employee but `without_owner` is a
    HubSpot owner, found by an email typed in other case than the employees table's. The
    ledger is `ledger_url`, else a SQLite file under `tmp_path`."""
    engine = sa.create_engine(sql_url)
    enforce_sqlite_foreign_keys(engine)
    schema = sales_schema(prefix)
    schema.create(engine)
    rows = generate(sizes or Sizes())
    load(engine, schema, rows)
    missing = set(without_owner)
    body = pipelines_toml(
        prefix, unknown_owner=unknown_owner, sweep=sweep, company_deletes=company_deletes
    )
    try:
        with loopback(tmp_path, sql_url, ledger_url=ledger_url, **sandbox) as served:
            owner_ids = {
                e["employeeNumber"]: str(served.app.add_owner({"email": e["email"].upper()})["id"])
                for e in rows["employees"]
                if e["employeeNumber"] not in missing
            }
            config = served.configure("{body}", body=body)
            app, url, ledger_url = served.app, served.url, served.ledger_url
            yield SalesDeployment(app, url, engine, schema, rows, config, ledger_url, owner_ids)
    finally:
        schema.drop(engine)
        engine.dispose()
