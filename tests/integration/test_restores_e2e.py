"""A restore against the real SQL connector and the HubSpot sandbox (hardening issue 2): with
`deletes = "archive"`, a legacy row soft-deleted, synced (HubSpot archives its contact), then
restored with an edit brings a HubSpot contact back with the edit, and stays restored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from syncer.cli import main
from syncer.records import Side
from tests.integration.harness import Deployment, deployment


def _with_soft_deletes(dep: Deployment) -> None:
    """The legacy table gets an is_deleted flag, and the pipeline archives through it."""
    with dep.engine.begin() as conn:
        conn.execute(
            sa.text(f"ALTER TABLE {dep.table.name} ADD is_deleted INTEGER DEFAULT 0 NOT NULL")
        )
    text = dep.config.read_text()
    text = text.replace('conflict = "newest"', 'conflict = "newest"\ndeletes = "archive"')
    text = text.replace('primary_key = "id"', 'primary_key = "id"\ndeleted_flag = "is_deleted"')
    dep.config.write_text(text)


def _set_row(dep: Deployment, row_id: int, **values: object) -> None:
    """The legacy app saves the row, stamping updated_at (naive UTC)."""
    stamp = datetime.now(UTC).replace(tzinfo=None)
    columns = ", ".join(f"{name} = :{name}" for name in values)
    with dep.engine.begin() as conn:
        conn.execute(
            sa.text(f"UPDATE {dep.table.name} SET {columns}, updated_at = :at WHERE id = :id"),
            {**values, "at": stamp, "id": row_id},
        )


def _deleted_flag(dep: Deployment, row_id: int) -> int:
    with dep.engine.connect() as conn:
        query = sa.text(f"SELECT is_deleted FROM {dep.table.name} WHERE id = :id")
        return int(conn.execute(query, {"id": row_id}).scalar_one())


def test_issue2_a_restored_legacy_row_restores_its_hubspot_contact_and_stays(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        _with_soft_deletes(dep)
        with dep.engine.begin() as conn:
            conn.execute(
                sa.insert(dep.table),
                [
                    {
                        "email": "ann@example.com",
                        "first_name": "Ann",
                        "last_name": "Old",
                        "status": "C",
                        "updated_at": datetime.now(UTC).replace(tzinfo=None),
                    }
                ],
            )
        [row] = dep.sql_rows()
        assert main(["migrate", "-c", str(dep.config)]) == 0
        assert [c["properties"]["firstname"] for c in dep.hub_contacts()] == ["Ann"]
        _set_row(dep, row.id, is_deleted=1)
        assert main(["sync", "-c", str(dep.config)]) == 0
        assert dep.hub_contacts() == []  # HubSpot archived its contact
        _set_row(dep, row.id, is_deleted=0, first_name="Annabel")
        assert main(["sync", "-c", str(dep.config)]) == 0
        [contact] = dep.hub_contacts()
        assert contact["properties"]["firstname"] == "Annabel"
        assert contact["properties"]["legacy_id"] == str(row.id)
        with dep.ledger() as ledger:
            link = ledger.links_for("contacts", Side.EXTERNAL, [str(row.id)])[str(row.id)]
        assert (link.hubspot_id, link.archived_on) == (contact["id"], None)
        for _ in range(2):  # the overlap window reads the row again: nothing is undone
            assert main(["sync", "-c", str(dep.config)]) == 0
            assert _deleted_flag(dep, row.id) == 0
            assert [c["id"] for c in dep.hub_contacts()] == [contact["id"]]
