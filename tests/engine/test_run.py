"""The whole run path over two in-memory CRMs: migrate, sync, echoes, conflicts, quarantine."""

from __future__ import annotations

import sqlalchemy as sa

from syncer.engine.report import Mode
from syncer.ledger.schema import conflicts
from syncer.records import Side
from tests.engine.conftest import World
from tests.ledger_tables import ledger_tables


def seed(world: World) -> None:
    for i in range(10):
        world.hub.put(
            {
                "email": f"h{i}@example.com",
                "firstname": f"H{i}",
                "lastname": "Hub",
                "lifecyclestage": "lead",
            }
        )
    for i in range(10):
        email = f"  H{i}@Example.COM " if i < 3 else f"e{i}@example.com"
        world.ext.put({"email": email, "first_name": f"E{i}", "last_name": "Ext", "status": "C"})


def assert_agree(world: World) -> None:
    hub = {r.properties["email"]: r for r in world.hub.live()}
    ext = {r.properties["email"].strip().lower(): r for r in world.ext.live()}
    assert hub.keys() == ext.keys()
    for email, h in hub.items():
        e = ext[email]
        assert h.properties["firstname"] == e.properties["first_name"], email
        assert h.properties["lastname"] == e.properties["last_name"], email
        status = {"lead": "L", "customer": "C"}[h.properties["lifecyclestage"]]
        assert status == e.properties["status"], email
        assert h.properties["syncer_external_id"] == e.id


def test_migrate_links_shared_emails_and_creates_the_rest(world: World) -> None:
    seed(world)
    report = world.run(Mode.MIGRATE)
    assert report.status == "ok"
    assert len(world.hub.live()) == 17
    assert len(world.ext.live()) == 17
    assert world.ledger.link_count("contacts") == 17
    assert report.created == {"hubspot": 7, "external": 7}
    assert report.linked == 17
    assert_agree(world)


def test_second_sync_after_migrate_writes_nothing(world: World) -> None:
    seed(world)
    world.run(Mode.MIGRATE)
    first = world.run()
    second = world.run()
    assert first.writes == 0, first.render()
    assert second.writes == 0


def test_edits_on_both_sides_flow_across_and_then_go_quiet(world: World) -> None:
    seed(world)
    world.run(Mode.MIGRATE)
    hub_rec = next(r for r in world.hub.live() if r.properties["email"] == "h5@example.com")
    ext_rec = next(r for r in world.ext.live() if r.properties["email"] == "e7@example.com")
    world.hub.put({"firstname": "Changed in HubSpot"}, hub_rec.id)
    world.ext.put({"last_name": "Changed externally", "status": "L"}, ext_rec.id)
    report = world.run()
    assert report.updated == {"hubspot": 1, "external": 1}
    assert_agree(world)
    assert world.run().writes == 0


def test_same_field_edited_on_both_sides_newest_wins_and_is_logged(world: World) -> None:
    seed(world)
    world.run(Mode.MIGRATE)
    hub_rec = next(r for r in world.hub.live() if r.properties["email"] == "h1@example.com")
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [hub_rec.id])[hub_rec.id]
    world.hub.put({"firstname": "Older"}, hub_rec.id)
    world.ext.put({"first_name": "Newer"}, link.external_id)
    report = world.run()
    assert report.conflicts == 1
    assert world.hub.rows[hub_rec.id].properties["firstname"] == "Newer"
    with ledger_tables(world.ledger_url) as conn:
        rows = conn.execute(sa.select(conflicts).where(conflicts.c.run_id == report.run_id)).all()
    assert [(r.field, r.winner, r.policy) for r in rows] == [("firstname", "external", "newest")]
    assert world.run().writes == 0


def test_rejected_record_is_quarantined_while_the_rest_sync(world: World) -> None:
    seed(world)
    world.ext.put({"email": "not-an-email", "first_name": "Bad", "last_name": "X", "status": "C"})
    report = world.run(Mode.MIGRATE)
    assert report.status == "quarantined"
    assert report.quarantined == 1
    entries = world.ledger.quarantined("contacts")
    assert [(e.category, e.property, e.operation) for e in entries] == [
        ("INVALID_EMAIL", "email", "create")
    ]
    assert len(world.hub.live()) == 17
    assert world.ledger.link_count("contacts") == 17


