"""Pairing by the stamped external id alone, for a pipeline without a match key.

Without a key to compare (order lines have no email or natural key), the external id a HubSpot
record carries is the only evidence that two unlinked records are one. The matcher has already
paired the records of this run that name each other; what is left here:

- a HubSpot record naming an external record that this run holds already paired (or archived)
  is a second claim on it: rejected, never created as a copy;
- in incremental passes, where a record's twin need not have changed, the twins are read: the
  external records free HubSpot records name (by id), and the HubSpot records that name free
  external ones (by the external id property, unique on HubSpot).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from syncer.connectors.base import Connector
from syncer.engine.match_sides import Free, Matched, SideRecords, duplicate
from syncer.ledger.store import Ledger
from syncer.records import Record, Side

ReadVersions = Callable[[Iterable[Record], Side, Matched], SideRecords]
Join = Callable[[dict[Side, SideRecords], Free, Matched, str, str], None]


@dataclass(frozen=True, slots=True)
class StampedIds:
    pipeline: str
    ledger: Ledger
    connectors: Mapping[Side, Connector]
    id_property: str
    read: ReadVersions

    def reject_second_claims(
        self, sides: dict[Side, SideRecords], free: Free, out: Matched
    ) -> None:
        """Free HubSpot records naming an external record of this run that is not free."""
        external = sides[Side.EXTERNAL].versions
        for hub_id in list(free[Side.HUBSPOT]):
            version = sides[Side.HUBSPOT].versions[hub_id]
            carried = version.carried_id
            if carried is not None and carried in external and carried not in free[Side.EXTERNAL]:
                holder = f"external record {carried}, already paired or archived"
                out.rejected.append(duplicate(Side.HUBSPOT, version, repr(carried), holder))
                free[Side.HUBSPOT].pop(hub_id)

    def pair(self, sides: dict[Side, SideRecords], free: Free, out: Matched, join: Join) -> None:
        """Read the twins the free records name, or that name them, and join them."""
        carried = {
            version.carried_id: hub_id
            for hub_id in free[Side.HUBSPOT]
            if (version := sides[Side.HUBSPOT].versions[hub_id]).carried_id is not None
        }
        if carried:
            fetched = self.connectors[Side.EXTERNAL].fetch(list(carried))
            self._join_found(Side.EXTERNAL, fetched, carried, (sides, free, out), join)
        wanted = {external_id: external_id for external_id in free[Side.EXTERNAL]}
        if wanted:
            found = self.connectors[Side.HUBSPOT].find(self.id_property, list(wanted))
            unseen = [r for r in found if r.id not in sides[Side.HUBSPOT].versions]
            self._join_found(Side.HUBSPOT, unseen, wanted, (sides, free, out), join)

    def _join_found(
        self,
        found_side: Side,
        found: Iterable[Record],
        wanted: Mapping[str, str],
        state: tuple[dict[Side, SideRecords], Free, Matched],
        join: Join,
    ) -> None:
        """Join records read from `found_side` with the free records of the other side that
        `wanted` names by the external id both share. A found record already linked makes the
        free one a second claim on it: rejected."""
        sides, free, out = state
        other = found_side.other
        records = [r for r in found if not r.archived]
        linked = self.ledger.links_for(self.pipeline, found_side, [r.id for r in records])
        for record in records:
            version = self.read([record], found_side, out).versions.get(record.id)
            if version is None:
                continue
            shared = record.id if found_side is Side.EXTERNAL else version.carried_id
            free_id = wanted.get(shared) if shared is not None else None
            if shared is None or free_id is None or free_id not in free[other]:
                continue
            if record.id in linked:
                holder = f"{found_side.value} record {record.id}, already linked"
                out.rejected.append(
                    duplicate(other, sides[other].versions[free_id], repr(shared), holder)
                )
                free[other].pop(free_id)
                continue
            sides[found_side].versions[record.id] = version
            sides[found_side].keys[record.id] = None
            free[found_side][record.id] = None
            pair = (record.id, free_id) if found_side is Side.HUBSPOT else (free_id, record.id)
            join(sides, free, out, *pair)
