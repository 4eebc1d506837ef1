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
