"""/status in a real headless Chromium, served by a real `syncer run`, and `syncer status`
showing the same facts.

The deployment has passed three times (two one-shot syncs, then the daemon's first pass): a
SQL row whose email is HTML with a script was refused by HubSpot and waits in quarantine, and
one field edited on both sides between the syncs was settled as a conflict. The browser's DOM
must hold the pipeline, the lag chart with a point per pass, the quarantined record with its
HTML shown as text (no element made of it, no script run), the conflict and the lease holder.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from syncer.service.health import Readiness
from syncer.service.http import Endpoints
from tests.faults.browser import Node, dump_dom, screenshot
from tests.faults.ledger_harness import finish, kill_leftovers, syncer, wait_until
from tests.integration.harness import Deployment, deployment, seed

HOSTILE = '<b id="injected">x</b><script>document.title="pwned"</script>@example.com'


@pytest.fixture
def dep(tmp_path: Path, unique_name: str) -> Iterator[Deployment]:
    with deployment(tmp_path, f"sqlite:///{tmp_path}/crm.db", unique_name) as deployed:
        seed(deployed, hub_count=6, sql_count=6, shared=3)
        yield deployed
        kill_leftovers()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _three_passes_with_a_refusal_and_a_conflict(dep: Deployment) -> str:
    """The two one-shot syncs; the id of the HubSpot contact edited on both sides."""
    with dep.engine.begin() as conn:
        values = {"email": HOSTILE, "first_name": "Bad", "last_name": "S", "status": "C"}
        conn.execute(dep.table.insert().values(**values, updated_at=_now()))
    assert finish(syncer(dep, "sync"))[0] == 4  # the hostile row: refused, a new refusal
    [person] = [c for c in dep.hub_contacts() if c["properties"]["email"] == "person0@example.com"]
    with dep.hubspot() as client:
        edit = {"properties": {"firstname": "FromHubSpot"}}
        client.patch(f"/crm/v3/objects/contacts/{person['id']}", json=edit).raise_for_status()
    dep.edit_row(1, first_name="FromLegacy")  # row 1 is person0's pair
    assert finish(syncer(dep, "sync"))[0] == 0
    return str(person["id"])


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(tzinfo=None)


def _runs_finished(dep: Deployment) -> int:
    with dep.ledger() as ledger:
        return sum(1 for run in ledger.recent_runs("contacts") if run.finished_at is not None)


def _summary(section: Node) -> dict[str, str]:
    """The pipeline's summary list: each <dt> with its <dd>."""
    summary = section.find("dl", class_="summary")
    cells = [n.text() for n in summary.walk() if n.tag in ("dt", "dd")]
    return dict(zip(cells[::2], cells[1::2], strict=True))


def test_status_page_in_a_real_browser_shows_what_syncer_status_says(
    dep: Deployment, tmp_path: Path
) -> None:
    person_id = _three_passes_with_a_refusal_and_a_conflict(dep)
    port = _free_port()
    with dep.config.open("a") as config:
        config.write(f'\n[service]\nlisten = "127.0.0.1:{port}"\n')
    daemon = syncer(dep, "run")
    wait_until(lambda: _runs_finished(dep) == 3, "the daemon's first pass has finished")

    page = dump_dom(f"http://127.0.0.1:{port}/status", tmp_path)
    assert page.find("title").text() == "syncer status"  # the record's script never ran
    assert not page.find_all(id="injected")  # nor did its HTML become an element
    section = page.find("section", id="pipeline-contacts")
    quarantine = section.find("div", class_="quarantine").text()
    assert HOSTILE in quarantine and "INVALID_EMAIL" in quarantine
    chart = section.find("svg", id="lag-contacts")
    assert len(chart.find_all("circle")) == 3  # one point per pass of the last 24 h
    conflicts = section.find("div", class_="conflicts").find_all("tr")
    newest = [cell.text() for cell in conflicts[1].find_all("td")]  # [0]: the header
    assert newest[1:3] == ["firstname", person_id] and newest[-1] == "newest"
    summary = _summary(section)
    holder = f"{socket.gethostname()}:{daemon.pid}"
    assert summary["lease"] == f"free: released by {holder} (epoch 3) after its pass"
    with dep.ledger() as ledger:
        logged = ledger.conflict_count("contacts")  # first links' differences count too
    assert summary["quarantined"] == "1" and summary["conflicts logged"] == str(logged)

    # `syncer status` prints the same facts, in the same words.
    status = subprocess.run(
        [sys.executable, "-m", "syncer", "status", "-c", str(dep.config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert f"  lease:   {summary['lease']}\n" in status
    assert f"  pending: {summary['pending work']}\n" in status
    assert summary["relations"] == "edges: 0; pending references: 0"
    assert f"1 quarantined, {logged} conflicts logged" in status
    assert HOSTILE in status and "firstname" in status
    assert "after the 3 passes of the last 24 h" in status

    shot = screenshot(f"http://127.0.0.1:{port}/status", tmp_path / "status.png", tmp_path)
    assert shot.stat().st_size > 10_000
    daemon.send_signal(signal.SIGTERM)
    assert finish(daemon)[0] == 0


def test_status_page_asks_for_the_token_when_one_is_set() -> None:
    app = Endpoints(
        alive=lambda: True,
        ready=lambda: Readiness(True),
        registry=CollectorRegistry(),
        token="page-token-0123456789",
        status_page=lambda: "<p>page</p>",
    )
    assert app.reply("/status", {"REQUEST_METHOD": "GET"}).status.startswith("401")
    authorised = {"REQUEST_METHOD": "GET", "HTTP_AUTHORIZATION": "Bearer page-token-0123456789"}
    reply = app.reply("/status", authorised)
    assert reply.status == "200 OK" and reply.body == b"<p>page</p>"
    assert reply.content_type == "text/html; charset=utf-8"
