"""Relations across their targets' archives, restores and merges (issue 11): the legacy sales
schema in a real SQLite, PostgreSQL and MariaDB database, HubSpot as the sandbox over loopback
HTTP.

With `deletes = "archive"` on companies, a customer closed in HubSpot (archived) is hidden in
the app (its `deleted` flag), and what pointed at it lets go of it on both sides; once the app
reopens the account, everything that pointed at it points at it again, on both sides. With
`deletes = "ignore"`, the archive has no consequence on the other side at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.cli import main
from tests.integration.relations.checks import (
    assert_edges_agree,
    fk_pairs,
    hub_writes,
    join_pairs,
    labelled,
    sql_snapshot,
)
from tests.integration.relations.deployment import SalesDeployment, sales_deployment
from tests.integration.test_relations_e2e import Hub


@pytest.fixture
def archiving(tmp_path: Path, sql_url: str, unique_name: str) -> Iterator[SalesDeployment]:
    with sales_deployment(tmp_path, sql_url, unique_name, company_deletes="archive") as dep:
        yield dep


def _run(dep: SalesDeployment, command: str, *args: str, expect: int = 0) -> None:
    assert main([command, "-c", str(dep.config), *args]) == expect, f"syncer {command}"


def _pointing_at(dep: SalesDeployment, customer: str) -> dict[str, set[str]]:
    """What points at the customer in SQL: contacts filed under it, orders billed to it,
    contacts buying for it (the join table)."""
    return {
        "contacts": {a for a, b in fk_pairs(dep, "contacts", "contactNumber", "customerNumber")
                     if b == customer},
        "orders": {a for a, b in fk_pairs(dep, "orders", "orderNumber", "customerNumber")
                   if b == customer},
        "buyers": {a for a, b in join_pairs(dep) if b == customer},
    }  # fmt: skip


def test_a_restored_company_gets_back_the_contacts_and_deals_that_pointed_at_it(
    archiving: SalesDeployment,
) -> None:
    dep = archiving
    _run(dep, "check")
    _run(dep, "migrate")
    customer = str(dep.sql_rows("customers")[0]["customerNumber"])
    before = _pointing_at(dep, customer)
    assert before["contacts"] and before["orders"], "the seed files nothing under it"

    with dep.hubspot() as client:
        company = dep.hub_records("companies")[customer]["id"]
        client.delete(f"/crm/v3/objects/companies/{company}").raise_for_status()
    _run(dep, "sync")
    [row] = [r for r in dep.sql_rows("customers") if str(r["customerNumber"]) == customer]
    assert row["deleted"], "the archive did not reach the app"
    assert _pointing_at(dep, customer) == {"contacts": set(), "orders": set(), "buyers": set()}
    assert_edges_agree(dep)

    # Meanwhile one of its contacts is filed under another customer: that is the contact's
    # newer word, which the restore does not undo.
    moved = min(before["contacts"])
    elsewhere = str(dep.sql_rows("customers")[1]["customerNumber"])
    dep.update("contacts", {"contactNumber": int(moved)}, customerNumber=int(elsewhere))
    dep.update("customers", {"customerNumber": int(customer)}, deleted=False)  # reopened
    _run(dep, "sync")
    assert customer in dep.hub_records("companies"), "the company was not restored in HubSpot"
    assert _pointing_at(dep, customer) == before | {"contacts": before["contacts"] - {moved}}
    assert (moved, elsewhere) in fk_pairs(dep, "contacts", "contactNumber", "customerNumber")
    assert_edges_agree(dep)

    writes, rows = hub_writes(dep), sql_snapshot(dep)
    _run(dep, "sync")
    assert (hub_writes(dep), sql_snapshot(dep)) == (writes, rows), "a quiet sync wrote"


def test_with_deletes_ignore_an_archived_company_keeps_what_points_at_it_in_sql(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """HubSpot hides the associations of an archived company; with `deletes = "ignore"` that
    is no edit of the contacts and deals: their foreign keys and join rows stay, sweep or not."""
    with sales_deployment(tmp_path, sql_url, unique_name, sweep="1s") as dep:
        _run(dep, "check")
        _run(dep, "migrate")
        customer = str(dep.sql_rows("customers")[0]["customerNumber"])
        before = _pointing_at(dep, customer)
        assert before["contacts"] and before["orders"], "the seed files nothing under it"
        with dep.hubspot() as client:
            company = dep.hub_records("companies")[customer]["id"]
            client.delete(f"/crm/v3/objects/companies/{company}").raise_for_status()
        time.sleep(1.1)  # the sweep is due
        _run(dep, "sync")
        assert _pointing_at(dep, customer) == before
        assert customer not in dep.hub_records("companies")
        [row] = [r for r in dep.sql_rows("customers") if str(r["customerNumber"]) == customer]
        assert not row["deleted"]

        writes, rows = hub_writes(dep), sql_snapshot(dep)
        time.sleep(1.1)
        _run(dep, "sync")
        assert (hub_writes(dep), sql_snapshot(dep)) == (writes, rows), "a quiet sync wrote"


@pytest.mark.parametrize("new_id", [True, False], ids=["merge makes a new id", "survivor kept"])
def test_a_merge_in_hubspot_moves_what_pointed_at_the_merged_away_company_to_the_survivor(
    tmp_path: Path, sql_url: str, unique_name: str, new_id: bool
) -> None:
    """HubSpot unions both companies' associations on the survivor (which has a new id since
    its "updated merge functionality", or keeps the primary's): the contacts and orders filed
    under the merged-away customer follow it in SQL, join rows included."""
    with sales_deployment(tmp_path, sql_url, unique_name, merge_creates_new_id=new_id) as dep:
        _run(dep, "check")
        _run(dep, "migrate")
        customers = [str(r["customerNumber"]) for r in dep.sql_rows("customers")]
        survivor = customers[0]
        absorbed = next(c for c in customers[1:] if all(_pointing_at(dep, c).values()))
        kept, moved = _pointing_at(dep, survivor), _pointing_at(dep, absorbed)
        companies = dep.hub_records("companies")
        with dep.hubspot() as client:
            body = {
                "primaryObjectId": companies[survivor]["id"],
                "objectIdToMerge": companies[absorbed]["id"],
            }
            client.post("/crm/v3/objects/companies/merge", json=body).raise_for_status()
        _run(dep, "sync")
        assert _pointing_at(dep, absorbed) == {"contacts": set(), "orders": set(), "buyers": set()}
        assert _pointing_at(dep, survivor) == {k: kept[k] | moved[k] for k in kept}
        assert_edges_agree(dep)

        writes, rows = hub_writes(dep), sql_snapshot(dep)
        _run(dep, "sync")
        assert (hub_writes(dep), sql_snapshot(dep)) == (writes, rows), "a quiet sync wrote"


@pytest.mark.parametrize("adds", [False], ids=["label alone"])
def test_labelled_associations_with_or_without_hubspots_unlabelled_type_beside_them(
    tmp_path: Path, sql_url: str, unique_name: str, adds: bool
) -> None:
    """Whether HubSpot adds the unlabelled type beside a label is UNCONFIRMED (the sandbox's
    `labelled_adds_unlabelled`). Either way a migration puts each label where it belongs, the
    unlabelled type is exactly what HubSpot would make of it, and a sync writes nothing."""
    with sales_deployment(tmp_path, sql_url, unique_name, labelled_adds_unlabelled=adds) as dep:
        _run(dep, "check")
        _run(dep, "migrate")
        own = fk_pairs(dep, "contacts", "contactNumber", "customerNumber")
        buyers = join_pairs(dep)
        contact_edges = dep.hub_edges("contacts", "companies")
        assert labelled(contact_edges, "Buyer") == buyers
        assert labelled(contact_edges, None) == (own | buyers if adds else own)
        billed = fk_pairs(dep, "orders", "orderNumber", "customerNumber")
        deal_edges = dep.hub_edges("deals", "companies")
        assert labelled(deal_edges, "Billing company") == billed
        assert labelled(deal_edges, None) == (billed if adds else set())

        writes, rows = hub_writes(dep), sql_snapshot(dep)
        _run(dep, "sync")
        assert (hub_writes(dep), sql_snapshot(dep)) == (writes, rows), "a quiet sync wrote"


def test_plan_lists_what_a_due_sweep_would_move_and_leaves_it_to_the_sync(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A contact moved to another company in HubSpot (its modification time untouched): only
    the sweep sees it. `syncer plan` shows the foreign key it would move and writes nothing,
    not even the sweep's clock: the sync after it still finds the move and makes it."""
    with sales_deployment(tmp_path, sql_url, unique_name, sweep="1s") as dep:
        _run(dep, "check")
        _run(dep, "migrate")
        customers = [r["customerNumber"] for r in dep.sql_rows("customers")]
        contact = next(r for r in dep.sql_rows("contacts") if r["customerNumber"] == customers[0])
        key, target = str(contact["contactNumber"]), str(customers[1])
        with dep.hubspot() as client:
            hub = Hub(dep, client)
            hub.dissociate(key, str(customers[0]))
            hub.associate(key, target)
        time.sleep(1.1)  # the sweep is due
        rows = sql_snapshot(dep)
        capsys.readouterr()
        _run(dep, "plan", "--pipeline", "contacts")
        shown = capsys.readouterr().out
        assert f"external={key} @companies -> {target}" in shown
        assert f"external={key} @companies -> {customers[0]}" in shown  # the edge removed
        assert sql_snapshot(dep) == rows
        _run(dep, "sync", "--pipeline", "contacts")
        assert (key, target) in fk_pairs(dep, "contacts", "contactNumber", "customerNumber")
