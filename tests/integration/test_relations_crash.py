"""A real `syncer migrate` of the legacy sales schema killed with SIGKILL at several points, then
run again until it finishes, on SQLite, PostgreSQL and MariaDB with the ledger on a server (the
same PostgreSQL; PostgreSQL beside MariaDB: ledger_beside.py), issue 11: no duplicate record,
edge or engagement, every edge present, every owner resolved, and a sync after it writes nothing.
Each kill lands at a chosen request, applied, its answer held back (relations/kills.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.cli import main
from tests.faults.ledger_harness import LedgerState
from tests.integration.ledger_beside import ledger_on
from tests.integration.relations.checks import (
    assert_edges_agree,
    assert_every_record_once,
    assert_owners_resolved,
    hub_writes,
    sql_snapshot,
)
from tests.integration.relations.data import Sizes
from tests.integration.relations.deployment import SalesDeployment, sales_deployment
from tests.integration.relations.kills import Kill, finished, killed_at

# Two batches of contacts and of notes (HubSpot takes 100 inputs a call).
SIZES = Sizes(customers=20, contacts=150, extra_accounts=20, orders=10, notes=150, tasks=20)


MIGRATION_KILLS = (
    # the second batch of contacts, created with their edges inline (their company, and the
    # join table's labelled "Buyer" edges)
    Kill("contact creates", "/crm/v3/objects/contacts/batch/create", "1120@buyers.example"),
    # the second batch of notes: engagements, which take no unique property
    Kill("note creates", "/crm/v3/objects/notes/batch/create", "Call #120:"),
)
# A sync after foreign keys moved in SQL: edges of linked records, written apart (v4).
EDGE_KILL = Kill("edge writes", "/crm/v4/associations/contacts/companies/batch/create")


@pytest.fixture
def sales(
    request: pytest.FixtureRequest, tmp_path: Path, sql_url: str, unique_name: str
) -> Iterator[SalesDeployment]:
    server = request.getfixturevalue("postgres_url") if sql_url.startswith("mysql") else sql_url
    with (
        ledger_on(server, tmp_path, unique_name) as ledger,
        sales_deployment(tmp_path, sql_url, unique_name, sizes=SIZES, ledger_url=ledger) as dep,
    ):
        yield dep


def _assert_converged_and_quiet(dep: SalesDeployment) -> None:
    """Every record once, every edge and owner as SQL says, no write left unresolved, and a
    sync after it writes nothing."""
    assert_every_record_once(dep)
    assert_edges_agree(dep)
    assert_owners_resolved(dep)
    assert LedgerState.read(dep.ledger_url).intents["pending"] == 0
    writes, rows = hub_writes(dep), sql_snapshot(dep)
    assert main(["sync", "-c", str(dep.config)]) == 0
    assert (hub_writes(dep), sql_snapshot(dep)) == (writes, rows), "a quiet sync wrote"


def test_kill_9_at_each_point_of_the_migration_then_a_rerun_leaves_no_duplicate(
    sales: SalesDeployment,
) -> None:
    assert main(["check", "-c", str(sales.config)]) == 0
    for kill in MIGRATION_KILLS:
        killed_at(sales, "migrate", kill)
    unconfirmed = LedgerState.read(sales.ledger_url).intents["pending"]
    assert unconfirmed > 0, "no create was left unconfirmed: the kills proved nothing"
    finished(sales, "migrate")
    _assert_converged_and_quiet(sales)

    # Contacts filed under another customer, and join rows added: their edges move.
    customers = [r["customerNumber"] for r in sales.sql_rows("customers")]
    contacts = sorted(sales.sql_rows("contacts"), key=lambda r: r["contactNumber"])
    for n, contact in enumerate(contacts[-30:]):
        moved = next(c for c in customers[n:] + customers if c != contact["customerNumber"])
        sales.update("contacts", {"contactNumber": contact["contactNumber"]}, customerNumber=moved)
    killed_at(sales, "sync", EDGE_KILL)
    assert_every_record_once(sales)
    finished(sales, "sync")
    _assert_converged_and_quiet(sales)
