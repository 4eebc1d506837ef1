"""The sandbox over real HTTP on loopback (waitress), under concurrency; batch upserts in-process
(their speed is bench/sandbox_upserts.py's)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from syncer.sandbox.hubspot import HubSpotSandbox, RunningServer, SandboxConfig, serve_in_thread
from tests.sandbox.conftest import TOKEN, client_for

CONTACTS = "/crm/v3/objects/contacts"


@pytest.fixture
def served() -> Iterator[tuple[HubSpotSandbox, RunningServer]]:
    app = HubSpotSandbox(SandboxConfig(burst_limit=0, search_per_second=0))
    server = serve_in_thread(app)
    try:
        yield app, server
    finally:
        server.stop()


def _http(server: RunningServer, token: str = TOKEN) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


def test_round_trip_over_http(served: tuple[HubSpotSandbox, RunningServer]) -> None:
    app, server = served
    assert server.url.startswith("http://127.0.0.1:")
    with _http(server) as http:
        created = http.post(CONTACTS, json={"properties": {"email": "a@x.com"}})
        assert created.status_code == 201
        assert created.headers["content-type"] == "application/json;charset=utf-8"
        fetched = http.get(f"{CONTACTS}/a@x.com", params={"idProperty": "email"})
        assert fetched.json()["id"] == created.json()["id"]
        conflict = http.post(CONTACTS, json={"properties": {"email": "a@x.com"}})
        assert conflict.status_code == 409
        assert conflict.headers["x-hubspot-correlation-id"] == conflict.json()["correlationId"]
        found = http.post(f"{CONTACTS}/search", json={"query": "a@x.com"})
        assert found.json()["total"] == 1
        assert http.delete(f"{CONTACTS}/1").status_code == 204
        assert http.get("/_sandbox/records/contacts").json() == {"results": []}
    assert app.stats()["writes"] == 3  # two creates (one refused with 409) and an archive
    with _http(server, token="nope") as http:
        assert http.get(CONTACTS).status_code == 401


def test_concurrent_upserts_never_duplicate(
    served: tuple[HubSpotSandbox, RunningServer],
) -> None:
    app, server = served

    def upsert(worker: int) -> int:
        # Every worker upserts the same 100 emails: creates race with updates.
        inputs = [
            {"id": f"p{i}@x.com", "idProperty": "email", "properties": {"city": f"w{worker}"}}
            for i in range(100)
        ]
        with _http(server) as http:
            return http.post(f"{CONTACTS}/batch/upsert", json={"inputs": inputs}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(upsert, range(12)))
    assert statuses == [200] * 12
    emails = [r["properties"]["email"] for r in app.records()]
    assert sorted(emails) == sorted(f"p{i}@x.com" for i in range(100))
    assert app.stats()["batch/upsert"] == 12


def test_batch_upserts_create_each_contact_once_and_then_update_it() -> None:
    """The workload bench/sandbox_upserts.py times (its speed is checked there, per CPU
    second: a timed test fails on a busy machine), each batch one request."""
    app = HubSpotSandbox(SandboxConfig(burst_limit=0))
    batches = [
        [
            {"id": f"p{b}-{i}@x.com", "idProperty": "email",
             "properties": {"firstname": f"F{i}", "lastname": "L", "city": "Oslo"}}
            for i in range(100)
        ]
        for b in range(60)
    ]  # fmt: skip
    with client_for(app) as http:
        for _ in range(2):  # the second round finds every contact by its email
            for inputs in batches:
                response = http.post(f"{CONTACTS}/batch/upsert", json={"inputs": inputs})
                assert response.is_success
    records = app.records()
    assert len(records) == 6000
    assert len({r["properties"]["email"] for r in records}) == 6000
    assert app.stats()["batch/upsert"] == 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_forever_stops_on_sigterm() -> None:
    port = _free_port()
    code = (
        "from syncer.sandbox.hubspot import HubSpotSandbox, serve_forever;"
        f"serve_forever(HubSpotSandbox(), '127.0.0.1', {port})"
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/crm/v3/objects/contacts",
                    headers={"Authorization": f"Bearer {TOKEN}"},
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox never started"
                time.sleep(0.05)
        assert response.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
