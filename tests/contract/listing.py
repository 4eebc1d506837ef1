"""The contract's listing tests: full listings, incremental changes and their cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.contract.harness import (
    OVERLAP_SECONDS,
    T0,
    UNTIL,
    ContractHarness,
    ids_of,
    listed_cursor,
    read_all,
)


class ListingContract:
    def test_full_listing_pages_every_live_record_once(self, harness: ContractHarness) -> None:
        page = harness.page_sizes(3).listing
        live = [harness.seed(f"p{i}@example.com") for i in range(2 * page + 1)]
        harness.seed("gone@example.com", archived=True)
        records, cursor, pages = read_all(harness.connector(batch_size=3).changes(None, UNTIL))
        assert sorted(ids_of(records)) == sorted(live)
        assert all(len(p.records) <= page for p in pages)
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
        cursor = listed_cursor(connector)
        new = harness.seed("new@example.com", modified_at=T0 + timedelta(minutes=5))
        records, next_cursor, _ = read_all(connector.changes(cursor, UNTIL))
        assert new in ids_of(records)
        assert next_cursor is not None

    def test_incremental_returns_what_a_user_edited_after_the_cursor(
        self, harness: ContractHarness
    ) -> None:
        edited = harness.seed("edited@example.com", name="Before", modified_at=T0)
        connector = harness.connector()
        cursor = listed_cursor(connector)
        harness.edit(edited, name="After", modified_at=T0 + timedelta(minutes=5))
        records, _, _ = read_all(connector.changes(cursor, UNTIL))
        assert [r.properties[harness.fields.name] for r in records if r.id == edited] == ["After"]

    def test_late_commit_inside_the_overlap_is_not_skipped(self, harness: ContractHarness) -> None:
        harness.seed("first@example.com", modified_at=T0)
        connector = harness.connector(overlap_seconds=OVERLAP_SECONDS)
        cursor = listed_cursor(connector)
        # A long transaction commits after our read, with a timestamp older than the cursor.
        late = harness.seed("late@example.com", modified_at=T0 - timedelta(seconds=30))
        records, _, _ = read_all(connector.changes(cursor, UNTIL))
        assert late in ids_of(records)

    def test_cursor_chain_never_skips_a_change(self, harness: ContractHarness) -> None:
        connector = harness.connector(batch_size=2)
        cursor = listed_cursor(connector)
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
        page = harness.page_sizes(2).changes
        connector = harness.connector(batch_size=2)
        cursor = listed_cursor(connector)
        # Seeded after the listing, so every connector must return them (not only those that
        # re-read the overlap before the cursor).
        tied = [harness.seed(f"tie{i}@example.com", modified_at=T0) for i in range(2 * page + 1)]
        records, _, pages = read_all(connector.changes(cursor, UNTIL))
        assert sorted(ids_of(records)) == sorted(tied)
        assert len(pages) >= 3

    def test_incremental_shows_archived_records_so_deletes_propagate(
        self, harness: ContractHarness
    ) -> None:
        connector = harness.connector()
        if connector.capabilities.archives:
            pytest.skip("archives: declared, so archived records are listed by archived_since")
        doomed = harness.seed("doomed@example.com", modified_at=T0 - timedelta(hours=1))
        cursor = listed_cursor(connector)
        assert connector.archive([doomed])[0].ok
        records, _, _ = read_all(connector.changes(cursor, datetime.now(UTC) + timedelta(days=1)))
        assert [r.archived for r in records if r.id == doomed] == [True]
