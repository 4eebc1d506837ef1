"""A first migration streams the external side in pages (engine/stream.py): it must end exactly
where a whole-listing migration ends, whichever page a record or its twin falls in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from syncer.engine import stream
from syncer.engine.report import Mode
from syncer.engine.spool import Spool
from syncer.errors import GuardRefused
from syncer.mapping.compile import compile_mapping
from syncer.records import ChangePage, Cursor, Record, Side
from tests.engine.conftest import World, make_pipeline
from tests.engine.test_run import assert_agree, seed


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    """Pages of 3 external records, listed 2 at a time: every case spans several pages."""
    monkeypatch.setattr(stream, "STREAM_PAGE", 3)
    world.ext.page_size = 2


def _ext(world: World, email: str, first: str = "E") -> Record:
    return world.ext.put({"email": email, "first_name": first, "last_name": "Ext", "status": "C"})


def _quarantined(world: World) -> list[tuple[str, str]]:
    entries = world.ledger.quarantined("contacts")
    return [(entry.record_id, entry.category) for entry in entries]


@pytest.fixture
def pool(world: World) -> Iterator[Spool]:
    fieldmap = compile_mapping(world.pipeline, world.hub.field_types(), world.ext.field_types())
    opened = Spool(fieldmap, Side.HUBSPOT, "syncer_external_id")
    yield opened
    opened.close()


def _hub(world: World, email: str, **more: str) -> Record:
    props = {"email": email, "firstname": "H", "lastname": "Hub", "lifecyclestage": "lead"}
    return world.hub.put(props | more)


def test_a_streamed_first_migration_ends_as_a_whole_one(world: World) -> None:
    seed(world)  # 10 + 10 records, 3 emails shared (twins of h0-h2 listed in the first pages)
    report = world.run(Mode.MIGRATE)
    assert report.status == "ok"
    assert report.collected == {"hubspot": 10, "external": 10}
    assert report.created == {"hubspot": 7, "external": 7}
    assert report.linked == 17
    assert_agree(world)
    assert world.run(Mode.MIGRATE).writes == 0  # links now exist: the whole path, nothing to do
    assert world.run().writes == 0


def test_a_hubspot_twin_waits_for_the_page_that_holds_its_key(world: World) -> None:
    for i in range(7):
        _ext(world, f"e{i}@example.com")
    twin = _hub(world, "e6@example.com")  # its twin is the last external record listed
    report = world.run(Mode.MIGRATE)
    assert report.created == {"hubspot": 6, "external": 0}
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [twin.id])[twin.id]
    assert world.ext.rows[link.external_id].properties["email"] == "e6@example.com"
    assert_agree(world)


def test_an_external_key_repeated_in_a_later_page_is_a_duplicate(world: World) -> None:
    first = _ext(world, "same@example.com", "First")
    for i in range(4):
        _ext(world, f"e{i}@example.com")
    later = _ext(world, " SAME@example.com ", "Later")  # three pages after the first
    report = world.run(Mode.MIGRATE)
    assert report.created == {"hubspot": 5, "external": 0}
    assert [
        r.properties["firstname"] for r in world.hub.live() if "same" in r.properties["email"]
    ] == ["First"]
    rejected = world.ledger.quarantined("contacts")
    assert [(r.source_side, r.record_id, r.category) for r in rejected] == [
        ("external", later.id, "DUPLICATE_MATCH_KEY")
    ]
    assert world.ledger.links_for("contacts", Side.EXTERNAL, [first.id])


def test_hubspot_records_sharing_a_key_are_claimed_together(world: World) -> None:
    for i in range(4):
        _ext(world, f"e{i}@example.com")
    older = _hub(world, "dup@example.com", firstname="Older")
    newer = _hub(world, "DUP@example.com", firstname="Newer")
    _ext(world, "dup@example.com")
    world.run(Mode.MIGRATE)
    linked = world.ledger.links_for("contacts", Side.HUBSPOT, [older.id, newer.id])
    assert list(linked) == [older.id]  # the lower id wins, as in a whole run
    assert _quarantined(world) == [(newer.id, "DUPLICATE_MATCH_KEY")]


def test_hubspot_records_no_page_claimed_are_created_last(world: World) -> None:
    for i in range(5):
        _ext(world, f"e{i}@example.com")
    only_here = _hub(world, "hub-only@example.com")
    report = world.run(Mode.MIGRATE)
    assert report.created == {"hubspot": 5, "external": 1}
    assert world.ledger.links_for("contacts", Side.HUBSPOT, [only_here.id])
    assert_agree(world)


def test_a_hubspot_record_naming_an_external_id_waits_for_that_record(world: World) -> None:
    """Paired by id, as in a whole run, though its twin comes pages later and an earlier
    record holds its email: that one is the duplicate, as a whole run would have it."""
    early = _ext(world, "new@example.com")  # the carrier's key, three pages before its twin
    for i in range(5):
        _ext(world, f"e{i}@example.com")
    named = _ext(world, "old@example.com")
    carrier = _hub(world, "new@example.com", syncer_external_id=named.id)
    report = world.run(Mode.MIGRATE)
    assert report.created == {"hubspot": 5, "external": 0}
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [carrier.id])[carrier.id]
    assert link.external_id == named.id
    rejected = world.ledger.quarantined("contacts")
    assert [(r.record_id, r.category) for r in rejected] == [(early.id, "DUPLICATE_MATCH_KEY")]
    assert f"paired with external {named.id} by its id" in rejected[0].message


def test_a_key_held_by_a_pair_by_id_stays_held_for_records_no_page_claimed(world: World) -> None:
    """The pair settles on its external record's email (conflict = external), so the ledger
    knows it by that key only; the carrier's own key must still be held, as in a whole run."""
    world.pipeline = make_pipeline(conflict="external")
    for i in range(4):
        _ext(world, f"e{i}@example.com")
    named = _ext(world, "old@example.com")
    carrier = _hub(world, "new@example.com", syncer_external_id=named.id)
    second = _hub(world, "NEW@example.com")  # no external record has its key
    report = world.run(Mode.MIGRATE)
    assert report.created == {"hubspot": 4, "external": 0}
    assert world.ledger.links_for("contacts", Side.HUBSPOT, [carrier.id])
    assert _quarantined(world) == [(second.id, "DUPLICATE_MATCH_KEY")]


