"""OAuth 2 access tokens from a refresh token, refreshed before they expire.

HubSpot's access tokens live `expires_in` seconds (30 minutes) and a 401 is "not a valid
indicator that a new access token must be retrieved" (HubSpot's OAuth documentation), so the
token is refreshed ahead of its expiry. Batches in flight share one token: a lock makes the
first thread that finds it stale refresh it and the others use the fresh one. A 401 whose body
says the token expired (clock skew) gets one refresh and one resend. Neither token, nor the
client secret, ever reaches a log line, a repr or an exception message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from typing import Any

import httpx
from pydantic import SecretStr

from syncer.errors import AuthError, RetryableError

EXPIRED = "EXPIRED_AUTHENTICATION"


class OAuthRefresh(httpx.Auth):
    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        refresh_token: SecretStr,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_seconds: float = 30.0,
        refresh_margin_seconds: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._margin = refresh_margin_seconds
        self._clock = clock
        self._http = httpx.Client(transport=transport, timeout=timeout_seconds)
        self._lock = threading.Lock()
        self._access: SecretStr | None = None
        self._refresh_at = 0.0
        self.refreshes = 0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        used = self._current()
        request.headers["Authorization"] = f"Bearer {used}"
        response = yield request
        if response.status_code == 401 and _says_expired(response):
            request.headers["Authorization"] = f"Bearer {self._replace(used)}"
            yield request

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"OAuthRefresh(client_id={self._client_id!r}, tokens=**********)"

    def _current(self) -> str:
        with self._lock:
            if self._access is None or self._clock() >= self._refresh_at:
                self._refresh_locked()
            assert self._access is not None
            return self._access.get_secret_value()

    def _replace(self, rejected: str) -> str:
        """A token other than `rejected`: refreshed now unless another thread just did."""
        with self._lock:
            if self._access is None or self._access.get_secret_value() == rejected:
                self._refresh_locked()
            assert self._access is not None
            return self._access.get_secret_value()

    def _refresh_locked(self) -> None:
        form = {
            "grant_type": "refresh_token",
            "client_id": self._client_id,
            "client_secret": self._client_secret.get_secret_value(),
            "refresh_token": self._refresh_token.get_secret_value(),
        }
        asked_at = self._clock()
        try:
            response = self._http.post(self._token_url, data=form)
        except httpx.TransportError as exc:
            raise RetryableError(f"OAuth token refresh failed: {type(exc).__name__}") from None
        body = _json(response)
        if response.status_code >= 500 or response.status_code == 429:
            raise RetryableError(f"OAuth token refresh: HTTP {response.status_code}")
        if response.status_code != 200 or not body.get("access_token"):
            reason = body.get("status") or body.get("error") or "no access_token in the answer"
            raise AuthError(f"OAuth token refresh refused: HTTP {response.status_code} {reason}")
        self._access = SecretStr(str(body["access_token"]))
        lifetime = float(body.get("expires_in") or 0)
        # Short-lived tokens are refreshed half-way, not on every request.
        self._refresh_at = asked_at + lifetime - min(self._margin, lifetime / 2)
        if body.get("refresh_token"):
            self._refresh_token = SecretStr(str(body["refresh_token"]))
        self.refreshes += 1


def _says_expired(response: httpx.Response) -> bool:
    return _json(response).get("category") == EXPIRED


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
