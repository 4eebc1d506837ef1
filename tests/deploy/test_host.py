"""Running syncer on a host: the systemd unit and the crontab line."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.files import DEPLOY, tool

UNIT = DEPLOY / "syncer.service"
INSTALLED = "/opt/syncer/bin/syncer"


def test_systemd_verifies_the_unit(tmp_path: Path) -> None:
    analyze = tool("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # verify insists the program exists: point it at this checkout's syncer.
    here = str(Path(sys.executable).with_name("syncer"))
    unit = tmp_path / "syncer.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, here), encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_the_unit_runs_the_daemon_and_does_not_restart_on_a_bad_config() -> None:
    keys = dict(
        line.split("=", 1) for line in UNIT.read_text(encoding="utf-8").splitlines() if "=" in line
    )
    assert shlex.split(keys["ExecStart"])[:2] == [INSTALLED, "run"]
    assert keys["User"] == "syncer"
    assert keys["RestartPreventExitStatus"] == "2"
    assert keys["ProtectSystem"] == "strict"


def test_the_crontab_line_runs_one_sync_pass() -> None:
    lines = (DEPLOY / "crontab.example").read_text(encoding="utf-8").splitlines()
    (entry,) = [line for line in lines if line and not line.startswith("#")]
    fields = entry.split(maxsplit=5)
    assert fields[:5] == ["*/5", "*", "*", "*", "*"]
    command = shlex.split(fields[5])
    assert command[1:4] == [INSTALLED, "sync", "-c"]
    result = subprocess.run(
        [str(Path(sys.executable).with_name("syncer")), "sync", "--help"],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0
