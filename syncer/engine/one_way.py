"""One-way fields: the side a field flows from is its source of truth.

A field with `direction = "to_hubspot"` (or a pipeline with that direction) that is edited in
HubSpot would otherwise stay different for ever: nothing copies a HubSpot value back to the
table, and nothing tells HubSpot it was overruled. As HubSpot's own Salesforce integration does
with "always use Salesforce", the source's value is written over such an edit at the next sync
of that record (plan.py). An incremental pass may have read only the edited side: the twin is
then read by id, so the source's current value is known (never guessed from a hash).
A constant (a field with no column) is not a source of truth: a record keeps its own value; nor
is a reference (association, owner): edges a one-way field does not copy are never removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from syncer.engine.field_merge import overruled
from syncer.engine.match_sides import SideRecords
from syncer.engine.pairs import decode_sides
from syncer.ledger.values import Link, value_hash
from syncer.mapping.apply import FieldSpec
from syncer.records import Side


def overruled_on(spec: FieldSpec, side: Side) -> bool:
    """Whether an edit of this field on `side` is overruled by its source of truth."""
    return overruled(spec) and spec.flows_to(side) and not spec.flows_to(side.other)


def sources_to_read(
    links: Iterable[Link], sides: dict[Side, SideRecords], fields: Sequence[FieldSpec]
) -> dict[Side, list[str]]:
    """Per side, the linked records to read by id: the sources of one-way fields whose twin,
    read this run without them, holds an edit the source overrules."""
    wanted: dict[Side, list[str]] = {Side.HUBSPOT: [], Side.EXTERNAL: []}
    for link in links:
        archived = decode_sides(link.archived_on)
        for side in Side:
            version = sides[side].versions.get(link.id_on(side))
            source = side.other
            if (
                version is None
                or archived
                or link.id_on(source) in sides[source].versions
                or not any(
                    overruled_on(spec, side)
                    and spec.hubspot in version.values
                    and value_hash(version.values[spec.hubspot]) != link.base.get(spec.hubspot)
                    for spec in fields
                )
            ):
                continue
            wanted[source].append(link.id_on(source))
    return wanted
