"""Read-back (issue 12): HubSpot accepts a `lifecyclestage` moved backwards with a 200 and keeps
the later stage (HubSpot documents that it only moves forward; the sandbox does the same). The
write is not assumed done: the values HubSpot answers with are read back, the field it kept is
logged as a conflict HubSpot decided (policy "not_applied"), and the pair converges on HubSpot's
value instead of re-sending the refused one on every pass.

The real `syncer` command against the HubSpot sandbox on loopback and a SQL legacy table."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.identity_harness import (
    command,
    conflict_rows,
    counting_sql_writes,
    hub_by_email,
    sql_by_email,
    sql_insert,
    sync,
)
from tests.integration.harness import deployment


@pytest.mark.parametrize("sql_url", ["sqlite", "postgres"], indirect=True)
def test_a_backward_lifecyclestage_is_reported_and_never_resent(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        row = sql_insert(dep, email="back@example.com", first_name="Back", status="C")
        assert command(dep, "migrate") == 0
        contact = hub_by_email(dep)["back@example.com"]
        assert contact["properties"]["lifecyclestage"] == "customer"

        dep.edit_row(row, status="L", first_name="Moved")  # backwards: customer -> lead
        assert sync(dep) == 0
        props = hub_by_email(dep)["back@example.com"]["properties"]
        assert (props["firstname"], props["lifecyclestage"]) == ("Moved", "customer")
        [conflict] = conflict_rows(dep)
        assert (conflict.field, conflict.policy, conflict.winner) == (
            "lifecyclestage",
            "not_applied",
            "hubspot",
        )
        assert (conflict.hubspot_id, conflict.external_id) == (contact["id"], str(row))

        dep.sandbox.reset_stats()
        assert sync(dep) == 0  # HubSpot's kept stage comes back to the row, once
        assert sql_by_email(dep)["back@example.com"].status == "C"
        assert dep.sandbox.stats().get("writes", 0) == 0
        for _ in range(2):  # and then nothing moves: no loop of refused writes
            dep.sandbox.reset_stats()
            with counting_sql_writes(dep.table.name) as sql:
                assert sync(dep) == 0
            assert (dep.sandbox.stats().get("writes", 0), sql.statements) == (0, [])
        assert len(conflict_rows(dep)) == 1


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_a_forward_move_is_applied_and_no_conflict(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        row = sql_insert(dep, email="fwd@example.com", first_name="Fwd", status="L")
        assert command(dep, "migrate") == 0
        dep.edit_row(row, status="C")
        assert sync(dep) == 0
        assert hub_by_email(dep)["fwd@example.com"]["properties"]["lifecyclestage"] == "customer"
        assert conflict_rows(dep) == []
