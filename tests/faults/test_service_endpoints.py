"""`syncer run` with `[service] listen`: a real daemon process probed and scraped over HTTP.

/healthz answers while the process lives; /readyz answers 503 with its reason while the ledger
is cut (by the TCP proxy in front of PostgreSQL) and 200 again once it is back, and 503 once a
pipeline has gone `stale_after` without a successful pass; /metrics, parsed with
prometheus_client's own parser, counts what the pass did; a bearer token guards /metrics but
not the probes. A one-shot `sync` pushes the same figures to a Pushgateway.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.faults.ledger_harness import PgProxy, finish, kill_leftovers, syncer, wait_until
from tests.integration.harness import Deployment, deployment, seed

ON_SQLITE_CRM = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
METRICS_TOKEN = "metrics-token-0123456789"


@pytest.fixture
def proxy(ledger_url: str) -> Iterator[PgProxy]:
    relay = PgProxy(ledger_url)
    yield relay
    relay.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(dep: Deployment, **service: str) -> str:
    """Add a [service] section to the deployment's config; the endpoints' base URL."""
    port = _free_port()
    lines = [f'listen = "127.0.0.1:{port}"'] + [f'{k} = "{v}"' for k, v in service.items()]
    with dep.config.open("a") as config:
        config.write("\n[service]\n" + "\n".join(lines) + "\n")
    return f"http://127.0.0.1:{port}"


def _get(url: str, token: str | None = None) -> httpx.Response | None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        return httpx.get(url, headers=headers, timeout=10)
    except httpx.TransportError:
        return None  # not listening yet


def _status(url: str) -> int | None:
    response = _get(url)
    return response.status_code if response is not None else None


def _samples(
    base: str, token: str | None = None
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = _get(f"{base}/metrics", token)
    assert response is not None and response.status_code == 200
    families = text_string_to_metric_families(response.text)
    samples: list[Sample] = [s for family in families for s in family.samples]
    return {(s.name, frozenset(s.labels.items())): s.value for s in samples}


def _value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples[(name, frozenset(labels.items()))]


@pytest.fixture
def dep(
    request: pytest.FixtureRequest, tmp_path: Path, sql_url: str, ledger_url: str, unique_name: str
) -> Iterator[Deployment]:
    """The deployment; a PostgreSQL ledger is reached through the proxy the test can cut."""
    if ledger_url.startswith("postgresql"):
        ledger_url = request.getfixturevalue("proxy").url(ledger_url)
    with deployment(tmp_path, sql_url, unique_name, ledger_url=ledger_url) as deployed:
        seed(deployed, hub_count=20, sql_count=20, shared=5)
        yield deployed
        kill_leftovers()


@ON_SQLITE_CRM
@pytest.mark.parametrize("ledger_url", ["postgres"], indirect=True)
def test_daemon_probes_follow_the_ledger_and_metrics_count_the_pass(
    dep: Deployment, proxy: PgProxy, tmp_path: Path
) -> None:
    (tmp_path / "metrics_token").write_text(METRICS_TOKEN + "\n")
    base = _serve(dep, token_file="metrics_token", stale_after="1h")
    daemon = syncer(dep, "run")
    wait_until(lambda: _status(f"{base}/healthz") == 200, "the daemon serves /healthz")
    wait_until(
        lambda: (
            ("syncer_runs_total", frozenset({("pipeline", "contacts"), ("status", "ok")}))
            in _samples(base, METRICS_TOKEN)
        ),
        "the first pass has finished",
    )
    samples = _samples(base, METRICS_TOKEN)
    with dep.ledger() as ledger:
        [run] = ledger.recent_runs("contacts")
    assert run.status == "ok" and run.counts is not None
    for side in ("hubspot", "external"):
        on = {"pipeline": "contacts", "side": side}
        assert (
            _value(samples, "syncer_records_created_total", **on)
            == 15
            == run.counts["created"][side]
        )
        assert _value(samples, "syncer_records_updated_total", **on) == run.counts["updated"][side]
        assert _value(samples, "syncer_records_archived_total", **on) == 0
        assert (
            _value(samples, "syncer_records_read_total", **on)
            == 20
            == run.counts["collected"][side]
        )
    calls = sum(
        _value(samples, "syncer_api_calls_total", pipeline="contacts", side=s)
        for s in ("hubspot", "external")
    )
    assert calls == run.api_calls
    assert _value(samples, "syncer_run_duration_seconds_count", pipeline="contacts") == 1
    assert _value(samples, "syncer_pass_running", pipeline="contacts") == 0
    assert _value(samples, "syncer_quarantine_depth", pipeline="contacts") == 0
    assert _value(samples, "syncer_ledger_up") == 1
    assert run.finished_at is not None
    assert _value(
        samples, "syncer_last_success_timestamp_seconds", pipeline="contacts"
    ) == pytest.approx(run.finished_at.timestamp())
    for budget in ("burst", "daily", "search"):
        assert _value(samples, "syncer_budget_remaining", side="hubspot", budget=budget) > 0
    assert not [key for key in samples if key[0] == "syncer_rate_limited_total"]  # none refused
    holder = f"{socket.gethostname()}:{daemon.pid}"
    assert _value(samples, "syncer_lease_info", pipeline="contacts", holder=holder, epoch="1") == 1

    # The token guards /metrics, not the probes.
    assert _status(f"{base}/metrics") == 401
    assert _status(f"{base}/readyz") == 200

    proxy.go_down()
    response = _get(f"{base}/readyz")
    assert response is not None and response.status_code == 503
    assert response.json() == {"ready": False, "reason": "ledger unreachable"}
    assert _status(f"{base}/healthz") == 200
    assert _value(_samples(base, METRICS_TOKEN), "syncer_ledger_up") == 0

    proxy.come_back()
    wait_until(lambda: _status(f"{base}/readyz") == 200, "ready again once the ledger is back")

    daemon.send_signal(signal.SIGTERM)
    code, err = finish(daemon)
    assert code == 0, err
    assert _status(f"{base}/healthz") is None  # stopped with the daemon
    assert METRICS_TOKEN not in err


@ON_SQLITE_CRM
@pytest.mark.parametrize("ledger_url", ["sqlite"], indirect=True)
def test_daemon_is_not_ready_once_a_pipeline_goes_stale(dep: Deployment) -> None:
    """The first pass succeeds at once; the next is 5 minutes away, and after a second with
    no successful pass the pipeline is stale."""
    base = _serve(dep, stale_after="1s")
    daemon = syncer(dep, "run")
    wait_until(lambda: _stale_since(base) is not None, "the pipeline goes stale after a pass")
    response = _get(f"{base}/readyz")
    assert response is not None and response.status_code == 503
    body = response.json()
    assert body["ready"] is False and list(body["stale"]) == ["contacts"]
    with dep.ledger() as ledger:
        [run] = ledger.recent_runs("contacts")
    assert run.status == "ok" and run.finished_at is not None
    assert body["stale"]["contacts"] == run.finished_at.isoformat()
    assert _status(f"{base}/metrics") == 200  # no token configured: open
    daemon.send_signal(signal.SIGTERM)
    assert finish(daemon)[0] == 0


def _stale_since(base: str) -> str | None:
    """When the stale pipeline last succeeded, once /readyz says it is stale after a pass."""
    response = _get(f"{base}/readyz")
    if response is None or response.status_code != 503:
        return None
    since: str | None = response.json().get("stale", {}).get("contacts")
    return since


class _Gateway(BaseHTTPRequestHandler):
    """A Pushgateway's receiving end: keeps what was pushed, by method and path."""

    pushed: ClassVar[list[tuple[str, str, str]]] = []

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.pushed.append(("PUT", self.path, body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@ON_SQLITE_CRM
@pytest.mark.parametrize("ledger_url", ["sqlite"], indirect=True)
def test_one_shot_sync_pushes_its_figures_to_the_pushgateway(dep: Deployment) -> None:
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    _Gateway.pushed = []
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    try:
        with dep.config.open("a") as config:
            config.write(f'\n[service]\npushgateway = "http://127.0.0.1:{gateway.server_port}"\n')
        code, err = finish(syncer(dep, "sync"))
    finally:
        gateway.shutdown()
    assert code == 0, err
    [(method, path, body)] = _Gateway.pushed
    assert method == "PUT"  # replaces the group's previous push
    assert path == f"/metrics/job/syncer/instance/{socket.gethostname()}/pipelines/all"
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    for side in ("hubspot", "external"):
        assert _value(samples, "syncer_records_created_total", pipeline="contacts", side=side) == 15
    assert _value(samples, "syncer_runs_total", pipeline="contacts", status="ok") == 1
    assert _value(samples, "syncer_quarantine_depth", pipeline="contacts") == 0
