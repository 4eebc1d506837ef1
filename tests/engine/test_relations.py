"""Associations and owners through the engine, on in-memory CRMs: a contact's company follows
from either side, a reference to a company not linked yet waits (pending) and is completed
when the company links, owners pair by email, and a quiet pass writes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syncer.engine.report import Mode
from syncer.ledger.store import Ledger
from syncer.settings_relations import UnknownOwner
from tests.engine.relations_world import Relations, contacts_pipeline, make_relations


@pytest.fixture
def world(ledger_url: str) -> Iterator[Relations]:
    ledger = Ledger.open(ledger_url)
    yield make_relations(ledger)
    ledger.close()


def _companies(world: Relations) -> None:
    world.ext_companies.put({"domain": "acme.com", "name": "Acme"}, "501")
    world.ext_companies.put({"domain": "globex.com", "name": "Globex"}, "502")


def _writes(world: Relations) -> int:
    report_calls = 0
    for name in ("companies", "contacts"):
        report = world.run(name)
        report_calls += sum(report.created.values()) + sum(report.updated.values())
    return report_calls


def test_a_migration_carries_each_contacts_company_into_hubspot(world: Relations) -> None:
    _companies(world)
    world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "@companies": ["501"]})
    world.ext_contacts.put({"email": "bob@x.com", "first_name": "Bob", "@companies": []})
    world.run("companies", Mode.MIGRATE)
    world.run("contacts", Mode.MIGRATE)
    acme = world.hub_company_id("acme.com")
    assert world.hub_contact("ann@x.com").properties["@companies"] == [acme]
    assert world.hub_contact("bob@x.com").properties.get("@companies") in (None, [])
    assert world.ledger.edge_count("contacts") == 1
    assert world.ledger.pending_references("contacts") == []
    assert _writes(world) == 0  # echoes of our own edge writes produce nothing


def test_a_reference_to_a_company_not_linked_yet_waits_then_completes(world: Relations) -> None:
    _companies(world)
    world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "@companies": ["502"]})
    world.run("contacts", Mode.MIGRATE)  # before its companies: the reference cannot resolve
    ann = world.hub_contact("ann@x.com")
    assert ann.properties.get("@companies") in (None, [])
    [pending] = world.ledger.pending_references("contacts")
    assert (pending.ref.target_id, pending.ref.field, pending.dangling) == (
        "502",
        "@companies",
        False,
    )
    world.run("companies", Mode.MIGRATE)
    report = world.run("contacts")  # nothing changed in contacts: revisited all the same
    assert world.hub_contact("ann@x.com").properties["@companies"] == [
        world.hub_company_id("globex.com")
    ]
    assert report.updated["hubspot"] == 1
    assert world.ledger.pending_references("contacts") == []
    assert _writes(world) == 0


def test_a_reference_to_a_key_that_exists_nowhere_is_reported_dangling(world: Relations) -> None:
    _companies(world)
    world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "@companies": ["599"]})
    world.run("contacts", Mode.MIGRATE)
    world.run("companies", Mode.MIGRATE)
    world.run("contacts")
    [pending] = world.ledger.pending_references("contacts")
    assert pending.dangling
    assert pending.ref.record_id == world.ext_contacts.live()[0].id


def test_a_moved_foreign_key_moves_the_association_and_back(world: Relations) -> None:
    _companies(world)
    row = world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "@companies": ["501"]})
    world.run("companies", Mode.MIGRATE)
    world.run("contacts", Mode.MIGRATE)
    world.ext_contacts.put({"@companies": ["502"]}, row.id)
    world.run("contacts")
    ann = world.hub_contact("ann@x.com")
    assert ann.properties["@companies"] == [world.hub_company_id("globex.com")]
    world.hub_contacts.put({"@companies": [world.hub_company_id("acme.com")]}, ann.id)
    world.run("contacts")
    assert world.ext_contacts.rows[row.id].properties["@companies"] == ["501"]
    assert _writes(world) == 0


def test_owners_pair_by_email_whatever_its_case(world: Relations) -> None:
    world.contacts = contacts_pipeline(owner=True)
    row = world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "rep": "E1"})
    world.run("contacts", Mode.MIGRATE)
    ann = world.hub_contact("ann@x.com")
    assert ann.properties["hubspot_owner_id"] == "100"
    world.hub_contacts.put({"hubspot_owner_id": "101"}, ann.id)  # carl: no user of that email
    report = world.run("contacts")
    assert report.quarantined == 1
    [entry] = world.ledger.quarantined("contacts")
    assert "carl@example.com" in entry.message
    assert world.ext_contacts.rows[row.id].properties["rep"] == "E1"


def test_an_unknown_owner_can_be_left_unset(world: Relations) -> None:
    world.contacts = contacts_pipeline(owner=True)
    world.unknown_owner = UnknownOwner.LEAVE_UNSET
    world.ext_contacts.put({"email": "bob@x.com", "first_name": "Bob", "rep": "E2"})
    report = world.run("contacts", Mode.MIGRATE)
    assert report.quarantined == 0
    bob = world.hub_contact("bob@x.com")
    assert bob.properties.get("hubspot_owner_id") is None
    assert bob.properties["firstname"] == "Bob"
    assert _writes(world) == 0
