"""Engagements as pipeline objects, over loopback HTTP against the sandbox: created once, never
duplicated by a resend or a rerun, whether or not the portal gives engagements a unique
property (UNCONFIRMED for HubSpot: the sandbox's `engagement_unique_properties` says which)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syncer.connectors.base import SentCreate
from syncer.connectors.hubspot import HubSpotConnector
from syncer.errors import RetryableError
from syncer.records import Write
from tests.connectors.hubspot_relations_harness import Portal, calls, field

CONTACTS = field("contacts", "contacts")
NOTE_FIELDS = {"hs_timestamp": "noted_at", "hs_note_body": "body", "hubspot_owner_id": "rep"}


@pytest.fixture(params=[False, True], ids=["no-unique-property", "unique-property"])
def portal(request: pytest.FixtureRequest) -> Iterator[Portal]:
    made = Portal(engagement_unique_properties=request.param)
    yield made
    made.close()


def notes(portal: Portal, *, retries: int = 0) -> HubSpotConnector:
    hubspot = portal.connector("notes", [CONTACTS], mapped=NOTE_FIELDS, retries=retries)
    hubspot.prepare()
    return hubspot


def note(n: int, contact: str | None, owner: str) -> Write:
    return Write(
        f"n{n}",
        {"hs_timestamp": f"2025-03-0{1 + n % 9}T10:00:00Z", "hs_note_body": f"Called ({n})",
         "hubspot_owner_id": owner, "legacy_id": f"N-{n}",
         "@contacts": [contact] if contact else []},
        unique_property="legacy_id", unique_value=f"N-{n}",
    )  # fmt: skip


def test_notes_are_created_with_timestamp_owner_body_and_contact(portal: Portal) -> None:
    owner = str(portal.sandbox.add_owner({"email": "rep@example.com"})["id"])
    people = portal.create("contacts", 2, firstname="P{n}")
    hubspot = notes(portal)
    results = hubspot.write([note(n, people[n % 2], owner) for n in range(120)])
    assert all(r.ok and r.created for r in results)
    assert calls(hubspot, "batch/create") == 2 and calls(hubspot, "associations/create") == 0
    read = {r.id: r for r in hubspot.fetch([str(r.id) for r in results])}
    first = read[str(results[0].id)].properties
    assert first["hs_note_body"] == "Called (0)" and first["hubspot_owner_id"] == owner
    assert first["hs_timestamp"].startswith("2025-03-01T10:00:00")
    assert first["@contacts"] == [people[0]]
    assert portal.edges("notes", "contacts", str(results[1].id)) == {people[1]: {202}}


def test_a_resend_duplicates_no_note(portal: Portal) -> None:
    owner = str(portal.sandbox.add_owner({"email": "rep@example.com"})["id"])
    people = portal.create("contacts", 2, firstname="P{n}")
    writes = [note(n, people[n % 2], owner) for n in range(30)]
    first = notes(portal).write(writes)
    rerun = notes(portal)  # a new process: nothing of the first run is remembered
    second = rerun.write(writes)
    assert [(r.ok, r.created, r.id) for r in second] == [(True, False, r.id) for r in first]
    assert portal.count("notes") == 30
    assert portal.edges("notes", "contacts", str(first[1].id)) == {people[1]: {202}}
    assert calls(rerun, "search") == 0  # found through the contacts, without index lag


def test_a_note_pointing_nowhere_is_not_duplicated_either(portal: Portal) -> None:
    owner = str(portal.sandbox.add_owner({"email": "rep@example.com"})["id"])
    first = notes(portal).write([note(n, None, owner) for n in range(3)])
    second = notes(portal).write([note(n, None, owner) for n in range(3)])
    assert [r.id for r in second] == [r.id for r in first] and portal.count("notes") == 3


def test_a_rerun_finds_the_notes_a_crash_left_unconfirmed(portal: Portal) -> None:
    owner = str(portal.sandbox.add_owner({"email": "rep@example.com"})["id"])
    person = portal.create("contacts", 1, firstname="P")[0]
    made = notes(portal).write([note(n, person, owner) for n in range(5)])
    found = notes(portal).find("legacy_id", [f"N-{n}" for n in range(5)] + ["N-99"])
    assert sorted(r.id for r in found) == sorted(str(r.id) for r in made)
    assert all(r.properties["@contacts"] == [person] for r in found)


def test_a_lost_answer_is_not_resent_blindly(portal: Portal) -> None:
    owner = str(portal.sandbox.add_owner({"email": "rep@example.com"})["id"])
    person = portal.create("contacts", 1, firstname="P")[0]
    portal.sandbox.schedule_fault(
        {"status": 502, "count": 1, "path_contains": "/notes/batch/create", "after_apply": True}
    )
    hubspot = notes(portal, retries=3)  # would resend at once, were it not for the unknown
    writes = [note(n, person, owner) for n in range(4)]
    try:
        results = hubspot.write(writes)  # a unique property guards a retry: it may go again
    except RetryableError:
        results = notes(portal).write(writes)  # the next run looks before it creates
    assert all(r.ok for r in results) and portal.count("notes") == 4


def test_a_note_whose_index_lags_is_still_found_through_its_contact() -> None:
    portal = Portal(engagement_unique_properties=False, search_lag_ms=600_000)
    try:
        owner = str(portal.sandbox.add_owner({"email": "rep@example.com"})["id"])
        person = portal.create("contacts", 1, firstname="P")[0]
        notes(portal).write([note(n, person, owner) for n in range(3)])
        assert notes(portal).find("legacy_id", ["N-0"]) == []  # search has not caught up
        notes(portal).write([note(n, person, owner) for n in range(3)])
        assert portal.count("notes") == 3
    finally:
        portal.close()


def _lost(portal: Portal, writes: list[Write]) -> None:
    """Send `writes` once; HubSpot makes them, and the answer is lost."""
    portal.sandbox.schedule_fault(
        {"status": 502, "path_contains": "/notes/batch/create", "after_apply": True}
    )
    with pytest.raises(RetryableError):
        notes(portal).write(writes)
    assert portal.count("notes") == len(writes)


def test_find_sent_finds_notes_pointing_nowhere_by_listing_while_search_lags() -> None:
    portal = Portal(engagement_unique_properties=False, search_lag_ms=600_000)
    try:
        owner = str(portal.sandbox.add_owner({"email": "rep@example.com"})["id"])
        _lost(portal, [note(n, None, owner) for n in range(3)])
        rerun = notes(portal)
        sent = [SentCreate(f"N-{n}", {}) for n in (0, 2, 7)]  # N-7 was never made
        found = rerun.find_sent("legacy_id", sent)
        assert sorted(r.properties["legacy_id"] for r in found) == ["N-0", "N-2"]
        assert rerun.find("legacy_id", ["N-0"]) == []  # search has not caught up
        assert calls(rerun, "list") == 1  # one page of the type's engagements
    finally:
        portal.close()


def test_find_sent_looks_through_the_contact_a_note_was_sent_with_not_its_new_one() -> None:
    portal = Portal(engagement_unique_properties=False, search_lag_ms=600_000)
    try:
        owner = str(portal.sandbox.add_owner({"email": "rep@example.com"})["id"])
        first, second = portal.create("contacts", 2, firstname="P{n}")
        _lost(portal, [note(0, first, owner)])
        rerun = notes(portal)
        assert rerun.find_sent("legacy_id", [SentCreate("N-0", {"@contacts": [second]})]) == []
        [found] = rerun.find_sent("legacy_id", [SentCreate("N-0", {"@contacts": [first]})])
        assert found.properties["@contacts"] == [first]
        assert calls(rerun, "list") == 0  # read through the contact: no listing
    finally:
        portal.close()


def test_find_sent_reads_by_the_unique_property_where_notes_take_one() -> None:
    portal = Portal(engagement_unique_properties=True, search_lag_ms=600_000)
    try:
        owner = str(portal.sandbox.add_owner({"email": "rep@example.com"})["id"])
        made = notes(portal).write([note(0, None, owner)])
        rerun = notes(portal)
        [found] = rerun.find_sent("legacy_id", [SentCreate("N-0", {})])
        assert found.id == str(made[0].id)
        assert calls(rerun, "list") == calls(rerun, "search") == 0  # read by the property
    finally:
        portal.close()
