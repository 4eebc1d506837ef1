"""OAuthRefresh against a loopback token endpoint: form-encoded refresh grant, refresh ahead of
expiry, one refresh shared by concurrent requests, one resend after an expired-token 401."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from syncer.errors import AuthError
from syncer.http.inflight import InFlight
from syncer.http.oauth import OAuthRefresh
from tests.connectors.hubspot_harness import TokenEndpoint


class Clock:
    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    server = TokenEndpoint(access_token="at", numbered=True)
    yield server
    server.stop()


def oauth(
    endpoint: TokenEndpoint, clock: Clock, refresh_token: str = "rt-secret-1"
) -> OAuthRefresh:
    return OAuthRefresh(
        endpoint.url,
        "client-1",
        SecretStr("cs-secret"),
        SecretStr(refresh_token),
        clock=clock,
        refresh_margin_seconds=60,
        allow_private_network=True,
    )


def test_the_first_request_refreshes_with_a_form_encoded_grant(endpoint: TokenEndpoint) -> None:
    auth = oauth(endpoint, Clock())
    with httpx.Client(auth=auth, base_url=endpoint.base_url) as client:
        assert client.get("/whoami").status_code == 200
        assert client.get("/whoami").status_code == 200
    assert endpoint.grants == [
        {
            "grant_type": "refresh_token",
            "client_id": "client-1",
            "client_secret": "cs-secret",
            "refresh_token": "rt-secret-1",
        }
    ]
    assert endpoint.content_types == ["application/x-www-form-urlencoded"]
    auth.close()


def test_the_token_is_refreshed_before_it_expires_once_for_all_threads(
    endpoint: TokenEndpoint,
) -> None:
    clock = Clock()
    auth = oauth(endpoint, clock)
    pool = InFlight(8)
    with httpx.Client(auth=auth, base_url=endpoint.base_url) as client:
        client.get("/whoami")
        clock.seconds += 1800 - 61  # not yet within the margin
        assert client.get("/whoami").status_code == 200 and auth.refreshes == 1
        clock.seconds += 2  # 59 s left: refresh ahead of expiry
        statuses = pool.map(lambda _: client.get("/whoami").status_code, list(range(32)))
    pool.close()
    assert statuses == [200] * 32
    assert auth.refreshes == 2 and len(endpoint.grants) == 2
    auth.close()


def test_an_expired_token_401_gets_one_refresh_and_one_resend(endpoint: TokenEndpoint) -> None:
    auth = oauth(endpoint, Clock())
    with httpx.Client(auth=auth, base_url=endpoint.base_url) as client:
        client.get("/whoami")
        endpoint.issued.append("revoked-elsewhere")  # the server no longer takes our token
        assert client.get("/whoami").status_code == 200
    assert auth.refreshes == 2
    auth.close()


def test_a_refused_refresh_token_is_an_auth_error_naming_no_secret(endpoint: TokenEndpoint) -> None:
    auth = oauth(endpoint, Clock(), refresh_token="rt-revoked")
    with (
        httpx.Client(auth=auth, base_url=endpoint.base_url) as client,
        pytest.raises(AuthError, match="BAD_REFRESH_TOKEN") as refused,
    ):
        client.get("/whoami")
    assert "rt-revoked" not in str(refused.value) and "cs-secret" not in str(refused.value)
    assert "rt-revoked" not in repr(auth) and "cs-secret" not in repr(auth)
    auth.close()


def test_concurrent_first_requests_share_one_refresh(endpoint: TokenEndpoint) -> None:
    auth = oauth(endpoint, Clock())
    barrier = threading.Barrier(6)

    def first_call(_: int) -> int:
        barrier.wait()
        with httpx.Client(auth=auth, base_url=endpoint.base_url) as client:
            return client.get("/whoami").status_code

    pool = InFlight(6)
    assert pool.map(first_call, list(range(6))) == [200] * 6
    pool.close()
    assert len(endpoint.grants) == 1
    auth.close()


def test_a_token_shorter_lived_than_the_margin_is_refreshed_half_way() -> None:
    server = TokenEndpoint(access_token="at", numbered=True, expires_in=60)
    clock = Clock()
    auth = oauth(server, clock)  # margin 60 s: as long as the token lives
    with httpx.Client(auth=auth, base_url=server.base_url) as client:
        client.get("/whoami")
        clock.seconds += 29
        client.get("/whoami")
        assert auth.refreshes == 1
        clock.seconds += 1
        client.get("/whoami")
    assert auth.refreshes == 2
    auth.close()
    server.stop()
