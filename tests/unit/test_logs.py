"""Structured logs: renderer choice, run binding, stdlib routing, and secret redaction."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import structlog

from syncer.errors import ConfigError
from syncer.logs import bound_run, configure_logging, get_logger, redact_text, register_secret
from syncer.settings import load_settings

CANARY_TOKEN = "pat-na1-CANARY-0b7e4c1a-5f2d-4e8b-9c3a"
CANARY_PASSWORD = "Sql-CANARY-pw-71"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in quiet.items():
        logging.getLogger(name).setLevel(old)
    structlog.reset_defaults()


class TTYStream(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        """Silence the test server's own access log on stderr."""


@pytest.fixture
def loopback_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def settings_with_canaries(folder: Path) -> list[str]:
    """Load settings holding the canaries (a token file, a URL password); their secret values."""
    (folder / "token").write_text(CANARY_TOKEN + "\n")
    config = folder / "syncer.toml"
    config.write_text(
        '[hubspot]\ntoken_file = "token"\n'
        f'[external]\nurl = "mysql+pymysql://crm:{CANARY_PASSWORD}@db/crm"\n'
    )
    return load_settings(config, env={}).secret_values()


def log_the_canaries_every_way(loopback_url: str) -> list[str]:
    """Log the canaries through every path we know; the events that must appear in the output."""
    log = get_logger("syncer.test")
    log.info("as-a-secret-kwarg", token=CANARY_TOKEN, api_key=CANARY_TOKEN)
    log.info("as-a-plain-kwarg", value=CANARY_TOKEN, note=f"pw {CANARY_PASSWORD}")
    log.info("nested", payload={"a": [{"auth": {"access_token": CANARY_TOKEN}}, CANARY_TOKEN]})
    log.info(f"in-the-message {CANARY_TOKEN}")
    log.bind(client_secret=CANARY_TOKEN).info("bound-kwarg")
    log.info("in-a-url", url=f"mysql+pymysql://crm:{CANARY_PASSWORD}@db/crm")
    log.info("in-a-header", header=f"Authorization: Bearer {CANARY_TOKEN}")
    log.info("in-a-repr", request=httpx.Request("GET", f"https://h/x?access_token={CANARY_TOKEN}"))
    try:
        raise RuntimeError(f"HubSpot refused {CANARY_TOKEN} for crm:{CANARY_PASSWORD}@db")
    except RuntimeError:
        log.exception("with-traceback")
    stdlib = logging.getLogger("sqlalchemy.pool")
    stdlib.error("stdlib-args %s", f"password={CANARY_PASSWORD}")
    try:
        raise ConnectionError(f"login failed, token {CANARY_TOKEN}")
    except ConnectionError:
        stdlib.exception("stdlib-traceback")
    logging.getLogger("httpx").setLevel(logging.INFO)
    with httpx.Client(headers={"Authorization": f"Bearer {CANARY_TOKEN}"}) as client:
        client.get(f"{loopback_url}/crm?access_token={CANARY_TOKEN}")
    return [
        "as-a-secret-kwarg", "as-a-plain-kwarg", "nested", "in-the-message", "bound-kwarg",
        "in-a-url", "in-a-header", "in-a-repr", "with-traceback", "RuntimeError: HubSpot refused",
        "stdlib-args", "stdlib-traceback", "ConnectionError: login failed", "HTTP Request: GET",
    ]  # fmt: skip


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "console"])
def test_canary_secrets_never_reach_the_output(
    tmp_path: Path, loopback_url: str, as_json: bool
) -> None:
    for secret in settings_with_canaries(tmp_path):
        register_secret(secret)
    stream = io.StringIO()
    configure_logging(json=as_json, level="debug", stream=stream)

    expected_events = log_the_canaries_every_way(loopback_url)

    output = stream.getvalue()
    for event in expected_events:
        assert event in output
    assert CANARY_TOKEN not in output
    assert CANARY_PASSWORD not in output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def", "Authorization: ***"),
        ("{'authorization': 'Basic dXNlcjpwYXNz'}", "{'authorization': '***'}"),
        ("sent Bearer eyJhbGciOi.x.y upstream", "sent Bearer *** upstream"),
        ("postgresql://syncer:s3cr3t@db:5432/ledger", "postgresql://syncer:***@db:5432/ledger"),
        ("GET /v1?hapikey=abc123&limit=10", "GET /v1?hapikey=***&limit=10"),
        ("host=db password=hunter2 user=x", "host=db password=*** user=x"),
        ("refresh_token: 'r-123'", "refresh_token: '***'"),
        ("token pat-eu1-aaaabbbb-cccc-dddd", "token ***"),
        ("nothing secret here: 42 records", "nothing secret here: 42 records"),
    ],
)
def test_value_patterns_are_masked_without_registration(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_registered_secrets_are_masked_even_url_encoded() -> None:
    register_secret("p@ss/word-XYZ")
    assert redact_text("dsn=crm:p%40ss%2Fword-XYZ and p@ss/word-XYZ") == "dsn=crm:*** and ***"


def test_very_short_secrets_are_not_registered() -> None:
    register_secret("abc")
    assert redact_text("abc def") == "abc def"


def test_json_when_not_a_tty_with_the_run_bound_inside_the_block() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    log = get_logger("syncer.engine")
    with bound_run(run_id="r-1", pipeline="contacts", mode="sync"):
        log.info("collected", records=3)
        logging.getLogger("syncer.stdlib").warning("from stdlib")
    log.info("after")

    inside, stdlib, after = (json.loads(line) for line in stream.getvalue().splitlines())
    assert list(inside)[:4] == ["timestamp", "level", "event", "logger"]
    assert inside["event"] == "collected" and inside["records"] == 3
    assert inside["level"] == "info" and inside["logger"] == "syncer.engine"
    for event in (inside, stdlib):
        assert (event["run_id"], event["pipeline"], event["mode"]) == ("r-1", "contacts", "sync")
    assert stdlib["event"] == "from stdlib" and stdlib["level"] == "warning"
    assert "run_id" not in after


def test_console_on_a_tty() -> None:
    stream = TTYStream()
    configure_logging(stream=stream)
    get_logger("syncer").info("hello", count=2)
    line = stream.getvalue().strip()
    assert "hello" in line and "count" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_level_filters_and_reconfiguring_replaces_the_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(json=True, stream=first)
    configure_logging(json=True, level="warning", stream=second)
    log = get_logger("syncer")
    log.info("dropped")
    log.warning("kept")
    assert first.getvalue() == ""
    assert [json.loads(line)["event"] for line in second.getvalue().splitlines()] == ["kept"]


def test_httpx_loggers_are_quiet_by_default() -> None:
    configure_logging(stream=io.StringIO(), level="debug")
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING


def test_an_unknown_level_is_a_config_error() -> None:
    expected = r"^log level: expected one of debug, info, .*got 'loud'$"
    with pytest.raises(ConfigError, match=expected):
        configure_logging(level="loud", stream=io.StringIO())
