"""The command-line contract: exit codes, plan, status, check, the daemon, secrets in logs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncer.cli import main
from syncer.ledger.store import Ledger
from tests.integration.harness import TOKEN, Deployment, _stamp, deployment, seed

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)


def _ledger(dep: Deployment) -> Ledger:
    return Ledger.open(f"sqlite:///{dep.config.parent / 'ledger.db'}")


def test_a_wrong_key_or_type_exits_2_naming_it_and_touches_nothing(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        good = dep.config.read_text()
        dep.config.write_text(
            good.replace('conflict = "newest"', 'conflict = "oldest"\nfieldz = 1')
        )
        assert main(["sync", "-c", str(dep.config)]) == 2
        err = capsys.readouterr().err
        assert "pipelines[0].conflict" in err and "oldest" in err
        assert "pipelines[0].fieldz" in err
        dep.config.write_text(good.replace("[hubspot]", '[hubspot]\nburst_limit = "lots"'))
        assert main(["migrate", "-c", str(dep.config)]) == 2
        assert "hubspot.burst_limit" in capsys.readouterr().err
        assert not (dep.config.parent / "ledger.db").exists()
        assert dep.sandbox.stats().get("requests", 0) == 0


def test_plan_prints_actions_and_writes_nothing(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=5, sql_count=5, shared=2)
        dep.sandbox.reset_stats()
        assert main(["plan", "-c", str(dep.config), "--json"]) == 0
        [report] = json.loads(capsys.readouterr().out)
        kinds = sorted(a["action"] for a in report["actions"])
        assert kinds.count("create") == 6 and kinds.count("link") == 2
        assert dep.sandbox.stats().get("writes", 0) == 0
        assert len(dep.sql_rows()) == 5


def test_plan_counts_its_actions_and_shows_the_values_they_write(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`syncer plan` printed a summary of zeros above its create lines, and no values."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=5, sql_count=5, shared=2)
        assert main(["plan", "-c", str(dep.config)]) == 0
        text = capsys.readouterr().out
        assert "created          3 in HubSpot,       3 external" in text
        assert "linked           8 pairs matched or created" in text
        assert 'email: - -> "row0@legacy.test"' in text
        assert 'firstname: - -> "Sql2"' in text
        assert main(["plan", "-c", str(dep.config), "--json"]) == 0
        [report] = json.loads(capsys.readouterr().out)
        assert report["created"] == {"hubspot": 3, "external": 3} and report["linked"] == 8
        # The run then counts what its plan counted.
        assert main(["migrate", "-c", str(dep.config)]) == 0
        ran = capsys.readouterr().out
        for line in text.splitlines()[1:8]:  # the summary under its title, API calls aside
            assert line in ran
        creates = [a for a in report["actions"] if a["action"] == "create"]
        assert all(c["old"] is None and c["new"] for a in creates for c in a["changes"])
        assert {"field": "email", "old": None, "new": "row0@legacy.test"} in [
            c for a in creates for c in a["changes"]
        ]


def test_check_creates_the_unique_id_property_and_status_reports(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        assert main(["check", "-c", str(dep.config)]) == 0
        with dep.hubspot() as client:
            prop = client.get("/crm/v3/properties/contacts/legacy_id").json()
        assert prop["hasUniqueValue"] is True
        seed(dep, hub_count=3, sql_count=3, shared=1)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        capsys.readouterr()
        assert main(["status", "-c", str(dep.config), "--json"]) == 0
        status = json.loads(capsys.readouterr().out)["contacts"]
        assert status["links"] == 5
        assert status["runs"][0]["status"] == "ok"


def test_sync_exits_3_while_another_run_holds_the_lease(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        ledger = _ledger(dep)
        ledger.acquire_lease("contacts", "elsewhere:1", timedelta(minutes=5))
        ledger.close()
        assert main(["sync", "-c", str(dep.config)]) == 3


def test_daemon_runs_passes_and_stops_cleanly_on_sigterm(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=5, sql_count=5, shared=0)
        dep.config.write_text(
            dep.config.read_text().replace(
                'conflict = "newest"', 'conflict = "newest"\ninterval = "1s"'
            )
        )
        daemon = subprocess.Popen(
            [sys.executable, "-m", "syncer", "run", "-c", str(dep.config)],
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while _ok_runs(dep) < 2:
                assert daemon.poll() is None, daemon.stderr.read() if daemon.stderr else ""
                assert time.monotonic() < deadline, "the daemon ran fewer than two passes"
                time.sleep(0.1)
        finally:
            daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
        assert len(dep.hub_contacts()) == 10 and len(dep.sql_rows()) == 10


def _ok_runs(dep: Deployment) -> int:
    path = dep.config.parent / "ledger.db"
    if not path.exists():
        return 0
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(sa.text("SELECT count(*) FROM runs WHERE status = 'ok'")).scalar_one()
            )
    except sa.exc.OperationalError:
        return 0  # the schema is not there yet
    finally:
        engine.dispose()


def test_the_token_never_reaches_the_logs(tmp_path: Path, sql_url: str, unique_name: str) -> None:
    with deployment(tmp_path, sql_url, unique_name, fault_rate=0.05, seed=3) as dep:
        seed(dep, hub_count=50, sql_count=50, shared=10)
        dep.edit_row(dep.sql_rows()[0].id, email="bad@@example")
        env = {**os.environ, "SYNCER_LOG_LEVEL": "debug"}
        outputs = []
        for command in ("check", "migrate", "sync", "status", "errors"):
            done = subprocess.run(  # noqa: PLW1510 - the exit code is not the point here
                [sys.executable, "-m", "syncer", command, "-c", str(dep.config)],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            outputs.append(done.stdout + done.stderr)
        text = "\n".join(outputs)
        assert "run finished" in text
        assert TOKEN not in text
        assert TOKEN[-12:] not in text


def _bad_rows(dep: Deployment, *emails: str) -> list[int]:
    """SQL rows HubSpot refuses for their email; their ids."""
    ids = []
    with dep.engine.begin() as conn:
        for email in emails:
            row = {"email": email, "first_name": "Bad", "last_name": "S", "status": "C"}
            result = conn.execute(sa.insert(dep.table).values(**row, **_stamp(dep.table)))
            ids.append(int(result.inserted_primary_key[0]))  # type: ignore[index]
    return ids


def test_errors_act_only_on_the_records_selected_and_old_refusals_do_not_alert_again(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`errors retry|discard` took no selector and acted on everything; and every later sync
    exited 4 for the same old refusals, so a cron job alerted forever."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=2, sql_count=2, shared=1)
        first, second = _bad_rows(dep, "not-an-email", "also-not-an-email")
        config = ["-c", str(dep.config)]
        assert main(["migrate", *config]) == 4  # new refusals: a look is needed
        assert main(["sync", *config]) == 0  # the same refusals, unchanged: no new alert
        capsys.readouterr()
        assert main(["errors", "list", *config, "--id", str(first)]) == 0
        listed = capsys.readouterr().out.strip().splitlines()
        assert len(listed) == 1 and f"external:{first} " in listed[0]
        assert main(["errors", "list", *config, "--code", "NO_SUCH_CODE"]) == 0
        assert capsys.readouterr().out == ""
        assert main(["errors", "discard", *config, "--id", str(first)]) == 0
        assert capsys.readouterr().out.startswith("1 records discarded")
        assert main(["errors", "retry", *config, "--pipeline", "contacts", "--id", "0"]) == 0
        assert capsys.readouterr().out.startswith("0 records")
        dep.edit_row(first, first_name="Touched")  # changed: it needs a look again
        assert main(["sync", *config]) == 4
        with dep.ledger() as ledger:
            assert {e.record_id for e in ledger.quarantined("contacts")} == {
                str(first),
                str(second),
            }


def test_status_shows_readable_cursors_marks_dry_runs_and_counts_per_pipeline(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`status` showed cursors as the connectors' opaque text, a plan as a sync, and its
    --json carried each run's counts as a JSON text inside a string."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=3, sql_count=3, shared=1)
        _bad_rows(dep, "not-an-email")
        config = ["-c", str(dep.config)]
        assert main(["migrate", *config]) == 4
        assert main(["plan", *config]) == 0
        capsys.readouterr()
        assert main(["status", *config, "--json"]) == 0
        status = json.loads(capsys.readouterr().out)["contacts"]
        # The shared record's three differences at first link are not conflicts (issue 12).
        assert (status["links"], status["quarantined"], status["conflicts"]) == (5, 1, 0)
        plan, migration = status["runs"][:2]
        assert (plan["mode"], plan["dry_run"], migration["dry_run"]) == ("sync", True, False)
        assert migration["counts"]["created"] == {"hubspot": 2, "external": 2}
        assert migration["counts"]["first_link_differences"] == 3
        hubspot = status["cursors"]["hubspot"]
        assert hubspot["position"] and hubspot["time"].endswith("Z")
        assert main(["status", *config]) == 0
        text = capsys.readouterr().out
        assert "contacts: 5 linked, 1 quarantined, 0 conflicts logged" in text
        assert "sync (dry run)" in text and "created 2 in HubSpot, 2 external" in text
        [cursor_line] = [line for line in text.splitlines() if "cursor hubspot:" in line]
        assert cursor_line.endswith(hubspot["time"].replace("T", " ").replace("Z", " UTC"))
        assert '{"t":' not in text
