"""What the relations tests check, each side read by its own means: every record once, every
edge in HubSpot as it is in SQL (type and label included), every owner resolved, and what a
pass wrote."""

from __future__ import annotations

from typing import Any

from tests.integration.relations.deployment import Edge, SalesDeployment

SYNC_WRITES = ("writes", "associations/write")


def hub_writes(dep: SalesDeployment) -> int:
    stats = dep.app.stats()
    return sum(stats.get(kind, 0) for kind in SYNC_WRITES)


def sql_snapshot(dep: SalesDeployment) -> dict[str, list[dict[str, Any]]]:
    return {t: sorted(dep.sql_rows(t), key=repr) for t in ("customers", "contacts", "orders")} | {
        "contact_accounts": sorted(dep.sql_rows("contact_accounts"), key=repr)
    }


def labelled(edges: set[Edge], label: str | None) -> set[tuple[str, str]]:
    return {(a, b) for a, b, kind in edges if kind == label}


def join_pairs(dep: SalesDeployment) -> set[tuple[str, str]]:
    return {
        (str(r["contactNumber"]), str(r["customerNumber"]))
        for r in dep.sql_rows("contact_accounts")
    }


def fk_pairs(
    dep: SalesDeployment, table: str, key: str | tuple[str, ...], column: str
) -> set[tuple[str, str]]:
    return {(a, b) for a, b, _ in dep.sql_edges(table, key, column)}


def assert_edges_agree(dep: SalesDeployment) -> None:
    """Every relation in SQL is the same edge in HubSpot, with its type and label, and no more."""
    contact_edges = dep.hub_edges("contacts", "companies")
    own = fk_pairs(dep, "contacts", "contactNumber", "customerNumber")
    buys_for = join_pairs(dep)
    # Whether HubSpot adds its unlabelled type beside a label is not what is tested here.
    assert own <= labelled(contact_edges, None) <= own | buys_for
    assert labelled(contact_edges, "Buyer") == buys_for
    deal_edges = dep.hub_edges("deals", "companies")
    billed = fk_pairs(dep, "orders", "orderNumber", "customerNumber")
    assert labelled(deal_edges, "Billing company") == billed
    assert labelled(deal_edges, None) <= billed
    lines = ("orderNumber", "productCode")
    line_edges = dep.hub_edges("line_items", "deals")
    assert labelled(line_edges, None) == fk_pairs(dep, "orderdetails", lines, "orderNumber")
    products = {key: r["id"] for key, r in dep.hub_records("products").items()}
    line_products = {
        key: r["properties"].get("hs_product_id")
        for key, r in dep.hub_records("line_items").items()
    }
    assert line_products == {
        f"{r['orderNumber']}:{r['productCode']}": products[r["productCode"]]
        for r in dep.sql_rows("orderdetails")
    }
    for engagement, table, key in (("notes", "notes", "noteId"), ("tasks", "tasks", "taskId")):
        edges = labelled(dep.hub_edges(engagement, "contacts"), None)
        assert edges == fk_pairs(dep, table, key, "contactNumber"), engagement


def assert_owners_resolved(dep: SalesDeployment) -> None:
    checks = (
        ("companies", "customers", "customerNumber", "salesRepEmployeeNumber"),
        ("contacts", "contacts", "contactNumber", "salesRepEmployeeNumber"),
        ("deals", "orders", "orderNumber", "salesRepEmployeeNumber"),
        ("notes", "notes", "noteId", "enteredBy"),
        ("tasks", "tasks", "taskId", "assignedTo"),
    )
    for pipeline, table, key, column in checks:
        owners = {
            k: r["properties"].get("hubspot_owner_id") for k, r in dep.hub_records(pipeline).items()
        }
        expected = {str(r[key]): dep.owner_ids[r[column]] for r in dep.sql_rows(table)}
        assert owners == expected, pipeline


def assert_every_record_once(dep: SalesDeployment) -> None:
    """One HubSpot record per row (hub_records refuses two carrying one external id)."""
    for pipeline, table in (
        ("companies", "customers"),
        ("contacts", "contacts"),
        ("deals", "orders"),
        ("products", "products"),
        ("line_items", "orderdetails"),
        ("notes", "notes"),
        ("tasks", "tasks"),
    ):
        assert len(dep.hub_records(pipeline)) == len(dep.sql_rows(table)), pipeline
