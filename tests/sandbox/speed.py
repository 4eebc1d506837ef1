"""Measure the sandbox's speed (not a test: the numbers depend on the machine's load).

    python -m tests.sandbox.speed            # both figures
    python -m tests.sandbox.speed upsert     # batch upsert in-process, records/s
    python -m tests.sandbox.speed loopback   # single GETs over loopback, requests/s

The loopback server runs in a child process (as `syncer sandbox hubspot` would), so the client
threads here do not share its interpreter lock.
"""

from __future__ import annotations

import http.client
import io
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig

TOKEN = "sandbox-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
_SERVE = (
    "import sys; from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig, serve_forever;"
    "serve_forever(HubSpotSandbox(SandboxConfig(burst_limit=0)), '127.0.0.1', int(sys.argv[1]))"
)


def upsert_rate(batches: int = 100) -> float:
    """Records per second through POST .../batch/upsert, calling the WSGI app directly."""
    app = HubSpotSandbox(SandboxConfig(burst_limit=0))
    bodies = [
        json.dumps({"inputs": [
            {"id": f"p{b}-{i}@x.com", "idProperty": "email",
             "properties": {"firstname": f"F{i}", "lastname": "L", "city": "Oslo"}}
            for i in range(100)
        ]}).encode()
        for b in range(batches)
    ]  # fmt: skip
    started = time.perf_counter()
    for body in bodies:
        app(_environ("POST", "/crm/v3/objects/contacts/batch/upsert", body), _ignore)
    return batches * 100 / (time.perf_counter() - started)


def loopback_rate(port: int = 18_765, clients: int = 8, per_client: int = 1_000) -> float:
    """Single-record GETs per second over HTTP keep-alive connections."""
    server = subprocess.Popen([sys.executable, "-c", _SERVE, str(port)], stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        _request(http.client.HTTPConnection("127.0.0.1", port), "POST",
                 "/crm/v3/objects/contacts", b'{"properties":{"email":"a@x.com"}}')  # fmt: skip

        def work(_: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port)
            for _ in range(per_client):
                _request(connection, "GET", "/crm/v3/objects/contacts/1")

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(work, range(clients)))
        return clients * per_client / (time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _request(
    connection: http.client.HTTPConnection, method: str, path: str, body: bytes = b""
) -> None:
    connection.request(method, path, body=body or None, headers=HEADERS)
    response = connection.getresponse()
    response.read()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path} answered {response.status}")


def _wait_for(port: int) -> None:
    for _ in range(300):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=0.1).connect()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"sandbox on port {port} did not start")


def _environ(method: str, path: str, body: bytes) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
        "HTTP_AUTHORIZATION": f"Bearer {TOKEN}",
    }  # fmt: skip


def _ignore(status: str, headers: list[tuple[str, str]]) -> None:
    return None


if __name__ == "__main__":
    wanted = sys.argv[1:] or ["upsert", "loopback"]
    if "upsert" in wanted:
        print(f"batch upsert in-process: {upsert_rate():,.0f} records/s")
    if "loopback" in wanted:
        print(f"GET over loopback (8 client threads): {loopback_rate():,.0f} requests/s")
