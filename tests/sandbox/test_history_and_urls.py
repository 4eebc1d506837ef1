"""propertiesWithHistory (and its 50 limits), the optional Secondly headers, and 414."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import FakeClock, client_for, create_contact

CONTACTS = "/crm/v3/objects/contacts"


def test_history_newest_first_on_get_list_and_batch_read(
    client: httpx.Client, clock: FakeClock
) -> None:
    contact = create_contact(client, email="a@x.com", city="Paris")["id"]
    clock.advance(1)
    client.patch(f"{CONTACTS}/{contact}", json={"properties": {"city": "Oslo"}})
    clock.advance(1)
    client.patch(f"{CONTACTS}/{contact}", json={"properties": {"city": ""}})
    got = client.get(f"{CONTACTS}/{contact}?propertiesWithHistory=city,nope").json()
    history = got["propertiesWithHistory"]
    assert list(history) == ["city"]
    assert [(h["value"], h["timestamp"]) for h in history["city"]] == [
        ("", "2024-08-15T17:09:15.648Z"),
        ("Oslo", "2024-08-15T17:09:14.648Z"),
        ("Paris", "2024-08-15T17:09:13.648Z"),
    ]
    assert history["city"][0]["sourceType"] == "API"
    listed = client.get(f"{CONTACTS}?propertiesWithHistory=email").json()["results"]
    assert listed[0]["propertiesWithHistory"]["email"][0]["value"] == "a@x.com"
    read = client.post(
        f"{CONTACTS}/batch/read",
        json={"inputs": [{"id": contact}], "propertiesWithHistory": ["city"]},
    ).json()
    assert len(read["results"][0]["propertiesWithHistory"]["city"]) == 3
    assert "propertiesWithHistory" not in client.get(f"{CONTACTS}/{contact}").json()


def test_history_limits_are_50(client: httpx.Client) -> None:
    for i in range(60):
        create_contact(client, email=f"{i}@x.com")
    page = client.get(f"{CONTACTS}?limit=100&propertiesWithHistory=email").json()
    assert len(page["results"]) == 50
    assert len(client.get(f"{CONTACTS}?limit=100").json()["results"]) == 60
    inputs = [{"id": str(i)} for i in range(1, 52)]
    refused = client.post(
        f"{CONTACTS}/batch/read", json={"inputs": inputs, "propertiesWithHistory": ["email"]}
    )
    assert refused.status_code == 400
    assert "for property histories is 50" in refused.json()["message"]


def test_secondly_headers_are_optional(make_sandbox: Callable[..., HubSpotSandbox]) -> None:
    with client_for(make_sandbox(burst_limit=100)) as client:
        assert "x-hubspot-ratelimit-secondly" not in client.get(CONTACTS).headers
    with client_for(make_sandbox(burst_limit=100, secondly_headers=True)) as client:
        client.get(CONTACTS)
        headers = client.get(CONTACTS).headers
        assert headers["x-hubspot-ratelimit-secondly"] == "10"
        assert headers["x-hubspot-ratelimit-secondly-remaining"] == "8"


def test_long_urls_get_414(make_sandbox: Callable[..., HubSpotSandbox]) -> None:
    sandbox = make_sandbox(max_url_length=200)
    with client_for(sandbox) as client:
        names = ",".join(f"property_{i}" for i in range(10))
        assert client.get(f"{CONTACTS}?properties={names}").status_code == 200
        long_names = ",".join(f"property_{i}" for i in range(30))
        refused = client.get(f"{CONTACTS}?properties={long_names}")
        assert refused.status_code == 414
        assert refused.json()["correlationId"] == refused.headers["x-hubspot-correlation-id"]
        assert sandbox.stats()["uri_too_long"] == 1
