"""The request trace: each API request's start and end by the sandbox's clock, its kind and its
status, so a benchmark can draw a run's timeline (bench/trace.py)."""

from __future__ import annotations

from collections.abc import Callable

from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig
from tests.sandbox.conftest import client_for

CONTACTS = "/crm/v3/objects/contacts"


def test_the_trace_times_each_request_across_its_latency(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    app = make_sandbox(latency_ms=40, burst_limit=2)
    with client_for(app) as http:
        http.get(CONTACTS)
        http.post(f"{CONTACTS}/batch/upsert", json={"inputs": []})
        assert http.get(CONTACTS).status_code == 429
        http.get("/_sandbox/stats")  # admin: not traced
        traced = http.get("/_sandbox/trace").json()["results"]
    assert [(e["method"], e["kind"], e["status"]) for e in traced] == [
        ("GET", "list", 200),
        ("POST", "batch/upsert", 200),
        ("GET", "list", 429),
    ]
    assert traced[0]["path"] == CONTACTS


def test_the_trace_spans_the_latency_on_a_real_clock() -> None:
    app = HubSpotSandbox(SandboxConfig(burst_limit=0, search_per_second=0, latency_ms=60))
    with client_for(app) as http:
        http.get(CONTACTS)
    (entry,) = app.trace()
    assert entry.end_ms - entry.start_ms >= 60


def test_resetting_the_stats_clears_the_trace(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    app = make_sandbox()
    with client_for(app) as http:
        http.get(CONTACTS)
        assert len(app.trace()) == 1
        assert http.post("/_sandbox/stats/reset").status_code == 204
    assert app.trace() == []
