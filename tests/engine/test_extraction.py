"""A first extraction (direction = "to_external") runs HubSpot's pages as they are read, against
the external side's listing in a spool (engine/extraction.py): it must end exactly where a
whole-listing migration ends, and write while HubSpot is still being listed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from syncer.engine import extraction, run
from syncer.engine.report import Mode
from syncer.engine.spool import Spool
from syncer.mapping.compile import compile_mapping
from syncer.policies import Direction
from syncer.records import ChangePage, Cursor, Record, Side
from tests.engine.conftest import World, make_pipeline


def test_the_spool_gives_back_a_sql_rows_values_as_they_were(world: World) -> None:
    """A SQL side's records hold datetimes, dates, decimals and bytes, not only text."""
    fieldmap = compile_mapping(world.pipeline, world.hub.field_types(), world.ext.field_types())
    spool = Spool(fieldmap, Side.EXTERNAL, None)
    at = datetime(2026, 1, 1, 12, 30, 0, 123456, tzinfo=UTC)
    values = {
        "email": "a@x.com",
        "updated_at": at,
        "born": date(1990, 2, 3),
        "opens": time(9, 15),
        "balance": Decimal("12.50"),
        "photo": b"\x00\xff",
        "vip": True,
        "notes": None,
        "tags": ["1", "2"],
    }
    try:
        spool.add([Record("e1", values, at)])
        [[back]] = list(spool.rest(10))
        assert back == Record("e1", values, at)
        assert type(back.properties["balance"]) is Decimal
    finally:
        spool.close()


@pytest.fixture(params=["streamed", "whole"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, world: World) -> str:
    """The run path a first extraction takes: HubSpot's pages as they come (with pages of 3
    records, listed 2 at a time, read 1 listing page ahead), or, for the outcome to compare
    with, both sides whole."""
    world.pipeline = make_pipeline(direction=Direction.TO_EXTERNAL.value)
    world.hub.page_size = 2
    monkeypatch.setattr(extraction, "EXTRACT_PAGE", 3)
    monkeypatch.setattr(extraction, "READ_AHEAD", 1)
    if request.param == "whole":
        monkeypatch.setattr(run, "extracts", lambda state, link_count: False)
        monkeypatch.setattr(run, "streams", lambda state, link_count: False)
    return str(request.param)


def _hub(world: World, email: str, **more: str) -> Record:
    props = {"email": email, "firstname": "H", "lastname": "Hub", "lifecyclestage": "lead"}
    return world.hub.put(props | more)


def _ext(world: World, email: str) -> Record:
    return world.ext.put({"email": email, "first_name": "E", "last_name": "Ext", "status": "C"})


def _quarantined(world: World) -> list[tuple[str, str]]:
    return [(e.record_id, e.category) for e in world.ledger.quarantined("contacts")]


def _linked_emails(world: World) -> dict[str, str]:
    """{HubSpot id: its twin's email as the external side holds it}."""
    ids = [r.id for r in world.hub.live()]
    links = world.ledger.links_for("contacts", Side.HUBSPOT, ids)
    return {
        h: str(world.ext.rows[link.external_id].properties["email"]) for h, link in links.items()
    }


def test_a_first_extraction_ends_as_a_whole_listing_does(world: World, path: str) -> None:
    twin_a, twin_b = _ext(world, "a@x.com"), _ext(world, " B@x.com ")
    _ext(world, "only-in-sql@x.com")
    first = _hub(world, "a@x.com", firstname="Ann")
    fillers = [_hub(world, f"f{i}@x.com") for i in range(4)]
    late = _hub(world, "b@x.com", firstname="Bea")  # its twin waits pages for it
    kept = _hub(world, "dup@x.com")
    more = [_hub(world, f"g{i}@x.com") for i in range(3)]
    repeated = _hub(world, "DUP@x.com")  # pages after the first holder of its key
    report = world.run(Mode.MIGRATE)
    assert report.collected == {"hubspot": 11, "external": 3}
    assert report.created == {"hubspot": 0, "external": 8}
    assert report.linked == 10
    assert _quarantined(world) == [(repeated.id, "DUPLICATE_MATCH_KEY")]
    linked = _linked_emails(world)
    assert linked[first.id] == "a@x.com" and linked[late.id] == " B@x.com "
    assert {linked[r.id] for r in [*fillers, kept, *more]} == {
        *(f"f{i}@x.com" for i in range(4)),
        "dup@x.com",
        *(f"g{i}@x.com" for i in range(3)),
    }
    assert world.ext.rows[twin_a.id].properties["first_name"] == "Ann"
    assert world.ext.rows[twin_b.id].properties["first_name"] == "Bea"
    assert len(world.ext.live()) == 11
    assert world.run().writes == 0


def test_a_record_naming_its_twin_by_id_pairs_with_it_whatever_came_before(
    world: World, path: str
) -> None:
    """An earlier HubSpot record holds the named twin's key: a whole listing pairs the named
    twin with the record naming it and refuses the earlier one. HubSpot is asked first whether
    any record names an id, and a stream that could not give that answer is not taken."""
    twin = _ext(world, "k@x.com")
    early = _hub(world, "k@x.com")
    for i in range(4):
        _hub(world, f"f{i}@x.com")
    naming = _hub(world, "other@x.com", syncer_external_id=twin.id)
    report = world.run(Mode.MIGRATE)
    assert _linked_emails(world)[naming.id] == "other@x.com"  # the twin took its email
    assert _quarantined(world) == [(early.id, "DUPLICATE_MATCH_KEY")]
    assert report.created == {"hubspot": 0, "external": 4}
    assert len(world.ext.live()) == 5
    assert world.hub.counter.by_kind.get("probe", 0) == (path == "streamed")


def test_sql_rows_are_written_while_hubspot_is_still_listed(
    world: World, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(20):
        _hub(world, f"h{i}@x.com")
    rows_when_read: list[int] = []  # external rows there as each HubSpot page is read
    listing = world.hub.changes

    def observed(since: Cursor | None, until: datetime) -> Iterator[ChangePage]:
        for page in listing(since, until):
            rows_when_read.append(len(world.ext.rows))
            yield page

    monkeypatch.setattr(world.hub, "changes", observed)
    world.run(Mode.MIGRATE)
    assert len(world.ext.rows) == 20
    if path == "streamed":  # the last page is read after several pages were written
        assert rows_when_read[0] == 0 and rows_when_read[-1] >= 3
    else:
        assert rows_when_read == [0] * 10


def test_a_listing_that_fails_midway_fails_the_run_and_stops_its_reader(
    world: World, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(10):
        _hub(world, f"h{i}@x.com")
    listing = world.hub.changes
    closed: list[bool] = []

    def failing(since: Cursor | None, until: datetime) -> Iterator[ChangePage]:
        try:
            for number, page in enumerate(listing(since, until)):
                if number == 3:
                    raise ConnectionError("HubSpot went away")
                yield page
        finally:
            closed.append(True)

    monkeypatch.setattr(world.hub, "changes", failing)
    with pytest.raises(ConnectionError, match="went away"):
        world.run(Mode.MIGRATE)
    assert closed == [True]
    assert world.ledger.cursor("contacts", Side.HUBSPOT) is None  # nothing past the failure
    monkeypatch.setattr(world.hub, "changes", listing)
    report = world.run(Mode.MIGRATE)  # the rerun pairs what the first run wrote, by key
    assert len(world.ext.live()) == 10 and report.quarantined == 0
    assert world.run().writes == 0
