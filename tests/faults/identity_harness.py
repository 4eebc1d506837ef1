"""What the fault scenarios T25-T36 share on top of tests/integration/harness.py: running the
real `syncer` command in-process against a Deployment (sandbox on loopback, SQL table, SQLite
ledger), counting the writes each side receives, and reading the ledger and `status --json`.

SQL writes are counted with a SQLAlchemy listener on every engine of the process, so the
connector's own engine (built by the command from the config) is counted too; only INSERT,
UPDATE and DELETE statements naming the deployment's table count.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from syncer.cli import main
from syncer.ledger.values import Link
from syncer.records import Side
from tests.integration.harness import Deployment, _stamp
from tests.ledger_tables import ledger_tables

_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


@dataclass
class SqlWrites:
    """Write statements sent to one table by any engine of this process."""

    table: str
    statements: list[str] = field(default_factory=list)

    def __call__(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        text = statement.lstrip().upper()
        if text.startswith(_WRITE_VERBS) and self.table.upper() in text:
            self.statements.append(statement)


@contextmanager
def counting_sql_writes(table: str) -> Iterator[SqlWrites]:
    counter = SqlWrites(table)
    sa.event.listen(sa.Engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", counter)


def configure(dep: Deployment, **settings: str) -> None:
    """Add pipeline settings (TOML values, already quoted) after the conflict line; a
    `conflict` given here replaces the deployment's."""
    text = dep.config.read_text()
    conflict = settings.pop("conflict", '"newest"')
    extra = "".join(f"\n{key} = {value}" for key, value in settings.items())
    dep.config.write_text(text.replace('conflict = "newest"', f"conflict = {conflict}{extra}"))


def command(dep: Deployment, *args: str) -> int:
    return main([*args, "-c", str(dep.config)])


def sync(dep: Deployment) -> int:
    return command(dep, "sync")


def hub_writes(dep: Deployment) -> int:
    return dep.sandbox.stats().get("writes", 0)


def quiet_cycles(dep: Deployment, cycles: int) -> list[tuple[int, int]]:
    """Run `cycles` syncs; per cycle, (HubSpot writes, SQL write statements)."""
    seen = []
    for _ in range(cycles):
        dep.sandbox.reset_stats()
        with counting_sql_writes(dep.table.name) as sql:
            assert sync(dep) == 0
        seen.append((hub_writes(dep), len(sql.statements)))
    return seen


def link_of(dep: Deployment, side: Side, record_id: str) -> Link | None:
    with dep.ledger() as opened:
        return opened.links_for("contacts", side, [record_id]).get(record_id)


def table_rows(dep: Deployment, table: str) -> list[sa.Row[Any]]:
    """Every row of one ledger table, in insertion order."""
    with ledger_tables(dep.ledger_url) as conn:
        return list(conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")))


def all_links(dep: Deployment) -> list[sa.Row[Any]]:
    return table_rows(dep, "links")


def conflict_rows(dep: Deployment) -> list[sa.Row[Any]]:
    return table_rows(dep, "conflicts")


def status_json(dep: Deployment, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert command(dep, "status", "--json") == 0
    status: dict[str, Any] = json.loads(capsys.readouterr().out)["contacts"]
    return status


def hub_by_email(dep: Deployment) -> dict[str, dict[str, Any]]:
    return {c["properties"].get("email", ""): c for c in dep.hub_contacts()}


def sql_by_email(dep: Deployment) -> dict[str, sa.Row[Any]]:
    return {(r.email or "").strip().lower(): r for r in dep.sql_rows()}


def hub_create(dep: Deployment, **properties: str) -> str:
    with dep.hubspot() as client:
        response = client.post("/crm/v3/objects/contacts", json={"properties": properties})
        response.raise_for_status()
        return str(response.json()["id"])


def hub_patch(dep: Deployment, record_id: str, **properties: str) -> None:
    with dep.hubspot() as client:
        response = client.patch(
            f"/crm/v3/objects/contacts/{record_id}", json={"properties": properties}
        )
        response.raise_for_status()


def hub_archive(dep: Deployment, record_id: str) -> None:
    with dep.hubspot() as client:
        client.delete(f"/crm/v3/objects/contacts/{record_id}").raise_for_status()


def sql_insert(dep: Deployment, **values: Any) -> int:
    with dep.engine.begin() as conn:
        result = conn.execute(sa.insert(dep.table).values(**values, **_stamp(dep.table)))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def sql_delete(dep: Deployment, row_id: int) -> None:
    with dep.engine.begin() as conn:
        conn.execute(sa.delete(dep.table).where(dep.table.c.id == row_id))


def side_ids(link: Link) -> dict[Side, str]:
    return {side: link.id_on(side) for side in Side}


def hub_restore(dep: Deployment, record_id: str) -> None:
    """Restore an archived contact as HubSpot's recycle bin does. The sandbox does not offer
    restore (FIDELITY.md, section 9), so this moves the record back in its store: live under
    its id, searchable, with a new last-modified time."""
    collection = dep.sandbox.portal.collection("contacts")
    record = collection.archived.pop(int(record_id))
    record.archived_ms = None
    collection.active = dict(sorted({**collection.active, record.id: record}.items()))
    collection._archived_order = None  # rebuilt on the next listing
    collection.search._withdrawn.discard(record.id)  # archiving withdrew it from search
    collection.unique.reindex(record.id, {}, record.properties)
    collection.update(record, {}, dep.sandbox.now_ms())


def gdpr_delete(dep: Deployment, record_id: str) -> None:
    with dep.hubspot() as client:
        response = client.post("/crm/v3/objects/contacts/gdpr-delete", json={"objectId": record_id})
        assert response.status_code == 204, response.text


def add_column(dep: Deployment, name: str, sql_type: str) -> sa.Table:
    """A new column in the legacy table (as its owners would add one); returns the table as
    the database now describes it, to write the new column with."""
    with dep.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {dep.table.name} ADD COLUMN {name} {sql_type}"))
    return sa.Table(dep.table.name, sa.MetaData(), autoload_with=dep.engine)


def map_field(dep: Deployment, hubspot: str, external: str) -> None:
    """Map one more field; [pipelines.fields] is the config file's last section."""
    with dep.config.open("a") as config:
        config.write(f'{hubspot} = "{external}"\n')


def define_property(dep: Deployment, name: str, kind: str, field_type: str, **extra: Any) -> None:
    body = {
        "name": name,
        "label": name,
        "type": kind,
        "fieldType": field_type,
        "groupName": "contactinformation",
        **extra,
    }
    with dep.hubspot() as client:
        client.post("/crm/v3/properties/contacts", json=body).raise_for_status()
