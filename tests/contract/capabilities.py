"""The contract's capability tests, chosen by what the connector declares (`Capabilities`).

A connector that does not declare a capability has its tests skipped, with a reason that names
the capability; one that declares it must implement its protocol, and its harness must offer
the back door the tests need (a user's merge, a record of another object to associate with).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncer.connectors.base import (
    Connector,
    FindsSentCreates,
    HasAssociationEdges,
    HasAssociations,
    ReportsArchives,
    ReportsMerges,
    SentCreate,
)
from tests.contract.harness import (
    T0,
    UNTIL,
    AssociatingHarness,
    ContractHarness,
    MergingHarness,
    create_write,
    ids_of,
    listed_cursor,
    read_all,
)

PROTOCOLS: dict[str, type] = {
    "merges": ReportsMerges,
    "archives": ReportsArchives,
    "associations": HasAssociations,
    "sent_creates": FindsSentCreates,
}


def declaring(harness: ContractHarness, capability: str, **options: int) -> Connector:
    """The harness's connector, if it declares `capability`; the test is skipped otherwise."""
    connector = harness.connector(**options)
    if not getattr(connector.capabilities, capability):
        pytest.skip(f"{capability}: not declared by {type(connector).__name__}")
    return connector


class CapabilityContract:
    @pytest.mark.parametrize("capability", sorted(PROTOCOLS))
    def test_a_declared_capability_is_implemented(
        self, harness: ContractHarness, capability: str
    ) -> None:
        connector = declaring(harness, capability)
        assert isinstance(connector, PROTOCOLS[capability])

    # --- bulk_writes ---------------------------------------------------------------------------

    def test_bulk_writes_take_fewer_calls_than_records(self, harness: ContractHarness) -> None:
        connector = declaring(harness, "bulk_writes", batch_size=10)
        writes = [create_write(harness, f"b{i}", f"b{i}@example.com") for i in range(6)]
        before = connector.counter.calls
        assert all(r.ok for r in connector.write(writes))
        assert connector.counter.calls - before < len(writes)

    # --- sent_creates --------------------------------------------------------------------------

    def test_find_sent_finds_what_creates_made_and_nothing_else(
        self, harness: ContractHarness
    ) -> None:
        connector = declaring(harness, "sent_creates")
        assert isinstance(connector, FindsSentCreates)
        [made] = connector.write([create_write(harness, "s1", "sent@example.com")])
        field = harness.fields.email
        sent = [SentCreate(v, {}) for v in ("sent@example.com", "never@example.com")]
        assert ids_of(connector.find_sent(field, sent)) == [made.id]

    # --- merges --------------------------------------------------------------------------------

    def test_merges_name_the_absorbed_ids_on_the_merged_record(
        self, harness: ContractHarness
    ) -> None:
        connector = declaring(harness, "merges")
        assert isinstance(harness, MergingHarness)
        assert isinstance(connector, ReportsMerges)
        kept = harness.seed("kept@example.com", modified_at=T0)
        absorbed = harness.seed("absorbed@example.com", modified_at=T0)
        cursor = listed_cursor(connector)
        merged = harness.merge(kept, absorbed, modified_at=T0 + timedelta(minutes=5))
        records, _, _ = read_all(connector.changes(cursor, UNTIL))
        assert merged in ids_of(records)
        assert connector.merged_ids(records) == {
            old: merged for old in (kept, absorbed) if old != merged
        }
        assert connector.merged_ids(connector.fetch([merged])) == connector.merged_ids(records)

    # --- archives ------------------------------------------------------------------------------

    def test_archives_list_what_was_archived_since_a_time(self, harness: ContractHarness) -> None:
        connector = declaring(harness, "archives")
        assert isinstance(connector, ReportsArchives)
        early = harness.seed("early@example.com", modified_at=T0 - timedelta(hours=2))
        by_user = harness.seed("user@example.com", modified_at=T0 - timedelta(hours=2))
        by_syncer = harness.seed("syncer@example.com", modified_at=T0 - timedelta(hours=2))
        harness.seed("kept@example.com", modified_at=T0 - timedelta(hours=2))
        harness.remove(early, modified_at=T0 - timedelta(hours=1))
        harness.remove(by_user, modified_at=T0 + timedelta(minutes=1))
        assert connector.archive([by_syncer])[0].ok
        archived = connector.archived_since(T0)
        assert sorted(ids_of(archived)) == sorted([by_user, by_syncer])
        assert all(r.archived for r in archived)
        assert all(r.modified_at is not None and r.modified_at >= T0 for r in archived)

    def test_incremental_shows_what_a_user_archived(self, harness: ContractHarness) -> None:
        connector = harness.connector()
        if connector.capabilities.archives:
            pytest.skip("archives: declared, so archived records are listed by archived_since")
        doomed = harness.seed("doomed@example.com", modified_at=T0)
        cursor = listed_cursor(connector)
        harness.remove(doomed, modified_at=T0 + timedelta(minutes=5))
        records, _, _ = read_all(connector.changes(cursor, UNTIL))
        assert [r.archived for r in records if r.id == doomed] == [True]

    def test_signpost_holds_until_back_to_the_sides_clock(self, harness: ContractHarness) -> None:
        connector = declaring(harness, "archives")
        assert isinstance(connector, ReportsArchives)
        harness.seed("someone@example.com", modified_at=T0)  # the side has answered once
        assert connector.signpost(T0 - timedelta(minutes=1)) == T0 - timedelta(minutes=1)
        ahead = datetime.now(UTC) + timedelta(days=1)
        assert connector.signpost(ahead) <= harness.clock() + timedelta(seconds=1)

    # --- associations --------------------------------------------------------------------------

    def test_associations_are_created_read_and_archived(self, harness: ContractHarness) -> None:
        connector = declaring(harness, "associations")
        if not isinstance(connector, HasAssociationEdges):
            pytest.skip("associations: kept in the records' own fields, not as edges apart")
        assert isinstance(harness, AssociatingHarness)
        person = harness.seed("person@example.com")
        alone = harness.seed("alone@example.com")
        other_object, other = harness.seed_other()
        edges = connector.associations(other_object)
        results = edges.create([harness.edge(person, other), harness.edge(alone, "987654321")])
        assert [r.ok for r in results] == [True, False]
        assert results[1].rejection is not None
        assert harness.associated(person, other_object) == [other]
        read = edges.read([person, alone])
        assert {k: [e.to_id for e in v] for k, v in read.items()} == {person: [other], alone: []}
        edges.archive([(person, other), (alone, other)])
        assert harness.associated(person, other_object) == []
        assert edges.read([person]) == {person: []}
