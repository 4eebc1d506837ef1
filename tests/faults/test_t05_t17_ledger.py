"""T05 and T17: the ledger database fails under a real `syncer`, the PostgreSQL ledger reached
through a TCP proxy on loopback that the test cuts at an exact statement.

T05 ledger-db-crash-mid-txn: the connection dies at the COMMIT of the transaction that records
a chunk's links, so the transaction is all or nothing, and a rerun (or the daemon's next pass)
reconciles the pending intents and converges.

T17 ledger-unavailable: PostgreSQL becomes unreachable mid-run, as a chunk's intents are
recorded or as its links are; the run sends no remote write it could not record, fails with a
one-line error and exit 1, and a later run reconciles and resumes with no duplicate.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.faults.identity_harness import configure
from tests.faults.ledger_harness import (
    LedgerState,
    PgProxy,
    assert_converged,
    finish,
    kill_leftovers,
    syncer,
    wait_until,
)
from tests.integration.harness import Deployment, deployment, seed

pytestmark = [
    pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True),
    pytest.mark.parametrize("ledger_url", ["postgres"], indirect=True),
]

# The chunk's results: its links, intents resolved and cursors, committed together.
LINKS_COMMIT = (b"COPY links", b"COMMIT")  # bulk inserts are COPY on PostgreSQL


@pytest.fixture
def proxy(ledger_url: str) -> Iterator[PgProxy]:
    relay = PgProxy(ledger_url)
    yield relay
    relay.close()


@pytest.fixture
def dep(
    tmp_path: Path, sql_url: str, ledger_url: str, unique_name: str, proxy: PgProxy
) -> Iterator[Deployment]:
    """The deployment, its ledger in `ledger_url`'s schema reached through the proxy."""
    with deployment(tmp_path, sql_url, unique_name, ledger_url=proxy.url(ledger_url)) as deployed:
        yield deployed
        kill_leftovers()


def _assert_clear_failure(code: int, err: str) -> None:
    assert code == 1, err
    assert "Traceback" not in err, err
    assert "syncer: " in err and "ledger unavailable" in err, err


def test_t05_connection_killed_at_commit_records_nothing_of_the_chunk(
    dep: Deployment, proxy: PgProxy, ledger_url: str
) -> None:
    """The links commit dies on the wire: no link, no resolved intent, no cursor landed (the
    writes it followed stay pending intents); the run fails clearly; a rerun links the
    pending creates and converges with no duplicate."""
    seed(dep, hub_count=30, sql_count=30, shared=10)
    fired = proxy.cut_when(*LINKS_COMMIT)
    code, err = finish(syncer(dep, "migrate"))
    assert fired.is_set(), "the commit was never cut"
    _assert_clear_failure(code, err)
    state = LedgerState.read(ledger_url)
    assert state.links == state.cursors == 0, "half a chunk was committed"
    # The cut chunk's creates, sent, not yet linked: the 20 SQL-only rows into HubSpot. A first
    # migration is streamed, so the 20 HubSpot-only creates come in a last step, never reached.
    assert state.intents == {"pending": 20}
    assert (len(dep.hub_contacts()), len(dep.sql_rows())) == (50, 30)
    assert state.runs == {"failed": 1}
    code, err = finish(syncer(dep, "migrate"))
    assert code == 0, err
    assert "intents reconciled" in err
    assert_converged(dep, 50)


def test_t05_daemon_goes_on_after_its_ledger_connection_dies_mid_commit(
    dep: Deployment, proxy: PgProxy, ledger_url: str
) -> None:
    """`syncer run`: the pass whose commit is cut fails and is logged; the daemon stays up and
    its next pass converges, with no duplicate."""
    seed(dep, hub_count=20, sql_count=20, shared=5)
    fired = proxy.cut_when(*LINKS_COMMIT)
    configure(dep, interval='"1s"')
    daemon = syncer(dep, "run")
    try:
        wait_until(lambda: _ok_runs(dep) >= 1 or daemon.poll() is not None, "a pass is ok")
        assert daemon.poll() is None, "the daemon died with its ledger connection"
    finally:
        daemon.send_signal(signal.SIGTERM)
    code, err = finish(daemon)
    assert code == 0, err
    assert fired.is_set()
    assert "pass failed" in err and "ledger unavailable" in err
    assert LedgerState.read(ledger_url).runs["failed"] == 1
    assert_converged(dep, 35)


@pytest.mark.parametrize(
    ("cut", "sent"),
    [
        # The chunk's intents never reach the ledger: not one of its writes may be sent.
        ((b"COPY intents",), 0),
        # The writes went out, their links never land: the first chunk's 20 creates (the SQL
        # rows into HubSpot; a streamed first migration creates HubSpot-only records last),
        # each with its intent.
        (LINKS_COMMIT, 20),
    ],
    ids=["before-intents", "at-links-commit"],
)
def test_t17_ledger_unreachable_mid_run_sends_nothing_unrecorded_then_resumes(
    dep: Deployment,
    proxy: PgProxy,
    ledger_url: str,
    cut: tuple[bytes, ...],
    sent: int,
) -> None:
    """PostgreSQL becomes unreachable mid-run (every connection reset, new ones refused).
    The run sends no remote write that the ledger has no intent for: the sandbox and the SQL
    table get exactly the creates whose intents were committed; it exits 1 with a one-line
    error. Once PostgreSQL is back, a rerun marks the run that could not record its end as
    interrupted, reconciles the pending intents and converges, with no duplicate."""
    seed(dep, hub_count=30, sql_count=30, shared=10)
    dep.sandbox.reset_stats()
    fired = proxy.cut_when(*cut, down=True)
    code, err = finish(syncer(dep, "migrate"))
    assert fired.is_set(), "PostgreSQL never went away"
    _assert_clear_failure(code, err)
    created = len(dep.hub_contacts()) + len(dep.sql_rows()) - 60
    assert created == sent
    if not sent:
        assert dep.sandbox.stats().get("writes", 0) == 0, "a write without its intent"
    proxy.come_back()
    state = LedgerState.read(ledger_url)
    assert state.intents == ({"pending": sent} if sent else {})
    assert state.runs == {"running": 1}  # its end could not be recorded
    code, err = finish(syncer(dep, "migrate"))
    assert code == 0, err
    assert LedgerState.read(ledger_url).runs == {"interrupted": 1, "ok": 1}
    assert_converged(dep, 50)


def _ok_runs(dep: Deployment) -> int:
    try:
        return LedgerState.read(dep.ledger_url).runs["ok"]
    except sa.exc.ProgrammingError:  # the daemon has not created the ledger's tables yet
        return 0
