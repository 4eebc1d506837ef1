"""The daemon's HTTP endpoints, served by waitress in a thread beside the scheduler.

- GET /healthz: 200 while the process and its scheduler are alive, 503 otherwise;
- GET /readyz: 200 when the ledger answers and no pipeline is stale, else 503 with a JSON
  reason (see health.py);
- GET /metrics: the Prometheus text format;
- GET /status: the status page (status_page.py), HTML for people;
- POST /webhooks/hubspot: HubSpot's signed change events (webhooks.py), served only when
  `[service] webhook_secret` is set.

With a token configured, /metrics and /status ask for `Authorization: Bearer <token>`, as will
every endpoint added later, except the probes (orchestrators call them without credentials)
and /webhooks/hubspot (HubSpot signs those).
"""

from __future__ import annotations

import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from waitress.server import create_server

from syncer.errors import ConfigError
from syncer.logs import get_logger
from syncer.service.health import Readiness
from syncer.service.webhooks import MAX_BODY_BYTES, WebhookReceiver

log = get_logger(__name__)

WEBHOOK_PATH = "/webhooks/hubspot"
OPEN_PATHS = frozenset({"/healthz", "/readyz", WEBHOOK_PATH})
_THREADS = 4
_POLL_SECONDS = 0.2
_HTML = "text/html; charset=utf-8"
_UNAVAILABLE = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8">'
    b'<meta http-equiv="refresh" content="10"><title>syncer status</title></head>'
    b"<body><h1>syncer status</h1><p>The ledger cannot be reached; this page tries again "
    b"every 10 s.</p></body></html>"
)
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True, slots=True)
class Reply:
    status: str
    body: bytes
    content_type: str = "application/json"


class Endpoints:
    """The WSGI application."""

    def __init__(
        self,
        alive: Callable[[], bool],
        ready: Callable[[], Readiness],
        registry: CollectorRegistry,
        token: str | None = None,
        *,
        status_page: Callable[[], str] | None = None,
        webhooks: WebhookReceiver | None = None,
    ) -> None:
        self.alive = alive
        self.ready = ready
        self.registry = registry
        self.token = token
        self.status_page = status_page
        self.webhooks = webhooks

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        reply = self.reply(environ.get("PATH_INFO", ""), environ)
        headers = [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body)))]
        if reply.status.startswith("401"):
            headers.append(("WWW-Authenticate", "Bearer"))
        start_response(reply.status, headers)
        return [reply.body]

    def reply(self, path: str, environ: dict[str, Any]) -> Reply:
        if path not in OPEN_PATHS and not self._authorised(environ):
            return _json("401 Unauthorized", {"error": "a bearer token is required"})
        if path == WEBHOOK_PATH and self.webhooks is not None:
            return self._webhook(self.webhooks, environ)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _json("405 Method Not Allowed", {"error": "only GET is served"})
        if path == "/healthz":
            alive = self.alive()
            return _json("200 OK" if alive else "503 Service Unavailable", {"alive": alive})
        if path == "/readyz":
            ready = self.ready()
            status = "200 OK" if ready.ready else "503 Service Unavailable"
            return _json(status, ready.as_dict())
        if path == "/metrics":
            return Reply("200 OK", generate_latest(self.registry), CONTENT_TYPE_LATEST)
        if path == "/status" and self.status_page is not None:
            return self._status()
        return _json("404 Not Found", {"error": f"no endpoint {path}"})

    def _status(self) -> Reply:
        try:
            page = self.status_page() if self.status_page else ""
        except Exception as exc:
            # The details go to the log; the page says only what is wrong.
            log.warning("status page failed", error=f"{type(exc).__name__}: {exc}")
            return Reply("503 Service Unavailable", _UNAVAILABLE, _HTML)
        return Reply("200 OK", page.encode(), _HTML)

    def _webhook(self, receiver: WebhookReceiver, environ: dict[str, Any]) -> Reply:
        if environ.get("REQUEST_METHOD") != "POST":
            return _json("405 Method Not Allowed", {"error": "webhooks are POSTed"})
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            return _json("413 Content Too Large", {"error": "at most 1 MiB of events"})
        body = environ["wsgi.input"].read(int(length))
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        answer = receiver.receive(_request_url(environ), headers, body, int(time.time() * 1000))
        return _json(answer.status, answer.body)

    def _authorised(self, environ: dict[str, Any]) -> bool:
        if self.token is None:
            return True
        given = environ.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())


def _request_url(environ: dict[str, Any]) -> str:
    """The URL as the client asked for it (HubSpot signs it): the path and query as sent."""
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    target = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{target}"


def _json(status: str, body: dict[str, Any]) -> Reply:
    return Reply(status, json.dumps(body).encode())


class EndpointServer:
    """Serves `app` on host:port (port 0: a free one) in a thread until `stop()`."""

    def __init__(self, app: Endpoints, host: str, port: int) -> None:
        try:
            server = create_server(app, host=host, port=port, threads=_THREADS)
        except OSError as exc:  # in use, or not an address of this host
            raise ConfigError(f"service.listen: cannot listen on {host}:{port}: {exc}") from None
        # Typed loosely: waitress's stubs do not show the attributes the loop below uses.
        self._server = cast(Any, server)
        self.port: int = self._server.effective_port
        self._stopping = threading.Event()
        # Held while stop() pulls waitress's trigger (a pipe) and while the loop closes it: a
        # pull on a closed pipe is EBADF, or a write into whatever file reused its number.
        self._trigger_lock = threading.Lock()
        self._trigger_closed = False
        self._thread = threading.Thread(target=self._serve, name="syncer-endpoints", daemon=True)
        self._thread.start()
        _wait_until_accepting(host, self.port)
        log.info("endpoints serving", host=host, port=self.port)

    def stop(self) -> None:
        with self._trigger_lock:
            self._stopping.set()
            if not self._trigger_closed:
                self._server.pull_trigger()  # wakes the loop's select() now
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        # waitress's run() loops until its socket map is empty; this loop also ends when asked
        # to, and closes the sockets on its own thread, under no running select().
        server = self._server
        try:
            while server._map and not self._stopping.is_set():
                server.asyncore.loop(timeout=_POLL_SECONDS, map=server._map, count=1)
        finally:
            # The workers first: each pulls the trigger as it finishes a request.
            server.task_dispatcher.shutdown()
            with self._trigger_lock:
                self._trigger_closed = True
                for channel in list(server._map.values()):
                    if channel is not server:
                        channel.close()
                server.close()


def _wait_until_accepting(host: str, port: int, seconds: float = 5.0) -> None:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection((target, port), timeout=0.1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
