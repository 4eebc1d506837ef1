"""Associations and owners through the engine, on in-memory CRMs: a contact's company follows
from either side, a reference to a company not linked yet waits (pending) and is completed
when the company links, owners pair by email, and a quiet pass writes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from syncer.connectors.memory import MemoryConnector
from syncer.engine.report import Mode, PlanAction
from syncer.errors import ConfigError
from syncer.ledger.store import Ledger
from syncer.plan_view import render_plan
from syncer.records import Record, Side
from syncer.settings_relations import UnknownOwner
from syncer.status_view import association_columns, pipeline_status, render_status
from tests.engine.relations_world import (
    COMPANIES,
    COMPANY_HUB,
    CONTACT_EXT,
    CONTACT_HUB,
    Relations,
    contacts_pipeline,
    make_relations,
)


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
    world.clock.now += timedelta(hours=3)
    [pending] = world.ledger.pending_references("contacts")
    info = pipeline_status(world.ledger, "contacts", now=world.clock.now)
    assert (info["pending"]["count"], info["pending"]["oldest_age_seconds"]) == (1, 3 * 3600)
    assert "pending references: 1 (oldest 3h)" in render_status({"contacts": info})
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
    row = world.ext_contacts.live()[0].id
    assert pending.ref.record_id == row
    info = pipeline_status(world.ledger, "contacts", association_columns([COMPANIES]))
    assert info["pending"]["count"] == 1
    assert info["pending"]["dangling"] == [
        {
            "side": "external",
            "row": row,
            "field": "@companies",
            "column": "company_id",
            "target": "599",
            "to_pipeline": "companies",
        }
    ]
    shown = render_status({"contacts": info})
    assert f"dangling: external row {row}, column company_id: 599 exists nowhere" in shown


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


def test_an_edge_moved_without_a_new_modification_time_is_caught_by_the_sweep(
    world: Relations,
) -> None:
    _companies(world)
    row = world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "@companies": ["501"]})
    world.run("companies", Mode.MIGRATE)
    world.run("contacts", Mode.MIGRATE)  # a migration counts as a sweep
    world.clock.now += timedelta(hours=1)
    world.run("contacts")  # past the overlap: the records the migration wrote are not re-read
    ann = world.hub_contact("ann@x.com")
    world.hub_contacts.associate(ann.id, "@companies", [world.hub_company_id("globex.com")])
    world.clock.now += timedelta(hours=1)
    quiet = world.run("contacts")
    assert quiet.api_calls == {"hubspot": 1, "external": 1}  # the listings; the sweep not due
    assert world.ext_contacts.rows[row.id].properties["@companies"] == ["501"]
    world.clock.now += timedelta(days=1)
    swept = world.run("contacts")
    assert world.ext_contacts.rows[row.id].properties["@companies"] == ["502"]
    assert world.hub_contacts.counter.by_kind["associations"] == 1
    assert swept.updated["external"] == 1
    assert world.run("contacts").api_calls == {"hubspot": 1, "external": 1}


def test_plan_lists_the_edges_a_write_adds_and_removes(world: Relations) -> None:
    _companies(world)
    row = world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "@companies": ["501"]})
    world.run("companies", Mode.MIGRATE)
    world.run("contacts", Mode.MIGRATE)
    world.ext_contacts.put({"@companies": ["502"]}, row.id)
    planned = world.run("contacts", dry_run=True)
    edges = [(a.action, a.side, a.changes[0].old, a.changes[0].new) for a in planned.planned[1:]]
    assert edges == [
        (PlanAction.ADD_EDGE, Side.HUBSPOT, None, "502"),
        (PlanAction.REMOVE_EDGE, Side.HUBSPOT, "501", None),
    ]
    assert planned.updated == {"hubspot": 1, "external": 0}  # edges ride on the update
    shown = render_plan(planned)
    ann = world.hub_contact("ann@x.com").id
    assert f"add-edge    hubspot  hubspot={ann} external={row.id} @companies -> 502" in shown
    assert f"remove-edge hubspot  hubspot={ann} external={row.id} @companies -> 501" in shown


def test_records_pointing_at_an_archived_company_are_revisited(world: Relations) -> None:
    world.companies_deletes = "archive"
    _companies(world)
    row = world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "@companies": ["501"]})
    world.run("companies", Mode.MIGRATE)
    world.run("contacts", Mode.MIGRATE)
    world.clock.now += timedelta(hours=1)
    world.run("contacts")  # past the overlap: the contact is not listed again
    acme = world.hub_company_id("acme.com")
    world.hub_companies.remove(acme)
    ann = world.hub_contact("ann@x.com")
    world.hub_contacts.associate(ann.id, "@companies", [])  # HubSpot drops the association
    world.clock.now += timedelta(hours=1)
    world.run("companies", Mode.MIGRATE)  # finds Acme gone: archives its twin
    assert world.ext_companies.rows["501"].archived
    report = world.run("contacts")  # the contact did not change; it points at Acme
    assert report.collected == {"hubspot": 0, "external": 0}
    assert world.ext_contacts.rows[row.id].properties["@companies"] == []
    assert world.ledger.edge_count("contacts") == 0
    assert world.ledger.queued_revisits("contacts") == []


def test_a_side_that_cannot_keep_associations_is_a_config_error(world: Relations) -> None:
    hub = MemoryConnector(CONTACT_HUB, clock=world.clock)
    hub.capabilities = replace(hub.capabilities, associations=False)  # a side without them
    world.hub_contacts = hub
    with pytest.raises(ConfigError, match=r"'@companies'.*hubspot connector \(MemoryConnector\)"):
        world.run("contacts", Mode.MIGRATE)


def test_two_companies_for_one_foreign_key_quarantine_the_contact_alone(world: Relations) -> None:
    _companies(world)
    row = world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "@companies": ["501"]})
    world.ext_contacts.put({"email": "bob@x.com", "first_name": "Bob", "@companies": []})
    world.run("companies", Mode.MIGRATE)
    world.run("contacts", Mode.MIGRATE)
    both = [world.hub_company_id("acme.com"), world.hub_company_id("globex.com")]
    world.hub_contacts.put({"@companies": both}, world.hub_contact("ann@x.com").id)
    world.hub_contacts.put({"firstname": "Robert"}, world.hub_contact("bob@x.com").id)
    report = world.run("contacts")
    assert (report.quarantined, report.updated["external"]) == (1, 1)
    [entry] = world.ledger.quarantined("contacts")
    assert "company_id" in entry.message
    assert world.ext_contacts.rows[row.id].properties["@companies"] == ["501"]


def test_a_reference_made_before_its_target_completes_in_the_same_run(world: Relations) -> None:
    referrer = replace(COMPANIES, name="@contacts:Referrer", to_pipeline="contacts", columns=())
    fields = (COMPANIES, referrer)
    world.contact_fields = fields
    world.hub_contacts = MemoryConnector(
        CONTACT_HUB, clock=world.clock, ordered_versions=True, associations=fields
    )
    world.ext_contacts = MemoryConnector(CONTACT_EXT, clock=world.clock, associations=fields)
    # Ann names Bob, who is not linked when she is read: both are created by this run.
    ann = world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann"}, "1")
    world.ext_contacts.put({"email": "bob@x.com", "first_name": "Bob"}, "2")
    world.ext_contacts.put({referrer.name: ["2"]}, ann.id)
    report = world.run("contacts", Mode.MIGRATE)
    bob = world.hub_contact("bob@x.com").id
    assert world.hub_contact("ann@x.com").properties[referrer.name] == [bob]
    assert (report.created["hubspot"], report.updated["hubspot"]) == (2, 1)
    assert world.ledger.pending_references("contacts") == []
    assert _writes(world) == 0


class MergingHubSpot(MemoryConnector):
    """HubSpot's merges, as the memory CRM of tests/engine/test_side_events.py has them."""

    capabilities = replace(MemoryConnector.capabilities, merges=True, ordered_versions=True)

    def merged_ids(self, records: Iterable[Record]) -> dict[str, str]:
        return {old: r.id for r in records for old in r.properties.get("merged", ())}

    def merge(self, survivor: str, absorbed: str) -> None:
        del self.rows[absorbed]
        self.put({"merged": [absorbed]}, survivor)


