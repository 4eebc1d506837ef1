"""Relations end to end (issue 11): the legacy sales schema (tests/integration/relations/) in a
real SQLite, PostgreSQL and MariaDB database, HubSpot as the sandbox over loopback HTTP, the
commands a user runs (`check`, `migrate`, `sync`, `errors`).

Each side is read by its own means: SQL through SQLAlchemy, HubSpot through its HTTP API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from syncer.cli import main
from tests.integration.relations.checks import (
    assert_edges_agree,
    assert_every_record_once,
    assert_owners_resolved,
    hub_writes,
    join_pairs,
    sql_snapshot,
)
from tests.integration.relations.data import employee_email
from tests.integration.relations.deployment import SalesDeployment, now, sales_deployment


@pytest.fixture
def sales(tmp_path: Path, sql_url: str, unique_name: str) -> Iterator[SalesDeployment]:
    with sales_deployment(tmp_path, sql_url, unique_name, sweep="1s") as dep:
        yield dep


def _run(dep: SalesDeployment, command: str, *args: str, expect: int = 0) -> None:
    assert main([command, "-c", str(dep.config), *args]) == expect, f"syncer {command}"


def _migrated(dep: SalesDeployment) -> None:
    _run(dep, "check")
    _run(dep, "migrate")


def test_migrate_puts_every_edge_and_owner_in_hubspot_and_a_second_sync_writes_nothing(
    sales: SalesDeployment,
) -> None:
    _migrated(sales)
    assert_every_record_once(sales)
    assert_edges_agree(sales)
    assert_owners_resolved(sales)

    writes, rows = hub_writes(sales), sql_snapshot(sales)
    _run(sales, "sync")
    assert hub_writes(sales) == writes, "a quiet sync wrote to HubSpot"
    assert sql_snapshot(sales) == rows, "a quiet sync wrote to SQL"


class Hub:
    """Association edits as a HubSpot user makes them, through the v4 API."""

    def __init__(self, dep: SalesDeployment, client: httpx.Client) -> None:
        self.dep, self.client = dep, client

    def id_of(self, pipeline: str, key: str) -> str:
        return str(self.dep.hub_records(pipeline)[key]["id"])

    def buyer_type(self) -> int:
        response = self.client.get("/crm/v4/associations/contacts/companies/labels")
        response.raise_for_status()
        [found] = [t for t in response.json()["results"] if t["label"] == "Buyer"]
        return int(found["typeId"])

    def associate(self, contact: str, company: str, type_id: int | None = None) -> None:
        c, m = self.id_of("contacts", contact), self.id_of("companies", company)
        if type_id is None:
            path = f"/crm/v4/objects/contacts/{c}/associations/default/companies/{m}"
            self.client.put(path).raise_for_status()
            return
        body = [{"associationCategory": "USER_DEFINED", "associationTypeId": type_id}]
        path = f"/crm/v4/objects/contacts/{c}/associations/companies/{m}"
        self.client.put(path, json=body).raise_for_status()

    def dissociate(self, contact: str, company: str) -> None:
        c, m = self.id_of("contacts", contact), self.id_of("companies", company)
        path = f"/crm/v4/objects/contacts/{c}/associations/companies/{m}"
        self.client.delete(path).raise_for_status()


def test_moves_on_either_side_are_followed_on_the_other(sales: SalesDeployment) -> None:
    _migrated(sales)
    contacts = sorted(sales.sql_rows("contacts"), key=lambda r: r["contactNumber"])
    customers = [c["customerNumber"] for c in sales.sql_rows("customers")]
    joined = join_pairs(sales)
    plain = [c for c in contacts if not any(p[0] == str(c["contactNumber"]) for p in joined)]
    moved_in_sql, unfiled_in_sql, moved_in_hub = plain[0], plain[1], plain[2]

    def other_than(row: dict[str, Any]) -> int:
        return next(c for c in customers if c != row["customerNumber"])

    # SQL: one contact filed under another customer, one unfiled, an order billed elsewhere,
    # a join row added and one deleted.
    sales.update("contacts", {"contactNumber": moved_in_sql["contactNumber"]},
                 customerNumber=other_than(moved_in_sql))  # fmt: skip
    sales.update("contacts", {"contactNumber": unfiled_in_sql["contactNumber"]},
                 customerNumber=None)  # fmt: skip
    order = sales.sql_rows("orders")[0]
    sales.update("orders", {"orderNumber": order["orderNumber"]}, customerNumber=other_than(order))
    accounts = sales.schema.table("contact_accounts")
    gone = sorted(joined)[0]
    sales.execute(
        sa.delete(accounts).where(
            accounts.c.contactNumber == int(gone[0]), accounts.c.customerNumber == int(gone[1])
        )
    )
    new_join = (moved_in_sql["contactNumber"], customers[-1])
    sales.execute(sa.insert(accounts).values(contactNumber=new_join[0], customerNumber=new_join[1]))

    # HubSpot: a contact moved to another company (associations only: its modification time
    # does not move, so the sweep finds it), a Buyer label added to another contact.
    target = other_than(moved_in_hub)
    with sales.hubspot() as client:
        hub = Hub(sales, client)
        key = str(moved_in_hub["contactNumber"])
        hub.dissociate(key, str(moved_in_hub["customerNumber"]))
        hub.associate(key, str(target))
        labelled = str(plain[3]["contactNumber"])
        hub.associate(labelled, str(other_than(plain[3])), hub.buyer_type())

    _run(sales, "sync")
    by_number = {r["contactNumber"]: r for r in sales.sql_rows("contacts")}
    assert by_number[moved_in_hub["contactNumber"]]["customerNumber"] == target
    assert (int(labelled), other_than(plain[3])) in {(int(a), int(b)) for a, b in join_pairs(sales)}
    assert_edges_agree(sales)
    assert (gone[0], gone[1], "Buyer") not in sales.hub_edges("contacts", "companies")

    writes, rows = hub_writes(sales), sql_snapshot(sales)
    _run(sales, "sync")
    assert (hub_writes(sales), sql_snapshot(sales)) == (writes, rows), "echoes were written"


def test_deleted_records_take_their_edges_with_them(sales: SalesDeployment) -> None:
    """`deletes = "archive"` on deals, line items and tasks: rows the legacy app deletes are
    archived in HubSpot, and the associations of what is left no longer point at them. The
    app deletes rows outright (no deleted flag), which only a full listing sees: `migrate`."""
    _migrated(sales)
    order = sales.sql_rows("orders")[0]["orderNumber"]
    task = sales.sql_rows("tasks")[0]["taskId"]
    lines, orders, tasks = (sales.schema.table(n) for n in ("orderdetails", "orders", "tasks"))
    sales.execute(sa.delete(lines).where(lines.c.orderNumber == order))
    sales.execute(sa.delete(orders).where(orders.c.orderNumber == order))
    sales.execute(sa.delete(tasks).where(tasks.c.taskId == task))
    _run(sales, "migrate")
    assert str(order) not in sales.hub_records("deals")
    assert str(task) not in sales.hub_records("tasks")
    assert not any(k.startswith(f"{order}:") for k in sales.hub_records("line_items"))
    assert_every_record_once(sales)
    assert_edges_agree(sales)
    archived = {
        r["properties"].get("legacy_order_number") for r in sales.app.records("deals", True)
    }
    assert str(order) in archived


def test_records_created_with_their_references_in_one_run_arrive_linked(
    sales: SalesDeployment,
) -> None:
    """A contact, its note and an order line are written in SQL before the customer, order and
    product they point at are in HubSpot: one sync creates all, every edge included; and a
    contact entered in HubSpot under a company arrives in SQL filed under its customer."""
    _migrated(sales)
    stamp = now()
    new_customer, new_contact, new_order, new_product = 990, 9001, 19990, "S99_9999"
    rows: list[tuple[str, dict[str, Any]]] = [
        ("customers", {"customerNumber": new_customer, "customerName": "Late Arrivals Ltd",
                       "salesRepEmployeeNumber": 2}),
        ("contacts", {"contactNumber": new_contact, "customerNumber": new_customer,
                      "contactFirstName": "Nina", "contactLastName": "Late",
                      "email": "nina.late@buyers.example", "salesRepEmployeeNumber": 3}),
        ("products", {"productCode": new_product, "productName": "1999 Late Train",
                      "productLine": "Trains", "productDescription": "1:18 scale",
                      "buyPrice": 10, "MSRP": 20}),
        ("orders", {"orderNumber": new_order, "orderReference": "PO-19990",
                    "orderDate": stamp.date(), "status": "In Process",
                    "customerNumber": new_customer, "salesRepEmployeeNumber": 2}),
        ("orderdetails", {"orderNumber": new_order, "productCode": new_product,
                          "quantityOrdered": 3, "priceEach": 20, "orderLineNumber": 1}),
        ("notes", {"noteId": 9001, "contactNumber": new_contact, "noteText": "First call.",
                   "createdAt": stamp, "enteredBy": 2}),
    ]  # fmt: skip
    with sales.engine.begin() as conn:
        for table, values in rows:
            conn.execute(sa.insert(sales.schema.table(table)).values(last_modified=stamp, **values))

    company = sales.hub_records("companies")[str(sales.sql_rows("customers")[0]["customerNumber"])]
    with sales.hubspot() as client:
        body = {
            "properties": {"email": "hub.born@buyers.example", "firstname": "Hub",
                           "lastname": "Born"},
            "associations": [{"to": {"id": company["id"]}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}],
        }  # fmt: skip
        client.post("/crm/v3/objects/contacts", json=body).raise_for_status()

    _run(sales, "sync")
    assert_every_record_once(sales)
    assert_edges_agree(sales)
    [born] = [r for r in sales.sql_rows("contacts") if r["email"] == "hub.born@buyers.example"]
    assert born["customerNumber"] == sales.sql_rows("customers")[0]["customerNumber"]


def _status(dep: SalesDeployment, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    _run(dep, "status", "--json")
    found: dict[str, Any] = json.loads(capsys.readouterr().out)
    return found


def test_an_unknown_owner_is_quarantined_and_what_points_at_it_waits_until_it_links(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Employee 6 has no HubSpot owner: the customers they own wait in quarantine, their email
    in the reason, and the contacts and orders filed under those customers are created with
    their reference pending (shown by `status`). Once the owner exists in HubSpot, a retry
    creates the companies and completes every pending edge."""
    with sales_deployment(tmp_path, sql_url, unique_name, without_owner=[6]) as dep:
        _run(dep, "check")
        _run(dep, "migrate", expect=4)
        capsys.readouterr()
        _run(dep, "errors")
        assert employee_email(6) in capsys.readouterr().out
        owned_by_6 = {str(r["customerNumber"]) for r in dep.sql_rows("customers")
                      if r["salesRepEmployeeNumber"] == 6}  # fmt: skip
        companies = dep.hub_records("companies")
        assert owned_by_6 and not owned_by_6 & companies.keys()
        assert len(companies) == len(dep.rows["customers"]) - len(owned_by_6)
        waiting = {
            str(r["contactNumber"])
            for r in dep.sql_rows("contacts")
            if str(r["customerNumber"]) in owned_by_6
        }
        assert waiting, "no contact of those customers: the seed proves nothing"
        assert _status(dep, capsys)["contacts"]["pending"]["count"] >= len(waiting)

        dep.owner_ids[6] = str(dep.app.add_owner({"email": employee_email(6)})["id"])
        _run(dep, "errors", "retry")
        _run(dep, "sync")
        assert_every_record_once(dep)
        assert_edges_agree(dep)
        assert_owners_resolved(dep)
        assert _status(dep, capsys)["contacts"]["pending"]["count"] == 0
