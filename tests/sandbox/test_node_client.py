"""Conformance: HubSpot's Node client (`@hubspot/api-client`), unchanged but for its base path,
against sandboxes served on loopback. The checks live in node/conformance.mjs; this module
installs the client (npm ci, from node/package-lock.json), serves the sandboxes, runs the
driver once and reports each check as a test.

Node and npm are required in CI (CI=true); elsewhere their absence skips these tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig, serve_in_thread
from tests.sandbox.conftest import TOKEN

NODE_DIR = Path(__file__).parent / "node"
CHECKS = (
    "crud", "getAllFollowsThePaging", "pagingLinksRepeatTheQuery", "batchWithA207",
    "upsertByAUniqueProperty", "searchWithPaging", "associationsBasic", "associationsLabelled",
    "associationsBatch", "owners", "pipelines", "merge", "gdprDelete", "errorsAreTheClientsOwn",
    "retryAfterA429Recovers",
)  # fmt: skip


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"Node conformance cannot run in CI: {reason}")
    pytest.skip(f"Node conformance skipped: {reason}")


def _installed_client() -> tuple[str, ...]:
    """The node command, with HubSpot's Node client installed next to the driver."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are not on PATH (install Node 20 or newer)")
    assert node is not None and npm is not None
    if not (NODE_DIR / "node_modules" / "@hubspot" / "api-client").is_dir():
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=NODE_DIR, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if installed.returncode != 0:
            _unavailable(f"npm ci failed: {installed.stderr[-2000:]}")
    return (node, str(NODE_DIR / "conformance.mjs"))


@pytest.fixture(scope="module")
def report() -> Iterator[dict[str, dict[str, Any]]]:
    command = _installed_client()
    free = serve_in_thread(HubSpotSandbox(SandboxConfig(burst_limit=0, search_per_second=0)))
    limited = serve_in_thread(HubSpotSandbox(SandboxConfig(burst_limit=0, search_per_second=1)))
    try:
        env = {**os.environ, "SANDBOX_URL": free.url, "LIMITED_URL": limited.url,
               "SANDBOX_TOKEN": TOKEN}  # fmt: skip
        ran = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, check=False
        )
    finally:
        free.stop()
        limited.stop()
    lines = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
    assert ran.returncode == 0, ran.stderr[-4000:]
    yield {line["check"]: line for line in lines}


def test_the_driver_ran_every_check(report: dict[str, dict[str, Any]]) -> None:
    assert sorted(report) == sorted(CHECKS)


@pytest.mark.parametrize("check", CHECKS)
def test_node_client(report: dict[str, dict[str, Any]], check: str) -> None:
    outcome = report.get(check)
    assert outcome is not None, f"{check} did not run"
    assert outcome["ok"], outcome.get("error")
