"""Reliability scenarios T25-T29 (two-way semantics), end to end: the real `syncer` commands
against the HubSpot sandbox on loopback and a SQLite legacy table.

Engine-level truth tables for the same rules run on the memory connector in tests/engine/
(test_run.py: echo and conflicts; test_deletes.py: archive policies and restore;
test_convergence.py: Hypothesis machines with merges and archives);
tests/integration/test_hubspot_events.py covers a plain merge and an archive with
deletes = "archive". These tests prove the scenarios through the real HTTP and SQL stacks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.records import Side
from tests.faults.http_harness import quarantined
from tests.faults.identity_harness import (
    command,
    configure,
    conflict_rows,
    gdpr_delete,
    hub_archive,
    hub_by_email,
    hub_create,
    hub_patch,
    hub_restore,
    hub_writes,
    link_of,
    quiet_cycles,
    sql_by_email,
    sql_delete,
    sql_insert,
    status_json,
    sync,
)
from tests.integration.harness import Deployment, deployment, seed

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)

QUIET_CYCLES = 5


def _migrated(dep: Deployment, pairs: int = 3) -> None:
    seed(dep, hub_count=pairs, sql_count=pairs, shared=pairs)
    assert command(dep, "migrate") == 0


def _pair(dep: Deployment, email: str) -> tuple[str, int]:
    """(HubSpot id, SQL row id) of the linked pair holding `email`."""
    return hub_by_email(dep)[email]["id"], sql_by_email(dep)[email].id


def test_t25_echo_loop_quiet_cycles_make_no_writes(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """Edits and creates on both sides flow across once; the next K=5 cycles write nothing
    to HubSpot (sandbox write count) nor to the SQL table (INSERT/UPDATE/DELETE statements),
    and both sides keep the values the changes produced."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        _migrated(dep)
        hub_id = _pair(dep, "person0@example.com")[0]
        hub_patch(dep, hub_id, firstname="FromHub")
        dep.edit_row(_pair(dep, "person1@example.com")[1], last_name="FromSql")
        hub_create(dep, email="new.hub@example.com", firstname="NewHub")
        sql_insert(dep, email="new.sql@example.com", first_name="NewSql", status="L")
        dep.sandbox.reset_stats()
        assert sync(dep) == 0
        assert hub_writes(dep) > 0
        assert quiet_cycles(dep, QUIET_CYCLES) == [(0, 0)] * QUIET_CYCLES
        rows, hubs = sql_by_email(dep), hub_by_email(dep)
        assert rows["person0@example.com"].first_name == "FromHub"
        assert hubs["person1@example.com"]["properties"]["lastname"] == "FromSql"
        assert rows["new.hub@example.com"].first_name == "NewHub"
        assert hubs["new.sql@example.com"]["properties"]["firstname"] == "NewSql"
        assert len(rows) == len(hubs) == 5


WINNERS = {"hubspot": "FromHub", "external": "FromSql", "newest": "FromSql"}


