"""Match: pair each changed record with its counterpart on the other side.

First through the ledger's links, then, for records with no link, by the external id a HubSpot
record carries, then by the normalised match key (email or a unique id) among this run's
records, then by looking the key up on the other side in batches (a pipeline without a match
key looks its records' external ids up instead: see match_by_id). A key that would pair one
record with an already-linked one is a duplicate: the record is rejected, never re-paired.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from syncer.connectors.base import Connector
from syncer.engine.match_by_id import StampedIds
from syncer.engine.match_sides import (
    Free,
    Matched,
    SideRecords,
    current_key,
    drop_stale,
    duplicate,
    id_order,
    keys_held,
    make_pair,
    set_aside_archived,
    unreadable,
)
from syncer.engine.one_way import sources_to_read
from syncer.engine.pairs import Pair, decode_sides, read_version
from syncer.ledger.store import Ledger
from syncer.ledger.values import Link
from syncer.mapping.apply import FieldMap
from syncer.records import Record, Side


class Matcher:
    def __init__(
        self,
        *,
        pipeline: str,
        fieldmap: FieldMap,
        ledger: Ledger,
        connectors: dict[Side, Connector],
        external_id_property: str,
        look_up_other_side: bool,
    ) -> None:
        self.pipeline = pipeline
        self.fieldmap = fieldmap
        self.ledger = ledger
        self.connectors = connectors
        self.id_property = external_id_property
        self.look_up = look_up_other_side

    def match(
        self,
        hubspot: Iterable[Record],
        external: Iterable[Record],
        held: Mapping[str, str] | None = None,
    ) -> Matched:
        """`held`: keys already taken outside these records, by whom (a streamed migration's
        pairs by id still to come); no free record may take them."""
        out = Matched()
        sides = {
            Side.HUBSPOT: self._versions(hubspot, Side.HUBSPOT, out),
            Side.EXTERNAL: self._versions(external, Side.EXTERNAL, out),
        }
        linked = self._linked_pairs(sides, out)
        free = {s: dict.fromkeys(i for i in sides[s].versions if i not in linked[s]) for s in Side}
        set_aside_archived(sides, free, out)
        taken = {**(held or {}), **keys_held(out.pairs, sides)}
        taken.update(self._pair_by_carried_id(sides, free, out))
        self._pair_by_key(sides, free, out, taken)
        if self.fieldmap.match is None:
            by_id = StampedIds(
                self.pipeline, self.ledger, self.connectors, self.id_property, self._versions
            )
            by_id.reject_second_claims(sides, free, out)
            if self.look_up:
                by_id.pair(sides, free, out, self._join)
        elif self.look_up:
            for side in Side:
                self._pair_by_lookup(side, sides, free, out)
        for side in Side:
            for record_id in free[side]:
                version = sides[side].versions[record_id]
                key = sides[side].keys[record_id]
                out.pairs.append(make_pair(None, side, version, None, key))
        return out

    def _versions(self, records: Iterable[Record], side: Side, out: Matched) -> SideRecords:
        result = SideRecords()
        records = list(records)
        self.fieldmap.prime(records, side)  # references looked up in bulk, not one by one
        for record in records:
            try:
                version = read_version(record, side, self.fieldmap, self.id_property)
                key = self.fieldmap.match_key(record, side)
            except ValueError as exc:
                out.rejected.append(unreadable(side, record, exc))
                continue
            result.versions[record.id] = version
            result.keys[record.id] = key
        return result

    def _linked_pairs(self, sides: dict[Side, SideRecords], out: Matched) -> dict[Side, set[str]]:
        links: dict[int | None, Link] = {}
        for side in Side:
            for link in self.ledger.links_for(self.pipeline, side, sides[side].versions).values():
                links[link.id] = link
        ordered = [s for s in Side if self.connectors[s].capabilities.ordered_versions]
        drop_stale(links.values(), sides, ordered)
        self._read_twins_of_restored(links.values(), sides, out)
        sources = sources_to_read(links.values(), sides, self.fieldmap.fields)
        self._read(sources, sides, out)
        for link in links.values():
            hub = sides[Side.HUBSPOT].versions.get(link.hubspot_id)
            ext = sides[Side.EXTERNAL].versions.get(link.external_id)
            out.pairs.append(Pair(link, hub, ext, current_key(link, sides)))
        return {
            Side.HUBSPOT: {lk.hubspot_id for lk in links.values()},
            Side.EXTERNAL: {lk.external_id for lk in links.values()},
        }

    def _read_twins_of_restored(
        self, links: Iterable[Link], sides: dict[Side, SideRecords], out: Matched
    ) -> None:
        """A record restored after an archive is compared with its twin as it is now, so the
        edits its twin received meanwhile (which were held back) are not lost."""
        wanted: dict[Side, list[str]] = {Side.HUBSPOT: [], Side.EXTERNAL: []}
        for link in links:
            for side in decode_sides(link.archived_on):
                version = sides[side].versions.get(link.id_on(side))
                twin = link.id_on(side.other)
                if (
                    version is not None
                    and not version.archived
                    and (twin not in sides[side.other].versions)
                ):
                    wanted[side.other].append(twin)
        self._read(wanted, sides, out)

    def _read(
        self, wanted: dict[Side, list[str]], sides: dict[Side, SideRecords], out: Matched
    ) -> None:
        """Read these records by id into the run's versions (those already there are kept)."""
        for side, listed in wanted.items():
            ids = [i for i in dict.fromkeys(listed) if i not in sides[side].versions]
            if ids:
                fetched = self._versions(self.connectors[side].fetch(ids), side, out)
                sides[side].versions.update(fetched.versions)
                sides[side].keys.update(fetched.keys)

    def _pair_by_carried_id(
        self, sides: dict[Side, SideRecords], free: Free, out: Matched
    ) -> dict[str, str]:
        """Pair HubSpot records with the external record they name; return the match keys
        those pairs hold (no other record may take them), with who holds them."""
        free_ext = set(free[Side.EXTERNAL])
        taken: dict[str, str] = {}
        for hub_id in list(free[Side.HUBSPOT]):
            carried = sides[Side.HUBSPOT].versions[hub_id].carried_id
            if carried is not None and carried in free_ext:
                self._join(sides, free, out, hub_id, carried)
                free_ext.discard(carried)
                holder = f"hubspot record {hub_id}, paired with external {carried} by its id"
                for key in (sides[Side.HUBSPOT].keys[hub_id], sides[Side.EXTERNAL].keys[carried]):
                    if key is not None:
                        taken[key] = holder
        return taken

    def _pair_by_key(
        self, sides: dict[Side, SideRecords], free: Free, out: Matched, taken: dict[str, str]
    ) -> None:
        for side in Side:
            self._reject_duplicate_keys(side, sides, free, out, taken)
        ext_by_key = {sides[Side.EXTERNAL].keys[i]: i for i in free[Side.EXTERNAL]}
        ext_by_key.pop(None, None)
        for hub_id in list(free[Side.HUBSPOT]):
            ext_id = ext_by_key.get(sides[Side.HUBSPOT].keys[hub_id])
            if ext_id is not None:
                self._join(sides, free, out, hub_id, ext_id)

    def _reject_duplicate_keys(
        self,
        side: Side,
        sides: dict[Side, SideRecords],
        free: Free,
        out: Matched,
        taken: dict[str, str],
    ) -> None:
        """A key another record of this run holds, or already linked: reject, never re-pair."""
        first: dict[str, str] = {}
        for record_id in sorted(free[side], key=id_order):
            key = sides[side].keys[record_id]
            if key is None:
                continue
            holder = taken.get(key) or (f"record {first[key]}" if key in first else None)
            if holder is not None:
                version = sides[side].versions[record_id]
                out.rejected.append(duplicate(side, version, self._shown(key), holder))
                free[side].pop(record_id)
            else:
                first[key] = record_id
        for key, link in self.ledger.links_by_match_key(self.pipeline, first).items():
            record_id = first[key]
            version = sides[side].versions[record_id]
            holder = f"linked pair {link.hubspot_id}/{link.external_id}"
            out.rejected.append(duplicate(side, version, self._shown(key), holder))
            free[side].pop(record_id)

    def _shown(self, key: str) -> str:
        """A key as a refusal quotes it: as its hash when the ledger keeps no keys in clear."""
        return self.ledger.key_form.shown(key)

    def _pair_by_lookup(
        self, side: Side, sides: dict[Side, SideRecords], free: Free, out: Matched
    ) -> None:
        """Find counterparts of this side's unpaired records on the other side, in batches."""
        wanted = {sides[side].keys[i]: i for i in free[side] if sides[side].keys[i]}
        if not wanted:
            return
        other, match = side.other, self.fieldmap.match
        assert match is not None, "looked up by key only when there is one"
        name = match.hubspot if other is Side.HUBSPOT else match.column
        found = self.connectors[other].find(name, [k for k in wanted if k])
        linked = self.ledger.links_for(self.pipeline, other, [r.id for r in found])
        for record in found:
            key = self.fieldmap.match_key(record, other)
            record_id = wanted.pop(key, None) if key else None
            if record_id is None or record.archived:
                continue
            paired_now = record.id in sides[other].versions and record.id not in free[other]
            if record.id in linked or paired_now:
                out.rejected.append(
                    duplicate(
                        side,
                        sides[side].versions[record_id],
                        self._shown(str(key)),
                        f"{other.value} record {record.id}, "
                        + ("already linked" if record.id in linked else "paired in this run"),
                    )
                )
                free[side].pop(record_id)
                continue
            counterpart = self._versions([record], other, out).versions.get(record.id)
            if counterpart is None:
                continue  # its own values are invalid; it is rejected, ours will be created
            sides[other].versions[record.id] = counterpart
            sides[other].keys[record.id] = key
            free[other][record.id] = None
            hub_id, ext_id = (
                (record_id, record.id) if side is Side.HUBSPOT else (record.id, record_id)
            )
            self._join(sides, free, out, hub_id, ext_id)

    def _join(
        self, sides: dict[Side, SideRecords], free: Free, out: Matched, hub_id: str, ext_id: str
    ) -> None:
        free[Side.HUBSPOT].pop(hub_id)
        free[Side.EXTERNAL].pop(ext_id)
        key = sides[Side.EXTERNAL].keys[ext_id] or sides[Side.HUBSPOT].keys[hub_id]
        out.pairs.append(
            Pair(
                None,
                sides[Side.HUBSPOT].versions[hub_id],
                sides[Side.EXTERNAL].versions[ext_id],
                key,
            )
        )
