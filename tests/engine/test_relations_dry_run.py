"""A dry run (`syncer plan`, `--dry-run`) shows the edge actions a revisit or a due sweep would
take, through real runs on in-memory CRMs, and leaves everything as it found it: nothing
written, the revisit queue unconsumed, the sweep clock unmoved. The run after it does the work.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from syncer.engine.report import Mode, PlanAction, PlannedAction
from syncer.ledger.store import Ledger
from syncer.records import Side
from tests.engine.relations_world import Relations, make_relations


@pytest.fixture
def world(ledger_url: str) -> Iterator[Relations]:
    ledger = Ledger.open(ledger_url)
    yield make_relations(ledger)
    ledger.close()


def _migrated_ann(world: Relations) -> str:
    world.ext_companies.put({"domain": "acme.com", "name": "Acme"}, "501")
    world.ext_companies.put({"domain": "globex.com", "name": "Globex"}, "502")
    row = world.ext_contacts.put({"email": "ann@x.com", "first_name": "Ann", "@companies": ["501"]})
    world.run("companies", Mode.MIGRATE)
    world.run("contacts", Mode.MIGRATE)
    world.clock.now += timedelta(hours=1)
    world.run("contacts")  # past the overlap: the contact is not listed again
    return row.id


def _edges(planned: list[PlannedAction]) -> list[tuple[object, ...]]:
    edge_actions = (PlanAction.ADD_EDGE, PlanAction.REMOVE_EDGE)
    return [
        (a.action, a.side, a.changes[0].old, a.changes[0].new)
        for a in planned
        if a.action in edge_actions
    ]


def test_a_dry_run_shows_what_a_due_sweep_would_move_and_leaves_its_clock(
    world: Relations,
) -> None:
    row = _migrated_ann(world)
    ann = world.hub_contact("ann@x.com")
    world.hub_contacts.associate(ann.id, "@companies", [world.hub_company_id("globex.com")])
    world.clock.now += timedelta(days=1)  # the sweep is due
    swept_at = world.ledger.last_sweep("contacts")
    planned = world.run("contacts", dry_run=True)
    assert _edges(planned.planned) == [
        (PlanAction.ADD_EDGE, Side.EXTERNAL, None, "502"),
        (PlanAction.REMOVE_EDGE, Side.EXTERNAL, "501", None),
    ]
    assert world.ledger.last_sweep("contacts") == swept_at
    assert world.ext_contacts.rows[row].properties["@companies"] == ["501"]
    world.run("contacts")
    assert world.ext_contacts.rows[row].properties["@companies"] == ["502"]


def test_a_dry_run_shows_what_a_revisit_would_do_and_leaves_the_queue(world: Relations) -> None:
    world.companies_deletes = "archive"
    row = _migrated_ann(world)
    acme = world.hub_company_id("acme.com")
    world.hub_companies.remove(acme)
    ann = world.hub_contact("ann@x.com")
    world.hub_contacts.associate(ann.id, "@companies", [])  # HubSpot drops the association
    world.clock.now += timedelta(hours=1)
    world.run("companies", Mode.MIGRATE)  # finds Acme gone: archives its twin, queues Ann
    queued = world.ledger.queued_revisits("contacts")
    assert [link.external_id for link in queued] == [row]
    planned = world.run("contacts", dry_run=True)
    assert _edges(planned.planned) == [(PlanAction.REMOVE_EDGE, Side.EXTERNAL, "501", None)]
    assert world.ledger.queued_revisits("contacts") == queued
    assert world.ext_contacts.rows[row].properties["@companies"] == ["501"]
    world.run("contacts")
    assert world.ext_contacts.rows[row].properties["@companies"] == []
    assert world.ledger.queued_revisits("contacts") == []
