"""A full listing by several readers (listing_readers > 1): the list cursor and searches over
hs_object_id ranges together read every live record exactly once, through the sandbox."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncer.connectors.hubspot import HubSpotConnector
from syncer.errors import FatalError
from syncer.sandbox.hubspot import HubSpotSandbox
from tests.connectors.hubspot_harness import TOKEN, connect, sandbox

UNTIL = datetime(2100, 1, 1, tzinfo=UTC)


def admin(app: HubSpotSandbox) -> httpx.Client:
    return httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="http://sandbox.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


def seeded(count: int, archived_every: int = 0) -> tuple[HubSpotSandbox, set[str]]:
    """`count` contacts; with `archived_every`, every such one archived (gaps in the ids)."""
    app = sandbox()
    ids: list[str] = []
    with admin(app) as client:
        for first in range(0, count, 100):
            inputs = [
                {"properties": {"email": f"p{i}@example.com", "firstname": f"P{i}"}}
                for i in range(first, min(first + 100, count))
            ]
            made = client.post("/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
            ids += [str(r["id"]) for r in made.raise_for_status().json()["results"]]
        gone = ids[::archived_every] if archived_every else []
        for first in range(0, len(gone), 100):
            body = {"inputs": [{"id": i} for i in gone[first : first + 100]]}
            client.post("/crm/v3/objects/contacts/batch/archive", json=body).raise_for_status()
    return app, set(ids) - set(gone)


def listed(hubspot: HubSpotConnector) -> tuple[list[str], list[object]]:
    ids: list[str] = []
    cursors: list[object] = []
    for page in hubspot.changes(None, UNTIL):
        ids += [r.id for r in page.records]
        cursors.append(page.cursor)
    return ids, cursors


def test_the_list_cursor_and_range_searches_read_every_record_once() -> None:
    app, live = seeded(2500, archived_every=7)
    hubspot = connect(app, listing_readers=3)
    hubspot.prepare()
    app.reset_stats()
    ids, cursors = listed(hubspot)
    assert sorted(ids) == sorted(live)  # every live record, none twice
    assert cursors[-1] is not None and all(c is None for c in cursors[:-1])
    stats = app.stats()
    assert stats["list"] >= 2 and stats["search"] >= 2  # both readers took part
    hubspot.close()


def test_one_list_page_is_read_alone() -> None:
    app, live = seeded(60)
    hubspot = connect(app, listing_readers=4)
    hubspot.prepare()
    app.reset_stats()
    ids, cursors = listed(hubspot)
    assert sorted(ids) == sorted(live) and cursors == [cursors[-1]] and cursors[-1]
    assert app.stats().get("search", 0) == 0
    hubspot.close()


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    count=st.integers(101, 1300),
    archived_every=st.sampled_from([0, 2, 3, 50]),
    readers=st.integers(2, 5),
)
def test_any_portal_is_listed_exactly_once_by_any_number_of_readers(
    count: int, archived_every: int, readers: int
) -> None:
    app, live = seeded(count, archived_every)
    hubspot = connect(app, listing_readers=readers)
    ids, _ = listed(hubspot)
    assert len(ids) == len(set(ids)) and set(ids) == live
    hubspot.close()


def test_a_refused_search_fails_the_listing_and_its_readers_end() -> None:
    app, _ = seeded(1500)
    hubspot = connect(app, listing_readers=3)
    hubspot.prepare()
    with admin(app) as client:
        fault = {"status": 400, "count": 1000, "path_contains": "/search"}
        client.post("/_sandbox/faults", json=fault).raise_for_status()
    before = threading.active_count()
    with pytest.raises(FatalError, match="search"):
        listed(hubspot)
    assert threading.active_count() <= before
    hubspot.close()


def test_a_listing_left_early_stops_its_readers() -> None:
    app, _ = seeded(3000)
    hubspot = connect(app, listing_readers=3)
    hubspot.prepare()
    before = threading.active_count()
    pages = hubspot.changes(None, UNTIL)
    next(iter(pages))
    pages.close()  # type: ignore[attr-defined]
    assert threading.active_count() <= before
    hubspot.close()


def test_one_search_says_whether_any_record_names_an_external_id() -> None:
    """Asked before a first extraction streams (engine/extraction.py)."""
    app, live = seeded(250)
    hubspot = connect(app)
    hubspot.prepare()
    app.reset_stats()
    assert not hubspot.has_any("legacy_id")
    with admin(app) as client:
        named = {"properties": {"legacy_id": "e42"}}
        client.patch(f"/crm/v3/objects/contacts/{max(live, key=int)}", json=named)
    assert hubspot.has_any("legacy_id")
    assert app.stats()["search"] == 2  # one call each
    hubspot.close()
