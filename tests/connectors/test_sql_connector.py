"""SQL connector behaviour beyond the shared contract: no watermark column, time zones, hard
deletes, tables without a unique index, and how database rejections are classified."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from syncer.connectors.sql import FULL_SCAN
from syncer.errors import FatalError
from syncer.records import Cursor, RejectionKind, Write
from tests.contract import sql_harness
from tests.contract.harness import T0, UNTIL, ids_of, read_all
from tests.contract.sql_harness import SqlHarness, crm_table

# The SQL harness fixtures, shared with the contract suite.
sql_engine = sql_harness.sql_engine
sql_engines = sql_harness.sql_engines

NOW = datetime(2024, 5, 1, 12, 30, 0, tzinfo=UTC)
MakeHarness = Callable[..., SqlHarness]
# The database's own codes, kept in Rejection.code for the operator ("invalid_value" when
# SQLAlchemy refused the value while binding it, before the database saw it).
DATA_CODES = {
    "sqlite": {"invalid_value"},
    "postgresql": {"22001", "22P02"},
    "mysql": {"1406", "1366"},
    "mariadb": {"1406", "1366"},
}
NOT_NULL_CODE = {
    "sqlite": "SQLITE_CONSTRAINT_NOTNULL",
    "postgresql": "23502",
    "mysql": "1048",
    "mariadb": "1048",
}


@pytest.fixture
def make_harness(sql_engine: sa.Engine, unique_name: str) -> Iterator[MakeHarness]:
    """Build a harness over a table of a chosen shape; every table made is dropped afterwards."""
    made: list[SqlHarness] = []

    def build(**shape: bool) -> SqlHarness:
        table = crm_table(f"{unique_name}{len(made)}", **shape)
        table.create(sql_engine)
        made.append(SqlHarness(sql_engine, table, clock=lambda: NOW))
        return made[-1]

    yield build
    for harness in made:
        harness.close()


def create(email: str, **properties: object) -> Write:
    return Write(
        key=email,
        properties={"email": email, "first_name": "N", **properties},
        unique_property="email",
        unique_value=email.lower(),
    )


def test_without_updated_at_every_pass_returns_every_row(make_harness: MakeHarness) -> None:
    harness = make_harness(updated_at=False)
    live, gone = harness.seed("a@example.com"), harness.seed("b@example.com", archived=True)
    connector = harness.connector(batch_size=1)
    records, cursor, _ = read_all(connector.changes(None, UNTIL))
    assert ([r.id for r in records], cursor) == ([live], FULL_SCAN)
    for _ in range(2):  # nothing changed, still everything: the engine compares hashes
        records, cursor, _ = read_all(connector.changes(cursor, UNTIL))
        assert {(r.id, r.archived) for r in records} == {(live, False), (gone, True)}
        assert all(r.modified_at is None for r in records)
        assert cursor == FULL_SCAN


def test_naive_datetimes_are_wall_clock_in_the_configured_zone(make_harness: MakeHarness) -> None:
    harness = make_harness()
    paris = harness.connector(timezone="Europe/Paris", overlap_seconds=0)
    # Stored 14:10 and 13:50 naive, in Paris summer time: 12:10 and 11:50 UTC.
    with harness.engine.begin() as conn:
        for email, hour, minute in (("after@x.org", 14, 10), ("before@x.org", 13, 50)):
            conn.execute(
                sa.insert(harness.table).values(
                    email=email, first_name="P", updated_at=datetime(2024, 5, 1, hour, minute)
                )
            )
    records, cursor, _ = read_all(paris.changes(Cursor(T0.isoformat()), UNTIL))
    assert [(r.properties["email"], r.modified_at) for r in records] == [
        ("after@x.org", datetime(2024, 5, 1, 12, 10, tzinfo=UTC))
    ]
    assert cursor == Cursor(datetime(2024, 5, 1, 12, 10, tzinfo=UTC).isoformat())

    written = paris.write([create("w@x.org", last_seen=datetime(2024, 1, 2, 3, 4, tzinfo=UTC))])
    row = next(r for r in harness.rows() if r["email"] == "w@x.org")
    assert row["last_seen"] == datetime(2024, 1, 2, 4, 4)  # winter: UTC+1
    assert row["updated_at"] == datetime(2024, 5, 1, 14, 30)  # the clock's NOW, summer: UTC+2
    assert paris.fetch([str(written[0].id)])[0].properties["last_seen"] == datetime(
        2024, 1, 2, 3, 4, tzinfo=UTC
    )


def test_cursor_never_moves_past_until_or_backwards(make_harness: MakeHarness) -> None:
    harness = make_harness()
    harness.seed("later@x.org", modified_at=UNTIL + timedelta(minutes=5))
    connector = harness.connector(overlap_seconds=0)
    start = Cursor(T0.isoformat())
    records, cursor, _ = read_all(connector.changes(start, UNTIL))
    assert (records, cursor) == ([], start)
    _, cursor, _ = read_all(connector.changes(None, UNTIL))
    assert cursor == Cursor(datetime(1970, 1, 1, tzinfo=UTC).isoformat())


def test_updates_bump_updated_at_so_other_readers_see_them(make_harness: MakeHarness) -> None:
    harness = make_harness()
    target = harness.seed("bump@x.org", modified_at=T0 - timedelta(days=1))
    connector = harness.connector()
    assert connector.write([Write(key="u", target_id=target, properties={"score": 7})])[0].ok
    assert connector.fetch([target])[0].modified_at == NOW


def test_without_deleted_flag_archive_deletes_rows(make_harness: MakeHarness) -> None:
    harness = make_harness(deleted_flag=False)
    target, other = harness.seed("del@x.org"), harness.seed("keep@x.org")
    connector = harness.connector()
    assert all(r.ok for r in connector.archive([target, target, "424242"]))
    assert [str(row["id"]) for row in harness.rows()] == [other]


def test_create_without_unique_index_is_still_idempotent(make_harness: MakeHarness) -> None:
    harness = make_harness(unique_email=False)
    connector = harness.connector()
    first = connector.write([create("Solo@x.org")])[0]
    second = connector.write([create("solo@x.org ")])[0]
    assert first.created and not second.created and first.id == second.id
    assert len(harness.rows()) == 1
    assert connector.counter.by_kind.get("insert") == 1


def test_create_brings_back_a_soft_deleted_row_with_the_same_unique_key(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness()
    old = harness.seed("back@x.org", archived=True)
    result = harness.connector().write([create("back@x.org")])[0]
    assert result.ok and result.id == old
    if harness.engine.dialect.name != "sqlite":  # SQLite's upsert cannot tell insert from update
        assert not result.created
    assert [row["is_deleted"] for row in harness.rows()] == [False]


@pytest.mark.parametrize(
    ("properties", "column", "kind"),
    [
        ({"first_name": "x" * 41}, "first_name", RejectionKind.TOO_LONG),
        ({"score": "not a number"}, "score", RejectionKind.INVALID_VALUE),
    ],
)
def test_invalid_values_are_rejected_as_invalid(
    make_harness: MakeHarness, properties: dict[str, object], column: str, kind: RejectionKind
) -> None:
    harness = make_harness()
    if harness.engine.dialect.name == "sqlite" and column == "first_name":
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    results = harness.connector().write([create("ok@x.org"), create("bad@x.org", **properties)])
    assert results[0].ok
    rejection = results[1].rejection
    assert rejection is not None and rejection.code in DATA_CODES[harness.engine.dialect.name]
    assert rejection.kind is kind
    assert rejection.property in (column, None)  # PostgreSQL does not name the column here
    assert [row["email"] for row in harness.rows()] == ["ok@x.org"]


def test_keys_are_normalised_as_find_compares_them(make_harness: MakeHarness) -> None:
    harness = make_harness()
    harness.seed("Ann@Example.org")
    connector = harness.connector()
    [ann] = connector.find("email", [" ANN@example.ORG "])
    assert connector.normalise_key("email", ann.properties["email"]) == "ann@example.org"
    assert connector.normalise_key("email", " ANN@example.ORG ") == "ann@example.org"
    assert connector.normalise_key("id", int(ann.id)) == connector.normalise_key("id", ann.id)


def test_the_time_zone_of_naive_columns_is_the_configured_one(make_harness: MakeHarness) -> None:
    harness = make_harness()
    assert str(harness.connector(timezone="Europe/Paris").time_zone) == "Europe/Paris"


def test_a_missing_required_value_is_a_constraint_the_engine_reads_as_required(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness()
    result = harness.connector().write([create("none@x.org", first_name=None)])[0]
    assert result.rejection is not None
    assert (result.rejection.code, result.rejection.kind) == (
        NOT_NULL_CODE[harness.engine.dialect.name],
        RejectionKind.REQUIRED_MISSING,
    )
    assert harness.rows() == []


def test_unreadable_cursor_stops_the_run(make_harness: MakeHarness) -> None:
    connector = make_harness().connector()
    with pytest.raises(FatalError, match="not an ISO-8601 timestamp"):
        list(connector.changes(Cursor("yesterday"), UNTIL))


def test_quiet_passes_stop_rereading_once_the_newest_row_is_old(make_harness: MakeHarness) -> None:
    harness = make_harness()
    bulk = [harness.seed(f"bulk{i}@x.org", modified_at=T0) for i in range(3)]
    connector = harness.connector(overlap_seconds=60)
    cursor = Cursor(T0.isoformat())
    recent = T0 + timedelta(seconds=90)  # within twice the overlap: the cursor stays put
    records, cursor_after, _ = read_all(connector.changes(cursor, recent))
    assert sorted(ids_of(records)) == sorted(bulk) and cursor_after == cursor
    later = T0 + timedelta(minutes=10)
    records, settled, _ = read_all(connector.changes(cursor, later))
    assert sorted(ids_of(records)) == sorted(bulk)
    assert settled is not None and settled != cursor
    records, again, _ = read_all(connector.changes(settled, later))
    assert (records, again) == ([], settled)
    fresh = harness.seed("fresh@x.org", modified_at=T0 + timedelta(seconds=1))
    records, _, _ = read_all(connector.changes(settled, later))
    assert ids_of(records) == [fresh]  # a row newer than the settled one is still seen


def test_a_listing_ending_on_a_page_boundary_costs_no_extra_query(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness()
    for i in range(4):
        harness.seed(f"p{i}@x.org", modified_at=T0)
    connector = harness.connector(batch_size=2)
    before = connector.counter.by_kind.get("select", 0)
    records, _, pages = read_all(connector.changes(Cursor(T0.isoformat()), T0))
    assert len(records) == 4 and len(pages) == 2
    assert connector.counter.by_kind["select"] - before == 2