def test_a_named_id_that_is_not_live_is_no_reservation(world: World) -> None:
    for i in range(4):
        _ext(world, f"e{i}@example.com")
    gone = _ext(world, "gone@example.com")
    world.ext.remove(gone.id)
    carrier = _hub(world, "e3@example.com", syncer_external_id=gone.id)
    report = world.run(Mode.MIGRATE)
    assert report.created == {"hubspot": 3, "external": 0}  # paired with e3 by its key
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [carrier.id])[carrier.id]
    assert world.ext.rows[link.external_id].properties["email"] == "e3@example.com"


def test_pages_are_regrouped_to_the_size_asked_with_the_newest_cursor() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    listed = [
        ChangePage([Record("1", {}, at), Record("2", {}, at)], None),
        ChangePage([Record("2", {"v": 2}, at), Record("3", {}, at)], None),
        ChangePage([Record("4", {}, at)], Cursor("end")),
    ]
    pages = list(stream.pages_of(listed, 3))
    assert [[r.id for r in p.records] for p in pages] == [["1", "2", "3"], ["4"]]
    assert pages[0].records[1].properties == {"v": 2}  # listed twice: the later read
    assert [p.cursor for p in pages] == [None, Cursor("end")]


def test_hubspot_records_wait_on_disk_then_come_back_by_key(pool: Spool) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    pool.add([Record("12", {"email": "B@x.com"}, at), Record("3", {"email": "a@x.com"}, at)])
    pool.add([Record("4", {"email": "b@x.com"}, at), Record("5", {"email": "c@x.com"}, at)])
    pool.add([Record("3", {"email": "old@x.com"}, at - timedelta(days=1))])  # older: ignored
    assert len(pool) == 4
    claimed = pool.claim([Record("e1", {"email": " A@X.com"}, at)])
    assert [(r.id, r.properties, r.modified_at) for r in claimed] == [
        ("3", {"email": "a@x.com"}, at)
    ]
    assert [[r.id for r in part] for part in pool.rest(2)] == [["4", "12"], ["5"]]


def test_a_reserved_record_waits_for_its_twin_and_both_keys_are_held(pool: Spool) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    pool.add([Record("7", {"email": "h@x.com", "syncer_external_id": "e9"}, at)])
    pool.add([Record("8", {"email": "i@x.com", "syncer_external_id": "e404"}, at)])
    assert list(pool.carried_ids(10)) == [["e404", "e9"]]
    pool.reserve([Record("e9", {"email": "twin@x.com"}, at)])  # e404 is not live
    holder = "hubspot record 7, paired with external e9 by its id"
    others = [Record("e3", {"email": e}, at) for e in ("h@x.com", "twin@x.com", "i@x.com")]
    assert pool.held(others, Side.EXTERNAL) == {"h@x.com": holder, "twin@x.com": holder}
    another = [Record("9", {"email": "twin@x.com"}, at)]
    assert pool.held(another, Side.HUBSPOT) == {"twin@x.com": holder}
    with_it = [Record("7", {"email": "h@x.com"}, at), *another]
    assert pool.held(with_it, Side.HUBSPOT) == {}  # what 7 holds, it holds for itself
    assert pool.claim([Record("e1", {"email": "h@x.com"}, at)]) == []  # reserved
    assert [r.id for r in pool.claim([Record("e2", {"email": "i@x.com"}, at)])] == ["8"]
    assert [r.id for r in pool.claim([Record("e9", {"email": "twin@x.com"}, at)])] == ["7"]
    assert list(pool.rest(10)) == []


