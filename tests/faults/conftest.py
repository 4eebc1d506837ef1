"""Fixtures shared by the fault scenarios: kept generic, each scenario file builds its own rig."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The legacy CRM as a SQLite database file of the test's own."""
    return f"sqlite:///{tmp_path}/crm.db"


# Canaries: every secret a fault scenario configures (tokens, OAuth client secret).
SECRETS = (
    "pat-na1-it-00000000-0000-0000-0000-000000000000",  # tests/integration/harness.py
    "pat-na1-test-token",  # tests/connectors/hubspot_harness.py
    "s3cret",  # the OAuth client secret of T16
)


@pytest.fixture(autouse=True)
def no_secret_in_any_output(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever a scenario does, no configured secret reaches stdout or stderr (logs, reports,
    tracebacks), in this process or a child writing to the same descriptors. Tests that read
    their own output with capsys are checked on what they leave unread."""
    name = "capsys" if "capsys" in request.fixturenames else "capfd"
    capture: pytest.CaptureFixture[str] = request.getfixturevalue(name)
    yield
    out, err = capture.readouterr()
    leaked = [secret for secret in SECRETS if secret in out or secret in err]
    assert not leaked, f"secrets in the output: {leaked}"
