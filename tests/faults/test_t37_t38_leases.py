"""T37 and T38: real `syncer` processes contend for one pipeline's lease.

T37 two-replicas-race: two processes reach the lease at the same instant (the test holds the
PostgreSQL lease table locked until both are queued on it, then lets go): exactly one holds
it, the other exits 3 naming the holder; one run, one writer, no duplicate. On SQLite a second
process is refused the same way, and two acquires interleaved between read and write cannot
both win.

T38 zombie-leader: the leader stops itself (SIGSTOP) after its remote writes, before its ledger
commit, with a one-second lease; once the lease has expired on the database's clock a second
process takes over, reconciles the leader's writes and finishes; the leader, continued, has its
late commit refused by the epoch fence and exits 1. No duplicate, nothing lost.

Lease tests elsewhere: tests/integration/test_cli.py::test_sync_exits_3_while_another_run_holds_
the_lease (a lease held by the test, not by a process).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncer.errors import FencedError, LeaseHeld
from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, Link
from tests.faults.ledger_harness import (
    LedgerState,
    assert_converged,
    finish,
    kill_leftovers,
    resume,
    syncer,
    wait_stopped,
    wait_until,
)
from tests.integration.harness import Deployment, deployment, seed

ON_SQLITE_CRM = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)

HOLD = {"SYNCER_FAILPOINT": "mid_collect:stop"}  # the lease holder pauses with it, mid-run


@pytest.fixture
def dep(tmp_path: Path, sql_url: str, ledger_url: str, unique_name: str) -> Iterator[Deployment]:
    with deployment(tmp_path, sql_url, unique_name, ledger_url=ledger_url) as deployed:
        seed(deployed, hub_count=20, sql_count=20, shared=5)
        yield deployed
        kill_leftovers()


def _holder(process: subprocess.Popen[str]) -> str:
    return f"{socket.gethostname()}:{process.pid}"


@ON_SQLITE_CRM
@pytest.mark.parametrize("ledger_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("earlier_run", [False, True], ids=["no-lease-row", "expired-lease-row"])
def test_t37_two_replicas_fire_at_once_one_runs_the_other_exits_3(
    dep: Deployment, unique_name: str, earlier_run: bool
) -> None:
    """Both processes are queued on the lease table when it is let go. One gets the lease
    (the first ever: an INSERT race; or after an earlier run: a row-lock race), the other
    exits 3 saying it is held; only one run is recorded; the sides converge once."""
    if earlier_run:
        assert finish(syncer(dep, "sync"))[0] == 0
        dep.edit_row(1, first_name="Edited")  # the winner has a write to make
    else:
        Ledger.open(dep.ledger_url).close()  # the tables, so the test can lock one
    runs_before = LedgerState.read(dep.ledger_url).runs["ok"]
    engine = sa.create_engine(dep.ledger_url)
    with engine.connect() as gate:
        gate.execute(sa.text("LOCK TABLE leases IN ACCESS EXCLUSIVE MODE"))
        replicas = [syncer(dep, "sync", **HOLD) for _ in range(2)]
        wait_until(lambda: _queued_on_leases(engine, unique_name) == 2, "both wait on the lease")
        gate.commit()  # both go at the same instant
    engine.dispose()
    winner, code, err = _race_outcome(replicas)
    assert code == 3, err
    assert "syncer: pipeline 'contacts' is held by" in err
    if earlier_run:  # the row-lock race: the loser read the winner's row, and names it
        assert f"held by {_holder(winner)} until" in err
    lease = LedgerState.read(dep.ledger_url).lease
    assert lease is not None and lease["owner"] == _holder(winner)
    assert lease["epoch"] == (2 if earlier_run else 1)
    resume(winner)
    code, err = finish(winner)
    assert code == 0, err
    assert LedgerState.read(dep.ledger_url).runs == {"ok": runs_before + 1}
    assert_converged(dep, 35)


@ON_SQLITE_CRM
@pytest.mark.parametrize("ledger_url", ["sqlite"], indirect=True)
def test_t37_sqlite_second_process_is_refused_clearly(dep: Deployment) -> None:
    """SQLite means one replica: while a run holds the pipeline, a second `syncer sync` exits
    3 with a message naming the holder, and a `syncer run` daemon logs its pass as skipped
    for the same reason; neither writes anything."""
    first = syncer(dep, "sync", **HOLD)
    wait_stopped(first)
    writes = dep.sandbox.stats().get("writes", 0)
    code, err = finish(syncer(dep, "sync"))
    assert code == 3, err
    assert f"syncer: pipeline 'contacts' is held by {_holder(first)} until" in err
    log = dep.config.parent / "daemon.log"
    daemon = syncer(dep, "run", log=log)
    try:
        wait_until(lambda: "pass skipped" in log.read_text(), "the daemon skips a pass")
    finally:
        daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=30) == 0, log.read_text()
    [skipped] = [json.loads(x) for x in log.read_text().splitlines() if "pass skipped" in x]
    assert f"held by {_holder(first)}" in skipped["reason"]
    assert dep.sandbox.stats().get("writes", 0) == writes
    resume(first)
    assert finish(first)[0] == 0
    assert LedgerState.read(dep.ledger_url).runs == {"ok": 1}
    assert_converged(dep, 35)


def test_t37_sqlite_acquire_interleaved_between_read_and_write_has_one_winner(
    tmp_path: Path,
) -> None:
    """SQLite has no SELECT ... FOR UPDATE: a rival may take the lease between a run's read of
    the lease row and its write. The late writer must be refused, not given the same epoch."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ttl = timedelta(minutes=1)
    late_engine = _migrated_engine(url)  # the late run's own, to step in between its statements
    late, rival = Ledger(late_engine), Ledger.open(url)
    late.release_lease("p", late.acquire_lease("p", "earlier:1", ttl))
    won: list[int] = []

    def rival_first(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement.startswith("UPDATE leases") and not won:
            won.append(rival.acquire_lease("p", "rival:2", ttl))

    sa.event.listen(late_engine, "before_cursor_execute", rival_first)
    try:
        with pytest.raises(LeaseHeld):
            late.acquire_lease("p", "late:3", ttl)
    finally:
        late.close()
        rival.close()
    assert won == [2]


def test_t38_sqlite_takeover_in_the_middle_of_a_commit_cannot_let_it_land(tmp_path: Path) -> None:
    """SQLite again: a rival that takes the lease between a commit's fence check and its
    writes would let a fenced-out run commit. The check must hold the lease row until the
    commit ends: the rival is kept out (the file is locked) or the commit is refused, never
    both through."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    zombie_engine = _migrated_engine(url)
    zombie = Ledger(zombie_engine)
    epoch = zombie.acquire_lease("p", "zombie:1", timedelta(seconds=-1))  # expired
    # The rival gives up on a lock fast.
    rival = Ledger(sa.create_engine(url, connect_args={"timeout": 0.2}))
    took: list[int | None] = []

    def rival_takes_over(_c: object, _cur: object, statement: str, *_: object) -> None:
        # The commit's first write to links: its insert (the re-pointing DELETEs before it
        # are sent only when a record is linked already, link_rows.py).
        if statement.startswith(("DELETE FROM links", "INSERT INTO links")) and not took:
            try:
                took.append(rival.acquire_lease("p", "rival:2", timedelta(minutes=1)))
            except sa.exc.OperationalError:  # database is locked
                took.append(None)

    sa.event.listen(zombie_engine, "before_cursor_execute", rival_takes_over)
    try:
        zombie.commit("p", epoch, Commit(links=[Link(None, "h1", "e1", None, {})]), "run")
        landed = True
    except FencedError:
        landed = False
    finally:
        zombie.close()
        rival.close()
    assert len(took) == 1, "the rival never tried"
    assert not (landed and took[0] is not None), "a fenced-out run committed after a takeover"


def _migrated_engine(url: str) -> sa.Engine:
    """An engine of the test's own on a ledger the program created (its SQLite file in WAL mode,
    as every run keeps it), so the test can step in between the statements the ledger sends."""
    Ledger.open(url).close()
    return sa.create_engine(url)


def _queued_on_leases(engine: sa.Engine, schema: str) -> int:
    """Sessions waiting for a lock on this ledger's lease table."""
    query = sa.text(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = 'leases' AND n.nspname = :schema AND NOT l.granted"
    )
    with engine.connect() as conn:
        return int(conn.execute(query, {"schema": schema}).scalar_one())


