"""`create_in` over the whole run path: unmatched records are created only on the sides it
names; the others are counted in every report that plans them, never sent, never quarantined."""

from __future__ import annotations

from syncer.engine.report import Mode
from syncer.records import Side
from tests.engine.conftest import World, make_pipeline


def seed(world: World) -> None:
    world.hub.put({"email": "shared@x.org", "firstname": "S", "lifecyclestage": "lead"})
    world.hub.put({"email": "hub-only@x.org", "firstname": "H", "lifecyclestage": "lead"})
    world.ext.put({"email": "shared@x.org", "first_name": "S", "status": "L"})
    world.ext.put({"email": "ext-only@x.org", "first_name": "E", "status": "L"})


def test_create_in_hubspot_leaves_hubspot_only_records_uncreated_and_counted(
    world: World,
) -> None:
    world.pipeline = make_pipeline(create_in=["hubspot"])
    seed(world)
    report = world.run(Mode.MIGRATE)
    assert report.status == "ok", report.render()
    assert report.created == {"hubspot": 1, "external": 0}
    assert report.not_created == {"hubspot": 0, "external": 1}
    assert "not created" in report.render()
    assert sorted(r.properties["email"] for r in world.ext.live()) == [
        "ext-only@x.org",
        "shared@x.org",
    ]
    assert world.ledger.quarantined("contacts") == []
    again = world.run(Mode.MIGRATE)  # reported again by the next pass that reads it, not retried
    assert (again.writes, again.quarantined, again.not_created) == (
        0,
        0,
        {"hubspot": 0, "external": 1},
    )


def test_create_in_external_keeps_creates_out_of_hubspot(world: World) -> None:
    world.pipeline = make_pipeline(create_in=["external"])
    seed(world)
    report = world.run(Mode.MIGRATE)
    assert report.created == {"hubspot": 0, "external": 1}
    assert report.not_created == {"hubspot": 1, "external": 0}
    assert {r.properties["email"] for r in world.hub.live()} == {"shared@x.org", "hub-only@x.org"}


def test_without_create_in_nothing_is_reported_uncreated(world: World) -> None:
    seed(world)
    report = world.run(Mode.MIGRATE)
    assert report.created == {"hubspot": 1, "external": 1}
    assert report.not_created == {side.value: 0 for side in Side}
    assert "not created" not in report.render()
