"""Outbound webhooks (checked against our own reading of HubSpot's v3 signature) and owners."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import client_for, create_contact

SECRET = "shh-client-secret"


class Receiver:
    """A loopback HTTP endpoint that records deliveries and answers the statuses it is told."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[str, dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.deliveries.append((self.path, headers, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks?app=1"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [event for _, _, body in self.deliveries for event in json.loads(body)]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def hooked(
    make_sandbox: Callable[..., HubSpotSandbox], receiver: Receiver
) -> Iterator[tuple[HubSpotSandbox, httpx.Client]]:
    sandbox = make_sandbox(
        webhook_url=receiver.url, webhook_client_secret=SECRET, webhook_flush_ms=0,
        webhook_batch_size=3,
    )  # fmt: skip
    with client_for(sandbox) as client:
        yield sandbox, client


def signature_v3_is_valid(headers: dict[str, str], url: str, body: bytes, now_ms: int) -> bool:
    """HubSpot's documented v3 check: base64(HMAC-SHA256(secret, method + uri + body +
    timestamp)), refused when the timestamp is more than five minutes old."""
    timestamp = headers["x-hubspot-request-timestamp"]
    if now_ms - int(timestamp) > 300_000:
        return False
    message = ("POST" + url + body.decode("utf-8") + timestamp).encode("utf-8")
    expected = base64.b64encode(hmac.new(SECRET.encode(), message, hashlib.sha256).digest())
    return hmac.compare_digest(expected.decode(), headers["x-hubspot-signature-v3"])


def test_change_events_are_batched_and_signed(
    hooked: tuple[HubSpotSandbox, httpx.Client], receiver: Receiver
) -> None:
    sandbox, client = hooked
    contact = create_contact(client, email="a@x.com")["id"]
    client.patch(f"/crm/v3/objects/contacts/{contact}", json={"properties": {"city": "Oslo"}})
    company = client.post("/crm/v3/objects/companies", json={"properties": {"name": "A"}})
    company_id = company.json()["id"]
    client.put(f"/crm/v4/objects/contacts/{contact}/associations/default/companies/{company_id}")
    client.delete(f"/crm/v3/objects/companies/{company_id}")
    assert receiver.deliveries == []  # nothing leaves until a flush
    assert client.post("/_sandbox/webhooks/flush").json() == {"delivered": 6}
    assert [len(json.loads(body)) for _, _, body in receiver.deliveries] == [3, 3]
    for path, headers, body in receiver.deliveries:
        assert path == "/hooks?app=1"
        assert signature_v3_is_valid(headers, receiver.url, body, sandbox.now_ms())
        tampered = body.replace(b'"eventId":', b'"eventId":9')
        assert not signature_v3_is_valid(headers, receiver.url, tampered, sandbox.now_ms())
    kinds = [(e["subscriptionType"], e.get("propertyName")) for e in receiver.events()]
    assert kinds == [
        ("contact.creation", None), ("contact.propertyChange", "city"),
        ("company.creation", None), ("contact.associationChange", None),
        ("company.associationChange", None), ("company.deletion", None),
    ]  # fmt: skip
    link = receiver.events()[4]
    assert (link["fromObjectId"], link["toObjectId"]) == (int(company_id), int(contact))
    assert (link["associationTypeId"], link["associationRemoved"]) == (280, False)
    first = receiver.events()[0]
    assert first["changeFlag"] == "CREATED"
    assert first["objectId"] == int(contact)
    assert first["portalId"] == 12345678
    assert [e["eventId"] for e in receiver.events()] == list(range(1, 7))


def test_merge_sends_merge_and_deletions_only(
    hooked: tuple[HubSpotSandbox, httpx.Client], receiver: Receiver
) -> None:
    sandbox, client = hooked
    first = create_contact(client, email="a@x.com")["id"]
    second = create_contact(client, email="b@x.com")["id"]
    sandbox.flush_webhooks()
    receiver.deliveries.clear()
    body = {"primaryObjectId": first, "objectIdToMerge": second}
    survivor = client.post("/crm/v3/objects/contacts/merge", json=body).json()["id"]
    client.post("/crm/v3/objects/contacts/gdpr-delete", json={"objectId": survivor})
    sandbox.flush_webhooks()
    events = receiver.events()
    assert [e["subscriptionType"] for e in events] == [
        "contact.merge", "contact.deletion", "contact.deletion", "contact.privacyDeletion",
    ]  # fmt: skip
    merge = events[0]
    assert merge["primaryObjectId"] == int(first)
    assert merge["mergedObjectIds"] == [int(second)]
    assert merge["newObjectId"] == int(survivor)


