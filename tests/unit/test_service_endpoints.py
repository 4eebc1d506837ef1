"""The daemon's endpoints as a WSGI application, readiness judged against a real SQLite ledger,
and the `[service]` settings."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from syncer.engine.observer import ChunkCommitted, RunStarted, SideWrites
from syncer.engine.report import Mode, RunReport, RunStatus
from syncer.errors import ConfigError
from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, Rejected
from syncer.records import Side
from syncer.service.health import LedgerWatch, Readiness, readiness
from syncer.service.http import Endpoints, EndpointServer
from syncer.service.metrics import LedgerMetrics, RunMetrics
from syncer.settings import load_settings


def _call(
    app: Endpoints, path: str, method: str = "GET", token: str | None = None
) -> tuple[str, bytes]:
    environ: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": method}
    if token is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    answer: list[str] = []
    body = b"".join(app(environ, lambda status, headers: answer.append(status)))
    return answer[0], body


def _app(token: str | None = None, alive: bool = True, ready: bool = True) -> Endpoints:
    return Endpoints(lambda: alive, lambda: Readiness(ready), CollectorRegistry(), token)


def test_a_token_guards_metrics_and_unknown_paths_but_not_the_probes() -> None:
    app = _app(token="s3cr3t-token")
    assert _call(app, "/metrics")[0].startswith("401")
    assert _call(app, "/metrics", token="wrong")[0].startswith("401")
    assert _call(app, "/metrics", token="s3cr3t-token")[0] == "200 OK"
    assert _call(app, "/nowhere")[0].startswith("401")
    assert _call(app, "/nowhere", token="s3cr3t-token")[0].startswith("404")
    assert _call(app, "/healthz")[0] == "200 OK"
    assert _call(app, "/readyz")[0] == "200 OK"


def test_probes_answer_503_when_dead_or_not_ready_and_only_get_is_served() -> None:
    assert _call(_app(alive=False), "/healthz")[0].startswith("503")
    assert _call(_app(ready=False), "/readyz")[0].startswith("503")
    assert _call(_app(), "/healthz", method="POST")[0].startswith("405")


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger.open(f"sqlite:///{tmp_path}/ledger.db")
    yield opened
    opened.close()


def _finished_run(ledger: Ledger, run_id: str, status: str) -> None:
    ledger.start_run(run_id, "contacts", "sync")
    ledger.finish_run(run_id, status=status, counts={}, api_calls=0)


def test_a_pipeline_is_stale_once_its_last_success_is_older_than_stale_after(
    ledger: Ledger,
) -> None:
    watch = LedgerWatch(lambda: ledger, ["contacts"])
    started = datetime.now(UTC)
    hour = timedelta(hours=1)
    assert readiness(watch, hour, started).ready  # no pass yet: judged from the start
    in_two_hours = readiness(watch, hour, started, clock=lambda: started + 2 * hour)
    assert not in_two_hours.ready and in_two_hours.stale == {"contacts": None}
    _finished_run(ledger, "run-1", "failed")  # a failed run is no success
    assert not readiness(watch, hour, started, clock=lambda: started + 2 * hour).ready
    _finished_run(ledger, "run-2", "quarantined")  # went through: a success
    assert readiness(watch, hour, started, clock=lambda: started + 2 * hour).ready is False
    assert readiness(watch, hour, started, clock=lambda: started + hour / 2).ready
    [success] = [r.finished_at for r in ledger.recent_runs("contacts") if r.id == "run-2"]
    assert success is not None
    stale = readiness(watch, hour, started, clock=lambda: success + 2 * hour)
    assert stale.stale == {"contacts": success.isoformat()}
    assert stale.as_dict()["reason"] == "no successful pass within stale_after (3600 s)"


def test_an_unreachable_ledger_is_not_ready_and_says_so_without_details() -> None:
    def refuse() -> Ledger:
        raise OSError("connection refused by 10.0.0.7")

    watch = LedgerWatch(refuse, ["contacts"])
    answer = readiness(watch, timedelta(hours=1), datetime.now(UTC))
    assert answer.as_dict() == {"ready": False, "reason": "ledger unreachable"}
    registry = CollectorRegistry()
    registry.register(LedgerMetrics(watch))
    assert registry.get_sample_value("syncer_ledger_up") == 0


def test_run_metrics_count_chunks_and_reports(ledger: Ledger) -> None:
    registry = CollectorRegistry()
    metrics = RunMetrics(registry)
    report = RunReport("run-1", "contacts", Mode.SYNC)
    metrics.run_started(RunStarted.of(report))
    assert registry.get_sample_value("syncer_pass_running", {"pipeline": "contacts"}) == 1
    writes = {Side.HUBSPOT: SideWrites(created=2, updated=1), Side.EXTERNAL: SideWrites(archived=3)}
    for _ in range(2):
        metrics.chunk_committed(ChunkCommitted("run-1", "contacts", writes, conflicts=1))
    report.status, report.seconds = RunStatus.OK, 2.5
    report.collected = {"hubspot": 7, "external": 9}
    metrics.run_finished(report)
    text = _exposition(registry)
    assert (
        text["syncer_records_created_total", (("pipeline", "contacts"), ("side", "hubspot"))] == 4
    )
    assert (
        text["syncer_records_archived_total", (("pipeline", "contacts"), ("side", "external"))] == 6
    )
    assert text["syncer_records_read_total", (("pipeline", "contacts"), ("side", "external"))] == 9
    assert text["syncer_conflicts_total", (("pipeline", "contacts"),)] == 2
    assert text["syncer_run_duration_seconds_sum", (("pipeline", "contacts"),)] == 2.5
    assert text["syncer_pass_running", (("pipeline", "contacts"),)] == 0


def _exposition(
    registry: CollectorRegistry,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample as a scrape would parse it, with the HELP line every family must have."""
    from prometheus_client.exposition import generate_latest

    text = generate_latest(registry).decode()
    families = list(text_string_to_metric_families(text))
    assert all(f.documentation for f in families)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}


