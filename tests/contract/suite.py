"""The connector contract: behaviour every `Connector` keeps, whatever side it talks to.

A connector plugs in by subclassing `ConnectorContract` and providing a `harness` fixture that
returns a `ContractHarness`: a fresh, empty object (table, sObject, HubSpot object type) with the
contract's fields, plus a back door that puts records in it as another user of that system
would, with chosen modification times. The tests only talk to the connector through the
protocol in `syncer.connectors.base`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from syncer.connectors.base import Connector
from syncer.records import ChangePage, Cursor, FieldType, Record, Write

# Fixed times keep the tests independent of the machine's clock. Whole seconds: MySQL DATETIME
# columns keep no fraction by default.
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
UNTIL = T0 + timedelta(hours=1)
OVERLAP_SECONDS = 120.0


@dataclass(frozen=True)
class ContractFields:
    """The connector's own names for the contract's fields (and the type each must have)."""

    email: str
    name: str
    score: str
    birthday: str
    active: str
    last_seen: str


class ContractHarness(Protocol):
    fields: ContractFields

    def connector(
        self, *, batch_size: int = 500, overlap_seconds: float = OVERLAP_SECONDS
    ) -> Connector:
        """A prepared connector for the harness's object; the harness closes it at teardown."""
        ...

    def seed(
        self,
        email: str,
        *,
        name: str = "Someone",
        modified_at: datetime = T0,
        archived: bool = False,
    ) -> str:
        """Put a record in through the back door; returns its id."""
        ...

    def rejected_properties(self) -> Mapping[str, Any]:
        """Properties that the side refuses for a single record (e.g. a required field empty)."""
        ...

    def rejected_property(self) -> str:
        """The property a rejection of `rejected_properties()` names."""
        ...


def read_all(pages: Iterable[ChangePage]) -> tuple[list[Record], Cursor | None, list[ChangePage]]:
    """Every record of a listing, the last page's cursor, and the pages themselves."""
    page_list = list(pages)
    records = [r for page in page_list for r in page.records]
    return records, page_list[-1].cursor if page_list else None, page_list


def ids_of(records: Iterable[Record]) -> list[str]:
    return [r.id for r in records]


