"""A quarantined record re-read before its retry time (the cursor's overlap window, a touch that
changed nothing we map) waits for it, unless its content changed since the refusal."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from syncer.engine.report import Mode
from syncer.ledger.schema import quarantine as quarantine_table
from syncer.records import Rejection, RejectionKind, Side
from tests.engine.conftest import World, make_pipeline
from tests.ledger_tables import ledger_tables


def _entries(world: World) -> list[tuple[str, str, str, int]]:
    return [
        (e.source_side, e.record_id, e.category, e.attempts)
        for e in world.ledger.quarantined("contacts")
    ]


def _refused_create(world: World) -> str:
    """An external record HubSpot refuses for its email; returns its id."""
    bad = world.ext.put({"email": "not-an-email", "first_name": "Bad", "status": "C"})
    assert world.run().status == "quarantined"
    assert _entries(world) == [("external", bad.id, "INVALID_EMAIL", 1)]
    return bad.id


def _touch(world: World, side: Side, record_id: str) -> None:
    """The source saves the record again with the same values: it is read again, unchanged."""
    connector = world.hub if side is Side.HUBSPOT else world.ext
    connector.put({}, record_id)


def test_an_unchanged_refused_record_read_again_waits_for_its_retry_time(world: World) -> None:
    bad = _refused_create(world)
    writes = world.hub.counter.by_kind["write"]
    _touch(world, Side.EXTERNAL, bad)
    report = world.run()
    assert report.collected["external"] == 1  # it was read again...
    assert world.hub.counter.by_kind["write"] == writes  # ...and not sent
    assert report.status == "quarantined" and report.quarantined == 1  # still waiting
    assert _entries(world) == [("external", bad, "INVALID_EMAIL", 1)]  # no attempt counted


def test_a_record_fixed_since_its_refusal_goes_through_at_once(world: World) -> None:
    bad = _refused_create(world)
    world.ext.put({"email": "fixed@example.com"}, bad)
    report = world.run()
    assert report.status == "ok" and report.created["hubspot"] == 1
    assert _entries(world) == []
    assert [r.properties["email"] for r in world.hub.live()] == ["fixed@example.com"]


def test_an_operator_retry_resends_an_unchanged_record(world: World) -> None:
    bad = _refused_create(world)
    assert world.ledger.retry_quarantined("contacts") == 1  # `syncer errors retry`
    _touch(world, Side.EXTERNAL, bad)
    writes = world.hub.counter.by_kind["write"]
    world.run()
    assert world.hub.counter.by_kind["write"] == writes + 1
    assert _entries(world) == [("external", bad, "INVALID_EMAIL", 2)]


def test_an_entry_without_a_fingerprint_is_resent_as_before(world: World) -> None:
    """Entries quarantined before fingerprints existed (ledger 0002) keep the old behaviour."""
    bad = _refused_create(world)
    with ledger_tables(world.ledger_url, write=True) as conn:
        conn.execute(sa.update(quarantine_table).values(fingerprint=None))
    _touch(world, Side.EXTERNAL, bad)
    world.run()
    assert _entries(world) == [("external", bad, "INVALID_EMAIL", 2)]


def test_an_unchanged_duplicate_key_waits_for_its_retry_time(world: World) -> None:
    """The matcher's own refusals wait too."""
    world.ext.put({"email": "dup@example.com", "first_name": "A", "status": "C"})
    second = world.ext.put({"email": "DUP@example.com", "first_name": "B", "status": "C"})
    world.run()
    assert _entries(world) == [("external", second.id, "DUPLICATE_MATCH_KEY", 1)]
    _touch(world, Side.EXTERNAL, second.id)
    assert world.run().collected["external"] >= 1
    assert _entries(world) == [("external", second.id, "DUPLICATE_MATCH_KEY", 1)]


def _refuse_everything(props: Any) -> Rejection | None:
    return Rejection(RejectionKind.UNKNOWN, "INJECTED", "injected refusal")


def test_a_waiting_record_whose_twin_changed_is_planned_with_it(world: World) -> None:
    """Left out, the held HubSpot edit would be overwritten by its twin's newer edit unseen;
    planned together, the conflict is settled by the policy (hubspot) and logged."""
    world.pipeline = make_pipeline(conflict="hubspot")
    hub = world.hub.put({"email": "ann@example.com", "firstname": "Ann"})
    world.run()
    [ext] = world.ext.live()
    world.ext.validate = _refuse_everything
    world.hub.put({"firstname": "Anna"}, hub.id)
    world.run()
    assert _entries(world) == [("hubspot", hub.id, "INJECTED", 1)]
    world.ext.validate = None
    world.ext.put({"first_name": "Annie"}, ext.id)
    _touch(world, Side.HUBSPOT, hub.id)
    report = world.run()
    assert report.conflicts == 1
    assert world.hub.rows[hub.id].properties["firstname"] == "Anna"
    assert world.ext.rows[ext.id].properties["first_name"] == "Anna"
    assert _entries(world) == []


def test_a_discarded_record_stays_discarded_until_it_changes(world: World) -> None:
    """`syncer errors discard`, then the next sync quarantined the unchanged record again."""
    bad = _refused_create(world)
    assert world.ledger.discard_quarantined("contacts") == 1
    writes = world.hub.counter.by_kind["write"]
    _touch(world, Side.EXTERNAL, bad)
    report = world.run()
    assert world.hub.counter.by_kind["write"] == writes  # not sent again
    assert report.status == "ok" and report.quarantined == 0 and report.new_quarantined == 0
    assert _entries(world) == []  # still discarded, not reopened
    world.ext.put({"first_name": "Still bad"}, bad)  # changed, still refused: open again
    report = world.run()
    assert report.new_quarantined == 1
    assert _entries(world) == [("external", bad, "INVALID_EMAIL", 2)]
    world.ext.put({"email": "fixed@example.com"}, bad)
    assert world.run().created["hubspot"] == 1 and _entries(world) == []


def test_a_discarded_record_a_migration_reads_again_stays_discarded(world: World) -> None:
    _refused_create(world)
    world.ledger.discard_quarantined("contacts")
    report = world.run(Mode.MIGRATE)  # a full listing reads it, sends it, it is refused again
    assert report.new_quarantined == 0 and _entries(world) == []


def test_only_new_or_changed_refusals_count_as_new(world: World) -> None:
    """Exit 4 means something new needs a look: an old, unchanged, known refusal is not."""
    bad = _refused_create(world)
    _touch(world, Side.EXTERNAL, bad)
    report = world.run()  # held back, waiting for its retry time
    assert report.quarantined == 1 and report.new_quarantined == 0
    world.ledger.retry_quarantined("contacts")
    report = world.run()  # resent unchanged, refused again: known
    assert report.quarantined == 1 and report.new_quarantined == 0
    world.ext.put({"email": "still-not-an-email"}, bad)
    assert world.run().new_quarantined == 1
    other = world.ext.put({"email": "nope", "first_name": "Other", "status": "C"})
    assert world.run().new_quarantined == 1 and other.id in {e[1] for e in _entries(world)}
