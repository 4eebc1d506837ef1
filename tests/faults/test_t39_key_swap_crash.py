"""T39: a process killed inside an email swap, between the clears and the writes.

Two legacy rows swap emails. HubSpot keeps emails unique, so the pass first clears both
contacts' emails, then writes each its new one (engine/key_moves.py). Killed between the two,
the contacts hold no email; the rerun must complete the swap on both sides, not read the blanks
as an edit and let the conflict policy carry them into the legacy table.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncer.cli import main
from tests.integration.harness import Deployment, deployment, seed


def _sync(dep: Deployment, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "syncer", "sync", "-c", str(dep.config)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
    )


def _swap_emails(dep: Deployment, first: int, second: int) -> dict[int, str]:
    """As the legacy app would under its unique index: through a placeholder."""
    rows = {r.id: r.email for r in dep.sql_rows()}
    with dep.engine.begin() as conn:
        conn.execute(
            sa.update(dep.table)
            .where(dep.table.c.id == first)
            .values(email="swap@placeholder.test")
        )
    dep.edit_row(second, email=rows[first])
    dep.edit_row(first, email=rows[second])
    return {first: rows[second].strip().lower(), second: rows[first].strip().lower()}


def _hub_emails(dep: Deployment) -> dict[str, str | None]:
    return {
        c["properties"]["legacy_id"]: c["properties"].get("email") or None
        for c in dep.hub_contacts()
        if c["properties"].get("legacy_id")  # not a contact made in HubSpot and not linked yet
    }


@pytest.mark.parametrize("sql_url", ["sqlite", "postgres"], indirect=True)
def test_t39_killed_between_the_key_clears_and_the_writes_the_rerun_completes_the_swap(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=0, sql_count=3, shared=0)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        first, second, third = (r.id for r in dep.sql_rows())
        swapped = _swap_emails(dep, first, second)

        crashed = _sync(dep, SYNCER_FAILPOINT="after_key_clears")
        assert crashed.returncode == 137, crashed.stderr.decode()
        hub = _hub_emails(dep)
        assert (hub[str(first)], hub[str(second)]) == (None, None), "not killed in the window"

        rerun = _sync(dep)
        assert rerun.returncode == 0, rerun.stderr.decode()
        legacy = {r.id: r.email.strip().lower() if r.email else None for r in dep.sql_rows()}
        assert (legacy[first], legacy[second]) == (swapped[first], swapped[second])
        hub = _hub_emails(dep)
        assert {int(k): v for k, v in hub.items()} == legacy
        with dep.ledger() as ledger:
            assert ledger.pending_intents("contacts") == []
            assert ledger.quarantined("contacts") == []
        assert third in legacy
        writes, rows = dep.sandbox.stats().get("writes", 0), dep.sql_rows()
        quiet = _sync(dep)
        assert quiet.returncode == 0, quiet.stderr.decode()
        assert dep.sandbox.stats().get("writes", 0) == writes
        assert dep.sql_rows() == rows


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_t39_a_clear_whose_twin_moved_on_meanwhile_takes_the_twins_newer_key(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """Between the crash and the rerun the legacy app changed one row again: the cleared
    contact takes the row's key as it is now, and nothing reverts that edit."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=0, sql_count=2, shared=0)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        first, second = (r.id for r in dep.sql_rows())
        swapped = _swap_emails(dep, first, second)
        assert _sync(dep, SYNCER_FAILPOINT="after_key_clears").returncode == 137
        dep.edit_row(first, email="moved.on@legacy.test")

        rerun = _sync(dep)
        assert rerun.returncode == 0, rerun.stderr.decode()
        expected = {first: "moved.on@legacy.test", second: swapped[second]}
        assert {r.id: r.email.strip().lower() for r in dep.sql_rows()} == expected
        assert {int(k): v for k, v in _hub_emails(dep).items()} == expected


def _take_email_in_hubspot(dep: Deployment, email: str) -> str:
    """Somebody creates a HubSpot contact with `email` while a cleared contact waits for it."""
    with dep.hubspot() as client:
        response = client.post(
            "/crm/v3/objects/contacts",
            json={"properties": {"email": email, "firstname": "Taker", "lastname": "X"}},
        )
        response.raise_for_status()
        return str(response.json()["id"])


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_t39_issue3_a_cleared_contact_whose_key_was_taken_is_quarantined_never_carried_blank(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """Issue 13: the rerun cannot give the cleared contact its key (another contact took it
    meanwhile: HubSpot refuses it as a duplicate), so the contact stays blank. The blank must
    not be read as an edit and copied onto its row (the row's newer key is good): the contact
    is quarantined as BLANK_MATCH_KEY naming it and the key, and once the other contact lets
    the key go, the next run gives it its key and everything converges."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=0, sql_count=2, shared=0)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        first, second = (r.id for r in dep.sql_rows())
        swapped = _swap_emails(dep, first, second)
        assert _sync(dep, SYNCER_FAILPOINT="after_key_clears").returncode == 137
        taker = _take_email_in_hubspot(dep, swapped[first])

        blocked = _sync(dep)
        assert blocked.returncode == 4, blocked.stderr.decode()
        legacy = {r.id: r.email.strip().lower() if r.email else None for r in dep.sql_rows()}
        assert legacy == swapped, "a blank key was carried onto the legacy row"
        hub = _hub_emails(dep)
        assert (hub[str(first)], hub[str(second)]) == (None, swapped[second])
        contact = next(
            c["id"] for c in dep.hub_contacts() if c["properties"].get("legacy_id") == str(first)
        )
        with dep.ledger() as ledger:
            entries = {e.record_id: e for e in ledger.quarantined("contacts")}
        assert entries[contact].category == "BLANK_MATCH_KEY"
        assert contact in entries[contact].message and "'email'" in entries[contact].message

        with dep.hubspot() as client:  # the taker lets the key go
            client.patch(
                f"/crm/v3/objects/contacts/{taker}",
                json={"properties": {"email": "taker@elsewhere.test"}},
            ).raise_for_status()
        settled = _sync(dep)
        assert settled.returncode == 0, settled.stderr.decode()
        legacy = {r.id: r.email.strip().lower() if r.email else None for r in dep.sql_rows()}
        assert {legacy[first], legacy[second]} == {swapped[first], swapped[second]}
        assert "taker@elsewhere.test" in legacy.values()  # the taker was created there
        assert _hub_emails(dep)[str(first)] == swapped[first]
        with dep.ledger() as ledger:
            assert ledger.quarantined("contacts") == []
            assert ledger.pending_intents("contacts") == []
