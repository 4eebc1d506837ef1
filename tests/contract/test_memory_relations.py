"""The memory connector's own relations helpers, beyond the contract: an edge changed without
touching the record (as HubSpot may), seen only by `association_values` (the sweep's read)."""

from __future__ import annotations

from datetime import timedelta

from syncer.connectors.memory import MemoryConnector
from tests.contract.harness import T0, UNTIL, read_all
from tests.contract.memory_harness import MEMORY_RELATIONS, TYPES


def test_an_edge_changed_without_a_new_time_is_seen_only_by_association_values() -> None:
    clock = iter(T0 + timedelta(seconds=s) for s in range(100))
    single = MEMORY_RELATIONS.single
    crm = MemoryConnector(TYPES, clock=lambda: next(clock), associations=[single])
    record = crm.put({"email": "a@example.com", single.name: ["1"]})
    _, cursor, _ = read_all(crm.changes(None, UNTIL))
    crm.associate(record.id, single.name, ["2"])
    changed, _, _ = read_all(crm.changes(cursor, UNTIL))
    assert changed == []  # no new modification time: the change listing does not show it
    assert crm.fetch([record.id])[0].modified_at == record.modified_at
    assert crm.association_values([record.id]) == {record.id: {single.name: ["2"]}}


def test_without_owners_the_capability_is_not_declared() -> None:
    assert not MemoryConnector(TYPES).capabilities.owners
    assert MemoryConnector(TYPES, owners={"u1": "a@example.com"}).capabilities.owners