class ConnectorContract:
    """Subclass with a `harness` fixture; pytest then runs every test below for that connector."""

    def create(self, h: ContractHarness, key: str, email: str, **properties: Any) -> Write:
        props = {h.fields.email: email, h.fields.name: "New", **properties}
        return Write(
            key=key,
            properties=props,
            unique_property=h.fields.email,
            unique_value=email.strip().lower(),
        )

    def cursor_after_listing(self, connector: Connector) -> Cursor:
        _, cursor, _ = read_all(connector.changes(None, UNTIL))
        assert cursor is not None, "a full listing must end with a cursor"
        return cursor

    # --- listing -------------------------------------------------------------------------------

    def test_full_listing_pages_every_live_record_once(self, harness: ContractHarness) -> None:
        live = [harness.seed(f"p{i}@example.com") for i in range(7)]
        harness.seed("gone@example.com", archived=True)
        records, cursor, pages = read_all(harness.connector(batch_size=3).changes(None, UNTIL))
        assert sorted(ids_of(records)) == sorted(live)
        assert all(len(page.records) <= 3 for page in pages)
        assert len(pages) >= 3
        assert cursor is not None

    def test_full_listing_of_empty_object_still_gives_a_cursor(
        self, harness: ContractHarness
    ) -> None:
        records, cursor, _ = read_all(harness.connector().changes(None, UNTIL))
        assert records == []
        assert cursor is not None

    def test_incremental_returns_what_changed_after_the_cursor(
        self, harness: ContractHarness
    ) -> None:
        harness.seed("old@example.com", modified_at=T0 - timedelta(days=2))
        connector = harness.connector()
        cursor = self.cursor_after_listing(connector)
        new = harness.seed("new@example.com", modified_at=T0 + timedelta(minutes=5))
        records, next_cursor, _ = read_all(connector.changes(cursor, UNTIL))
        assert new in ids_of(records)
        assert next_cursor is not None

    def test_late_commit_inside_the_overlap_is_not_skipped(self, harness: ContractHarness) -> None:
        harness.seed("first@example.com", modified_at=T0)
        connector = harness.connector(overlap_seconds=OVERLAP_SECONDS)
        cursor = self.cursor_after_listing(connector)
        # A long transaction commits after our read, with a timestamp older than the cursor.
        late = harness.seed("late@example.com", modified_at=T0 - timedelta(seconds=30))
        records, _, _ = read_all(connector.changes(cursor, UNTIL))
        assert late in ids_of(records)

    def test_cursor_chain_never_skips_a_change(self, harness: ContractHarness) -> None:
        connector = harness.connector(batch_size=2)
        cursor = self.cursor_after_listing(connector)
        seen: set[str] = set()
        expected: set[str] = set()
        for run in range(4):
            until = T0 + timedelta(minutes=10 * (run + 1))
            for i in range(3):
                when = until - timedelta(minutes=4 * i)  # some land after this pass's `until`
                expected.add(harness.seed(f"r{run}.{i}@example.com", modified_at=when))
            records, next_cursor, _ = read_all(connector.changes(cursor, until))
            seen.update(ids_of(records))
            assert next_cursor is not None
            cursor = next_cursor
        records, _, _ = read_all(connector.changes(cursor, T0 + timedelta(hours=2)))
        seen.update(ids_of(records))
        assert expected <= seen

    def test_ties_on_modified_time_are_split_across_pages_without_loss(
        self, harness: ContractHarness
    ) -> None:
        connector = harness.connector(batch_size=2)
        cursor = self.cursor_after_listing(connector)
        # Seeded after the listing, so every connector must return them (not only those that
        # re-read the overlap before the cursor).
        tied = [harness.seed(f"tie{i}@example.com", modified_at=T0) for i in range(5)]
        records, _, pages = read_all(connector.changes(cursor, UNTIL))
        assert sorted(ids_of(records)) == sorted(tied)
        assert len(pages) >= 3

    def test_incremental_shows_archived_records_so_deletes_propagate(
        self, harness: ContractHarness
    ) -> None:
        doomed = harness.seed("doomed@example.com", modified_at=T0 - timedelta(hours=1))
        connector = harness.connector()
        cursor = self.cursor_after_listing(connector)
        assert connector.archive([doomed])[0].ok
        records, _, _ = read_all(connector.changes(cursor, datetime.now(UTC) + timedelta(days=1)))
        assert [r.archived for r in records if r.id == doomed] == [True]

    # --- fetch and find ------------------------------------------------------------------------

    def test_fetch_returns_live_records_and_skips_missing_and_archived(
        self, harness: ContractHarness
    ) -> None:
        kept = harness.seed("kept@example.com", name="Kept")
        archived = harness.seed("archived@example.com", archived=True)
        fetched = harness.connector(batch_size=2).fetch([kept, archived, "987654321", "not-an-id"])
        assert ids_of(fetched) == [kept]
        assert fetched[0].properties[harness.fields.name] == "Kept"

    def test_find_ignores_case_and_blanks_and_archived_records(
        self, harness: ContractHarness
    ) -> None:
        ann = harness.seed(" Ann@Example.COM ")
        harness.seed("bob@example.com", archived=True)
        found = harness.connector().find(
            harness.fields.email, ["ann@example.com", "bob@example.com", "nobody@x.org"]
        )
        assert ids_of(found) == [ann]

    # --- writes --------------------------------------------------------------------------------

    def test_create_then_resend_makes_one_record(self, harness: ContractHarness) -> None:
        connector = harness.connector()
        first = connector.write([self.create(harness, "k1", "New@Example.com")])[0]
        again = connector.write([self.create(harness, "k1", "new@example.com")])[0]
        assert first.ok and first.created
        assert again.ok and not again.created
        assert again.id == first.id
        assert ids_of(connector.find(harness.fields.email, ["new@example.com"])) == [first.id]

    def test_create_matching_an_existing_record_updates_it(self, harness: ContractHarness) -> None:
        existing = harness.seed(" Dup@Example.com", name="Before")
        connector = harness.connector()
        result = connector.write(
            [self.create(harness, "k", "dup@example.com", **{harness.fields.name: "After"})]
        )[0]
        assert (result.id, result.created) == (existing, False)
        assert connector.fetch([existing])[0].properties[harness.fields.name] == "After"

    def test_same_create_twice_in_one_batch_makes_one_record(
        self, harness: ContractHarness
    ) -> None:
        connector = harness.connector()
        results = connector.write(
            [
                self.create(harness, "a", "twin@example.com"),
                self.create(harness, "b", "twin@example.com"),
            ]
        )
        assert all(r.ok for r in results)
        assert results[0].id == results[1].id
        assert len(connector.find(harness.fields.email, ["twin@example.com"])) == 1

    def test_update_changes_only_the_given_fields(self, harness: ContractHarness) -> None:
        target = harness.seed("upd@example.com", name="Old")
        connector = harness.connector()
        result = connector.write(
            [Write(key="u", target_id=target, properties={harness.fields.name: "Fresh"})]
        )[0]
        assert (result.ok, result.id, result.created) == (True, target, False)
        record = connector.fetch([target])[0]
        assert record.properties[harness.fields.name] == "Fresh"
        assert record.properties[harness.fields.email] == "upd@example.com"

    def test_update_of_a_missing_record_is_rejected_not_raised(
        self, harness: ContractHarness
    ) -> None:
        result = harness.connector().write(
            [Write(key="x", target_id="987654321", properties={harness.fields.name: "Nobody"})]
        )
        assert not result[0].ok
        assert result[0].rejection is not None

    def test_values_round_trip_in_native_types(self, harness: ContractHarness) -> None:
        f = harness.fields
        seen_at = datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC)
        values = {
            f.score: Decimal("42.5"),
            f.birthday: date(1990, 2, 3),
            f.active: True,
            f.last_seen: seen_at,
        }
        connector = harness.connector()
        result = connector.write([self.create(harness, "v", "values@example.com", **values)])[0]
        assert result.ok and result.id is not None
        props = connector.fetch([result.id])[0].properties
        assert Decimal(str(props[f.score])) == Decimal("42.5")
        assert props[f.birthday] == date(1990, 2, 3)
        assert props[f.active] is True
        assert props[f.last_seen] == seen_at

    def test_bad_record_is_rejected_alone_and_the_rest_are_written(
        self, harness: ContractHarness
    ) -> None:
        connector = harness.connector(batch_size=10)
        writes = [
            self.create(harness, "good1", "good1@example.com"),
            self.create(harness, "bad", "bad@example.com", **harness.rejected_properties()),
            self.create(harness, "good2", "good2@example.com"),
        ]
        results = {r.key: r for r in connector.write(writes)}
        assert results["good1"].ok and results["good2"].ok
        rejection = results["bad"].rejection
        assert rejection is not None and rejection.message
        assert rejection.property == harness.rejected_property()
        found = connector.find(
            harness.fields.email, ["good1@example.com", "good2@example.com", "bad@example.com"]
        )
        assert sorted(ids_of(found)) == sorted(str(results[k].id) for k in ("good1", "good2"))

    def test_archive_is_idempotent_and_missing_records_succeed(
        self, harness: ContractHarness
    ) -> None:
        target = harness.seed("arch@example.com")
        other = harness.seed("stays@example.com")
        connector = harness.connector()
        for _ in range(2):
            results = connector.archive([target, "987654321"])
            assert [r.ok for r in results] == [True, True]
        assert connector.fetch([target, other]) == connector.fetch([other])
        records, _, _ = read_all(connector.changes(None, UNTIL))
        assert ids_of(records) == [other]

    # --- description ---------------------------------------------------------------------------

    def test_field_types(self, harness: ContractHarness) -> None:
        f = harness.fields
        types = harness.connector().field_types()
        assert {
            name: types[name]
            for name in (f.email, f.name, f.score, f.birthday, f.active, f.last_seen)
        } == {
            f.email: FieldType.TEXT,
            f.name: FieldType.TEXT,
            f.score: FieldType.NUMBER,
            f.birthday: FieldType.DATE,
            f.active: FieldType.BOOLEAN,
            f.last_seen: FieldType.DATETIME,
        }

    def test_calls_are_counted(self, harness: ContractHarness) -> None:
        connector = harness.connector()
        before = connector.counter.calls
        connector.fetch([harness.seed("count@example.com")])
        assert connector.counter.calls > before
        assert sum(connector.counter.by_kind.values()) == connector.counter.calls
