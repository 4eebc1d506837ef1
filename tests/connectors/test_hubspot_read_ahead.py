"""The full listing's first page read ahead, while the set-up calls are made (read_ahead.py):
the listing shows what it would have shown without it, with a cursor no later than the read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncer.connectors.hubspot.objects import decode_cursor
from syncer.records import ChangePage, Record
from syncer.sandbox.hubspot import HubSpotSandbox
from tests.connectors.hubspot_harness import (
    StepClock,
    connect,
    contact,
    sandbox,
    schedule_fault,
)


def seeded(app: HubSpotSandbox, count: int) -> list[str]:
    """Contacts written by another connector (the portal as the run finds it)."""
    writer = connect(app)
    writer.prepare()
    ids = [r.id for r in writer.write([contact(n) for n in range(count)]) if r.id]
    writer.close()
    app.reset_stats()
    return ids


def listed(pages: list[ChangePage]) -> list[str]:
    return sorted(r.id for p in pages for r in p.records)


def test_the_first_page_is_read_while_the_catalogue_is() -> None:
    app = sandbox(latency_ms=100)
    ids = seeded(app, 150)
    hubspot = connect(app)
    hubspot.read_ahead()
    hubspot.prepare()
    pages = list(hubspot.changes(None, datetime.now(UTC)))
    assert listed(pages) == sorted(ids)
    assert hubspot.counter.by_kind["list"] == 2  # the page read ahead, then the second one
    trace = {e.kind: e for e in app.trace()}  # the last of each kind
    first_list = next(e for e in app.trace() if e.kind == "list")
    catalogue = trace["properties/read"]
    assert first_list.start_ms < catalogue.end_ms and catalogue.start_ms < first_list.end_ms


def test_the_cursor_is_no_later_than_the_read_ahead() -> None:
    clock = StepClock()
    app = sandbox(clock=clock)
    seeded(app, 3)
    hubspot = connect(app, clock=clock.now)
    read_at = clock.now()
    hubspot.read_ahead()
    hubspot.prepare()
    clock.seconds += 30  # set-up took a while; records edited meanwhile are read next time
    pages = list(hubspot.changes(None, clock.now()))
    assert len(listed(pages)) == 3
    cursor = pages[-1].cursor
    assert cursor is not None
    assert decode_cursor(cursor) <= int(read_at.timestamp() * 1000)


def test_a_write_after_the_read_ahead_drops_the_page() -> None:
    app = sandbox()
    ids = seeded(app, 2)
    hubspot = connect(app)
    hubspot.read_ahead()
    hubspot.prepare()
    [created] = hubspot.write([contact(99)])  # as reconciling a crashed run's intents may
    pages = list(hubspot.changes(None, datetime.now(UTC) + timedelta(seconds=1)))
    assert listed(pages) == sorted([*ids, str(created.id)])
    assert hubspot.counter.by_kind["list"] == 2  # read ahead, dropped, read again


def test_a_failed_read_ahead_is_read_again_by_the_listing() -> None:
    app = sandbox()
    ids = seeded(app, 2)
    schedule_fault(app, status=400, path_contains="/crm/v3/objects/contacts", method="GET")
    hubspot = connect(app)
    hubspot.read_ahead()
    hubspot.prepare()
    records: list[Record] = [r for p in hubspot.changes(None, datetime.now(UTC)) for r in p.records]
    assert sorted(r.id for r in records) == sorted(ids)
    assert app.stats()["faults"] == 1


def test_closing_waits_for_a_read_ahead_never_taken() -> None:
    app = sandbox(latency_ms=100)
    seeded(app, 1)
    hubspot = connect(app)
    hubspot.read_ahead()
    hubspot.close()  # the run failed in set-up: the read ends before the client closes
    assert [e.kind for e in app.trace()] == ["list"]
