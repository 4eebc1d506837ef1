"""Ctrl-C during a wait for HubSpot's rate limit (issue 12): the wait went on to its end (5 to
10 s on a spent burst window) before the run could stop. A real `syncer migrate` process
against the HubSpot sandbox on loopback, whose burst limit is three requests per 10 s (syncer's
budget follows HubSpot's headers): once it waits,
SIGINT ends it within 2 s, recorded as stopped, and the next run completes the migration."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.identity_harness import command, hub_by_email, sql_insert
from tests.faults.ledger_harness import finish, kill_leftovers, syncer, wait_until
from tests.integration.harness import deployment

EXIT_FAILURE = 1  # a one-shot command that was stopped


@pytest.fixture(autouse=True)
def _no_leftover_process() -> Iterator[None]:
    yield
    kill_leftovers()


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_ctrl_c_during_a_rate_limit_wait_stops_within_two_seconds(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name, burst_limit=3) as dep:
        for n in range(5):
            sql_insert(dep, email=f"r{n}@example.com", first_name=f"R{n}", status="L")
        dep.sandbox.reset_stats()
        process = syncer(dep, "migrate", SYNCER_HUBSPOT__BURST_LIMIT="3")
        requests = lambda: sum(dep.sandbox.stats().values())  # noqa: E731
        wait_until(lambda: requests() >= 3, "the burst budget is spent")
        time.sleep(0.3)  # in the limiter's wait now (its window is 10 s)
        asked = time.monotonic()
        process.send_signal(signal.SIGINT)
        code, err = finish(process, timeout=30)
        took = time.monotonic() - asked
        assert took < 2.0, f"stopped {took:.1f} s after Ctrl-C:\n{err[-2000:]}"
        assert code == EXIT_FAILURE, err[-2000:]
        with dep.ledger() as ledger:
            [run] = ledger.recent_runs("contacts", limit=1)
        assert run.status == "stopped", run
        dep.sandbox.config.burst_limit = 0  # unlimited, so the next run is quick
        assert command(dep, "migrate") == 0
        assert len(hub_by_email(dep)) == 5