@pytest.mark.parametrize("policy", sorted(WINNERS))
def test_t26_concurrent_edit_of_one_field_policy_wins_and_is_logged(
    tmp_path: Path,
    sql_url: str,
    unique_name: str,
    capsys: pytest.CaptureFixture[str],
    policy: str,
) -> None:
    """Both sides change firstname between cycles: the policy's side wins on both sides
    (newest: the SQL edit, made after the HubSpot one), one conflict row names the winner and
    the policy, `status --json` counts it, and the next cycles are quiet."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        configure(dep, conflict=f'"{policy}"')
        _migrated(dep)
        hub_id, row_id = _pair(dep, "person0@example.com")
        winner = WINNERS[policy]
        before = len(conflict_rows(dep))  # the first link's disagreements, settled by migrate
        hub_patch(dep, hub_id, firstname="FromHub")
        dep.edit_row(row_id, first_name="FromSql")
        assert sync(dep) == 0
        assert sql_by_email(dep)["person0@example.com"].first_name == winner
        assert hub_by_email(dep)["person0@example.com"]["properties"]["firstname"] == winner
        [conflict] = conflict_rows(dep)[before:]
        expected = "hubspot" if winner == "FromHub" else "external"
        assert (conflict.field, conflict.winner, conflict.policy) == (
            "firstname",
            expected,
            policy,
        )
        assert (conflict.hubspot_id, conflict.external_id) == (hub_id, str(row_id))
        assert status_json(dep, capsys)["conflicts"] == before + 1
        assert quiet_cycles(dep, 2) == [(0, 0)] * 2
        assert len(conflict_rows(dep)) == before + 1


def test_t26_concurrent_edits_of_different_fields_are_both_kept(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """HubSpot changes firstname while SQL changes last_name: a field-level merge keeps both
    edits on both sides, logs no conflict, and converges (quiet afterwards)."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        _migrated(dep)
        hub_id, row_id = _pair(dep, "person0@example.com")
        before = status_json(dep, capsys)["conflicts"]
        hub_patch(dep, hub_id, firstname="HubFirst")
        dep.edit_row(row_id, last_name="SqlLast")
        assert sync(dep) == 0
        row = sql_by_email(dep)["person0@example.com"]
        hub = hub_by_email(dep)["person0@example.com"]["properties"]
        assert (row.first_name, row.last_name) == ("HubFirst", "SqlLast")
        assert (hub["firstname"], hub["lastname"]) == ("HubFirst", "SqlLast")
        assert status_json(dep, capsys)["conflicts"] == before
        assert quiet_cycles(dep, 2) == [(0, 0)] * 2


@pytest.mark.parametrize("deletes", ["ignore", "archive"])
@pytest.mark.parametrize("deleted_on", [Side.HUBSPOT, Side.EXTERNAL])
def test_t27_delete_vs_update_is_deterministic_without_flip_flop(
    tmp_path: Path, sql_url: str, unique_name: str, deletes: str, deleted_on: Side
) -> None:
    """One side deletes a linked record while the other updates it in the same window. The
    deleted record is never re-created; with deletes=ignore the updated twin stays live and
    alone, with deletes=archive it is archived too (a hard-deleted SQL row is found gone by the
    update, so its HubSpot twin is archived one cycle later). Over four cycles no record ever
    comes back, and the last three agree."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        configure(dep, deletes=f'"{deletes}"')
        _migrated(dep)
        email = "person0@example.com"
        hub_id, row_id = _pair(dep, email)
        if deleted_on is Side.HUBSPOT:
            hub_archive(dep, hub_id)
            dep.edit_row(row_id, first_name="UpdatedInSql")
        else:
            sql_delete(dep, row_id)
            hub_patch(dep, hub_id, firstname="UpdatedInHub")
        seen = []
        for _ in range(4):
            assert sync(dep) == 0
            seen.append(_survivors(dep, email))
        expected = (False, False) if deletes == "archive" else _one_left(deleted_on)
        assert seen[1:] == [expected] * 3
        for side in (0, 1):  # once gone, never back
            states = [s[side] for s in seen]
            assert states == sorted(states, reverse=True)
        assert not seen[0][0 if deleted_on is Side.HUBSPOT else 1]
        link = link_of(dep, Side.HUBSPOT, hub_id)
        assert link is not None
        assert link.archived_on == ("both" if deletes == "archive" else deleted_on.value)
        assert quiet_cycles(dep, 1) == [(0, 0)]


def _survivors(dep: Deployment, email: str) -> tuple[bool, bool]:
    """Whether a live record holds `email` in (HubSpot, SQL)."""
    return email in hub_by_email(dep), email in sql_by_email(dep)


def _one_left(deleted_on: Side) -> tuple[bool, bool]:
    return (False, True) if deleted_on is Side.HUBSPOT else (True, False)


def test_t28_merge_repoints_the_link_and_never_recreates_the_merged_id(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """Two linked contacts merged in HubSpot: the link of the merged-away id follows the
    survivor or is closed on the HubSpot side; edits of the absorbed contact's SQL twin over
    three cycles never re-create it (nor its email) in HubSpot, and the survivor keeps syncing.
    (The plain merge is in tests/integration/test_hubspot_events.py.)"""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        _migrated(dep)
        first, first_row = _pair(dep, "person0@example.com")
        second, second_row = _pair(dep, "person1@example.com")
        with dep.hubspot() as client:
            survivor = client.post(
                "/crm/v3/objects/contacts/merge",
                json={"primaryObjectId": first, "objectIdToMerge": second},
            ).json()["id"]
        assert sync(dep) == 0
        for cycle in range(3):
            dep.edit_row(second_row, first_name=f"Absorbed{cycle}")
            dep.edit_row(first_row, last_name=f"Survivor{cycle}")
            assert sync(dep) == 0
            ids = sorted(c["id"] for c in dep.hub_contacts())
            assert survivor in ids and first not in ids and second not in ids
            assert len(ids) == 2  # the survivor and person2
            assert "person1@example.com" not in hub_by_email(dep)
        kept = link_of(dep, Side.HUBSPOT, survivor)
        assert kept is not None and kept.external_id == str(first_row)
        absorbed = link_of(dep, Side.EXTERNAL, str(second_row))
        assert absorbed is not None and absorbed.archived_on == "hubspot"
        assert hub_by_email(dep)["person0@example.com"]["properties"]["lastname"] == "Survivor2"


def test_t29_archive_then_restore_relinks_without_a_duplicate(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """A linked contact archived in HubSpot (deletes=ignore): the SQL edit made meanwhile finds
    it gone and is held back, nothing is re-created. Restored, the same contact is relinked
    (one link, same ids), catches up on the held-back edit, and syncs again afterwards."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        _migrated(dep)
        email = "person0@example.com"
        hub_id, row_id = _pair(dep, email)
        hub_archive(dep, hub_id)
        dep.edit_row(row_id, first_name="WhileArchived")
        for _ in range(2):
            assert sync(dep) == 0
            assert email not in hub_by_email(dep)
        archived = link_of(dep, Side.HUBSPOT, hub_id)
        assert archived is not None and archived.archived_on == "hubspot"
        hub_restore(dep, hub_id)
        assert sync(dep) == 0
        restored = link_of(dep, Side.HUBSPOT, hub_id)
        assert restored is not None and restored.archived_on is None
        assert (restored.id, restored.external_id) == (archived.id, str(row_id))
        assert [c["id"] for c in dep.hub_contacts()].count(hub_id) == 1
        assert len(dep.hub_contacts()) == 3 and len(dep.sql_rows()) == 3
        assert hub_by_email(dep)[email]["properties"]["firstname"] == "WhileArchived"
        hub_patch(dep, hub_id, lastname="AfterRestore")
        assert sync(dep) == 0
        assert sql_by_email(dep)[email].last_name == "AfterRestore"


