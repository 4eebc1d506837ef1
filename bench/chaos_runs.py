"""The deployment under the soak, and the `syncer` processes it runs: whole syncs, syncs killed
with SIGKILL at a random moment, and faults scheduled in the sandbox for them to meet."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.chaos_sides import HubSide
from bench.deploy import UNLIMITED, config_head
from bench.procs import REPO, parse_report

PIPELINE = """
[[pipelines]]
name = "contacts"
external_object = "{table}"
external_id_property = "legacy_id"
match = {{ hubspot = "email", external = "email" }}
conflict = "newest"
deletes = "archive"

[pipelines.sql]
primary_key = "id"
updated_at = "updated_at"
deleted_flag = "is_deleted"

[pipelines.fields]
email = "email"
firstname = "first_name"
lastname = "last_name"
"""

SYNC_TIMEOUT = 180  # seconds: a sync hanging longer is itself a finding
TRANSIENT = (429, 500, 502, 503, 504, 423, 477)


def write_config(path: Path, *, ledger: str, url: str, sql_url: str, table: str) -> Path:
    # Few retries: a fault the syncer gives up on ends the sync, which the soak then re-runs.
    hubspot = {**UNLIMITED, "max_retries": 3}
    path.write_text(config_head(ledger, url, sql_url, hubspot) + PIPELINE.format(table=table))
    return path


@dataclass
class Sync:
    exit_code: int
    report: dict[str, Any]
    output: str

    @property
    def writes(self) -> int:
        return sum(sum(self.report.get(k, {}).values()) for k in ("created", "updated", "archived"))


@dataclass
class Runner:
    """Runs `python -m syncer` against one config and keeps the tallies."""

    config: Path
    rng: random.Random
    exits: Counter[str] = field(default_factory=Counter)
    kills: int = 0  # SIGKILLs that found the sync still running
    kills_too_late: int = 0  # the sync had already finished
    faults_scheduled: int = 0
    failures: list[str] = field(default_factory=list)  # last lines of failed syncs

    def _start(self, command: str) -> subprocess.Popen[bytes]:
        environment = {**os.environ, "SYNCER_LOG_LEVEL": "warning"}
        return subprocess.Popen(
            [sys.executable, "-m", "syncer", command, "-c", str(self.config)],
            cwd=REPO,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def run(self, command: str = "sync") -> Sync:
        process = self._start(command)
        try:
            output, _ = process.communicate(timeout=SYNC_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            self.failures.append(f"{command} hung for {SYNC_TIMEOUT} s")
        text = output.decode(errors="replace")
        self.exits[f"{command} exit {process.returncode}"] += 1
        if process.returncode not in (0, 4):
            self.failures.append(
                f"{command} exit {process.returncode}: "
                + " | ".join(text.strip().splitlines()[-3:])
            )
        return Sync(process.returncode, parse_report(text), text)

    def kill_one(self, latest: float) -> None:
        """A sync SIGKILLed after a random wait (Python's start-up included)."""
        process = self._start("sync")
        time.sleep(self.rng.uniform(0.2, latest))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            self.kills += 1
        else:
            self.kills_too_late += 1
        process.communicate()

    def until_exit_zero(self, attempts: int) -> Sync | None:
        for _ in range(attempts):
            sync = self.run()
            if sync.exit_code == 0:
                return sync
        return None

    def schedule_faults(self, hub: HubSide, count: int) -> None:
        for _ in range(count):
            hub.schedule_fault(random_fault(self.rng))
            self.faults_scheduled += 1


def random_fault(rng: random.Random) -> dict[str, Any]:
    """A transient fault on the contacts API: an error status or a dropped connection, maybe
    after the request was carried out, maybe late."""
    spec: dict[str, Any] = {"path_contains": "/crm/v3/objects/contacts", "count": rng.randint(1, 3)}
    if rng.random() < 0.2:
        spec["drop"] = True
    else:
        spec["status"] = rng.choice(TRANSIENT)
    if rng.random() < 0.3:
        spec["after_apply"] = True
    if rng.random() < 0.1:
        spec["delay_ms"] = rng.randint(100, 1500)
    if rng.random() < 0.5:
        spec["method"] = "POST"
    return spec
