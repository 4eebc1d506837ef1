"""The contract of capabilities `associations` and `owners`: association fields and users.

Every record a connector returns carries each association field it was built with, as the list
of its side's ids of the records pointed at ([] for none); a write carrying a field sets the whole
list; a list the side cannot hold (two keys for one FK column) is refused for that record alone;
`association_values` reads the fields apart in bulk. Owners: `owner_emails` says each user's
email, read once per connector. Each harness seeds and reads its side by its own means.
"""

from __future__ import annotations

import pytest

from syncer.connectors.base import Connector, HasAssociations, HasOwners
from syncer.records import Record, RejectionKind, Write
from syncer.relations import AssociationField
from tests.contract.harness import (
    UNTIL,
    ContractHarness,
    OwningHarness,
    RelatingHarness,
    create_write,
    read_all,
)


def relating(harness: ContractHarness, **options: int) -> tuple[RelatingHarness, Connector]:
    """The harness and its related connector, if the connector declares `associations`."""
    if not isinstance(harness, RelatingHarness):
        pytest.skip(f"associations: {type(harness).__name__} has no related connector")
    connector = harness.related_connector(**options)
    if not connector.capabilities.associations:
        pytest.skip(f"associations: not declared by {type(connector).__name__}")
    return harness, connector


def lists(record: Record, fields: list[AssociationField]) -> dict[str, list[str]]:
    return {f.name: sorted(record.properties[f.name]) for f in fields}


def all_fields(harness: RelatingHarness) -> list[AssociationField]:
    relations = harness.relations
    return [f for f in (relations.single, relations.composite, relations.many) if f is not None]


def update(record_id: str, **properties: list[str]) -> Write:
    return Write(key=f"u{record_id}", properties=properties, target_id=record_id)


