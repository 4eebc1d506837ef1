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


OAUTH = {"oauth_client_id": "app-1", "oauth_client_secret": "s3cret", "oauth_refresh_token": "rt-1"}
GRANT = {"grant_type": "refresh_token", "client_id": "app-1", "client_secret": "s3cret",
         "refresh_token": "rt-1"}  # fmt: skip


def test_oauth_refresh_grant_and_expiry(
    make_sandbox: Callable[..., HubSpotSandbox], clock: FakeClock
) -> None:
    sandbox = make_sandbox(**OAUTH)
    with client_for(sandbox, token="unused") as client:
        granted = client.post("/oauth/v1/token", data=GRANT)
        assert granted.status_code == 200
        body = granted.json()
        assert (body["token_type"], body["expires_in"], body["refresh_token"]) == (
            "bearer",
            1800,
            "rt-1",
        )
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        listed = client.get("/crm/v3/objects/contacts", headers=bearer)
        assert listed.status_code == 200
        assert "x-hubspot-ratelimit-daily" not in listed.headers
        private = client.get(
            "/crm/v3/objects/contacts", headers={"Authorization": "Bearer sandbox-token"}
        )
        assert "x-hubspot-ratelimit-daily" in private.headers
        info = client.get(f"/oauth/v1/access-tokens/{body['access_token']}").json()
        assert (info["hub_id"], info["expires_in"]) == (12345678, 1800)
        clock.advance(1800 + 75)
        expired = client.get("/crm/v3/objects/contacts", headers=bearer)
        assert expired.status_code == 401
        assert (
            expired.json()["message"]
            == "The OAuth token used to make this call expired 75 second(s) ago."
        )
        fresh = client.post("/oauth/v1/token", data=GRANT).json()["access_token"]
        assert fresh != body["access_token"]
        fresh_bearer = {"Authorization": f"Bearer {fresh}"}
        assert client.get("/crm/v3/objects/contacts", headers=fresh_bearer).status_code == 200


def test_oauth_refusals(make_sandbox: Callable[..., HubSpotSandbox]) -> None:
    sandbox = make_sandbox(**OAUTH)
    with client_for(sandbox, token="unused") as client:
        bad = client.post("/oauth/v1/token", data={**GRANT, "refresh_token": "nope"})
        assert bad.status_code == 400
        assert bad.json() == {
            "error": "invalid_grant",
            "error_description": "refresh token is invalid, expired or revoked",
            "status": "BAD_REFRESH_TOKEN",
            "message": "refresh token is invalid, expired or revoked",
        }
        secret = client.post("/oauth/v1/token", data={**GRANT, "client_secret": "x"})
        assert secret.json()["status"] == "BAD_CLIENT_SECRET"
        assert client.delete("/oauth/v1/refresh-tokens/rt-1").status_code == 204
        revoked = client.post("/oauth/v1/token", data=GRANT)
        assert revoked.json()["status"] == "BAD_REFRESH_TOKEN"
        made_up = client.get("/crm/v3/objects/contacts", headers={"Authorization": "Bearer x"})
        assert made_up.json()["category"] == "INVALID_AUTHENTICATION"