def test_records_pointing_at_a_merged_away_company_follow_the_survivor(world: Relations) -> None:
    world.hub_companies = MergingHubSpot(COMPANY_HUB, clock=world.clock)
    _companies(world)
    row = world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "@companies": ["501"]})
    world.run("companies", Mode.MIGRATE)
    world.run("contacts", Mode.MIGRATE)
    world.clock.now += timedelta(hours=1)
    world.run("contacts")  # past the overlap
    acme, globex = world.hub_company_id("acme.com"), world.hub_company_id("globex.com")
    world.hub_companies.merge(globex, acme)
    ann = world.hub_contact("ann@x.com")
    world.hub_contacts.associate(ann.id, "@companies", [globex])  # HubSpot re-points it
    world.run("companies")
    world.run("contacts")
    assert world.ext_contacts.rows[row.id].properties["@companies"] == ["502"]


def test_a_pipelines_first_sync_starts_the_sweep_clock_without_sweeping(world: Relations) -> None:
    _companies(world)
    world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "@companies": ["501"]})
    world.run("companies")
    world.run("contacts")  # a first sync lists everything: no sweep on top of it
    calls = world.hub_contacts.counter.by_kind | world.ext_contacts.counter.by_kind
    assert "associations" not in calls
    assert world.ledger.last_sweep("contacts") is not None
