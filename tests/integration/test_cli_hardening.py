"""Real `syncer` processes on inputs the hardening issue found ending in a raw traceback, a hang
or silently corrupted data: each now ends in one clear line and exit 2 (a configuration that can
never work) or 1 (an outage), touching nothing (items 1 and 8)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.harness import Deployment, deployment


@pytest.fixture
def dep(tmp_path: Path, unique_name: str) -> Iterator[Deployment]:
    with deployment(tmp_path, f"sqlite:///{tmp_path}/crm.db", unique_name) as running:
        yield running


def syncer(*args: str, timeout: float = 60) -> tuple[int, list[str]]:
    """Exit code and stderr lines of one `syncer` process."""
    done = subprocess.run(  # noqa: PLW1510 - the exit code is returned
        [sys.executable, "-m", "syncer", *args],
        env={**os.environ, "SYNCER_LOG_LEVEL": "warning"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done.returncode, done.stderr.splitlines()


def edit(dep: Deployment, old: str, new: str) -> None:
    text = dep.config.read_text()
    assert old in text
    dep.config.write_text(text.replace(old, new, 1))


def assert_touched_nothing(dep: Deployment) -> None:
    assert not (dep.config.parent / "ledger.db").exists()
    assert dep.sandbox.stats().get("requests", 0) == 0


def test_issue8_config_dev_zero_exits_2_in_one_line() -> None:
    code, err = syncer("check", "-c", "/dev/zero")
    assert (code, err) == (
        2,
        [
            "syncer: configuration error:",
            "cannot read config file: /dev/zero is larger than 1 MiB; is it the right file?",
        ],
    )


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('token = "', 'token_file = "/dev/zero"\n# token = "', "hubspot.token_file"),
        ("[ledger]\nurl = ", '[ledger]\nurl = "foo://bar"\n# url = ', "ledger.url"),
        ('conflict = "newest"', 'conflict = "newest"\ninterval = "99999999999d"', "interval"),
        ('.db"\n\n[hubspot]', '.db?mode=ro"\n\n[hubspot]', "ledger.url"),
        ("base_url = ", 'base_url = "http://0177.0.0.1:8000"\n# base_url = ', "hubspot.base_url"),
        ('token = "', 'token = "pat-na1-x\\r\\nX-Injected: 1"\n# token = "', "hubspot.token"),
    ],
    ids=["token_file_dev_zero", "ledger_foo", "interval_overflow", "ledger_ro", "octal_ip", "crlf"],
)
@pytest.mark.parametrize("command", ["check", "sync", "run"])
def test_issue8_inputs_that_ended_in_a_traceback_exit_2_naming_the_key(
    dep: Deployment, old: str, new: str, key: str, command: str
) -> None:
    edit(dep, old, new)
    code, err = syncer(command, "-c", str(dep.config))
    assert code == 2, err
    assert err[0] == "syncer: configuration error:" and len(err) == 2, err
    assert f": {key}" in err[1] or f".{key}" in err[1]
    assert_touched_nothing(dep)


def test_issue8_a_legacy_database_that_does_not_exist_exits_1_in_one_line(
    dep: Deployment, tmp_path: Path
) -> None:
    edit(dep, f"sqlite:///{tmp_path}/crm.db", f"sqlite:///{tmp_path}/no/such/folder/crm.db")
    code, err = syncer("sync", "-c", str(dep.config))
    assert (code, err) == (
        1,
        ["syncer: RetryableError: external database unavailable: unable to open database file"],
    )


@pytest.mark.parametrize("server", ["postgres_url", "mysql_url"])
def test_issue8_a_missing_legacy_server_database_exits_1_without_its_password(
    dep: Deployment, tmp_path: Path, server: str, request: pytest.FixtureRequest
) -> None:
    """The 10.8 KB traceback also bypassed log redaction."""
    missing = sa.make_url(request.getfixturevalue(server)).set(
        database="syncer_no_such_db", password="pw-Secret-4711"
    )
    edit(dep, f"sqlite:///{tmp_path}/crm.db", missing.render_as_string(hide_password=False))
    code, err = syncer("sync", "-c", str(dep.config))
    assert code == 1 and len(err) == 1, err
    assert err[0].startswith("syncer: RetryableError: external database unavailable: ")
    assert "pw-Secret-4711" not in err[0]


@pytest.mark.parametrize("command", ["check", "plan", "migrate", "sync", "run"])
def test_issue1_two_fields_writing_one_column_are_refused_by_every_command(
    dep: Deployment, command: str
) -> None:
    """firstname = "first_name" with lastname = "first_name" rewrote first names with last
    names, and check passed it."""
    edit(dep, 'lastname = "last_name"', 'lastname = "first_name"')
    code, err = syncer(command, "-c", str(dep.config))
    assert code == 2 and len(err) == 2, err
    assert err[1].startswith(f"{dep.config}: pipelines[0].fields.lastname: would write external")
    assert "but pipelines[0].fields.firstname writes it" in err[1]
    assert_touched_nothing(dep)


def test_an_unexpected_error_is_reported_with_its_secrets_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug's traceback went to stderr past the log redaction."""
    from syncer import commands
    from syncer.cli import main
    from syncer.logs import register_secret

    def broken(args: object) -> int:
        raise RuntimeError("boom near pw-Secret-0815")

    register_secret("pw-Secret-0815")
    monkeypatch.setattr(commands, "status", broken)
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == "syncer: internal error: RuntimeError: boom near ***"
    assert "Traceback" in err and "pw-Secret-0815" not in err
