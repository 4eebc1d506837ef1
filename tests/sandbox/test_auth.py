"""Token expiry (401 EXPIRED_AUTHENTICATION) and missing scopes (403 MISSING_SCOPES)."""

from __future__ import annotations

from collections.abc import Callable

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import START, FakeClock, client_for


def test_expired_token_says_how_long_ago(
    make_sandbox: Callable[..., HubSpotSandbox], clock: FakeClock
) -> None:
    expires = int(START * 1000) + 60_000
    sandbox = make_sandbox(token_expires_at_ms=expires)
    with client_for(sandbox) as client:
        assert client.get("/crm/v3/objects/contacts").status_code == 200
        clock.advance(135)
        refused = client.get("/crm/v3/objects/contacts")
    assert refused.status_code == 401
    body = refused.json()
    assert body["category"] == "EXPIRED_AUTHENTICATION"
    assert body["message"] == "The OAuth token used to make this call expired 75 second(s) ago."
    assert body["context"] == {"expire time": ["2024-08-15T17:10:13.648Z"]}
    assert sandbox.stats()["unauthorized"] == 1


def test_missing_scope_is_403_naming_it(make_sandbox: Callable[..., HubSpotSandbox]) -> None:
    scopes = ("crm.objects.contacts.read", "crm.schemas.custom.write", "crm.objects.custom.read")
    sandbox = make_sandbox(scopes=scopes)
    with client_for(sandbox) as client:
        assert client.get("/crm/v3/objects/contacts").status_code == 200
        assert client.post("/crm/v3/objects/contacts/search", json={}).status_code == 200
        refused = client.post("/crm/v3/objects/contacts", json={"properties": {}})
        assert refused.status_code == 403
        body = refused.json()
        assert body["category"] == "MISSING_SCOPES"
        assert body["errors"][0]["context"] == {
            "requiredGranularScopes": ["crm.objects.contacts.write"]
        }
        assert client.get("/crm/v3/objects/0-2").status_code == 403
        assert client.get("/crm/v3/owners").status_code == 403
        schema = {"name": "car", "labels": {"singular": "Car", "plural": "Cars"}}
        assert client.post("/crm/v3/schemas", json=schema).status_code == 201
        assert client.get("/crm/v3/objects/cars").status_code == 200
        assert client.post("/crm/v3/objects/cars", json={"properties": {}}).status_code == 403
        assert client.get("/crm/v3/properties/contacts").status_code == 403
    assert sandbox.stats()["forbidden"] == 5
