"""Scenarios T14-T16 and T18: rate limits, transient errors, an expiring
token and a slow network, between the real engine and the HubSpot sandbox on loopback, with a
SQLite legacy CRM table. T17 (the ledger unavailable) is in test_t05_t17_ledger.py.

In-process runs wait on virtual time (see http_harness); T16 runs real `syncer` processes,
stopped at a failpoint while the token expires, because a token is a process's state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.commands import scheduled_pass
from syncer.engine.report import Mode
from syncer.errors import RetryableError
from syncer.ledger.values import Intent, RunRecord
from syncer.records import Side
from syncer.service.daemon import Passes
from syncer.settings import load_settings
from tests.faults.http_harness import (
    VirtualTime,
    assert_invariants,
    cursors,
    run,
)
from tests.faults.ledger_harness import finish, resume, syncer, wait_stopped
from tests.integration.harness import Deployment, deployment, seed

UPSERTS = "batch/upsert"


@pytest.fixture
def dep(tmp_path: Path, sqlite_url: str, unique_name: str) -> Iterator[Deployment]:
    with deployment(tmp_path, sqlite_url, unique_name) as running:
        yield running


def _runs(dep: Deployment) -> list[RunRecord]:
    with dep.ledger() as ledger:
        return ledger.recent_runs("contacts")


def _pending_intents(dep: Deployment) -> list[Intent]:
    with dep.ledger() as ledger:
        return ledger.pending_intents("contacts")


# -- T14 rate-limit storm, then the daily limit ------------------------------------------------


def test_t14_a_429_storm_is_waited_out_per_policy_and_nothing_is_lost(dep: Deployment) -> None:
    """Eight TEN_SECONDLY_ROLLING refusals in a row on the batch writes: the engine waits out
    the ten-second window each time (on the shared budget, so every batch in flight waits)
    and finishes with every row created once."""
    seed(dep, hub_count=0, sql_count=150, shared=0)
    dep.sandbox.schedule_fault({"status": 429, "count": 8, "path_contains": UPSERTS})
    time_ = VirtualTime()
    report = run(dep, Mode.MIGRATE, time=time_)
    assert report.status == "ok" and report.created["hubspot"] == 150
    assert dep.sandbox.stats()[UPSERTS] == 2 + 8  # two batches, eight refusals retried
    assert time_.now - 1000.0 >= 10.0 and max(time_.waits) >= 9.0  # the window, not a blip
    assert len(assert_invariants(dep)) == 150 == len(dep.hub_contacts())


def test_t14_the_daily_limit_parks_the_pipeline_with_its_state_kept(
    tmp_path: Path, sqlite_url: str, unique_name: str
) -> None:
    """The account's daily quota runs out in the middle of a daemon pass: the pass stops, the
    pipeline is parked until the quota resets (no call in between), the cursors stay where
    the last good run left them and the creates sent are kept as intents. The next day's pass
    links what landed, creates the rest, and duplicates nothing."""
    with deployment(tmp_path, sqlite_url, unique_name) as dep:
        seed(dep, hub_count=0, sql_count=5, shared=0)
        assert run(dep, Mode.MIGRATE).status == "ok"
        before = cursors(dep)
        _add_rows(dep, 250)
        # Today's quota: what was used, the pass's reads (as many as `syncer plan` makes), and
        # one of its three batches.
        used = dep.sandbox.stats()["requests"]
        assert main(["plan", "-c", str(dep.config)]) == 0
        reads = dep.sandbox.stats()["requests"] - used
        dep.sandbox.config.daily_limit = used + 2 * reads + 1
        passes = Passes(scheduled_pass(load_settings(dep.config, {})))
        passes.run_once("contacts")
        parked = passes.parked_until["contacts"]
        assert parked > datetime.now(UTC) + timedelta(minutes=1)
        assert _runs(dep)[0].status == "failed"
        assert cursors(dep) == before
        assert 5 < len(dep.hub_contacts()) < 255  # stopped mid-run: some batches landed
        assert len(_pending_intents(dep)) == 250  # every create sent is on record
        asked = dep.sandbox.stats()["requests"]
        passes.run_once("contacts")  # parked: not even a call
        assert dep.sandbox.stats()["requests"] == asked
        dep.sandbox.advance_clock(24 * 3600 * 1000)  # the portal's next day
        assert run(dep).status == "ok"
        assert len(assert_invariants(dep)) == 255 == len(dep.hub_contacts())


def _add_rows(dep: Deployment, count: int) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [{"email": f"new{i}@legacy.test", "first_name": f"New{i}", "last_name": "N",
             "status": "L", "updated_at": now} for i in range(count)]  # fmt: skip
    with dep.engine.begin() as conn:
        conn.execute(dep.table.insert(), rows)


# -- T15 transient 5xx, 423 and 477 -----------------------------------------------------------


def test_t15_transient_errors_are_retried_with_their_waits_and_the_run_succeeds(
    dep: Deployment,
) -> None:
    """502, 503, 504, 423 Locked and 477 Migration in Progress on the same batch, one after
    the other: each is retried (423 after at least 2 s, 477 after its Retry-After), the run
    does not fail, and the batch is written once."""
    seed(dep, hub_count=0, sql_count=20, shared=0)
    for status in (502, 503, 504, 423, 477):
        dep.sandbox.schedule_fault({"status": status, "path_contains": UPSERTS})
    time_ = VirtualTime()
    report = run(dep, Mode.MIGRATE, time=time_)
    assert report.status == "ok" and report.created["hubspot"] == 20
    assert dep.sandbox.stats()[UPSERTS] == 6 and dep.sandbox.stats()["faults"] == 5
    assert len(time_.waits) == 5 and time_.waits[3] >= 2.0 and time_.waits[4] >= 1.0
    assert len(assert_invariants(dep)) == 20 == len(dep.hub_contacts())


def test_t15_retries_are_bounded_jittered_and_the_next_run_converges(dep: Deployment) -> None:
    """A 503 that does not go away: the batch is tried max_retries + 1 times with growing,
    jittered waits, then the run fails with its cursors unmoved; the next run writes every
    row once."""
    seed(dep, hub_count=0, sql_count=20, shared=0)
    dep.sandbox.schedule_fault({"status": 503, "count": 4, "path_contains": UPSERTS})
    time_ = VirtualTime()
    with pytest.raises(RetryableError, match="gave up after 3 retries"):
        run(dep, Mode.MIGRATE, time=time_, settings={"SYNCER_HUBSPOT__MAX_RETRIES": "3"})
    assert dep.sandbox.stats()[UPSERTS] == 4 and len(time_.waits) == 3
    assert time_.waits == sorted(time_.waits) and len(set(time_.waits)) == 3
    assert cursors(dep) == {Side.HUBSPOT: None, Side.EXTERNAL: None}
    assert run(dep, Mode.MIGRATE).status == "ok"
    assert len(assert_invariants(dep)) == 20 == len(dep.hub_contacts())


# -- T16 token expiry mid-run -----------------------------------------------------------------

OAUTH = {"oauth_client_id": "app-1", "oauth_client_secret": "s3cret", "oauth_refresh_token": "rt-1"}
OAUTH_ENV = {
    "SYNCER_HUBSPOT__CLIENT_ID": "app-1",
    "SYNCER_HUBSPOT__CLIENT_SECRET": "s3cret",
    "SYNCER_HUBSPOT__REFRESH_TOKEN": "rt-1",
}


def _edit_all(dep: Deployment) -> None:
    for row in dep.sql_rows():
        dep.edit_row(row.id, first_name=f"New{row.id}")


def _sync_stopped_at_the_writes(dep: Deployment, **env: str) -> object:
    process = syncer(dep, "sync", SYNCER_FAILPOINT="after_intents:stop", **env)
    wait_stopped(process)
    return process


def test_t16_an_oauth_token_expiring_mid_run_is_refreshed_once(
    tmp_path: Path, sqlite_url: str, unique_name: str
) -> None:
    """A real `syncer sync` reads with one access token; before it writes, the token expires
    on HubSpot's clock. The batches in flight with it are refused 401 EXPIRED_AUTHENTICATION:
    one refresh serves them all, each is resent once, and no record is written twice."""
    with deployment(tmp_path, sqlite_url, unique_name, **OAUTH) as dep:
        seed(dep, hub_count=0, sql_count=250, shared=0)
        assert run(dep, Mode.MIGRATE, settings=OAUTH_ENV).status == "ok"
        _edit_all(dep)
        dep.sandbox.reset_stats()
        process = _sync_stopped_at_the_writes(dep, **OAUTH_ENV)
        dep.sandbox.advance_clock(1801 * 1000)  # past the access token's 30 minutes
        resume(process)  # type: ignore[arg-type]
        code, err = finish(process)  # type: ignore[arg-type]
        assert code == 0, err
        stats = dep.sandbox.stats()
        assert stats["oauth"] == 2  # the first token, and one refresh
        # Each batch refused at most once (how many were in flight with the old token is a
        # race), and each applied exactly once.
        assert 1 <= stats["unauthorized"] <= 3 and stats["batch/update"] == 3
        assert {c["properties"]["firstname"] for c in dep.hub_contacts()} == {
            f"New{r.id}" for r in dep.sql_rows()
        }
        assert len(assert_invariants(dep)) == 250 == len(dep.hub_contacts())


def test_t16_a_private_app_token_expiring_mid_run_stops_it_with_the_cursor_unchanged(
    dep: Deployment,
) -> None:
    """A private-app token cannot be refreshed: when it expires between the reads and the
    writes, the run stops with exit 1 and an auth error, writes nothing, leaves the cursors
    where they were and releases its lease; with a valid token the next run delivers every
    edit."""
    seed(dep, hub_count=0, sql_count=5, shared=0)
    assert run(dep, Mode.MIGRATE).status == "ok"
    before = cursors(dep)
    _edit_all(dep)
    process = _sync_stopped_at_the_writes(dep)
    dep.sandbox.config.token_expires_at_ms = dep.sandbox.now_ms()
    resume(process)  # type: ignore[arg-type]
    code, err = finish(process)  # type: ignore[arg-type]
    assert code == 1 and "EXPIRED_AUTHENTICATION" in err
    assert "pat-na1" not in err  # the token never reaches the log
    assert cursors(dep) == before
    assert _runs(dep)[0].status == "failed"
    assert not any(c["properties"]["firstname"].startswith("New") for c in dep.hub_contacts())
    dep.sandbox.config.token_expires_at_ms = 0  # the operator installs a valid token
    assert run(dep).status == "ok"  # the lease was released: this run may start
    assert {c["properties"]["firstname"] for c in dep.hub_contacts()} == {
        f"New{r.id}" for r in dep.sql_rows()
    }
    assert len(assert_invariants(dep)) == 5


# -- T18 slow network -------------------------------------------------------------------------


def test_t18_a_slow_network_fires_the_request_deadline_and_no_run_hangs(dep: Deployment) -> None:
    """HubSpot takes two seconds to answer and the client's deadline is 0.2 s: each attempt
    is cut at its deadline, the run gives up in well under the time one answer would take,
    records itself failed and lets go of its lease; once the network is quick again the next
    run completes. The slow answers are the property catalogue's, the first set-up call (the
    listing's first page, read beside it, would otherwise take some of the three)."""
    seed(dep, hub_count=0, sql_count=5, shared=0)
    dep.sandbox.schedule_fault(
        {"status": 504, "count": 3, "delay_ms": 2000, "path_contains": "/crm/v3/properties/"}
    )
    settings = {"SYNCER_HUBSPOT__TIMEOUT_SECONDS": "0.2", "SYNCER_HUBSPOT__MAX_RETRIES": "2"}
    started = time.monotonic()
    with pytest.raises(RetryableError, match="ReadTimeout"):
        run(dep, Mode.MIGRATE, settings=settings)
    assert time.monotonic() - started < 1.5  # three deadlines, not three slow answers
    assert _runs(dep)[0].status == "failed"
    assert run(dep, Mode.MIGRATE, settings=settings).status == "ok"
    assert len(assert_invariants(dep)) == 5 == len(dep.hub_contacts())


def test_t18_a_slow_answer_within_the_retries_does_not_fail_the_run(dep: Deployment) -> None:
    seed(dep, hub_count=0, sql_count=5, shared=0)
    dep.sandbox.schedule_fault(
        {"status": 504, "count": 2, "delay_ms": 1000, "path_contains": UPSERTS}
    )
    settings = {"SYNCER_HUBSPOT__TIMEOUT_SECONDS": "0.2", "SYNCER_HUBSPOT__MAX_RETRIES": "2"}
    assert run(dep, Mode.MIGRATE, settings=settings).status == "ok"
    assert len(assert_invariants(dep)) == 5 == len(dep.hub_contacts())
