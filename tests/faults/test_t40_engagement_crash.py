"""T40: a real `syncer sync` killed (SIGKILL) inside an engagement create, on PostgreSQL (CRM and
ledger), on a portal that gives engagements no unique property and whose search lags past the
rerun. HubSpot made the notes; syncer never heard. Among them a note pointing at nothing (its
contact is quarantined: its owner has no HubSpot user) and a note moved to another contact
before the rerun. The rerun makes each note once, the moved one pointing at its new contact,
leaves no intent pending, and the sync after it writes nothing (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from syncer.cli import main
from tests.faults.ledger_harness import LedgerState
from tests.integration.ledger_beside import ledger_on
from tests.integration.relations.checks import hub_writes
from tests.integration.relations.deployment import SalesDeployment, now, sales_deployment
from tests.integration.relations.kills import Kill, finished, killed_at

pytestmark = pytest.mark.parametrize("sql_url", ["postgres"], indirect=True)

NOTE_CREATES = Kill("note creates", "/crm/v3/objects/notes/batch/create")


def _add_notes(dep: SalesDeployment, contacts: list[int]) -> list[str]:
    """One note the legacy app adds on each of `contacts`; their external ids."""
    first = 1 + max(r["noteId"] for r in dep.sql_rows("notes"))
    rows = [
        {"noteId": first + i, "contactNumber": c, "noteText": f"Late call on {c}.",
         "createdAt": now(), "enteredBy": 2, "last_modified": now()}
        for i, c in enumerate(contacts)
    ]  # fmt: skip
    dep.execute(sa.insert(dep.schema.table("notes")).values(rows))
    return [str(r["noteId"]) for r in rows]


def test_t40_killed_inside_a_note_create_the_rerun_makes_each_note_once(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with (
        ledger_on(sql_url, tmp_path, unique_name) as ledger,
        sales_deployment(
            tmp_path, sql_url, unique_name, without_owner=[6], ledger_url=ledger,
            search_lag_ms=600_000,
        ) as dep,
    ):  # fmt: skip
        assert main(["check", "-c", str(dep.config)]) == 0
        assert main(["migrate", "-c", str(dep.config)]) == 4  # employee 6's records refused
        contacts = dep.sql_rows("contacts")
        quarantined = next(c["contactNumber"] for c in contacts if c["salesRepEmployeeNumber"] == 6)
        owned = [c["contactNumber"] for c in contacts if c["salesRepEmployeeNumber"] != 6]
        first, second = owned[:2]
        *alone, moved = _add_notes(dep, [quarantined, quarantined, first])

        killed_at(dep, "sync", NOTE_CREATES)
        assert LedgerState.read(dep.ledger_url, "notes").intents["pending"] == 3
        dep.update("notes", {"noteId": int(moved)}, contactNumber=second)
        finished(dep, "sync")

        notes = dep.hub_records("notes")  # refuses two notes carrying one external id
        assert {*alone, moved} <= notes.keys()
        edges = {(a, b) for a, b, _ in dep.hub_edges("notes", "contacts") if a == moved}
        assert edges == {(moved, str(second))}
        assert LedgerState.read(dep.ledger_url, "notes").intents["pending"] == 0
        writes = hub_writes(dep)
        assert main(["sync", "-c", str(dep.config)]) == 0
        assert hub_writes(dep) == writes, "a quiet sync wrote"