def _race_outcome(
    replicas: list[subprocess.Popen[str]],
) -> tuple[subprocess.Popen[str], int, str]:
    """(the one stopped at its failpoint holding the lease, the exit code and stderr of the
    other); fails unless exactly one stopped."""
    stopped: list[subprocess.Popen[str]] = []
    exited: dict[int, int] = {}

    def settled() -> bool:
        for process in replicas:
            if process in stopped or process.pid in exited:
                continue
            pid, status = os.waitpid(process.pid, os.WNOHANG | os.WUNTRACED)
            if pid and os.WIFSTOPPED(status):
                stopped.append(process)
            elif pid:
                exited[process.pid] = os.waitstatus_to_exitcode(status)
        return len(stopped) + len(exited) == len(replicas)

    wait_until(settled, "both replicas have either the lease or an answer")
    assert len(stopped) == 1, f"{len(stopped)} replicas ran past the lease"
    [loser] = [p for p in replicas if p.pid in exited]
    loser.returncode = exited[loser.pid]  # reaped here, so Popen must not wait for it
    return stopped[0], *finish(loser)


@ON_SQLITE_CRM
@pytest.mark.parametrize("ledger_url", ["postgres"], indirect=True)
def test_t38_zombie_leader_is_fenced_after_a_takeover(dep: Deployment) -> None:
    """The leader (lease_seconds = 1) stops after sending its creates, before committing
    them. Past its TTL a second process takes over (epoch 2), links the leader's writes from
    their intents and finishes. Continued, the leader's commit is refused by the fence: exit 1,
    FencedError. Both sides hold everyone once; the ledger has no pending intent."""
    leader = syncer(
        dep,
        "migrate",
        SYNCER_LEDGER__LEASE_SECONDS="1",
        SYNCER_FAILPOINT="before_ledger_commit:stop",
    )
    wait_stopped(leader)
    # Its first chunk's creates, sent: the SQL rows' 15 into HubSpot (a first migration is
    # streamed: the HubSpot-only records' creates come in a last step it never reached).
    assert LedgerState.read(dep.ledger_url).intents == {"pending": 15}
    wait_until(lambda: _lease_expired(dep), "the leader's lease expired", timeout=10)
    code, err = finish(syncer(dep, "migrate"))
    assert code == 0, err
    assert "intents reconciled" in err
    assert_converged(dep, 35)
    resume(leader)
    code, err = finish(leader)
    assert code == 1, err
    assert "syncer: FencedError" in err and "lease epoch 1 was superseded by 2" in err
    state = LedgerState.read(dep.ledger_url)
    assert state.runs == {"ok": 1, "failed": 1}
    assert state.lease is not None and state.lease["epoch"] == 2
    assert_converged(dep, 35)


def _lease_expired(dep: Deployment) -> bool:
    """Judged, like the lease itself, on the database's clock."""
    engine = sa.create_engine(dep.ledger_url)
    try:
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    sa.text("SELECT expires_at < now() FROM leases WHERE pipeline = 'contacts'")
                ).scalar_one()
            )
    finally:
        engine.dispose()
