"""A real `syncer migrate` process killed mid-run, then run again: no duplicate, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.faults.ledger_harness import LedgerState
from tests.integration.harness import Deployment, deployment, seed

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)


def _migrate(dep: Deployment, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "syncer", "migrate", "-c", str(dep.config)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _assert_complete(dep: Deployment, expected: int) -> None:
    hub = Counter(c["properties"]["email"] for c in dep.hub_contacts())
    sql = Counter(r.email.strip().lower() for r in dep.sql_rows())
    assert max(hub.values()) == 1 and max(sql.values()) == 1, "a duplicate was created"
    assert len(hub) == len(sql) == expected
    assert hub.keys() == sql.keys()


def test_sigkill_halfway_then_rerun(tmp_path: Path, sql_url: str, unique_name: str) -> None:
    with deployment(tmp_path, sql_url, unique_name, latency_ms=40) as dep:
        seed(dep, hub_count=500, sql_count=1500, shared=100)
        process = _migrate(dep)
        deadline = time.monotonic() + 60
        while len(dep.hub_contacts()) < 800:  # creates are on their way into HubSpot
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the migration made no progress"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert len(dep.hub_contacts()) < 1900, "killed too late to prove anything"
        rerun = _migrate(dep)
        assert rerun.wait(timeout=120) == 0, rerun.stderr.read() if rerun.stderr else ""
        _assert_complete(dep, 1900)


@pytest.mark.parametrize(
    "point", ["after_intents", "after_remote_accept", "before_ledger_commit", "mid_collect"]
)
def test_crash_at_failpoint_then_rerun(
    tmp_path: Path, sql_url: str, unique_name: str, point: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=300, sql_count=300, shared=50)
        crashed = _migrate(dep, SYNCER_FAILPOINT=point)
        assert crashed.wait(timeout=60) == 137
        rerun = _migrate(dep)
        assert rerun.wait(timeout=60) == 0, rerun.stderr.read() if rerun.stderr else ""
        _assert_complete(dep, 550)


def _signal_once_started(dep: Deployment, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while len(dep.hub_contacts()) < 100:  # the first chunk's creates are on their way
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)


@pytest.mark.parametrize("command", ["migrate", "run"])
def test_t06_sigterm_ends_the_run_at_a_chunk_boundary_with_everything_recorded(
    tmp_path: Path, sql_url: str, unique_name: str, command: str
) -> None:
    """T06: SIGTERM mid-run. The chunk in flight is sent and committed, nothing more is sent,
    no intent is left pending, the run is recorded as stopped; `syncer run` (the daemon)
    exits 0, a one-shot `migrate` exits 1 (its work is not done). The next run finishes it."""
    with deployment(tmp_path, sql_url, unique_name, latency_ms=150) as dep:
        seed(dep, hub_count=0, sql_count=5000, shared=0)  # 5 chunks of 1,000
        process = subprocess.Popen(
            [sys.executable, "-m", "syncer", command, "-c", str(dep.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _signal_once_started(dep, process)
        assert process.wait(timeout=60) == (0 if command == "run" else 1)
        created = len(dep.hub_contacts())
        state = LedgerState.read(dep.ledger_url)
        assert 0 < created < 5000, "stopped too late to prove anything"
        assert (state.intents["pending"], state.links) == (0, created), (
            "a write went out unrecorded"
        )
        assert state.runs == Counter({"stopped": 1})
        rerun = _migrate(dep)
        assert rerun.wait(timeout=120) == 0, rerun.stderr.read() if rerun.stderr else ""
        _assert_complete(dep, 5000)


def test_t02_killed_after_the_last_chunk_before_the_cursors_rerun_writes_nothing(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """T02: every chunk committed, the cursors not (they are committed last, apart). The rerun
    reads everything again, finds it all agreed in the ledger and writes nothing anywhere."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=300, sql_count=300, shared=50)
        crashed = _migrate(dep, SYNCER_FAILPOINT="before_cursor_commit")
        assert crashed.wait(timeout=60) == 137
        _assert_complete(dep, 550)
        writes, rows = dep.sandbox.stats().get("writes", 0), dep.sql_rows()
        rerun = _migrate(dep)
        assert rerun.wait(timeout=60) == 0, rerun.stderr.read() if rerun.stderr else ""
        assert dep.sandbox.stats().get("writes", 0) == writes
        assert dep.sql_rows() == rows
        assert LedgerState.read(dep.ledger_url).intents["pending"] == 0
