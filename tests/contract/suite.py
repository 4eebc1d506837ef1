"""The connector contract: behaviour every `Connector` keeps, whatever side it talks to.

A connector plugs in by subclassing `ConnectorContract` and providing a `harness` fixture that
returns a `ContractHarness` (tests/contract/harness.py). The tests only talk to the connector
through the protocol in `syncer.connectors.base`, and check what it did through the harness's
back door. Tests of a capability (capabilities.py) run only for connectors that declare it.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from syncer.records import FieldType, RejectionKind, Write
from tests.contract.capabilities import CapabilityContract
from tests.contract.harness import T0, UNTIL, ContractHarness, create_write, ids_of, read_all
from tests.contract.listing import ListingContract
from tests.contract.relations import RelationsContract


class ConnectorContract(ListingContract, CapabilityContract, RelationsContract):
    """Subclass with a `harness` fixture; pytest then runs every contract test for that
    connector (listing.py, this module, capabilities.py, relations.py)."""

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

    def test_fetch_and_find_take_more_ids_than_one_batch(self, harness: ContractHarness) -> None:
        emails = [f"many{i}@example.com" for i in range(5)]
        ids = [harness.seed(email) for email in emails]
        connector = harness.connector(batch_size=2)
        assert sorted(ids_of(connector.fetch(ids))) == sorted(ids)
        assert sorted(ids_of(connector.find(harness.fields.email, emails))) == sorted(ids)

    def test_records_a_user_archives_leave_fetch_find_and_full_listings(
        self, harness: ContractHarness
    ) -> None:
        gone = harness.seed("gone@example.com")
        kept = harness.seed("kept@example.com")
        connector = harness.connector()
        harness.remove(gone, modified_at=T0 + timedelta(minutes=1))
        assert ids_of(connector.fetch([gone, kept])) == [kept]
        assert connector.find(harness.fields.email, ["gone@example.com"]) == []
        assert ids_of(read_all(connector.changes(None, UNTIL))[0]) == [kept]

    # --- writes --------------------------------------------------------------------------------

    def test_create_then_resend_makes_one_record(self, harness: ContractHarness) -> None:
        connector = harness.connector()
        first = connector.write([create_write(harness, "k1", "New@Example.com")])[0]
        again = connector.write([create_write(harness, "k1", "new@example.com")])[0]
        assert first.ok and first.created
        assert again.ok and not again.created
        assert again.id == first.id
        assert ids_of(connector.find(harness.fields.email, ["new@example.com"])) == [first.id]
        stored = harness.stored(str(first.id))
        assert stored is not None
        assert str(stored[harness.fields.email]).lower() == "new@example.com"

    def test_create_matching_an_existing_record_updates_it(self, harness: ContractHarness) -> None:
        existing = harness.seed(" Dup@Example.com", name="Before")
        connector = harness.connector()
        result = connector.write(
            [create_write(harness, "k", "dup@example.com", **{harness.fields.name: "After"})]
        )[0]
        assert (result.id, result.created) == (existing, False)
        assert connector.fetch([existing])[0].properties[harness.fields.name] == "After"

    def test_same_create_twice_in_one_batch_makes_one_record(
        self, harness: ContractHarness
    ) -> None:
        connector = harness.connector()
        results = connector.write(
            [
                create_write(harness, "a", "twin@example.com"),
                create_write(harness, "b", "twin@example.com"),
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
        stored = harness.stored(target)
        assert stored is not None
        assert (stored[harness.fields.name], stored[harness.fields.email]) == (
            "Fresh",
            "upd@example.com",
        )

    def test_a_mixed_batch_gets_one_result_per_write_in_order(
        self, harness: ContractHarness
    ) -> None:
        existing = harness.seed("old@example.com", name="Old")
        connector = harness.connector(batch_size=10)
        writes = [
            create_write(harness, "create", "fresh@example.com"),
            Write(key="update", target_id=existing, properties={harness.fields.name: "Newer"}),
            Write(key="missing", target_id="987654321", properties={harness.fields.name: "X"}),
            create_write(harness, "upsert", "old@example.com"),
        ]
        results = connector.write(writes)
        assert [r.key for r in results] == ["create", "update", "missing", "upsert"]
        assert [r.ok for r in results] == [True, True, False, True]
        assert [r.id for r in results[1:4:2]] == [existing, existing]
        assert results[0].created and not results[3].created

    def test_update_of_a_missing_record_is_rejected_not_raised(
        self, harness: ContractHarness
    ) -> None:
        result = harness.connector().write(
            [Write(key="x", target_id="987654321", properties={harness.fields.name: "Nobody"})]
        )
        assert not result[0].ok
        assert result[0].rejection is not None
        assert result[0].rejection.kind is RejectionKind.NOT_FOUND

    def test_update_of_an_archived_record_is_rejected_and_leaves_it_archived(
        self, harness: ContractHarness
    ) -> None:
        gone = harness.seed("gone@example.com", archived=True)
        result = harness.connector().write(
            [Write(key="x", target_id=gone, properties={harness.fields.name: "Back"})]
        )
        assert not result[0].ok
        assert result[0].rejection is not None
        assert result[0].rejection.kind is RejectionKind.NOT_FOUND
        assert harness.stored(gone) is None

    def test_values_round_trip_in_native_types(self, harness: ContractHarness) -> None:
        f = harness.fields
        values = harness.sample_values()
        connector = harness.connector()
        result = connector.write([create_write(harness, "v", "values@example.com", **values)])[0]
        assert result.ok and result.id is not None
        props = connector.fetch([result.id])[0].properties
        assert Decimal(str(props[f.score])) == Decimal(str(values[f.score]))
        assert props[f.birthday] == values[f.birthday]
        assert props[f.active] == values[f.active]
        assert type(props[f.active]) is type(values[f.active])  # True, not 1
        assert props[f.last_seen] == values[f.last_seen]

    def test_bad_record_is_rejected_alone_and_the_rest_are_written(
        self, harness: ContractHarness
    ) -> None:
        connector = harness.connector(batch_size=10)
        writes = [
            create_write(harness, "good1", "good1@example.com"),
            create_write(harness, "bad", "bad@example.com", **harness.rejected_properties()),
            create_write(harness, "good2", "good2@example.com"),
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
        assert harness.stored(target) is None

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
