"""The compose trial's own files at work: deploy/trial/crm.sql makes the legacy table in real
PostgreSQL, and one pass of deploy/syncer.toml syncs it with the sandbox, given the token the
trial's secret holds. Only the addresses change: compose's host names become this machine's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncer.commands import scheduled_pass
from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig, serve_in_thread
from tests.deploy.files import DEPLOY, load_shipped_config

TRIAL = DEPLOY / "trial"


def crm_statements() -> list[str]:
    """crm.sql's statements that run inside the crm database (after its \\connect)."""
    script = (TRIAL / "crm.sql").read_text(encoding="utf-8")
    inside = script.split("\\connect crm\n", 1)[1]
    inside = re.sub(r"(?m)^--.*$", "", inside)
    return [statement.strip() for statement in inside.split(";") if statement.strip()]


@pytest.mark.parametrize("ledger_url", ["postgres"], indirect=True)
def test_one_pass_of_the_trial_config_syncs_the_trial_table(
    tmp_path: Path, ledger_url: str
) -> None:
    """`ledger_url` is a schema of its own on the test server: the trial's table goes there."""
    engine = sa.create_engine(ledger_url)
    with engine.begin() as conn:
        for statement in crm_statements():
            conn.execute(sa.text(statement))
    token = (TRIAL / "secrets" / "hubspot_token").read_text(encoding="utf-8").strip()
    sandbox = serve_in_thread(HubSpotSandbox(SandboxConfig(token=token)))
    try:
        text = (DEPLOY / "syncer.toml").read_text(encoding="utf-8")
        text = text.replace("http://hubspot:8000", sandbox.url)
        text = text.replace("postgresql+psycopg://syncer@ledger:5432/syncer", ledger_url)
        text = text.replace("postgresql+psycopg://syncer@ledger:5432/crm", ledger_url)
        secrets = {
            name: (TRIAL / "secrets" / name).read_text(encoding="utf-8")
            for name in ("hubspot_token", "ledger_password")
        }
        settings = load_shipped_config(text, tmp_path, secrets)
        (report,) = scheduled_pass(settings)("contacts")
    finally:
        sandbox.stop()
        engine.dispose()
    assert report.status.value == "ok", report.as_dict()
    assert report.as_dict()["created"] == {"hubspot": 3, "external": 0}
