"""Where syncer's clients connect (hardening issue, items 4 and 5), against real listeners on
loopback: the address a name resolves to is checked when connecting, not only the URL as the
file spells it; redirects are never followed; the OAuth token endpoint is held to the same
rules; a request that can never be written (a token with a line break) is not retried."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from syncer.connectors.hubspot.api import HubSpotApi
from syncer.errors import AuthError, ConfigError, FatalError
from syncer.http import BearerToken, RetryingSender, RetryPolicy, build_client
from syncer.http.guard import AddressRefused, GuardedTransport
from syncer.http.oauth import OAuthRefresh
from syncer.http.outcome import Outcome, Verdict
from syncer.http.ratelimit import RollingWindowBudget
from syncer.records import CallCounter
from syncer.settings_hubspot import HubSpotSettings


class Listener:
    """A loopback HTTP server that records what reaches it and answers `status` (with a
    `Location` header when one is set)."""

    def __init__(
        self, status: int = 200, location: str | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        self.seen: list[dict[str, Any]] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                listener.seen.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.stop()


def client(url: str, *, allow_private_network: bool) -> httpx.Client:
    return build_client(
        url,
        auth=BearerToken(SecretStr("pat-na1-secret")),
        timeout_seconds=5,
        allow_private_network=allow_private_network,
    )


def answers(*addresses: str) -> Any:
    """A resolver answering every name with `addresses`, as a DNS server might."""

    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return resolve


def test_a_name_that_resolves_to_loopback_is_refused_when_connecting(listener: Listener) -> None:
    with (
        client(f"http://localhost:{listener.port}", allow_private_network=False) as http,
        pytest.raises(AddressRefused, match=r"'localhost' \(127\.0\.0\.1\)"),
    ):
        http.get("/crm/v3/objects/contacts")
    assert listener.seen == []


def test_loopback_is_reached_when_the_settings_allow_a_private_network(listener: Listener) -> None:
    with client(f"http://localhost:{listener.port}", allow_private_network=True) as http:
        assert http.get("/ok").status_code == 200
    assert listener.seen[0]["headers"]["Authorization"] == "Bearer pat-na1-secret"


@pytest.mark.parametrize("host", ["127.1", "0x7f000001", "2130706433"])
def test_issue5_other_spellings_of_loopback_are_refused_when_connecting(
    listener: Listener, host: str
) -> None:
    with (
        client(f"http://{host}:{listener.port}", allow_private_network=True) as http,
        pytest.raises(AddressRefused, match="four decimal numbers"),
    ):
        http.get("/")
    assert listener.seen == []


def test_issue5_the_address_checked_is_the_address_connected_to(listener: Listener) -> None:
    transport = GuardedTransport(allow_private_network=True, resolve=answers("127.0.0.1"))
    with httpx.Client(transport=transport) as http:
        assert http.get(f"http://api.example.test:{listener.port}/x").status_code == 200
    assert listener.seen[0]["headers"]["Host"] == f"api.example.test:{listener.port}"


@pytest.fixture
def tls_listener(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Listener]:
    """An HTTPS listener on loopback whose certificate names api.example.test only; the
    certificate is the trusted CA (SSL_CERT_FILE, as an operator would set it)."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=api.example.test",
         "-addext", "subjectAltName=DNS:api.example.test"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server = Listener(tls=context)
    yield server
    server.stop()


def test_tls_verifies_the_host_name_of_the_url_not_the_address_connected_to(
    tls_listener: Listener,
) -> None:
    transport = GuardedTransport(allow_private_network=True, resolve=answers("127.0.0.1"))
    with httpx.Client(transport=transport) as http:
        assert http.get(f"https://api.example.test:{tls_listener.port}/x").status_code == 200
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            http.get(f"https://other.example.test:{tls_listener.port}/x")
    assert len(tls_listener.seen) == 1


