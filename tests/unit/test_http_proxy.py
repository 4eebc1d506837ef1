"""HTTP(S)_PROXY, decided (hardening issue, item 5: check the address actually connected to):
syncer sends its token only to addresses it checked itself, so it uses no proxy. The
variables are ignored, with a warning naming them (never their values, which may hold a
password), and a `[hubspot] proxy` key is refused saying why."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.http.client import ignored_proxy_variables
from tests.unit.test_http_guard import Listener, client
from tests.unit.test_settings_hardening import problems

PROXY_ENV = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Listener]:
    """A listener every proxy variable names, as a forward proxy would be configured."""
    server = Listener()
    for name in PROXY_ENV:
        monkeypatch.setenv(name, server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    yield server
    server.stop()


def test_proxy_variables_are_not_used_the_token_goes_to_the_checked_address(
    proxy: Listener,
) -> None:
    target = Listener()
    try:
        with client(f"http://localhost:{target.port}", allow_private_network=True) as http:
            assert http.get("/crm/v3/objects/contacts").status_code == 200
    finally:
        target.stop()
    assert proxy.seen == []
    assert target.seen[0]["headers"]["Authorization"] == "Bearer pat-na1-secret"


def test_a_proxy_key_is_refused_saying_why(tmp_path: Path) -> None:
    [line] = problems(tmp_path, '[hubspot]\nproxy = "http://proxy.internal:3128"\n')
    assert line.startswith("hubspot.proxy: not supported: through a proxy"), line


def test_set_proxy_variables_are_named_in_a_warning_without_their_values(
    tmp_path: Path, proxy: Listener
) -> None:
    assert ignored_proxy_variables({"https_proxy": "x", "HTTP_PROXY": "", "PATH": "/"}) == [
        "https_proxy"
    ]
    config = tmp_path / "syncer.toml"
    config.write_text('[external]\nurl = "sqlite:///legacy.db"\n')
    done = subprocess.run(
        [sys.executable, "-m", "syncer", "status", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    [warning] = [line for line in done.stderr.splitlines() if "proxy variables" in line]
    assert all(name in warning for name in PROXY_ENV)
    assert proxy.url not in done.stderr