def test_failed_delivery_is_retried_with_the_attempt_number(
    hooked: tuple[HubSpotSandbox, httpx.Client], receiver: Receiver
) -> None:
    sandbox, client = hooked
    client.post("/crm/v3/objects/notes", json={"properties": {"hs_timestamp": "1723680000000"}})
    receiver.statuses = [500]
    assert sandbox.flush_webhooks() == 0
    assert sandbox.flush_webhooks() == 1
    attempts = [json.loads(body)[0]["attemptNumber"] for _, _, body in receiver.deliveries]
    assert attempts == [0, 1]
    event = json.loads(receiver.deliveries[1][2])[0]
    assert (event["subscriptionType"], event["objectTypeId"]) == ("object.creation", "0-46")


def test_owners_seeded_listed_and_found(sandbox: HubSpotSandbox, client: httpx.Client) -> None:
    ann = client.post("/_sandbox/owners", json={"email": "ann@x.com", "firstName": "Ann"})
    assert ann.status_code == 201
    sandbox.add_owner({"email": "bob@x.com", "userId": 7})
    sandbox.add_owner({"email": "old@x.com", "archived": True})
    listed = client.get("/crm/v3/owners?limit=1").json()
    assert [o["email"] for o in listed["results"]] == ["ann@x.com"]
    page2 = client.get(f"/crm/v3/owners?limit=1&after={listed['paging']['next']['after']}")
    assert [o["email"] for o in page2.json()["results"]] == ["bob@x.com"]
    assert "paging" not in page2.json()
    archived = client.get("/crm/v3/owners?archived=true").json()["results"]
    assert archived[0]["userId"] is None
    assert archived[0]["userIdIncludingInactive"] == 90003
    by_email = client.get("/crm/v3/owners?email=BOB@x.com").json()["results"]
    assert by_email[0]["id"] == "10002"
    assert client.get("/crm/v3/owners/7?idProperty=userId").json()["email"] == "bob@x.com"
    assert client.get("/crm/v3/owners/10001").json()["firstName"] == "Ann"
    assert client.get("/crm/v3/owners/99").status_code == 404
    refused = client.post("/_sandbox/owners", json={"firstName": "No email"})
    assert refused.status_code == 400


def test_owner_fields_must_name_a_seeded_owner(
    sandbox: HubSpotSandbox, client: httpx.Client
) -> None:
    sandbox.add_owner({"email": "ann@x.com", "userId": 555})
    ok = client.post(
        "/crm/v3/objects/contacts",
        json={"properties": {"email": "a@x.com", "hubspot_owner_id": "10001"}},
    )
    assert ok.status_code == 201
    by_user_id = client.post(
        "/crm/v3/objects/contacts",
        json={"properties": {"email": "b@x.com", "hubspot_owner_id": "555"}},
    )
    assert by_user_id.status_code == 400
    assert by_user_id.json()["errors"][0]["code"] == "INVALID_OWNER_ID"


def test_only_subscribed_events_are_sent(
    make_sandbox: Callable[..., HubSpotSandbox], receiver: Receiver
) -> None:
    subscriptions = ("contact.propertyChange.city", "company.creation")
    sandbox = make_sandbox(
        webhook_url=receiver.url, webhook_flush_ms=0, webhook_subscriptions=subscriptions
    )
    with client_for(sandbox) as client:
        contact = create_contact(client, email="a@x.com")["id"]
        client.patch(
            f"/crm/v3/objects/contacts/{contact}",
            json={"properties": {"city": "Oslo", "firstname": "Ann"}},
        )
        client.post("/crm/v3/objects/companies", json={"properties": {"name": "A"}})
    sandbox.flush_webhooks()
    sent = [
        (e["subscriptionId"], e["subscriptionType"], e.get("propertyName"))
        for e in receiver.events()
    ]
    assert sent == [(1, "contact.propertyChange", "city"), (2, "company.creation", None)]
