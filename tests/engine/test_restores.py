"""A record restored after `deletes = "archive"` archived its twin: the twin is restored (made
anew on its side and linked again) and carries the restored record's edit; it is never archived
again (hardening issue 2)."""

from __future__ import annotations

from syncer.engine.report import Mode
from syncer.records import Record, Side
from tests.engine.conftest import World, make_pipeline


def _archived_pair(world: World, archived_side: Side) -> tuple[str, str]:
    """A linked pair, archived on `archived_side` by its user and then by the sync on the
    other; returns (hubspot id, external id)."""
    world.pipeline = make_pipeline(deletes="archive")
    world.ext.put({"email": "ann@example.com", "first_name": "Ann", "status": "L"})
    world.run(Mode.MIGRATE)
    [hub] = world.hub.live()
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [hub.id])[hub.id]
    connector = world.hub if archived_side is Side.HUBSPOT else world.ext
    connector.remove(link.id_on(archived_side))
    world.run()
    assert world.hub.live() == [] and world.ext.live() == []
    return hub.id, link.external_id


def _restore(world: World, side: Side, record_id: str, **edit: str) -> None:
    """The user brings the record back from the recycle bin and edits it."""
    connector = world.hub if side is Side.HUBSPOT else world.ext
    old = connector.rows[record_id]
    properties = {**old.properties, **edit}
    connector.rows[record_id] = Record(record_id, properties, world.clock(), archived=False)


def test_issue2_a_restored_legacy_row_restores_its_hubspot_twin_with_the_edit(
    world: World,
) -> None:
    _, ext_id = _archived_pair(world, Side.EXTERNAL)
    _restore(world, Side.EXTERNAL, ext_id, first_name="Annabel")
    report = world.run()
    assert report.created["hubspot"] == 1 and report.status == "ok"
    [hub] = world.hub.live()
    assert hub.properties["firstname"] == "Annabel"
    assert hub.properties["syncer_external_id"] == ext_id
    link = world.ledger.links_for("contacts", Side.EXTERNAL, [ext_id])[ext_id]
    assert (link.hubspot_id, link.archived_on) == (hub.id, None)
    for _ in range(2):  # nothing is archived again, nothing flip-flops
        assert world.run().writes == 0
    assert not world.ext.rows[ext_id].archived
    world.ext.put({"last_name": "After"}, ext_id)
    world.run()
    assert world.hub.rows[hub.id].properties["lastname"] == "After"


def test_issue2_a_restored_hubspot_record_restores_its_legacy_twin_with_the_edit(
    world: World,
) -> None:
    hub_id, _ = _archived_pair(world, Side.HUBSPOT)
    _restore(world, Side.HUBSPOT, hub_id, lastname="Restored")
    report = world.run()
    assert report.created["external"] == 1 and report.status == "ok"
    [ext] = world.ext.live()
    assert ext.properties["last_name"] == "Restored"
    assert world.hub.rows[hub_id].properties["syncer_external_id"] == ext.id
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [hub_id])[hub_id]
    assert (link.external_id, link.archived_on) == (ext.id, None)
    for _ in range(2):
        assert world.run().writes == 0
    assert not world.hub.rows[hub_id].archived


def test_issue2_a_restore_is_not_archived_again_where_creates_are_not_allowed(
    world: World,
) -> None:
    _, ext_id = _archived_pair(world, Side.EXTERNAL)
    world.pipeline = make_pipeline(deletes="archive", direction="to_external")
    _restore(world, Side.EXTERNAL, ext_id, first_name="Annabel")
    assert world.run().writes == 0
    world.ext.put({"last_name": "Edited again"}, ext_id)  # read again by the next pass
    assert world.run().writes == 0
    assert not world.ext.rows[ext_id].archived
