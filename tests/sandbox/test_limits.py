"""Authentication, the rolling 10-second burst, the daily quota and search's per-second limit."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig
from tests.sandbox.conftest import FakeClock, client_for

CONTACTS = "/crm/v3/objects/contacts"
SEARCH = "/crm/v3/objects/contacts/search"


def test_missing_or_wrong_token_is_401(sandbox: HubSpotSandbox) -> None:
    for token in ("wrong", ""):
        with client_for(sandbox, token=token) as http:
            response = http.get(CONTACTS)
        assert response.status_code == 401
        body = response.json()
        assert list(body) == ["status", "message", "correlationId", "category"]
        assert body["category"] == "INVALID_AUTHENTICATION"
        assert body["message"].startswith("Authentication credentials not found.")
        assert response.headers["x-hubspot-correlation-id"] == body["correlationId"]
        assert "x-hubspot-ratelimit-max" not in response.headers
    with client_for(sandbox, token="wrong") as http:
        assert http.get("/_sandbox/stats").status_code == 401


def test_burst_window_headers_and_429(
    make_sandbox: Callable[..., HubSpotSandbox], clock: FakeClock
) -> None:
    with client_for(make_sandbox(burst_limit=3, daily_limit=100)) as http:
        remaining = []
        for _ in range(3):
            response = http.get(CONTACTS)
            assert response.status_code == 200
            assert response.headers["x-hubspot-ratelimit-max"] == "3"
            assert response.headers["x-hubspot-ratelimit-interval-milliseconds"] == "10000"
            remaining.append(response.headers["x-hubspot-ratelimit-remaining"])
        assert remaining == ["2", "1", "0"]
        assert response.headers["x-hubspot-ratelimit-daily"] == "100"
        assert response.headers["x-hubspot-ratelimit-daily-remaining"] == "97"
        refused = http.get(CONTACTS)
        assert refused.status_code == 429
        body = refused.json()
        assert list(body) == ["status", "message", "errorType", "correlationId", "policyName",
                              "groupName"]  # fmt: skip
        assert body["message"] == "You have reached your ten_secondly_rolling limit."
        assert body["errorType"] == "RATE_LIMIT"
        assert body["policyName"] == "TEN_SECONDLY_ROLLING"
        assert refused.headers["x-hubspot-ratelimit-remaining"] == "0"
        # Refused requests do not count: the daily figure did not move.
        assert refused.headers["x-hubspot-ratelimit-daily-remaining"] == "97"
        clock.advance(9.999)
        assert http.get(CONTACTS).status_code == 429
        clock.advance(0.001)
        assert http.get(CONTACTS).status_code == 200


def test_window_is_rolling(make_sandbox: Callable[..., HubSpotSandbox], clock: FakeClock) -> None:
    with client_for(make_sandbox(burst_limit=2)) as http:
        assert http.get(CONTACTS).status_code == 200
        clock.advance(5)
        assert http.get(CONTACTS).status_code == 200
        clock.advance(4)
        assert http.get(CONTACTS).status_code == 429
        clock.advance(1)  # the first request has left the window; the second has not
        assert http.get(CONTACTS).headers["x-hubspot-ratelimit-remaining"] == "0"
        assert http.get(CONTACTS).status_code == 429


def test_daily_limit_resets_at_midnight_utc(
    make_sandbox: Callable[..., HubSpotSandbox], clock: FakeClock
) -> None:
    with client_for(make_sandbox(daily_limit=2)) as http:
        assert http.get(CONTACTS).status_code == 200
        assert http.post(SEARCH, json={}).status_code == 200  # search counts towards the day
        refused = http.get(CONTACTS)
        assert refused.status_code == 429
        assert refused.json()["policyName"] == "DAILY"
        assert refused.json()["message"] == "You have reached your daily limit."
        clock.advance(24 * 3600)
        assert http.get(CONTACTS).status_code == 200


def test_search_has_its_own_per_second_limit(
    make_sandbox: Callable[..., HubSpotSandbox], clock: FakeClock
) -> None:
    with client_for(make_sandbox(burst_limit=2, search_per_second=5)) as http:
        for _ in range(5):
            response = http.post(SEARCH, json={})
            assert response.status_code == 200
            assert not any(h.startswith("x-hubspot-ratelimit") for h in response.headers)
        refused = http.post(SEARCH, json={})
        assert refused.status_code == 429
        assert refused.json()["policyName"] == "SECONDLY"
        assert refused.json()["message"] == "You have reached your secondly limit."
        assert not any(h.startswith("x-hubspot-ratelimit") for h in refused.headers)
        # Search is exempt from the ten-second burst: the burst budget is untouched.
        assert http.get(CONTACTS).headers["x-hubspot-ratelimit-remaining"] == "1"
        clock.advance(1)
        assert http.post(SEARCH, json={}).status_code == 200


def test_admin_is_neither_counted_nor_limited(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    app = make_sandbox(burst_limit=1)
    with client_for(app) as http:
        assert http.get(CONTACTS).status_code == 200
        for _ in range(3):
            assert http.get("/_sandbox/stats").status_code == 200
        assert http.get(CONTACTS).status_code == 429
        stats = http.get("/_sandbox/stats").json()
    assert stats == {"requests": 2, "list": 1, "rate_limited": 1}
    assert app.stats() == stats


def test_stats_count_kinds_and_writes(client: httpx.Client, sandbox: HubSpotSandbox) -> None:
    client.post(CONTACTS, json={"properties": {"email": "a@x.com"}})
    client.patch(f"{CONTACTS}/1", json={"properties": {"city": "Oslo"}})
    client.get(f"{CONTACTS}/1")
    upsert = {"inputs": [{"id": "b@x.com", "idProperty": "email", "properties": {}}]}
    client.post(f"{CONTACTS}/batch/upsert", json=upsert)
    client.post(SEARCH, json={})
    client.delete(f"{CONTACTS}/1")
    stats = sandbox.stats()
    assert stats["requests"] == 6
    assert stats["writes"] == 4
    assert stats["batch/upsert"] == 1
    assert stats["search"] == 1
    assert stats["read"] == 1
    sandbox.reset_stats()
    assert sandbox.stats() == {}
    assert client.post("/_sandbox/stats/reset").status_code == 204


def test_tier_presets() -> None:
    starter = SandboxConfig.for_tier("starter", search_lag_ms=5)
    assert (starter.burst_limit, starter.daily_limit, starter.search_lag_ms) == (100, 250_000, 5)
    assert SandboxConfig.for_tier("public-oauth-app").daily_limit == 0
    with pytest.raises(ValueError, match="Unknown HubSpot tier 'gold'"):
        SandboxConfig.for_tier("gold")


def test_daily_quota_resets_at_the_accounts_midnight(
    make_sandbox: Callable[..., HubSpotSandbox], clock: FakeClock
) -> None:
    # START is 17:09 UTC; at UTC-5 the account's midnight is 05:00 UTC the next day.
    sandbox = make_sandbox(daily_limit=1, utc_offset_minutes=-300)
    with client_for(sandbox) as client:
        assert client.get("/crm/v3/objects/contacts").status_code == 200
        clock.advance(7 * 3600)  # 00:09 UTC: still the same day in the account
        assert client.get("/crm/v3/objects/contacts").status_code == 429
        clock.advance(5 * 3600)  # 05:09 UTC
        assert client.get("/crm/v3/objects/contacts").status_code == 200


def test_retry_after_on_burst_429_is_optional(
    make_sandbox: Callable[..., HubSpotSandbox], clock: FakeClock
) -> None:
    for enabled in (False, True):
        sandbox = make_sandbox(burst_limit=2, retry_after_on_429=enabled)
        with client_for(sandbox) as client:
            client.get("/crm/v3/objects/contacts")
            clock.advance(3.5)
            client.get("/crm/v3/objects/contacts")
            refused = client.get("/crm/v3/objects/contacts")
        assert refused.status_code == 429
        assert refused.headers.get("retry-after") == ("7" if enabled else None)
        clock.advance(20)


def test_association_batches_skip_the_burst_window(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    sandbox = make_sandbox(burst_limit=1, daily_limit=3)
    read = "/crm/v4/associations/contacts/companies/batch/read"
    with client_for(sandbox) as client:
        assert client.get("/crm/v3/objects/contacts").status_code == 200
        assert client.get("/crm/v3/objects/contacts").status_code == 429
        batch = client.post(read, json={"inputs": []})
        assert batch.status_code == 200
        assert "x-hubspot-ratelimit-remaining" not in batch.headers
        assert client.post(read, json={"inputs": []}).status_code == 200
        daily = client.post(read, json={"inputs": []})  # the daily quota still counts them
        assert (daily.status_code, daily.json()["policyName"]) == (429, "DAILY")


def test_each_app_has_its_own_burst_window_and_shares_the_daily_quota(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    sandbox = make_sandbox(burst_limit=2, daily_limit=5, extra_tokens=("second-app",))
    with client_for(sandbox) as first, client_for(sandbox, token="second-app") as second:
        assert [first.get("/crm/v3/objects/contacts").status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        answers = [second.get("/crm/v3/objects/contacts") for _ in range(2)]
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[-1].headers["x-hubspot-ratelimit-daily-remaining"] == "1"
        assert first.get("/crm/v3/objects/deals").status_code == 429  # first app's window
        assert second.get("/crm/v3/objects/contacts").json()["policyName"] == "TEN_SECONDLY_ROLLING"


def test_limits_set_while_running_start_with_empty_windows(
    make_sandbox: Callable[..., HubSpotSandbox], clock: FakeClock
) -> None:
    """A benchmark seeds an unlimited sandbox, then limits it: the seeding must not count."""
    with client_for(make_sandbox(burst_limit=0, daily_limit=0)) as http:
        for _ in range(5):
            assert http.get(CONTACTS).status_code == 200
        limits = {"burst_limit": 2, "daily_limit": 0, "search_per_second": 1, "latency_ms": 0}
        answer = http.post("/_sandbox/limits", json=limits)
        assert answer.status_code == 200
        assert answer.json() == limits
        assert [http.get(CONTACTS).status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize(
    "body", [{"burst_limit": -1}, {"latency_ms": "5"}, {"burst_limit": True}, {"token": 1}]
)
def test_limits_refuse_what_they_cannot_take(sandbox: HubSpotSandbox, body: object) -> None:
    with client_for(sandbox) as http:
        answer = http.post("/_sandbox/limits", json=body)
    assert answer.status_code == 400
    assert "limits" in answer.json()["message"]
