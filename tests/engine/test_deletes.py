"""Deletes: archived records stop receiving writes, or archive their twin; nothing flip-flops."""

from __future__ import annotations

from syncer.engine.report import Mode
from syncer.records import Record, Side
from tests.engine.conftest import World, make_pipeline


def _pair(world: World) -> tuple[str, str]:
    world.hub.put(
        {"email": "a@example.com", "firstname": "A", "lastname": "One", "lifecyclestage": "lead"}
    )
    world.run(Mode.MIGRATE)
    [hub] = world.hub.live()
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [hub.id])[hub.id]
    return hub.id, link.external_id


def test_with_deletes_ignored_an_archived_record_gets_no_writes_and_no_errors(
    world: World,
) -> None:
    hub_id, ext_id = _pair(world)
    world.ext.remove(ext_id)
    world.run()
    world.hub.put({"firstname": "Edited after the archive"}, hub_id)
    report = world.run()
    assert report.writes == 0 and report.quarantined == 0
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [hub_id])[hub_id]
    assert link.archived_on == "external"
    assert world.ext.rows[ext_id].archived
    assert world.run().writes == 0


def test_with_deletes_archived_the_twin_is_archived_once(world: World) -> None:
    world.pipeline = make_pipeline(deletes="archive")
    hub_id, ext_id = _pair(world)
    world.hub.remove(hub_id)
    report = world.run()
    assert report.archived == {"hubspot": 0, "external": 1}
    assert world.ext.rows[ext_id].archived
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [hub_id])[hub_id]
    assert link.archived_on == "both"
    assert world.run().writes == 0
    assert world.run().writes == 0


def test_an_update_to_a_vanished_record_marks_it_archived_instead_of_failing(
    world: World,
) -> None:
    hub_id, ext_id = _pair(world)
    del world.ext.rows[ext_id]  # hard-deleted behind our back: no archive was ever seen
    world.hub.put({"lastname": "Changed"}, hub_id)
    report = world.run()
    assert report.quarantined == 0
    assert world.ledger.quarantined("contacts") == []
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [hub_id])[hub_id]
    assert link.archived_on == "external"
    world.hub.put({"lastname": "Changed again"}, hub_id)
    assert world.run().writes == 0


def test_a_restored_record_syncs_again(world: World) -> None:
    hub_id, ext_id = _pair(world)
    world.ext.remove(ext_id)
    world.run()
    world.hub.put({"firstname": "While archived"}, hub_id)
    world.run()
    old = world.ext.rows[ext_id]
    world.ext.rows[ext_id] = Record(ext_id, old.properties, world.clock(), archived=False)
    world.run()  # the restore is seen; the link forgets the archive
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [hub_id])[hub_id]
    assert link.archived_on is None
    assert world.ext.rows[ext_id].properties["first_name"] == "While archived"
    world.hub.put({"firstname": "After the restore"}, hub_id)
    world.run()
    assert world.ext.rows[ext_id].properties["first_name"] == "After the restore"
