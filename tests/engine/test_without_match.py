"""A pipeline without `match` (order lines have no email or natural key): records pair only
through the external id stamped on HubSpot records, in a migration and in incremental passes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from syncer.connectors.memory import MemoryConnector
from syncer.engine.report import Mode
from syncer.records import Record, Side
from tests.engine.conftest import World, make_pipeline


@pytest.fixture
def unmatched(world: World) -> World:
    world.pipeline = make_pipeline(match=None)
    return world


def put_unchanged(world: World, side: MemoryConnector, properties: dict[str, Any]) -> Record:
    """A record last modified a day ago: before every cursor, so no incremental pass lists it
    (a row loaded by another tool, a HubSpot record a previous owner of the data stamped)."""
    record = side.put(properties)
    side.rows[record.id] = Record(record.id, record.properties, world.clock.now - timedelta(1))
    return side.rows[record.id]


def twins(world: World) -> dict[str, str]:
    """HubSpot id by the external id it carries, for every live HubSpot record."""
    return {r.properties.get("syncer_external_id"): r.id for r in world.hub.live()}


def test_a_shared_email_pairs_nothing_and_a_stamped_id_pairs_its_record(
    unmatched: World,
) -> None:
    world = unmatched
    row = world.ext.put({"email": "a@example.com", "first_name": "Ext"})
    world.hub.put({"email": "a@example.com", "firstname": "Hub"})  # same email, no stamp
    named = world.hub.put({"email": "b@example.com", "syncer_external_id": row.id})
    report = world.run(Mode.MIGRATE)
    assert report.status == "ok", report.render()
    assert report.created == {"hubspot": 0, "external": 1}
    assert report.linked == 2
    assert len(world.hub.live()) == 2 and len(world.ext.live()) == 2
    assert twins(world)[row.id] == named.id
    assert world.run().writes == 0  # and quiet after


def test_an_incremental_pass_reads_the_unchanged_row_a_new_record_names(
    unmatched: World,
) -> None:
    world = unmatched
    world.run(Mode.MIGRATE)
    row = put_unchanged(world, world.ext, {"email": "r@example.com", "first_name": "Row"})
    named = world.hub.put({"email": "h@example.com", "syncer_external_id": row.id})
    report = world.run()
    assert report.status == "ok", report.render()
    assert report.created == {"hubspot": 0, "external": 0}
    assert report.linked == 1
    assert len(world.ext.live()) == 1
    assert world.ledger.links_for("contacts", Side.EXTERNAL, [row.id])[row.id].hubspot_id
    assert twins(world)[row.id] == named.id


def test_an_incremental_pass_finds_the_unchanged_record_naming_a_changed_row(
    unmatched: World,
) -> None:
    """Paired before planning, the two are merged as a first link (a value on one side is not
    blanked by the other's gap), where creating over it would have blanked it."""
    world = unmatched
    world.run(Mode.MIGRATE)
    row = world.ext.put({"email": "r@example.com", "first_name": "Before"})
    named = {"email": "h@x.org", "lastname": "Kept", "syncer_external_id": row.id}
    stamped = put_unchanged(world, world.hub, named)
    report = world.run()
    assert report.status == "ok", report.render()
    assert report.created == {"hubspot": 0, "external": 0}
    assert report.linked == 1
    assert [r.id for r in world.hub.live()] == [stamped.id]
    assert world.hub.rows[stamped.id].properties["lastname"] == "Kept"
    assert world.ext.rows[row.id].properties["last_name"] == "Kept"


def test_a_second_record_naming_a_linked_row_is_rejected_not_copied(unmatched: World) -> None:
    world = unmatched
    row = world.ext.put({"email": "r@example.com", "first_name": "Row"})
    world.run(Mode.MIGRATE)
    copy = world.hub.put({"email": "copy@example.com", "syncer_external_id": row.id})
    report = world.run()
    assert report.created == {"hubspot": 0, "external": 0}
    assert len(world.ext.live()) == 1
    [entry] = world.ledger.quarantined("contacts")
    assert (entry.record_id, entry.category) == (copy.id, "DUPLICATE_MATCH_KEY")
    assert row.id in entry.message