def test_duplicate_emails_on_one_side_are_not_merged_into_one_contact(world: World) -> None:
    world.ext.put({"email": "dup@example.com", "first_name": "A", "last_name": "A", "status": "C"})
    world.ext.put({"email": "DUP@example.com", "first_name": "B", "last_name": "B", "status": "C"})
    report = world.run(Mode.MIGRATE)
    assert len(world.hub.live()) == 1
    assert report.quarantined == 1
    [entry] = world.ledger.quarantined("contacts")
    assert entry.category == "DUPLICATE_MATCH_KEY"


def test_an_email_change_moves_the_links_match_key(world: World) -> None:
    seed(world)
    world.run(Mode.MIGRATE)
    hub_rec = next(r for r in world.hub.live() if r.properties["email"] == "h4@example.com")
    world.hub.put({"email": "renamed@example.com"}, hub_rec.id)
    world.run()
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [hub_rec.id])[hub_rec.id]
    assert link.match_key == "renamed@example.com"
    assert world.ext.rows[link.external_id].properties["email"] == "renamed@example.com"
    # The old address is free again: a new external record with it is created, not refused.
    world.ext.put({"email": "h4@example.com", "first_name": "New", "last_name": "N", "status": "L"})
    report = world.run()
    assert report.quarantined == 0 and report.created["hubspot"] == 1


def test_a_dry_run_plans_what_the_run_would_do_and_writes_nothing(world: World) -> None:
    seed(world)
    duplicate = world.ext.put(
        {"email": "E9@example.com", "first_name": "Twice", "last_name": "X", "status": "C"}
    )
    hub_before = {r.id: dict(r.properties) for r in world.hub.live()}
    plan = world.run(Mode.MIGRATE, dry_run=True)
    assert plan.dry_run and plan.status == "quarantined"
    actions = [(a.action, a.side_name) for a in plan.planned]
    assert actions.count(("create", "hubspot")) == 7
    assert actions.count(("create", "external")) == 7
    assert actions.count(("link", "both")) == 3
    assert plan.quarantined == 1  # the second e9@example.com, refused as the run would
    # The plan's summary counts what it plans, as the run will count what it does.
    assert plan.created == {"hubspot": 7, "external": 7} and plan.linked == 17
    assert {r.id: dict(r.properties) for r in world.hub.live()} == hub_before
    assert len(world.ext.live()) == 11
    assert world.ledger.link_count("contacts") == 0
    assert [world.ledger.cursor("contacts", side) for side in Side] == [None, None]
    assert not world.ledger.quarantined("contacts")
    report = world.run(Mode.MIGRATE)  # the run does what was planned
    assert report.created == {"hubspot": 7, "external": 7} and report.linked == 17
    assert (plan.updated, plan.conflicts) == (report.updated, report.conflicts)
    [entry] = world.ledger.quarantined("contacts")
    assert entry.record_id == duplicate.id


def test_a_planned_action_shows_each_field_it_changes_old_and_new(world: World) -> None:
    world.run(Mode.MIGRATE)
    hub = world.hub.put(
        {"email": "a@example.com", "firstname": "Ann", "lastname": "Old", "lifecyclestage": "lead"}
    )
    world.run()
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [hub.id])[hub.id]
    world.ext.put({"last_name": "New", "status": "C"}, link.external_id)
    plan = world.run(dry_run=True)
    [update] = [a for a in plan.planned if a.action == "update"]
    assert update.side_name == "hubspot" and update.fields == ["lastname", "lifecyclestage"]
    changes = [(c.field, c.old, c.new) for c in update.changes]
    assert changes == [("lastname", "Old", "New"), ("lifecyclestage", "lead", "customer")]
    assert update.as_dict()["changes"] == [
        {"field": "lastname", "old": "Old", "new": "New"},
        {"field": "lifecyclestage", "old": "lead", "new": "customer"},
    ]
    assert plan.updated == {"hubspot": 1, "external": 0}
