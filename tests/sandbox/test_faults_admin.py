"""Injected faults (random and scheduled), latency, and the admin control path."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from syncer.sandbox.hubspot import HubSpotSandbox, serve_in_thread
from syncer.sandbox.hubspot.faults import ConnectionDropped
from tests.sandbox.conftest import TOKEN, client_for, create_contact

CONTACTS = "/crm/v3/objects/contacts"
_BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _statuses(app: HubSpotSandbox, count: int) -> list[int]:
    with client_for(app) as http:
        return [http.get(CONTACTS).status_code for _ in range(count)]


def test_random_faults_are_seeded(make_sandbox: Callable[..., HubSpotSandbox]) -> None:
    first = _statuses(make_sandbox(fault_rate=0.3, seed=7), 60)
    again = _statuses(make_sandbox(fault_rate=0.3, seed=7), 60)
    other = _statuses(make_sandbox(fault_rate=0.3, seed=8), 60)
    assert first == again
    assert first != other
    assert set(first) <= {200, 500, 502, 503}
    assert 5 <= sum(status != 200 for status in first) <= 35


def test_random_fault_happens_before_the_write(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    app = make_sandbox(fault_rate=0.5, seed=1)
    with client_for(app) as http:
        created = 0
        for i in range(40):
            response = http.post(CONTACTS, json={"properties": {"email": f"p{i}@x.com"}})
            if response.status_code == 201:
                created += 1
            else:
                assert response.status_code in {500, 502, 503}
                assert response.json()["status"] == "error"
                body_id = response.json()["correlationId"]
                assert response.headers["x-hubspot-correlation-id"] == body_id
    assert len(app.records()) == created
    assert app.stats()["faults"] == 40 - created


def test_scheduled_fault_before_apply(client: httpx.Client, sandbox: HubSpotSandbox) -> None:
    scheduled = client.post(
        "/_sandbox/faults", json={"status": 502, "count": 2, "path_contains": "batch/upsert"}
    )
    assert scheduled.status_code == 201
    upsert = {"inputs": [{"id": "a@x.com", "idProperty": "email", "properties": {}}]}
    assert client.get(CONTACTS).status_code == 200  # does not match the path
    assert client.post(f"{CONTACTS}/batch/upsert", json=upsert).status_code == 502
    assert client.post(f"{CONTACTS}/batch/upsert", json=upsert).status_code == 502
    assert sandbox.records() == []
    assert client.get("/_sandbox/faults").json() == {"results": []}
    assert client.post(f"{CONTACTS}/batch/upsert", json=upsert).status_code == 200


def test_scheduled_fault_after_apply(client: httpx.Client, sandbox: HubSpotSandbox) -> None:
    spec = {"status": 500, "path_contains": "/contacts", "method": "POST", "after_apply": True}
    client.post("/_sandbox/faults", json=spec)
    response = client.post(CONTACTS, json={"properties": {"email": "a@x.com"}})
    assert response.status_code == 500
    assert [r["properties"]["email"] for r in sandbox.records()] == ["a@x.com"]
    resend = client.post(CONTACTS, json={"properties": {"email": "a@x.com"}})
    assert resend.status_code == 409  # the resend of an applied create conflicts


def test_scheduled_429_423_477(client: httpx.Client) -> None:
    for status in (429, 423, 477):
        client.post("/_sandbox/faults", json={"status": status})
        response = client.get(CONTACTS)
        assert response.status_code == status
    client.post("/_sandbox/faults", json={"status": 429})
    assert client.get(CONTACTS).json()["policyName"] == "TEN_SECONDLY_ROLLING"
    client.post("/_sandbox/faults", json={"status": 477})
    assert client.get(CONTACTS).headers["retry-after"] == "1"


def test_fault_spec_is_validated(client: httpx.Client) -> None:
    assert client.post("/_sandbox/faults", json={"status": 418}).status_code == 400
    assert client.post("/_sandbox/faults", json={"status": 500, "count": 0}).status_code == 400
    client.post("/_sandbox/faults", json={"status": 500, "count": 3})
    assert client.delete("/_sandbox/faults").status_code == 204
    assert client.get(CONTACTS).status_code == 200


def test_fault_delay_and_latency(make_sandbox: Callable[..., HubSpotSandbox]) -> None:
    app = make_sandbox(latency_ms=30)
    with client_for(app) as http:
        started = time.perf_counter()
        http.get(CONTACTS)
        assert time.perf_counter() - started >= 0.03
        app.schedule_fault({"status": 504, "delay_ms": 50})
        started = time.perf_counter()
        assert http.get(CONTACTS).status_code == 504
        assert time.perf_counter() - started >= 0.08


def test_admin_records_and_reset(client: httpx.Client, sandbox: HubSpotSandbox) -> None:
    create_contact(client, email="a@x.com", city="Paris")
    create_contact(client, email="b@x.com")
    client.delete(f"{CONTACTS}/2")
    active = client.get("/_sandbox/records/contacts").json()["results"]
    assert [(r["id"], r["properties"]["city"]) for r in active] == [("1", "Paris")]
    archived = client.get("/_sandbox/records/0-1", params={"archived": "true"}).json()
    assert [r["id"] for r in archived["results"]] == ["2"]
    client.post("/crm/v3/properties/contacts", json={
        "name": "legacy_id", "label": "L", "type": "string", "fieldType": "text",
        "groupName": "contactinformation",
    })  # fmt: skip
    assert client.post("/_sandbox/reset").status_code == 204
    assert sandbox.records() == []
    assert sandbox.stats() == {}
    assert client.get("/crm/v3/properties/contacts/legacy_id").status_code == 404
    assert client.get("/_sandbox/nothing").status_code == 404
    assert client.post("/_sandbox/clock", json={"advance_ms": -5}).status_code == 400


def test_cloudflare_statuses_can_be_scheduled(
    sandbox: HubSpotSandbox, client: httpx.Client
) -> None:
    for status in (521, 522, 523, 524):
        sandbox.schedule_fault({"status": status})
        response = client.get("/crm/v3/objects/contacts")
        assert response.status_code == status
        assert response.json()["status"] == "error"


def test_drop_closes_the_connection_without_an_answer_over_http(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    """Over real HTTP a `drop` fault reaches the client as a closed connection, not a status;
    before the apply nothing is written, with after_apply the write happened all the same."""
    app = make_sandbox()
    server = serve_in_thread(app)
    try:
        with httpx.Client(base_url=server.url, headers=_BEARER, timeout=5) as http:
            scheduled = http.post("/_sandbox/faults", json={"drop": True, "method": "POST"})
            assert scheduled.status_code == 201 and scheduled.json()["drop"] is True
            assert scheduled.json()["status"] is None
            with pytest.raises(httpx.RemoteProtocolError):
                http.post(CONTACTS, json={"properties": {"email": "a@x.com"}})
            assert app.records() == []
            app.schedule_fault({"drop": True, "after_apply": True, "path_contains": "/contacts"})
            with pytest.raises(httpx.RemoteProtocolError):
                http.post(CONTACTS, json={"properties": {"email": "b@x.com"}})
            assert [r["properties"]["email"] for r in app.records()] == ["b@x.com"]
            assert http.get(CONTACTS).status_code == 200  # the next request is answered
            assert app.stats()["faults"] == 2
    finally:
        server.stop()


def test_a_delayed_drop_outlasts_a_client_timeout(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    app = make_sandbox()
    server = serve_in_thread(app)
    try:
        app.schedule_fault({"drop": True, "delay_ms": 300, "after_apply": True})
        http = httpx.Client(base_url=server.url, headers=_BEARER, timeout=0.1)
        with http, pytest.raises(httpx.ReadTimeout):
            http.post(CONTACTS, json={"properties": {"email": "a@x.com"}})
        assert len(app.records()) == 1
    finally:
        server.stop()


def test_drop_in_process_raises_connection_dropped(
    client: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    sandbox.schedule_fault({"drop": True})
    with pytest.raises(ConnectionDropped, match="GET /crm/v3/objects/contacts"):
        client.get(CONTACTS)
    assert client.get(CONTACTS).status_code == 200


def test_drop_spec_is_validated(client: httpx.Client) -> None:
    for spec in (
        {"drop": True, "status": 502},  # a dropped connection has no status
        {"drop": "yes"},
        {"status": 502, "delay_ms": -1},
        {"status": 502, "delay_ms": "5"},
    ):
        assert client.post("/_sandbox/faults", json=spec).status_code == 400, spec
    assert client.get("/_sandbox/faults").json() == {"results": []}


def test_a_fault_can_target_one_input_by_body_text(
    client: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    """`body_contains` picks the requests carrying a poison input; 400 refuses them whole."""
    sandbox.schedule_fault({"status": 400, "count": 2, "body_contains": "poison@x.com"})

    def upsert(*emails: str) -> httpx.Response:
        inputs = [{"id": e, "idProperty": "email", "properties": {}} for e in emails]
        return client.post(f"{CONTACTS}/batch/upsert", json={"inputs": inputs})

    refused = upsert("a@x.com", "poison@x.com")
    assert refused.status_code == 400 and refused.json()["category"] == "VALIDATION_ERROR"
    assert "context" not in refused.json()  # nothing says which input was the culprit
    assert upsert("a@x.com").status_code == 200  # no poison: not hit, the count stays
    assert upsert("poison@x.com").status_code == 400
    assert upsert("poison@x.com").status_code == 200  # used up
    assert sorted(r["properties"]["email"] for r in sandbox.records()) == [
        "a@x.com",
        "poison@x.com",
    ]
