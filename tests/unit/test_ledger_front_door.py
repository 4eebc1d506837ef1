"""The ledger behind one front door: the store (opened at once or lazily) and its values are all
the rest of the program sees; the values load no database code; what comes out of the store is
typed."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, QuarantineEntry, Rejected, RunRecord
from syncer.records import Side

PACKAGE = Path(__file__).resolve().parents[2] / "syncer"
# lazy.py: the store opened on first use (the daemon's rate gate and health endpoints).
FRONT_DOOR = {"syncer.ledger.store", "syncer.ledger.values", "syncer.ledger.lazy"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _outside_the_ledger() -> dict[str, set[str]]:
    return {
        str(path.relative_to(PACKAGE)): _imports(path)
        for path in PACKAGE.rglob("*.py")
        if PACKAGE / "ledger" not in path.parents
    }


def test_nothing_outside_the_ledger_reaches_past_its_front_door() -> None:
    trespass = {
        module: sorted(
            name
            for name in names
            if name.startswith("syncer.ledger.") and name.count(".") == 2 and name not in FRONT_DOOR
        )
        for module, names in _outside_the_ledger().items()
    }
    assert {module: names for module, names in trespass.items() if names} == {}


def test_connectors_keep_no_sync_state_of_their_own() -> None:
    importing = [
        module
        for module, names in _outside_the_ledger().items()
        if module.startswith("connectors/") and any(n.startswith("syncer.ledger") for n in names)
    ]
    assert importing == []


def test_the_planner_and_the_ledger_values_load_no_database_code() -> None:
    check = (
        "import sys, syncer.engine.plan, syncer.ledger.values; "
        "assert 'sqlalchemy' not in sys.modules, sorted(m for m in sys.modules if 'sql' in m)"
    )
    subprocess.run([sys.executable, "-c", check], check=True)


def test_runs_come_out_typed(tmp_path: Path) -> None:
    ledger = Ledger.open(f"sqlite:///{tmp_path}/ledger.db")
    try:
        ledger.start_run("run-1", "contacts", "sync")
        counts = {"created": {"hubspot": 2, "external": 0}, "linked": 2}
        ledger.finish_run("run-1", status="ok", counts=counts, api_calls=7)
        [run] = ledger.recent_runs("contacts")
    finally:
        ledger.close()
    assert isinstance(run, RunRecord)
    assert (run.id, run.mode, run.status, run.counts, run.api_calls) == (
        "run-1", "sync", "ok", counts, 7,
    )  # fmt: skip
    assert run.started_at.tzinfo is not None and run.finished_at is not None
    assert run.finished_at >= run.started_at


def test_quarantine_entries_come_out_typed(tmp_path: Path) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    refused = Rejected(Side.EXTERNAL, "e1", "create", "INVALID_EMAIL", "bad email", "email", "fp")
    ledger = Ledger.open(f"sqlite:///{tmp_path}/ledger.db")
    try:
        epoch = ledger.acquire_lease("contacts", "test", timedelta(minutes=1))
        ledger.commit("contacts", epoch, Commit(rejected=[refused], now=now), "run-1")
        [entry] = ledger.quarantined("contacts")
        due_later = ledger.quarantine_due("contacts", now + timedelta(hours=1))
    finally:
        ledger.close()
    assert isinstance(entry, QuarantineEntry) and entry.source_side is Side.EXTERNAL
    assert (entry.record_id, entry.category, entry.property, entry.attempts) == (
        "e1", "INVALID_EMAIL", "email", 1,
    )  # fmt: skip
    assert entry.first_seen == now and entry.next_retry_at > now
    assert due_later == {Side.HUBSPOT: [], Side.EXTERNAL: ["e1"]}
