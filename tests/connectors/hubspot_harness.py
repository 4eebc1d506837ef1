"""Shared set-up for the HubSpot connector tests: a sandbox and a connector pointed at it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import httpx
from pydantic import SecretStr

from syncer.connectors.hubspot import HubSpotConnector
from syncer.records import Record, Write
from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig
from syncer.settings_hubspot import HubSpotSettings
from syncer.settings_pipeline import PipelineSettings

TOKEN = "pat-na1-test-token"
FROZEN_SECONDS = 1_750_000_000.0  # a fixed sandbox time: every write gets the same millisecond


class StepClock:
    """The sandbox's clock in epoch seconds, moved by hand; `now()` is the same instant for the
    connector."""

    def __init__(self) -> None:
        self.seconds = FROZEN_SECONDS  # 2025-06-15T15:06:40Z

    def __call__(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.seconds, tz=UTC)


def sandbox(clock: Callable[[], float] | None = None, **config: object) -> HubSpotSandbox:
    options: dict[str, object] = {"token": TOKEN, "burst_limit": 0, "search_per_second": 0}
    options.update(config)
    if clock is None:
        return HubSpotSandbox(SandboxConfig(**options))  # type: ignore[arg-type]
    return HubSpotSandbox(SandboxConfig(**options), clock=clock)  # type: ignore[arg-type]


def pipeline(**overrides: object) -> PipelineSettings:
    values: dict[str, object] = {
        "name": "contacts",
        "external_object": "customers",
        "fields": {"firstname": "first_name", "lastname": "last_name"},
        "external_id_property": "legacy_id",
        "match": {"hubspot": "email", "external": "email"},
        "overlap_seconds": 60,
    }
    values.update(overrides)
    return PipelineSettings.model_validate(values)


def settings(base_url: str = "http://sandbox.test", **overrides: object) -> HubSpotSettings:
    values: dict[str, object] = {
        "base_url": base_url,
        "token": SecretStr(TOKEN),
        "burst_limit": 190,
        "search_per_second": 1000,
    }
    values.update(overrides)
    return HubSpotSettings.model_validate(values)


def connect(
    app: HubSpotSandbox,
    *,
    pipeline_settings: PipelineSettings | None = None,
    clock: Callable[[], datetime] | None = None,
    **overrides: object,
) -> HubSpotConnector:
    return HubSpotConnector(
        settings(**overrides),
        pipeline_settings or pipeline(),
        transport=httpx.WSGITransport(app=app),
        clock=clock or (lambda: datetime.now(UTC)),
    )


def contact(n: int, *, domain: str = "example.com", **extra: str) -> Write:
    email = f"person{n}@{domain}"
    return Write(
        key=f"w{n}",
        properties={"email": email, "firstname": f"First{n}", **extra},
        unique_property="email",
        unique_value=email,
    )


def ids_of(records: Sequence[Record]) -> list[str]:
    return [r.id for r in records]


class TokenEndpoint:
    """A loopback OAuth 2 token endpoint (POST /oauth/v1/token, form-encoded refresh grant).

    It hands out `access_token` (the sandbox's token, by default) for `expires_in` seconds,
    records every grant it was asked for, and refuses refresh tokens other than `refresh_token`
    the way HubSpot does (400 invalid_grant / BAD_REFRESH_TOKEN).
    """

    def __init__(
        self,
        *,
        access_token: str = TOKEN,
        refresh_token: str = "rt-secret-1",
        expires_in: int = 1800,
        numbered: bool = False,
    ) -> None:
        self.access_token = access_token
        self.numbered = numbered  # hand out access_token-1, -2, ...; GET /whoami takes the last
        self.refresh_token = refresh_token
        self.expires_in = expires_in
        self.grants: list[dict[str, str]] = []
        self.issued: list[str] = []
        self.content_types: list[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: every answer has a Content-Length

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                status, body = endpoint.answer(self.path, form, self.headers.get("Content-Type"))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                current = f"Bearer {endpoint.issued[-1]}" if endpoint.issued else None
                ok = self.headers.get("Authorization") == current
                payload = json.dumps(
                    {"ok": True}
                    if ok
                    else {
                        "status": "error",
                        "message": "The OAuth token used to make this call expired",
                        "category": "EXPIRED_AUTHENTICATION",
                    }
                ).encode()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                return  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = f"{self.base_url}/oauth/v1/token"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def answer(
        self, path: str, form: dict[str, str], content_type: str | None
    ) -> tuple[int, dict[str, object]]:
        self.grants.append(form)
        self.content_types.append(content_type or "")
        if path != "/oauth/v1/token" or form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type", "status": "BAD_GRANT_TYPE"}
        if form.get("refresh_token") != self.refresh_token:
            message = "refresh token is invalid, expired or revoked"
            return 400, {
                "error": "invalid_grant",
                "error_description": message,
                "status": "BAD_REFRESH_TOKEN",
                "message": message,
            }
        token = self.access_token
        if self.numbered:
            token = f"{token}-{len(self.issued) + 1}"
        self.issued.append(token)
        return 200, {
            "token_type": "bearer",
            "refresh_token": self.refresh_token,
            "access_token": token,
            "expires_in": self.expires_in,
        }

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def portal_client(app: HubSpotSandbox) -> httpx.Client:
    """A plain HTTP client on the sandbox, as another app on the same portal would be."""
    return httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="http://sandbox.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


def schedule_fault(app: HubSpotSandbox, **spec: object) -> None:
    """A fault the sandbox will answer with (its `/_sandbox/faults`; admin.py has the spec)."""
    with portal_client(app) as admin:
        admin.post("/_sandbox/faults", json=spec).raise_for_status()
