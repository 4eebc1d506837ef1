"""HubSpotConnector against the HubSpot sandbox, in-process: schema, listing, search, writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from syncer.errors import ConfigError
from syncer.records import Cursor, FieldType, Write
from tests.connectors.hubspot_harness import (
    StepClock,
    connect,
    contact,
    ids_of,
    pipeline,
    sandbox,
)


def test_prepare_creates_the_unique_external_id_property_once() -> None:
    app = sandbox()
    hubspot = connect(app)
    hubspot.prepare()
    hubspot.prepare()
    assert hubspot.counter.by_kind["properties/create"] == 1
    assert hubspot.field_types() == {
        "firstname": FieldType.TEXT,
        "lastname": FieldType.TEXT,
        "email": FieldType.TEXT,
        "legacy_id": FieldType.TEXT,
    }
    result = hubspot.write(
        [Write("w", {"legacy_id": "L-1"}, unique_property="legacy_id", unique_value="L-1")]
    )
    assert result[0].ok and result[0].created


def test_keys_are_normalised_as_hubspot_compares_them() -> None:
    """Emails whatever their case; the values of a unique property (external ids) exactly."""
    hubspot = connect(sandbox())
    hubspot.prepare()
    writes = [
        Write(v, {"legacy_id": v, "email": e}, unique_property="legacy_id", unique_value=v)
        for v, e in (("L-a", "ann@example.com"), ("L-A", "bob@example.com"))
    ]
    assert all(r.ok and r.created for r in hubspot.write(writes))  # two records, two keys
    found = hubspot.find("legacy_id", ["L-a", "L-A"])
    assert sorted(hubspot.normalise_key("legacy_id", r.properties["legacy_id"]) for r in found) == [
        "L-A",
        "L-a",
    ]
    [ann] = hubspot.find("email", ["ANN@EXAMPLE.com"])
    assert (
        hubspot.normalise_key("email", ann.properties["email"])
        == hubspot.normalise_key("email", " ANN@EXAMPLE.com")
        == "ann@example.com"
    )


def test_prepare_names_the_pipeline_and_missing_property() -> None:
    hubspot = connect(sandbox(), pipeline_settings=pipeline(fields={"shoe_size": "shoe"}))
    with pytest.raises(ConfigError, match=r"'contacts'.*'shoe_size'"):
        hubspot.prepare()


def test_prepare_refuses_a_non_unique_external_id_property() -> None:
    hubspot = connect(sandbox(), pipeline_settings=pipeline(external_id_property="firstname"))
    with pytest.raises(ConfigError, match="'firstname' exists but is not unique"):
        hubspot.prepare()


def test_full_listing_pages_every_record_and_ends_at_until() -> None:
    app = sandbox()
    hubspot = connect(app)
    hubspot.prepare()
    written = hubspot.write([contact(n) for n in range(250)])
    until = datetime.now(UTC)
    pages = list(hubspot.changes(None, until))
    assert [len(p.records) for p in pages] == [100, 100, 50]
    assert sorted(ids_of([r for p in pages for r in p.records])) == sorted(
        r.id for r in written if r.id
    )
    assert [p.cursor is None for p in pages] == [True, True, False]
    assert json.loads(pages[-1].cursor.position)["t"] <= until.timestamp() * 1000  # type: ignore[union-attr]
    first = pages[0].records[0]
    assert first.properties["email"].startswith("person") and first.modified_at is not None


def test_incremental_search_rereads_the_overlap_and_ends_at_until() -> None:
    clock = StepClock()
    app = sandbox(clock=clock)
    hubspot = connect(app, clock=clock.now, pipeline_settings=pipeline(overlap_seconds=60))
    hubspot.prepare()
    old = hubspot.write([contact(1)])[0].id  # t0 - 90 s: before the overlap
    clock.seconds += 60
    in_overlap = hubspot.write([contact(2)])[0].id  # t0 - 30 s: inside the overlap
    clock.seconds += 30
    cursor_time = clock.now()
    clock.seconds += 5
    changed = hubspot.write([contact(3), contact(4)])
    clock.seconds += 5
    cursor = Cursor(json.dumps({"t": int(cursor_time.timestamp() * 1000)}))
    pages = list(hubspot.changes(cursor, clock.now()))
    seen = ids_of([r for p in pages for r in p.records])
    assert old not in seen
    assert sorted(seen) == sorted([in_overlap, *(r.id for r in changed)])
    assert pages[-1].cursor == Cursor(json.dumps({"t": int(clock.seconds * 1000)}))
    assert hubspot.counter.by_kind["search"] == 1


def test_search_never_returns_a_cursor_beyond_until_or_now() -> None:
    clock = StepClock()
    hubspot = connect(sandbox(clock=clock), clock=clock.now)
    hubspot.prepare()
    future = clock.now() + timedelta(hours=1)
    pages = list(hubspot.changes(Cursor('{"t": 0}'), future))
    assert pages[-1].cursor == Cursor(json.dumps({"t": int(clock.seconds * 1000)}))


def test_a_cursor_from_elsewhere_is_a_clear_error() -> None:
    hubspot = connect(sandbox())
    with pytest.raises(ConfigError, match="not this connector's"):
        list(hubspot.changes(Cursor("2024-01-01"), datetime.now(UTC)))


def test_fetch_and_find_skip_unknown_ids_and_values() -> None:
    hubspot = connect(sandbox())
    hubspot.prepare()
    ids = [r.id for r in hubspot.write([contact(n) for n in range(3)])]
    assert sorted(ids_of(hubspot.fetch([*ids, "999999"]))) == sorted(ids)  # type: ignore[type-var]
    found = hubspot.find("email", ["person1@example.com", "nobody@example.com"])
    assert ids_of(found) == [ids[1]]
    with pytest.raises(ConfigError, match="'firstname'"):
        hubspot.find("firstname", ["First1"])


def test_upsert_by_email_then_by_unique_property() -> None:
    hubspot = connect(sandbox())
    hubspot.prepare()
    first = hubspot.write([contact(1)])[0]
    again = hubspot.write([contact(1, lastname="Again")])[0]
    assert (first.created, again.created, again.id) == (True, False, first.id)
    by_key = Write(
        "k",
        {"legacy_id": "L-9", "firstname": "Nine"},
        unique_property="legacy_id",
        unique_value="L-9",
    )
    created = hubspot.write([by_key])[0]
    updated = hubspot.write(
        [
            Write(
                "k",
                {"legacy_id": "L-9", "firstname": "Niner"},
                unique_property="legacy_id",
                unique_value="L-9",
            )
        ]
    )[0]
    assert (created.created, updated.created, updated.id) == (True, False, created.id)
    assert hubspot.fetch([created.id])[0].properties["firstname"] == "Niner"  # type: ignore[list-item]


def test_one_bad_email_among_many_is_the_only_rejection() -> None:
    hubspot = connect(sandbox())
    hubspot.prepare()
    writes = [contact(n) for n in range(40)]
    writes[17] = Write(
        "bad", {"email": "not-an-email"}, unique_property="email", unique_value="not-an-email"
    )
    results = hubspot.write(writes)
    rejected = [r for r in results if not r.ok]
    assert [r.key for r in rejected] == ["bad"]
    assert rejected[0].rejection is not None
    assert (rejected[0].rejection.code, rejected[0].rejection.property) == (
        "INVALID_EMAIL",
        "email",
    )
    assert [r.key for r in results] == [w.key for w in writes]
    assert hubspot.counter.by_kind["batch/upsert"] == 1


def test_updates_by_id_and_repeated_targets_go_in_order() -> None:
    hubspot = connect(sandbox())
    hubspot.prepare()
    target = hubspot.write([contact(1)])[0].id
    results = hubspot.write(
        [
            Write("a", {"firstname": "One"}, target_id=target),
            Write("b", {"firstname": "Two"}, target_id=target),
            Write("c", {"firstname": "X"}, target_id="424242"),
        ]
    )
    assert [r.ok for r in results] == [True, True, False]
    assert results[2].rejection is not None
    assert results[2].rejection.code == "OBJECT_NOT_FOUND"
    assert hubspot.counter.by_kind["batch/update"] == 2  # the repeat needed its own call
    assert hubspot.fetch([target])[0].properties["firstname"] == "Two"  # type: ignore[list-item]


def test_duplicate_unique_values_are_split_into_separate_calls() -> None:
    hubspot = connect(sandbox())
    hubspot.prepare()
    results = hubspot.write(
        [
            contact(1),
            contact(2),
            Write(
                "again",
                {"email": "PERSON1@example.com", "lastname": "L"},
                unique_property="email",
                unique_value="PERSON1@example.com",
            ),
        ]
    )
    assert all(r.ok for r in results)
    assert results[0].id == results[2].id
    assert hubspot.counter.by_kind["batch/upsert"] == 2


def test_a_409_on_create_adopts_the_existing_record() -> None:
    hubspot = connect(sandbox())
    hubspot.prepare()
    existing = hubspot.write([contact(5)])[0].id
    # An upsert by the external id whose email another contact already holds.
    result = hubspot.write(
        [
            Write(
                "link",
                {"legacy_id": "L-5", "email": "person5@example.com"},
                unique_property="legacy_id",
                unique_value="L-5",
            )
        ]
    )[0]
    assert (result.id, result.created, result.rejection) == (existing, False, None)
    assert hubspot.counter.by_kind["batch/update"] == 1  # the adoption carried the properties
    assert hubspot.fetch([existing])[0].properties["legacy_id"] == "L-5"  # type: ignore[list-item]


def test_archive_is_idempotent_and_hides_records() -> None:
    hubspot = connect(sandbox())
    hubspot.prepare()
    ids = [r.id for r in hubspot.write([contact(n) for n in range(3)])]
    results = hubspot.archive([ids[0], ids[0], "31337"])  # type: ignore[list-item]
    assert [r.ok for r in results] == [True, True, True]
    assert sorted(ids_of(hubspot.fetch(ids))) == sorted(ids[1:])  # type: ignore[arg-type,type-var]


def test_a_207_where_3_of_100_fail_links_the_other_97_in_one_call() -> None:
    hubspot = connect(sandbox())
    hubspot.prepare()
    bad = {7, 50, 93}
    writes = [
        Write(
            f"k{n}",
            {"email": "broken@" if n in bad else f"p{n}@example.com"},
            unique_property="legacy_id",
            unique_value=f"L-{n}",
        )
        for n in range(100)
    ]
    results = hubspot.write(writes)
    assert [r.key for r in results] == [w.key for w in writes]
    assert sum(r.ok for r in results) == 97
    refused = {r.key: r.rejection for r in results if not r.ok}
    assert set(refused) == {"k7", "k50", "k93"}
    assert {(j.code, j.property) for j in refused.values() if j} == {("INVALID_EMAIL", "email")}
    assert hubspot.counter.by_kind["batch/upsert"] == 1  # a 207, not a split
