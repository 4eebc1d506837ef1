"""Issue 2's end-to-end proof: contacts both ways over real loopback HTTP and a real SQL CRM."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from syncer.cli import main
from tests.integration.harness import Deployment, deployment, seed


def _assert_no_duplicates(dep: Deployment) -> None:
    hub = Counter(c["properties"]["email"] for c in dep.hub_contacts())
    sql = Counter(r.email.strip().lower() for r in dep.sql_rows())
    assert [e for e, n in hub.items() if n > 1] == []
    assert [e for e, n in sql.items() if n > 1] == []


def _assert_agree(dep: Deployment) -> None:
    hub = {c["properties"]["email"]: c for c in dep.hub_contacts()}
    sql = {r.email.strip().lower(): r for r in dep.sql_rows()}
    assert hub.keys() == sql.keys()
    status = {"lead": "L", "customer": "C"}
    for email, contact in hub.items():
        row, props = sql[email], contact["properties"]
        assert (props["firstname"], props["lastname"]) == (row.first_name, row.last_name), email
        assert status[props["lifecyclestage"]] == row.status, email
        assert props["legacy_id"] == str(row.id), email


def _writes(dep: Deployment) -> int:
    return dep.sandbox.stats().get("writes", 0)


def test_migrate_then_sync_both_ways(tmp_path: Path, sql_url: str, unique_name: str) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=1000, sql_count=1000, shared=300)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        assert len(dep.hub_contacts()) == 1700
        assert len(dep.sql_rows()) == 1700
        _assert_no_duplicates(dep)
        _assert_agree(dep)

        time.sleep(1.1)  # edits carry later timestamps than the migration
        with dep.hubspot() as client:
            for contact in dep.hub_contacts()[:20]:
                client.patch(
                    f"/crm/v3/objects/contacts/{contact['id']}",
                    json={"properties": {"firstname": "FromHub"}},
                ).raise_for_status()
        for row in dep.sql_rows()[-20:]:
            dep.edit_row(row.id, last_name="FromSql", status="L")
        assert main(["sync", "-c", str(dep.config)]) == 0
        _assert_agree(dep)

        dep.sandbox.reset_stats()
        assert main(["sync", "-c", str(dep.config)]) == 0
        assert _writes(dep) == 0


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_invalid_email_is_quarantined_while_others_sync(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=10, sql_count=10, shared=0)
        dep.edit_row(dep.sql_rows()[3].id, email="broken@@example")
        assert main(["migrate", "-c", str(dep.config)]) == 4
        assert len(dep.hub_contacts()) == 19
        capsys.readouterr()
        assert main(["errors", "-c", str(dep.config), "list"]) == 0
        listing = capsys.readouterr().out
        assert "INVALID_EMAIL" in listing and "email" in listing


@pytest.mark.parametrize("sql_url", ["sqlite", "postgres"], indirect=True)
def test_a_table_without_updated_at_is_synced_by_hash(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name, watermark=False) as dep:
        seed(dep, hub_count=50, sql_count=50, shared=20)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        _assert_agree(dep)
        for row in dep.sql_rows()[:5]:
            dep.edit_row(row.id, first_name="EditedWithoutWatermark")
        assert main(["sync", "-c", str(dep.config)]) == 0
        _assert_agree(dep)
        names = [c["properties"]["firstname"] for c in dep.hub_contacts()]
        assert names.count("EditedWithoutWatermark") == 5
        dep.sandbox.reset_stats()
        assert main(["sync", "-c", str(dep.config)]) == 0
        assert _writes(dep) == 0


@pytest.mark.parametrize("sql_url", ["mysql"], indirect=True)
@pytest.mark.parametrize("ledger_url", ["postgres"], indirect=True)
def test_the_ledger_on_postgresql(
    tmp_path: Path,
    sql_url: str,
    ledger_url: str,
    unique_name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SYNCER_LEDGER__URL", ledger_url)
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=100, sql_count=100, shared=30)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        _assert_agree(dep)
        dep.edit_row(dep.sql_rows()[0].id, first_name="ViaPostgresLedger")
        assert main(["sync", "-c", str(dep.config)]) == 0
        _assert_agree(dep)
        dep.sandbox.reset_stats()
        assert main(["sync", "-c", str(dep.config)]) == 0
        assert _writes(dep) == 0
        assert not (tmp_path / "ledger.db").exists()