class RelationsContract:
    def test_every_record_read_carries_every_association_field(
        self, harness: ContractHarness
    ) -> None:
        side, connector = relating(harness, batch_size=2)
        fields = all_fields(side)
        links = {f.name: [side.seed_target(f, 1)] for f in fields}
        links[side.relations.many.name] = sorted(
            [side.seed_target(side.relations.many, 2), side.seed_target(side.relations.many, 3)]
        )
        pointing = side.seed_pointing("pointing@example.com", links)
        nowhere = side.seed_pointing("nowhere@example.com", {})
        side.seed_pointing("third@example.com", {})  # the listing spans pages of two
        expected = {pointing: links, nowhere: {f.name: [] for f in fields}}
        listed, _, _ = read_all(connector.changes(None, UNTIL))
        fetched = connector.fetch([pointing, nowhere])
        found = connector.find(harness.fields.email, ["pointing@example.com", "nowhere@x.org"])
        for record in [*listed, *fetched, *found]:
            if record.id in expected:
                assert lists(record, fields) == expected[record.id]
        assert {r.id for r in fetched} == {pointing, nowhere}
        assert [r.id for r in found] == [pointing]

    def test_association_values_reads_the_fields_apart_in_bulk(
        self, harness: ContractHarness
    ) -> None:
        side, connector = relating(harness, batch_size=2)
        assert isinstance(connector, HasAssociations)
        single = side.relations.single
        ids = [side.seed_pointing(f"v{i}@example.com", {}) for i in range(3)]
        target = side.seed_target(single, 1)
        pointing = side.seed_pointing("p@example.com", {single.name: [target]})
        values = connector.association_values([*ids, pointing, "987654321"])
        assert set(values) == {*ids, pointing}
        assert values[pointing][single.name] == [target]
        assert {name: sorted(v) for name, v in values[ids[0]].items()} == {
            f.name: [] for f in all_fields(side)
        }

    def test_association_fields_are_not_field_types(self, harness: ContractHarness) -> None:
        side, connector = relating(harness)
        assert not {f.name for f in all_fields(side)} & set(connector.field_types())

    def test_a_write_sets_replaces_and_clears_each_list(self, harness: ContractHarness) -> None:
        side, connector = relating(harness)
        single, many = side.relations.single, side.relations.many
        first, second = side.seed_target(single, 1), side.seed_target(single, 2)
        groups = [side.seed_target(many, n) for n in (1, 2, 3)]
        record = side.seed_pointing("p@example.com", {single.name: [first], many.name: groups[:2]})
        other = side.seed_pointing("o@example.com", {many.name: groups[:1]})
        result = connector.write([update(record, **{single.name: [second], many.name: groups[1:]})])
        assert result[0].ok, result[0].rejection
        assert side.pointed(record)[single.name] == [second]
        assert side.pointed(record)[many.name] == sorted(groups[1:])
        assert side.pointed(other)[many.name] == groups[:1]  # another record's edges stay
        assert connector.write([update(record, **{single.name: [], many.name: []})])[0].ok
        assert side.pointed(record) == {f.name: [] for f in all_fields(side)}

    def test_a_write_leaves_the_lists_it_does_not_carry(self, harness: ContractHarness) -> None:
        side, connector = relating(harness)
        single, many = side.relations.single, side.relations.many
        links = {single.name: [side.seed_target(single, 1)], many.name: [side.seed_target(many, 1)]}
        record = side.seed_pointing("p@example.com", links)
        write = Write(key="w", properties={harness.fields.name: "Renamed"}, target_id=record)
        assert connector.write([write])[0].ok
        assert {k: v for k, v in side.pointed(record).items() if v} == links

    def test_a_create_carries_its_associations(self, harness: ContractHarness) -> None:
        side, connector = relating(harness)
        single, many = side.relations.single, side.relations.many
        links = {single.name: [side.seed_target(single, 1)], many.name: [side.seed_target(many, 1)]}
        write = create_write(harness, "c", "new@example.com", **links)
        (created,) = connector.write([write])
        assert created.ok and created.id is not None, created.rejection
        (resent,) = connector.write([write])  # its answer lost: one record, its edges once
        assert resent.id == created.id
        assert {k: v for k, v in side.pointed(created.id).items() if v} == links

    def test_a_composite_key_is_written_and_read_back(self, harness: ContractHarness) -> None:
        side, connector = relating(harness)
        composite = side.relations.composite
        if composite is None:
            pytest.skip("associations: this side's ids are never composite")
        first, second = side.seed_target(composite, 1), side.seed_target(composite, 2)
        record = side.seed_pointing("p@example.com", {composite.name: [first]})
        assert lists(connector.fetch([record])[0], [composite]) == {composite.name: [first]}
        assert connector.write([update(record, **{composite.name: [second]})])[0].ok
        assert side.pointed(record)[composite.name] == [second]
        assert lists(connector.fetch([record])[0], [composite]) == {composite.name: [second]}

    def test_a_list_longer_than_a_column_holds_is_refused_for_that_record_alone(
        self, harness: ContractHarness
    ) -> None:
        side, connector = relating(harness)
        if not side.relations.holds_one:
            pytest.skip("associations: every field of this side holds any number of records")
        single = side.relations.single
        first, second = side.seed_target(single, 1), side.seed_target(single, 2)
        record = side.seed_pointing("p@example.com", {single.name: [first]})
        fine = side.seed_pointing("f@example.com", {})
        refused, accepted = connector.write(
            [
                update(record, **{single.name: [first, second]}),
                update(fine, **{single.name: [first]}),
            ]
        )
        assert (
            refused.rejection is not None and refused.rejection.kind is RejectionKind.INVALID_VALUE
        )
        for word in (*single.columns, first, second):
            assert word in refused.rejection.message
        assert accepted.ok
        assert side.pointed(record)[single.name] == [first]
        assert side.pointed(fine)[single.name] == [first]

    def test_owners_are_read_once_per_connector(self, harness: ContractHarness) -> None:
        side, connector = relating(harness)
        if not connector.capabilities.owners:
            pytest.skip(f"owners: not declared by {type(connector).__name__}")
        assert isinstance(connector, HasOwners) and isinstance(side, OwningHarness)
        ann, bob = side.seed_owner("Ann@Example.com"), side.seed_owner("bob@example.com")
        emails = connector.owner_emails()
        assert {ann: "Ann@Example.com", bob: "bob@example.com"}.items() <= emails.items()
        before = connector.counter.calls
        assert connector.owner_emails() == emails
        assert connector.counter.calls == before
