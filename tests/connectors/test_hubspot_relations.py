"""Association fields on the HubSpot connector, over loopback HTTP against the sandbox: every
record carries each field's list of the other object's ids, and a write sets the whole list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncer.errors import ConfigError
from syncer.records import RejectionKind, Write
from tests.connectors.hubspot_relations_harness import Portal, calls, field, portal

__all__ = ["portal"]
COMPANIES = field("companies", "companies")
BILLING = field("companies", "companies", "Billing company")
UNLABELLED = 279  # contact -> company


def test_records_carry_each_fields_list_of_its_own_type_only(portal: Portal) -> None:
    people = portal.create("contacts", 3, firstname="P{n}")
    firms = portal.create("companies", 3, name="Firm {n}")
    billing = portal.label("contacts", "companies", "Billing company")
    portal.associate("contacts", "companies", [(people[0], firms[0]), (people[0], firms[1])], 279)
    portal.associate("contacts", "companies", [(people[1], firms[2])], billing, "USER_DEFINED")
    hubspot = portal.connector("contacts", [COMPANIES, BILLING])
    hubspot.prepare()

    listed = {r.id: r for p in hubspot.changes(None, datetime.now(UTC)) for r in p.records}
    assert sorted(listed[people[0]].properties["@companies"]) == sorted(firms[:2])
    assert listed[people[0]].properties["@companies:Billing company"] == []
    assert listed[people[1]].properties["@companies:Billing company"] == [firms[2]]
    assert listed[people[2]].properties["@companies"] == []
    fetched = hubspot.fetch([people[1]])[0]
    assert fetched.properties["@companies:Billing company"] == [firms[2]]
    values = hubspot.association_values([people[0], people[2], "424242"])
    assert {k: {f: sorted(v) for f, v in lists.items()} for k, lists in values.items()} == {
        people[0]: {"@companies": sorted(firms[:2]), "@companies:Billing company": []},
        people[2]: {"@companies": [], "@companies:Billing company": []},
    }  # a record that does not exist is absent
    assert "@companies" not in hubspot.field_types()


def test_a_listing_reads_lists_for_a_thousand_records_a_call(portal: Portal) -> None:
    people = portal.create("contacts", 2_050, firstname="P{n}")
    firm = portal.create("companies", 1, name="Firm")[0]
    portal.associate("contacts", "companies", [(p, firm) for p in people[::7]], UNLABELLED)
    hubspot = portal.connector("contacts", [COMPANIES])
    hubspot.prepare()
    pages = list(hubspot.changes(None, datetime.now(UTC)))
    records = [r for p in pages for r in p.records]
    assert len(records) == 2_050 and [p.cursor is None for p in pages[:-1]] == [True] * 20
    assert sum(r.properties["@companies"] == [firm] for r in records) == len(people[::7])
    assert calls(hubspot, "associations/read") == 3  # 1,000 + 1,000 + 50 ids


def test_an_update_sets_the_whole_list_and_leaves_other_types_alone(portal: Portal) -> None:
    people = portal.create("contacts", 2, firstname="P{n}")
    firms = portal.create("companies", 4, name="Firm {n}")
    hubspot = portal.connector("contacts", [COMPANIES, BILLING], mapped={"firstname": "f"})
    hubspot.prepare()
    billing = portal.labels("contacts", "companies")["Billing company"]
    portal.associate("contacts", "companies", [(people[0], firms[0]), (people[0], firms[1])], 279)
    portal.associate("contacts", "companies", [(people[0], firms[1])], billing, "USER_DEFINED")

    results = hubspot.write(
        [
            Write("a", {"@companies": [firms[1], firms[2]]}, target_id=people[0]),
            Write("b", {"firstname": "B", "@companies:Billing company": [firms[3]]},
                  target_id=people[1]),
        ]
    )  # fmt: skip
    assert [r.ok for r in results] == [True, True]
    assert portal.edges("contacts", "companies", people[0]) == {
        firms[1]: {279, billing},  # kept: the billing label of another field stays
        firms[2]: {279},
    }
    assert portal.edges("contacts", "companies", people[1]) == {firms[3]: {billing}}

    hubspot.write([Write("c", {"@companies:Billing company": []}, target_id=people[0])])
    assert portal.edges("contacts", "companies", people[0]) == {
        firms[1]: {279},
        firms[2]: {279},
    }


def test_a_target_that_does_not_exist_refuses_that_record_only(portal: Portal) -> None:
    people = portal.create("contacts", 2, firstname="P{n}")
    firm = portal.create("companies", 1, name="Firm")[0]
    hubspot = portal.connector("contacts", [COMPANIES])
    hubspot.prepare()
    results = hubspot.write(
        [
            Write("a", {"@companies": ["987654"]}, target_id=people[0]),
            Write("b", {"@companies": [firm]}, target_id=people[1]),
        ]
    )
    refused = results[0].rejection
    assert refused is not None and refused.kind is RejectionKind.NOT_FOUND
    assert "987654" in refused.message and refused.property == "@companies"
    assert results[1].ok and portal.edges("contacts", "companies", people[1]) == {firm: {279}}


def test_creates_carry_their_edges_inline_and_a_resend_duplicates_nothing(
    portal: Portal,
) -> None:
    firms = portal.create("companies", 3, name="Firm {n}")
    hubspot = portal.connector("contacts", [COMPANIES, BILLING], mapped={"firstname": "f"})
    hubspot.prepare()
    billing = portal.labels("contacts", "companies")["Billing company"]
    creates = [
        Write(
            f"w{n}",
            {"firstname": f"P{n}", "legacy_id": f"L{n}", "@companies": [firms[n % 3]],
             "@companies:Billing company": [firms[0]] if n == 0 else []},
            unique_property="legacy_id", unique_value=f"L{n}",
        )
        for n in range(150)
    ]  # fmt: skip
    first = hubspot.write(creates)
    assert all(r.ok and r.created for r in first)
    assert calls(hubspot, "batch/create") == 2 and calls(hubspot, "associations/create") == 0
    assert portal.edges("contacts", "companies", str(first[0].id)) == {firms[0]: {279, billing}}
    assert portal.edges("contacts", "companies", str(first[1].id)) == {firms[1]: {279}}

    moved = [Write(w.key, {**w.properties, "@companies": [firms[2]]}, unique_property="legacy_id",
                   unique_value=w.unique_value) for w in creates[:2]]  # fmt: skip
    again = hubspot.write(moved)  # a resend after a lost answer, with a moved edge
    assert [(r.ok, r.created, r.id) for r in again] == [(True, False, r.id) for r in first[:2]]
    assert portal.count("contacts") == 150
    assert portal.edges("contacts", "companies", str(first[1].id)) == {firms[2]: {279}}


def test_a_create_pointing_at_a_missing_record_is_refused_alone(portal: Portal) -> None:
    firm = portal.create("companies", 1, name="Firm")[0]
    hubspot = portal.connector("contacts", [COMPANIES])
    hubspot.prepare()
    results = hubspot.write(
        [
            Write("bad", {"legacy_id": "L1", "@companies": ["555555"]},
                  unique_property="legacy_id", unique_value="L1"),
            Write("good", {"legacy_id": "L2", "@companies": [firm]},
                  unique_property="legacy_id", unique_value="L2"),
        ]
    )  # fmt: skip
    refused = results[0].rejection
    assert refused is not None and refused.kind is RejectionKind.NOT_FOUND
    assert "555555" in refused.message
    assert results[1].ok and portal.count("contacts") == 1


def test_prepare_creates_a_missing_label_once(portal: Portal) -> None:
    assert "Billing company" not in portal.labels("contacts", "companies")
    portal.connector("contacts", [BILLING]).prepare()
    portal.connector("contacts", [BILLING]).prepare()
    labels = portal.labels("contacts", "companies")
    assert list(labels).count("Billing company") == 1


def test_a_label_of_the_other_direction_is_a_config_error_naming_the_key(
    portal: Portal,
) -> None:
    portal.label("companies", "contacts", "Employer", inverse="Employee")
    hubspot = portal.connector("contacts", [field("companies", "companies", "Employer")])
    with pytest.raises(ConfigError, match=r'pipelines\.contacts\.associations \(to = "companies", '
                       r'label = "Employer"\).*from companies to contacts'):  # fmt: skip
        hubspot.prepare()
    employee = portal.connector("contacts", [field("companies", "companies", "Employee")])
    employee.prepare()  # the inverse label is this direction's


def test_an_unknown_object_is_a_config_error_naming_the_key(portal: Portal) -> None:
    hubspot = portal.connector("contacts", [field("widgets", "widgets")])
    with pytest.raises(ConfigError, match=r'pipelines\.contacts\.associations \(to = "widgets"\)'):
        hubspot.prepare()


def test_a_link_kept_as_a_property_is_a_list_of_at_most_one(portal: Portal) -> None:
    products = portal.create(
        "products", 2, name="P{n}", price="1", hs_sku="S{n}", hs_folder="f", description="d"
    )
    items = portal.create("line_items", 1, quantity="1", hs_product_id=products[0])
    product = field("products", "products", prop="hs_product_id")
    hubspot = portal.connector("line_items", [product], mapped={"quantity": "qty"})
    hubspot.prepare()
    assert hubspot.fetch(items)[0].properties["@products"] == [products[0]]
    assert hubspot.association_values(items) == {items[0]: {"@products": [products[0]]}}
    moved, two = hubspot.write(
        [
            Write("m", {"@products": [products[1]]}, target_id=items[0]),
            Write("t", {"@products": products}, target_id=items[0]),
        ]
    )
    assert moved.ok and hubspot.fetch(items)[0].properties["@products"] == [products[1]]
    assert two.rejection is not None and two.rejection.kind is RejectionKind.INVALID_VALUE
    assert "hs_product_id" in two.rejection.message
    assert calls(hubspot, "associations/read") == 0


def test_owner_emails_are_read_once_active_and_archived(portal: Portal) -> None:
    for n in range(120):
        portal.sandbox.add_owner({"email": f"rep{n}@example.com"})
    gone = portal.sandbox.add_owner({"email": "left@example.com", "archived": True})
    hubspot = portal.connector("contacts")
    emails = hubspot.owner_emails()
    assert len(emails) == 121 and "left@example.com" in emails.values()
    assert hubspot.owner_emails() is emails
    assert calls(hubspot, "owners") == 3  # two pages of active owners, one of archived
    assert hubspot.capabilities.owners and hubspot.capabilities.associations
    assert gone is not None
