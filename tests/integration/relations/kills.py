"""Killing a real `syncer` process at a chosen request, not after a sleep: the sandbox carries
out the request holding the given text, then holds its answer back; the test sees the request
applied and sends SIGKILL while the process waits. HubSpot has the write, syncer never heard of
it, as in a crash between "the API accepted it" and "the ledger knows"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest

from syncer.sandbox.hubspot.faults import ScheduledFault
from tests.integration.relations.deployment import SalesDeployment


@dataclass(frozen=True)
class Kill:
    """Kill the process once the sandbox has applied the first request to `path` whose body
    holds `text`."""

    name: str
    path: str
    text: str = ""


def syncer(dep: SalesDeployment, command: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "syncer", command, "-c", str(dep.config)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def killed_at(dep: SalesDeployment, command: str, kill: Kill) -> None:
    """Run `syncer command` and kill it at `kill`."""
    fault = dep.app.schedule_fault(
        {"status": 502, "path_contains": kill.path, "body_contains": kill.text,
         "method": "POST", "after_apply": True, "delay_ms": 3_000}
    )  # fmt: skip
    _killed_when_applied(dep, syncer(dep, command), fault)


def finished(dep: SalesDeployment, command: str) -> None:
    """Run `syncer command` to its end: it must succeed."""
    rerun = syncer(dep, command)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read().decode() if rerun.stderr else ""


def _killed_when_applied(
    dep: SalesDeployment, process: subprocess.Popen[bytes], fault: ScheduledFault
) -> None:
    """SIGKILL the process as soon as the sandbox has carried out the faulted request (the
    sandbox takes a fault and applies its request under one lock, so a fault no longer
    scheduled is a request applied)."""
    deadline = time.monotonic() + 120
    while fault in dep.app.scheduled_faults():
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"the migration ended ({process.returncode}) before the kill: {error}")
        assert time.monotonic() < deadline, "the migration never reached the kill"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