@pytest.mark.parametrize("deletes", ["ignore", "archive"])
def test_t29_gdpr_deleted_contact_is_never_recreated(
    tmp_path: Path, sql_url: str, unique_name: str, deletes: str
) -> None:
    """A linked contact GDPR-deleted in HubSpot (permanent, not in the recycle bin): edits of
    its SQL twin over three syncs and a full re-migration never bring the email back to
    HubSpot, and the link is closed on the HubSpot side. A new SQL row with the same email (the
    legacy app re-importing the person) is refused with a reason, not created in HubSpot."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        configure(dep, deletes=f'"{deletes}"')
        _migrated(dep)
        email = "person0@example.com"
        hub_id, row_id = _pair(dep, email)
        gdpr_delete(dep, hub_id)
        for cycle in range(3):
            if email in sql_by_email(dep):
                dep.edit_row(row_id, first_name=f"Edited{cycle}")
            assert sync(dep) == 0
            assert email not in hub_by_email(dep)
        assert command(dep, "migrate") == 0
        assert email not in hub_by_email(dep)
        if deletes == "ignore":  # the twin stays, alone, with every value it had
            row = sql_by_email(dep)[email]
            assert (row.first_name, row.last_name, row.status) == ("Edited2", "S", "C")
        link = link_of(dep, Side.EXTERNAL, str(row_id))
        assert link is not None and link.archived_on in ("hubspot", "both")
        sql_delete(dep, row_id)
        new_row = sql_insert(dep, email=email, first_name="Reimported", status="L")
        assert sync(dep) == 4
        assert email not in hub_by_email(dep) and len(dep.hub_contacts()) == 2
        [entry] = [q for q in quarantined(dep) if q.record_id == str(new_row)]
        assert entry.category == "DUPLICATE_MATCH_KEY"