# -- a migration over existing links (deletes = "ignore"), streamed too ----------------------


def _migrated_pairs(world: World, count: int) -> list[tuple[str, str]]:
    """`count` external records migrated into HubSpot: [(hubspot id, external id)]."""
    made = [_ext(world, f"p{i}@example.com") for i in range(count)]
    world.run(Mode.MIGRATE)
    links = world.ledger.links_for("contacts", Side.EXTERNAL, [r.id for r in made])
    return [(links[r.id].hubspot_id, r.id) for r in made]


def test_a_linked_hubspot_record_waits_for_its_twin_not_for_its_key(world: World) -> None:
    """Pair p0's twin is listed last; a new record with p0's email comes pages earlier. It must
    not take p0's HubSpot record, and both edits to p0 meet: the newest wins on both sides."""
    pairs = _migrated_pairs(world, 6)
    hub_id, ext_id = pairs[0]
    world.hub.put({"firstname": "Older, in HubSpot", "lastname": "Kept"}, hub_id)
    newcomer = _ext(world, "P0@example.com", "Newcomer")
    for i in range(4):  # so that p0's twin falls a page after the newcomer
        _ext(world, f"filler{i}@example.com")
    world.ext.put({"first_name": "Newer, in SQL"}, ext_id)  # listed last
    report = world.run(Mode.MIGRATE)
    assert report.created == {"hubspot": 4, "external": 0}
    for record in (world.hub.rows[hub_id], world.ext.rows[ext_id]):
        names = {k: v for k, v in record.properties.items() if k.endswith("name")}
        assert sorted(names.values()) == ["Kept", "Newer, in SQL"], record
    assert _quarantined(world) == [(newcomer.id, "DUPLICATE_MATCH_KEY")]
    assert world.run(Mode.MIGRATE).writes == 0


def test_linked_records_a_listing_misses_are_stood_in_for_as_gone(world: World) -> None:
    pairs = _migrated_pairs(world, 7)
    (hub_gone, ext_kept), (hub_kept, ext_gone), (hub_both, ext_both) = pairs[:3]
    world.hub.remove(hub_gone)
    world.ext.remove(ext_gone)
    world.hub.remove(hub_both)
    world.ext.remove(ext_both)
    world.ext.put({"first_name": "Edited after its twin went"}, ext_kept)
    writes_before = world.hub.counter.by_kind.get("write", 0)
    report = world.run(Mode.MIGRATE)
    assert report.writes == 0 and report.quarantined == 0
    assert world.hub.counter.by_kind.get("write", 0) == writes_before  # none tried on the gone
    archived = {
        h: world.ledger.links_for("contacts", Side.HUBSPOT, [h])[h].archived_on
        for h in (hub_gone, hub_kept, hub_both)
    }
    assert archived == {hub_gone: "hubspot", hub_kept: "external", hub_both: "both"}
    assert not world.hub.rows[hub_kept].archived  # deletes = "ignore": nothing is archived


def test_an_empty_external_listing_over_links_is_refused_before_any_write(world: World) -> None:
    pairs = _migrated_pairs(world, 3)
    for _, ext_id in pairs:
        world.ext.remove(ext_id)
    only_hub = _hub(world, "new@example.com")
    with pytest.raises(GuardRefused, match="external returned no records although 3 pairs"):
        world.run(Mode.MIGRATE)
    assert not world.ledger.links_for("contacts", Side.HUBSPOT, [only_hub.id])
    assert len(world.ext.rows) == 3  # nothing created


def test_the_spool_serves_the_external_side_too(world: World) -> None:
    """Spooled external records are claimed by HubSpot pages' keys and hold their own keys."""
    fieldmap = compile_mapping(world.pipeline, world.hub.field_types(), world.ext.field_types())
    spool = Spool(fieldmap, Side.EXTERNAL, None)
    try:
        at = datetime(2026, 1, 1, tzinfo=UTC)
        spool.add([Record("e1", {"email": " A@x.com"}, at), Record("e2", {"email": "b@x.com"}, at)])
        claimed = spool.claim([Record("h1", {"email": "a@x.com"}, at)])
        assert [r.id for r in claimed] == ["e1"]
        assert list(spool.carried_ids(10)) == []  # external records name no twin by id
        assert [[r.id for r in part] for part in spool.rest(10)] == [["e2"]]
    finally:
        spool.close()


def test_archived_records_added_to_the_spool_never_replace_a_listed_version(
    pool: Spool,
) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    pool.add([Record("3", {"email": "a@x.com"}, at)])
    pool.add_missing([Record("3", {}, at + timedelta(days=1), archived=True)])
    pool.add_missing([Record("4", {"email": "b@x.com"}, at, archived=True)])
    [[listed, added]] = list(pool.rest(10))
    assert (listed.id, listed.archived, listed.properties) == ("3", False, {"email": "a@x.com"})
    assert (added.id, added.archived) == ("4", True)
