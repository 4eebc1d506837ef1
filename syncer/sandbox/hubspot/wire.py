"""Plain WSGI in and out: parse the request, write a JSON response."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from syncer.sandbox.hubspot.errors import invalid_json, validation

CONTENT_TYPE = "application/json;charset=utf-8"
StartResponse = Callable[..., Any]
_EXTRA_REASONS = {
    477: "Migration In Progress", 521: "Web Server Is Down", 522: "Connection Timed Out",
    523: "Origin Is Unreachable", 524: "A Timeout Occurred",
}  # fmt: skip


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str
    raw_body: bytes
    url_length: int = 0  # path + "?" + query string, as sent
    origin: str = "https://api.hubapi.com"  # scheme and host the client asked, for paging links
    sent_path: str = ""  # the path as sent, before a dated path is read as its v3/v4 twin
    query_pairs: list[tuple[str, str]] = field(default_factory=list)  # the query, in order

    def json(self) -> Any:
        if not self.raw_body.strip():
            raise invalid_json("the request body is empty; expected a JSON object")
        try:
            return json.loads(self.raw_body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise invalid_json(str(exc)) from exc

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise validation(
                f"Expected a JSON object as the request body, got {type(body).__name__}"
            )
        return body

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def list_param(self, name: str) -> list[str] | None:
        """Repeated keys, comma-separated values, or a mixture: HubSpot takes all three."""
        values = self.query.get(name)
        if values is None:
            return None
        return [part.strip() for value in values for part in value.split(",") if part.strip()]

    def drop_if_blank(self, name: str) -> None:
        """Forget a query parameter sent without a value (`properties=`)."""
        if name in self.query and not self.list_param(name):
            del self.query[name]

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").lower() == "true"

    def int_param(self, name: str, default: int) -> int:
        text = self.param(name)
        if text is None or text == "":
            return default
        try:
            return int(text)
        except ValueError:
            raise validation(f"Query parameter {name} must be an integer, got {text!r}") from None


@dataclass
class Response:
    status: int
    body: Any = None  # None = no body (204)
    headers: dict[str, str] = field(default_factory=dict)


def read_request(environ: dict[str, Any]) -> Request:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    raw_body = stream.read(length) if stream is not None and length > 0 else b""
    path = str(environ.get("PATH_INFO", "/"))
    query = str(environ.get("QUERY_STRING", ""))
    return Request(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        path=path,
        query=parse_qs(query, keep_blank_values=True),
        authorization=str(environ.get("HTTP_AUTHORIZATION", "")),
        raw_body=raw_body,
        url_length=len(path) + (len(query) + 1 if query else 0),
        origin=_origin(environ),
        sent_path=path,
        query_pairs=parse_qsl(query, keep_blank_values=True),
    )


def _origin(environ: dict[str, Any]) -> str:
    """`scheme://host[:port]` as the client addressed it (the Host header when sent)."""
    scheme = str(environ.get("wsgi.url_scheme", "http"))
    host = environ.get("HTTP_HOST")
    if not host:
        host = str(environ.get("SERVER_NAME", "localhost"))
        port = str(environ.get("SERVER_PORT", ""))
        if port and port != {"http": "80", "https": "443"}.get(scheme):
            host = f"{host}:{port}"
    return f"{scheme}://{host}"


def write_response(start_response: StartResponse, response: Response) -> Iterable[bytes]:
    payload = b""
    if response.body is not None:
        payload = json.dumps(response.body, separators=(",", ":")).encode()
    headers = [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(payload)))]
    headers += list(response.headers.items())
    start_response(f"{response.status} {_reason(response.status)}", headers)
    return [payload]


def _reason(status: int) -> str:
    if status in _EXTRA_REASONS:
        return _EXTRA_REASONS[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
