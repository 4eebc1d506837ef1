"""Engagements on a portal that gives them no unique property, created once although the answer
to their create was lost and HubSpot's search lags (issue 11): the legacy sales schema in SQLite,
HubSpot as the sandbox over loopback HTTP, `syncer migrate` as a user runs it.

The lost answer is the sandbox's: it carries the notes' batch create out, then answers 502. The
run fails with the creates unconfirmed (engagements are never resent blindly), and the next run
must find what HubSpot made before it creates anything, while search still shows none of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from syncer.cli import main
from tests.integration.relations.checks import assert_edges_agree, assert_every_record_once
from tests.integration.relations.deployment import SalesDeployment, now, sales_deployment

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)

LAGGING_SEARCH = {"search_lag_ms": 600_000}  # search shows nothing created in the test


def _new_notes(dep: SalesDeployment, contact: int, count: int = 3) -> list[int]:
    """Notes the legacy app adds on `contact` after the migration, entered by employee 2."""
    first = 1 + max(r["noteId"] for r in dep.sql_rows("notes"))
    numbers = list(range(first, first + count))
    rows = [
        {"noteId": n, "contactNumber": contact, "noteText": f"Late call #{n}.",
         "createdAt": now(), "enteredBy": 2, "last_modified": now()}
        for n in numbers
    ]  # fmt: skip
    dep.execute(sa.insert(dep.schema.table("notes")).values(rows))
    return numbers


def _synced_but_answer_lost(dep: SalesDeployment) -> None:
    """A sync whose notes' batch create HubSpot carries out, then answers 502: it fails."""
    dep.app.schedule_fault(
        {"status": 502, "path_contains": "/crm/v3/objects/notes/batch/create",
         "method": "POST", "after_apply": True}
    )  # fmt: skip
    assert main(["sync", "-c", str(dep.config)]) == 1
    assert not dep.app.scheduled_faults(), "the notes were never sent"


def test_a_note_pointing_nowhere_whose_answer_was_lost_is_not_created_twice(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """Employee 6 has no HubSpot owner, so the contacts they own are quarantined, and notes on
    those contacts are created pointing at nothing (their contact is pending): no record to
    find them through, and search lags."""
    with sales_deployment(
        tmp_path, sql_url, unique_name, without_owner=[6], **LAGGING_SEARCH
    ) as dep:
        assert main(["check", "-c", str(dep.config)]) == 0
        assert main(["migrate", "-c", str(dep.config)]) == 4  # 4: employee 6's records
        quarantined = next(
            r["contactNumber"] for r in dep.sql_rows("contacts") if r["salesRepEmployeeNumber"] == 6
        )
        added = _new_notes(dep, quarantined)
        _synced_but_answer_lost(dep)
        assert main(["sync", "-c", str(dep.config)]) == 0
        notes = dep.hub_records("notes")  # refuses two notes carrying one id
        assert {str(n) for n in added} <= notes.keys()


def test_a_note_moved_to_another_contact_after_its_answer_was_lost_is_not_created_twice(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """The note HubSpot made points at its first contact; the rerun sends it pointing at the
    second. Looking through the second contact finds nothing: what it was sent with must."""
    with sales_deployment(tmp_path, sql_url, unique_name, **LAGGING_SEARCH) as dep:
        assert main(["check", "-c", str(dep.config)]) == 0
        assert main(["migrate", "-c", str(dep.config)]) == 0
        first, second = (c["contactNumber"] for c in dep.sql_rows("contacts")[:2])
        [moved] = _new_notes(dep, first, count=1)  # alone: no other note leads to `first`
        _synced_but_answer_lost(dep)
        dep.update("notes", {"noteId": moved}, contactNumber=second)
        assert main(["sync", "-c", str(dep.config)]) == 0
        assert_every_record_once(dep)
        assert_edges_agree(dep)