@pytest.mark.parametrize(
    ("resolved", "allowed", "expected"),
    [
        (("169.254.169.254",), True, "cloud metadata"),
        (("93.184.215.14", "10.0.0.7"), False, r"'api.example.test' \(10\.0\.0\.7\)"),
        (("127.0.0.1",), False, "loopback/private"),
    ],
)
def test_a_public_name_resolving_to_a_refused_address_is_refused(
    listener: Listener, resolved: tuple[str, ...], allowed: bool, expected: str
) -> None:
    transport = GuardedTransport(allow_private_network=allowed, resolve=answers(*resolved))
    with httpx.Client(transport=transport) as http, pytest.raises(AddressRefused, match=expected):
        http.get(f"https://api.example.test:{listener.port}/x")
    assert listener.seen == []


def test_issue5_redirects_are_not_followed_to_a_host_nobody_checked(listener: Listener) -> None:
    redirecting = Listener(status=302, location=f"{listener.url}/steal")
    try:
        with client(redirecting.url, allow_private_network=True) as http:
            assert http.get("/crm/v3/objects/contacts").status_code == 302
    finally:
        redirecting.stop()
    assert listener.seen == []


def test_the_token_endpoint_follows_no_redirect_either(listener: Listener) -> None:
    redirecting = Listener(status=307, location=f"{listener.url}/steal")
    auth = OAuthRefresh(
        f"{redirecting.url}/oauth/v1/token",
        "app",
        SecretStr("cs-secret"),
        SecretStr("rt-secret"),
        allow_private_network=True,
    )
    api = httpx.Client(auth=auth, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    try:
        with pytest.raises(AuthError, match="HTTP 307"):
            api.get("https://api.example.test/crm/v3/objects/contacts")
    finally:
        api.close()
        auth.close()
        redirecting.stop()
    assert listener.seen == []


def test_issue4_oauth_secrets_are_not_posted_to_a_loopback_token_url_unless_allowed(
    listener: Listener,
) -> None:
    """The client secret and refresh token went over plain HTTP to a loopback listener while
    allow_private_network was false."""
    settings = HubSpotSettings(
        base_url="https://api.example.test",
        client_id="app",
        client_secret=SecretStr("cs-secret"),
        refresh_token=SecretStr("rt-secret"),
        oauth_token_url=f"http://localhost:{listener.port}/oauth/v1/token",
    )
    api = HubSpotApi(
        settings, CallCounter(), transport=httpx.MockTransport(lambda r: httpx.Response(200))
    )
    try:
        with pytest.raises(AddressRefused, match="'localhost'"):
            api.call("GET", "/crm/v3/objects/contacts", kind="list")
    finally:
        api.close()
    assert listener.seen == []


def test_the_api_client_checks_the_address_when_built_from_settings_in_code(
    listener: Listener,
) -> None:
    settings = HubSpotSettings(base_url=f"http://localhost:{listener.port}", token=SecretStr("t0k"))
    api = HubSpotApi(settings, CallCounter())
    try:
        with pytest.raises(ConfigError, match="refusing loopback/private address"):
            api.call("GET", "/crm/v3/objects/contacts", kind="list")
    finally:
        api.close()
    assert listener.seen == []


def test_issue8_a_token_with_a_line_break_fails_once_instead_of_being_retried(
    listener: Listener,
) -> None:
    """It was retried six times as a transient error."""
    sleeps: list[float] = []
    bad = BearerToken(SecretStr("pat-na1-abc\r\nX-Evil: 1"))
    http = build_client(listener.url, auth=bad, timeout_seconds=5, allow_private_network=True)
    sender = RetryingSender(
        http, lambda r: Outcome(Verdict.OK), RetryPolicy(6), CallCounter(), sleep=sleeps.append
    )
    with http, pytest.raises(FatalError) as caught:
        sender.send(
            http.build_request("GET", "/"),
            kind="list",
            budget=RollingWindowBudget(100, 10.0),
            repeatable=True,
        )
    assert str(caught.value) == "list: LocalProtocolError: the request cannot be sent"
    assert sleeps == [] and listener.seen == []


def test_a_token_file_with_a_line_break_inside_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("pat-na1-abc\r\nX-Evil: 1\n")
    settings = HubSpotSettings(token_file=tmp_path / "token")
    with pytest.raises(ConfigError, match=r"hubspot.token_file: .* printable ASCII"):
        HubSpotApi(settings, CallCounter())
