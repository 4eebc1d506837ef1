"""A one-way extraction (direction = "to_external") with stamp_external_id = false: HubSpot is
never written, not even the external-id stamp, and a crash at any failpoint or a SIGKILL
mid-run still ends, after a rerun, with every contact in SQL once: the match key pairs again
what the missing stamp would have paired."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.integration.harness import Deployment, deployment, seed

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)

HUB, SQL_ONLY, SHARED = 400, 100, 50
HUBSPOT_WRITES = ("batch/update", "batch/upsert", "batch/create", "update", "create")


@contextmanager
def one_way(tmp_path: Path, sql_url: str, name: str, hub: int) -> Iterator[Deployment]:
    with deployment(tmp_path, sql_url, name, latency_ms=20) as dep:
        text = dep.config.read_text()
        settings = 'conflict = "newest"\ndirection = "to_external"\nstamp_external_id = false\n'
        dep.config.write_text(text.replace('conflict = "newest"\n', settings, 1))
        seed(dep, hub_count=hub, sql_count=SQL_ONLY + SHARED, shared=SHARED)
        dep.sandbox.reset_stats()
        yield dep


@pytest.fixture
def extraction(tmp_path: Path, sql_url: str, unique_name: str) -> Iterator[Deployment]:
    with one_way(tmp_path, sql_url, unique_name, HUB) as dep:
        yield dep


def _syncer(dep: Deployment, command: str = "migrate", **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "syncer", command, "-c", str(dep.config)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _finish(process: subprocess.Popen[bytes]) -> None:
    assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""


def _assert_extracted(dep: Deployment, hub_count: int = HUB) -> None:
    sql = Counter(r.email.strip().lower() for r in dep.sql_rows())
    assert max(sql.values()) == 1, "a duplicate row was created"
    hub = {c["properties"]["email"] for c in dep.hub_contacts()}
    assert hub <= sql.keys() and len(sql) == hub_count + SQL_ONLY
    assert not any(c["properties"].get("legacy_id") for c in dep.hub_contacts())
    writes = {k: v for k, v in dep.sandbox.stats().items() if k in HUBSPOT_WRITES}
    assert writes == {}, f"HubSpot was written: {writes}"


def test_an_unstamped_extraction_writes_nothing_to_hubspot_and_a_sync_after_it_nothing(
    extraction: Deployment,
) -> None:
    _finish(_syncer(extraction))
    _assert_extracted(extraction)
    with extraction.ledger() as ledger:
        assert ledger.link_count("contacts") == HUB
    _finish(_syncer(extraction, "sync"))
    _assert_extracted(extraction)
    with extraction.ledger() as ledger:
        assert ledger.link_count("contacts") == HUB  # no link planned a stamp, none was lost


@pytest.mark.parametrize(
    "point", ["after_intents", "after_remote_accept", "before_ledger_commit", "mid_collect"]
)
def test_a_crash_at_a_failpoint_then_a_rerun_loses_and_duplicates_nothing(
    extraction: Deployment, point: str
) -> None:
    crashed = _syncer(extraction, SYNCER_FAILPOINT=point)
    assert crashed.wait(timeout=60) == 137
    _finish(_syncer(extraction))
    _assert_extracted(extraction)


def test_sigkill_halfway_then_rerun(tmp_path: Path, sql_url: str, unique_name: str) -> None:
    hub = 3000  # three chunks of creates: the kill falls after the first one's rows
    with one_way(tmp_path, sql_url, unique_name, hub) as dep:
        process = _syncer(dep)
        deadline = time.monotonic() + 120
        while len(dep.sql_rows()) < SQL_ONLY + SHARED + 500:  # rows are being written
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the extraction made no progress"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert len(dep.sql_rows()) < hub + SQL_ONLY, "killed too late to prove anything"
        _finish(_syncer(dep))
        _assert_extracted(dep, hub)
