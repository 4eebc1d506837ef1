"""What an operator reads when HubSpot cannot be used (issue 12): a wrong token names the key
that holds it (`hubspot.token`), an unreachable HubSpot names its URL; each in one line, with
no traceback. Before, both said only what the failed call was ("properties: GET ... -> 401",
"properties: ConnectError ..."). The real `syncer sync` against the sandbox on loopback."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from tests.faults.identity_harness import command
from tests.integration.harness import TOKEN, deployment

EXIT_FAILURE = 1

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)


def _refusal(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    [line] = [line for line in err.splitlines() if line.startswith("syncer:")]
    return line


def test_a_wrong_token_names_hubspot_token(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        dep.config.write_text(dep.config.read_text().replace(TOKEN, "pat-na1-wrong-0000"))
        assert command(dep, "sync") == EXIT_FAILURE
        line = _refusal(capsys)
        assert "HubSpot refused the credentials of hubspot.token" in line, line
        assert "401" in line and "pat-na1-wrong" not in line, line


def test_an_unreachable_hubspot_names_its_url(
    tmp_path: Path,
    sql_url: str,
    unique_name: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("SYNCER_HUBSPOT__MAX_RETRIES", "1")
    with deployment(tmp_path, sql_url, unique_name) as dep:
        text = re.sub(r'base_url = "[^"]*"', f'base_url = "{url}"', dep.config.read_text())
        dep.config.write_text(text)
        assert command(dep, "sync") == EXIT_FAILURE
        line = _refusal(capsys)
        assert f"HubSpot at {url}:" in line and "Connection refused" in line, line
