"""OAuth v1 for sandboxes configured with an app (`SandboxConfig.oauth_client_id`):

    POST   /oauth/v1/token                    grant_type=refresh_token (form-encoded)
    GET    /oauth/v1/access-tokens/{token}    token info
    DELETE /oauth/v1/refresh-tokens/{token}   revoke the refresh token (access tokens live on)

Access tokens live `oauth_token_ttl_s` on the sandbox clock; using one after that is 401
EXPIRED_AUTHENTICATION. The private-app token (`SandboxConfig.token`) keeps working alongside.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from syncer.sandbox.hubspot.config import SandboxConfig
from syncer.sandbox.hubspot.errors import ApiError, route_not_found
from syncer.sandbox.hubspot.scopes import expired_token
from syncer.sandbox.hubspot.timefmt import iso_ms
from syncer.sandbox.hubspot.wire import Request, Response

PREFIX = "/oauth/"
_BAD_REFRESH = "refresh token is invalid, expired or revoked"


@dataclass
class OAuthTokens:
    config: SandboxConfig
    seed: int
    issued: dict[str, int] = field(default_factory=dict)  # access token -> expires at (ms)
    revoked: bool = False

    def __post_init__(self) -> None:
        self._random = random.Random(f"oauth-{self.seed}")

    def check(self, authorization: str, now_ms: int) -> ApiError | None:
        """None when the bearer token is an unexpired access token issued here."""
        token = authorization.removeprefix("Bearer ")
        expires_at = self.issued.get(token)
        if expires_at is None:
            return None
        if now_ms >= expires_at:
            return expired_token(now_ms, expires_at, iso_ms(expires_at))
        return None

    def knows(self, authorization: str) -> bool:
        return authorization.removeprefix("Bearer ") in self.issued

    def handle(self, request: Request, now_ms: int) -> Response:
        parts = request.path[len(PREFIX) :].strip("/").split("/")
        if request.method == "POST" and parts == ["v1", "token"]:
            return self._grant(_form(request), now_ms)
        if request.method == "GET" and parts[:2] == ["v1", "access-tokens"] and len(parts) == 3:
            return self._info(parts[2], now_ms)
        if request.method == "DELETE" and parts[:2] == ["v1", "refresh-tokens"]:
            if len(parts) == 3 and parts[2] == self.config.oauth_refresh_token:
                self.revoked = True
                return Response(204)
            return _oauth_error(404, "invalid_grant", "BAD_REFRESH_TOKEN", _BAD_REFRESH)
        raise route_not_found(request.method, request.path)

    def _grant(self, form: dict[str, str], now_ms: int) -> Response:
        config = self.config
        if form.get("client_id") != config.oauth_client_id:
            return _oauth_error(
                400, "invalid_client", "BAD_CLIENT_ID", "missing or unknown client id"
            )
        if form.get("client_secret") != config.oauth_client_secret:
            return _oauth_error(
                400, "invalid_client", "BAD_CLIENT_SECRET", "missing or invalid client secret"
            )
        grant = form.get("grant_type")
        if grant != "refresh_token":
            message = f"grant_type {grant!r} is not supported here; use refresh_token"
            return _oauth_error(400, "unsupported_grant_type", "BAD_GRANT_TYPE", message)
        if self.revoked or form.get("refresh_token") != config.oauth_refresh_token:
            return _oauth_error(400, "invalid_grant", "BAD_REFRESH_TOKEN", _BAD_REFRESH)
        token = f"sandbox-oauth-{uuid.UUID(int=self._random.getrandbits(128), version=4)}"
        self.issued[token] = now_ms + config.oauth_token_ttl_s * 1000
        return Response(200, {
            "token_type": "bearer", "refresh_token": config.oauth_refresh_token,
            "access_token": token, "expires_in": config.oauth_token_ttl_s,
        })  # fmt: skip

    def _info(self, token: str, now_ms: int) -> Response:
        expires_at = self.issued.get(token)
        if expires_at is None or now_ms >= expires_at:
            message = "The access token is unknown or has expired"
            return _oauth_error(404, "invalid_token", "EXPIRED_AUTHENTICATION", message)
        return Response(200, {
            "token": token, "user": "sandbox@example.com", "hub_id": self.config.portal_id,
            "hub_domain": "sandbox.hubspot.local",
            "scopes": list(self.config.scopes or ("oauth", "crm.objects.contacts.read")),
            "token_type": "access", "user_id": 1, "app_id": self.config.webhook_app_id,
            "expires_in": (expires_at - now_ms) // 1000,
        })  # fmt: skip


def _form(request: Request) -> dict[str, str]:
    parsed = parse_qs(request.raw_body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items()}


def _oauth_error(status: int, error: str, code: str, message: str) -> Response:
    body: dict[str, Any] = {
        "error": error, "error_description": message, "status": code, "message": message,
    }  # fmt: skip
    return Response(status, body)
