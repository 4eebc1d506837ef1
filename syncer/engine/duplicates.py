"""A create refused because its unique value is already taken is probable success.

A CRM without upsert (Salesforce inserting on a unique external-id field) refuses as a
duplicate (RejectionKind.DUPLICATE; Salesforce's code is DUPLICATE_VALUE) a create whose answer
was lost is sent again: the first attempt committed. As Heroku Connect advises for its own
retries, that is verified by a lookup on the unique key, and the record found is adopted: it is
updated with the write's values, so the outcome is what the lost answer would have said, and
the pair is linked to it. The record holding the key is the one the matcher would have paired
anyway; when the lookup finds none, or more than one, the refusal stands and is quarantined.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from syncer.connectors.base import Connector
from syncer.records import Record, RejectionKind, Write, WriteResult


def adopt_duplicates(
    connector: Connector, writes: Sequence[Write], results: list[WriteResult]
) -> list[WriteResult]:
    """`results`, where each create refused as a duplicate is replaced by the result of
    updating the one record that holds its unique value."""
    refused = {
        r.key for r in results if r.rejection and r.rejection.kind is RejectionKind.DUPLICATE
    }
    creates = [w for w in writes if w.key in refused and w.target_id is None and w.unique_value]
    holders = _holders(connector, creates)
    updates = [replace(w, target_id=holders[w.key]) for w in creates if w.key in holders]
    if not updates:
        return results
    adopted = {r.key: replace(r, created=False) for r in connector.write(updates)}
    return [adopted.get(r.key, r) for r in results]


def _holders(connector: Connector, creates: Sequence[Write]) -> dict[str, str]:
    """Write key -> id of the single live record holding the write's unique value."""
    by_property: dict[str, list[Write]] = defaultdict(list)
    for write in creates:
        by_property[str(write.unique_property)].append(write)
    holders: dict[str, str] = {}
    for prop, group in by_property.items():
        found = records_holding(connector, prop, [str(w.unique_value) for w in group])
        for write in group:
            ids = found.get(connector.normalise_key(prop, write.unique_value), [])
            if len(ids) == 1:
                holders[write.key] = ids[0]
    return holders


def records_holding(
    connector: Connector, prop: str, values: Sequence[str]
) -> dict[str | None, list[str]]:
    """Ids of the live records whose `prop` holds each value, by the value in the form the side
    compares it (`normalise_key`: emails whatever their case, ids exactly), in the order the
    side gave them."""
    return by_held_value(connector, prop, connector.find(prop, list(values)))


def by_held_value(
    connector: Connector, prop: str, records: Sequence[Record]
) -> dict[str | None, list[str]]:
    """Ids of `records` by the value of `prop` they hold, in the form the side compares it."""
    found: dict[str | None, list[str]] = defaultdict(list)
    for record in records:
        found[connector.normalise_key(prop, record.properties.get(prop))].append(record.id)
    return found