def test_service_settings_are_checked_at_load(tmp_path: Path) -> None:
    config = tmp_path / "syncer.toml"
    config.write_text(
        '[external]\nurl = "sqlite://"\n[service]\nlisten = "8080"\nstale_after = "soon"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config, {})
    assert "service.listen" in str(caught.value)
    assert "service.stale_after" in str(caught.value)
    (tmp_path / "token").write_text("metrics-token\n")
    config.write_text(
        '[external]\nurl = "sqlite://"\n[service]\nlisten = "[::]:9090"\ntoken_file = "token"\n'
    )
    service = load_settings(config, {}).service
    assert service.listen_host_port() == ("::", 9090)
    assert service.token is not None and service.token.get_secret_value() == "metrics-token"
    assert service.stale_after_seconds() == 1800


def test_ledger_metrics_show_quarantine_depth_lag_conflicts_and_lease(ledger: Ledger) -> None:
    registry = CollectorRegistry()
    registry.register(LedgerMetrics(LedgerWatch(lambda: ledger, ["contacts"])))
    on = {"pipeline": "contacts"}
    assert registry.get_sample_value("syncer_quarantine_depth", on) == 0
    assert registry.get_sample_value("syncer_lag_seconds", on) == 0
    assert (
        registry.get_sample_value("syncer_lease_info", {**on, "holder": "h:1", "epoch": "1"})
        is None
    )
    epoch = ledger.acquire_lease("contacts", "h:1", timedelta(minutes=5))
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    refused = [Rejected(Side.HUBSPOT, str(n), "create", "invalid", "bad email") for n in range(2)]
    ledger.commit("contacts", epoch, Commit(rejected=refused, now=hour_ago), "run-1")
    assert registry.get_sample_value("syncer_quarantine_depth", on) == 2
    lag = registry.get_sample_value("syncer_lag_seconds", on)
    assert lag is not None and 3600 <= lag < 3660
    assert (
        registry.get_sample_value("syncer_lease_info", {**on, "holder": "h:1", "epoch": "1"}) == 1
    )
    assert registry.get_sample_value("syncer_conflicts_logged_total", on) == 0


def test_an_address_in_use_is_a_configuration_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"service.listen: cannot listen on 127.0.0.1:{port}"):
            EndpointServer(_app(), "127.0.0.1", port)


def test_stopping_never_wakes_a_server_loop_that_has_already_closed() -> None:
    """stop() flags the loop, then pulls waitress's trigger (a pipe) to wake its select(). The
    loop also wakes by itself every poll; when it did so between the two, it closed the pipe and
    the pull wrote to a closed descriptor: EBADF from stop() (the flake of the test below on a
    busy machine). Here the pull is held back until the loop has had time to end."""
    server = EndpointServer(_app(), "127.0.0.1", 0)
    loop = server._server
    pull = loop.pull_trigger

    def late_pull() -> None:
        server._thread.join(timeout=1)  # the loop's own poll notices the flag meanwhile
        pull()

    loop.pull_trigger = late_pull
    server.stop()
    assert not server._thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{server.port}/healthz")


def test_the_server_answers_over_http_until_stopped() -> None:
    server = EndpointServer(_app(), "127.0.0.1", 0)
    try:
        assert httpx.get(f"http://127.0.0.1:{server.port}/healthz").json() == {"alive": True}
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{server.port}/healthz")
