"""`syncer conflicts list|show|resolve` (issue 12): the ledger kept hashes only, so an operator
could not see what a conflict overwrote. A conflict now keeps both sides' values for
`[ledger] conflict_retention`; `resolve --take` writes the chosen one to both records.

The real `syncer` command against the HubSpot sandbox on loopback and a SQL legacy table."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.faults.identity_harness import (
    command,
    counting_sql_writes,
    hub_by_email,
    hub_patch,
    sql_by_email,
    sql_insert,
    sync,
)
from tests.integration.harness import Deployment, deployment

EXIT_CONFIG = 2

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite", "postgres"], indirect=True)


def _conflict(dep: Deployment) -> str:
    """A contact whose first name both sides change; HubSpot's edit is the newer one."""
    row = sql_insert(dep, email="both@example.com", first_name="Ann", status="L")
    assert command(dep, "migrate") == 0
    contact_id = hub_by_email(dep)["both@example.com"]["id"]
    dep.edit_row(row, first_name="Sql edit")
    time.sleep(0.01)
    hub_patch(dep, contact_id, firstname="Hub edit")
    assert sync(dep) == 0
    assert sql_by_email(dep)["both@example.com"].first_name == "Hub edit"
    return str(contact_id)


def test_list_and_show_give_both_values_and_resolve_writes_the_chosen_one(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        contact_id = _conflict(dep)
        capsys.readouterr()
        assert command(dep, "conflicts", "list") == 0
        listed = capsys.readouterr().out
        assert "#1 " in listed and " contacts firstname " in listed, listed
        assert "hubspot='Hub edit' external='Sql edit' winner=hubspot (newest)" in listed
        assert command(dep, "conflicts", "show", "1") == 0
        shown = capsys.readouterr().out
        assert f"record {contact_id}: 'Hub edit'" in shown, shown
        assert "'Sql edit'" in shown and 'the conflict policy "newest"' in shown, shown

        assert command(dep, "conflicts", "resolve", "1", "--take", "external") == 0
        assert hub_by_email(dep)["both@example.com"]["properties"]["firstname"] == "Sql edit"
        assert sql_by_email(dep)["both@example.com"].first_name == "Sql edit"
        dep.sandbox.reset_stats()
        with counting_sql_writes(dep.table.name) as sql:
            assert sync(dep) == 0  # both records agree: the pair settles without a write
        assert (dep.sandbox.stats().get("writes", 0), sql.statements) == (0, [])

        capsys.readouterr()
        assert command(dep, "conflicts", "list") == 0
        assert capsys.readouterr().out.strip() == "no conflicts waiting for a look"
        assert command(dep, "conflicts", "list", "--all") == 0
        assert "resolved: took external" in capsys.readouterr().out
        assert command(dep, "conflicts", "resolve", "1", "--take", "hubspot") == EXIT_CONFIG
        assert command(dep, "conflicts", "show", "7") == EXIT_CONFIG
        assert "no conflict #7" in capsys.readouterr().err


def test_values_are_cleared_after_the_retention(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        text = dep.config.read_text()
        dep.config.write_text(text.replace("[ledger]\n", '[ledger]\nconflict_retention = "1s"\n'))
        _conflict(dep)
        time.sleep(1.1)
        assert sync(dep) == 0
        capsys.readouterr()
        assert command(dep, "conflicts", "show", "1") == 0
        shown = capsys.readouterr().out
        assert "value no longer kept" in shown and "Sql edit" not in shown, shown
        assert command(dep, "conflicts", "resolve", "1", "--take", "external") == EXIT_CONFIG
        assert "no longer kept" in capsys.readouterr().err


def test_a_not_applied_stage_is_resolved_by_clearing_it_first(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        row = sql_insert(dep, email="stage@example.com", first_name="S", status="C")
        assert command(dep, "migrate") == 0
        dep.edit_row(row, status="L")  # customer -> lead: HubSpot keeps customer
        assert sync(dep) == 0
        capsys.readouterr()
        assert command(dep, "conflicts", "show", "1") == 0
        shown = capsys.readouterr().out
        assert "'customer'" in shown and "'lead'" in shown and "not_applied" in shown, shown
        assert command(dep, "conflicts", "resolve", "1", "--take", "external") == 0
        contact = hub_by_email(dep)["stage@example.com"]["properties"]
        assert contact["lifecyclestage"] == "lead"
        assert sql_by_email(dep)["stage@example.com"].status == "L"
        assert sync(dep) == 0
        assert sql_by_email(dep)["stage@example.com"].status == "L"
        assert hub_by_email(dep)["stage@example.com"]["properties"]["lifecyclestage"] == "lead"
