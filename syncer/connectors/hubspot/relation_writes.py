"""Writes that carry association fields: the whole list of each field is set.

The create path is chosen so that a migration's edges cost no call of their own, and a resend
never duplicates:
- a create that points somewhere goes by batch/create with its edges inline (`associations`),
  one call for 100 records and all their edges; batch upsert, the path of other creates, takes
  no associations (HubSpot's reference, batch endpoints and associations);
- the unique property (the external id, or a contact's email) is in the created properties, so
  a create sent twice (a retry after a lost answer, a rerun after a crash) is refused as taken;
  the record holding the value is then read by that property and adopted: updated with the
  write's properties, and its edges set as an update sets them;
- a target that does not exist refuses that record only (NOT_FOUND, naming the id);
- updates, and creates that point nowhere (upserts as before), have their edges set after the
  record is written: current edges read in bulk, the difference removed and created
  (association_fields.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from syncer.records import Write, WriteResult

from .association_fields import AssociationFields, Lists, Split
from .engagement_ids import ExternalIdLookup
from .reads import RecordReader
from .writes import BatchWriter

TARGETS_MISSING = "INVALID_OBJECT_IDS"


class RelationWriter:
    def __init__(
        self,
        writer: BatchWriter,
        reader: RecordReader,
        fields: AssociationFields,
        lookup: ExternalIdLookup | None = None,
    ) -> None:
        """`lookup`: the object keeps its external id in a plain property (engagements on a
        portal without unique properties for them): every create is looked for first."""
        self._writer = writer
        self._reader = reader
        self._fields = fields
        self._lookup = lookup

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        splits = {w.key: self._fields.split(w.properties) for w in writes}
        results: dict[str, WriteResult] = {
            key: WriteResult(key, None, rejection=s.rejection)
            for key, s in splits.items()
            if s.rejection is not None
        }
        plain = [
            replace(w, properties=splits[w.key].properties) for w in writes if w.key not in results
        ]
        inline = [w for w in plain if self._by_create(w, splits[w.key])]
        inline_keys = {w.key for w in inline}
        results.update(self._create_inline(inline, splits))
        rest = [w for w in plain if w.key not in inline_keys]
        results.update(self._write_plain(rest))
        self._set_lists(writes, splits, results)
        return [results[w.key] for w in writes]

    def _create_inline(
        self, creates: list[Write], splits: dict[str, Split]
    ) -> dict[str, WriteResult]:
        if not creates:
            return {}
        if self._lookup is not None:
            return self._create_looked_up(creates, splits, self._lookup)
        inline = {w.key: self._fields.inline(splits[w.key].lists) for w in creates}
        results = self._writer.create(creates, inline)
        refused = [
            w for w in creates
            if not results[w.key].ok and _code(results[w.key]) != TARGETS_MISSING
        ]  # fmt: skip
        holders = self._holders(refused)
        adopted = [replace(w, target_id=holders[w.key]) for w in refused if w.key in holders]
        if adopted:
            updates = self._write_plain(adopted)
            results.update({k: replace(r, created=False) for k, r in updates.items()})
        return results

    def _create_looked_up(
        self, creates: list[Write], splits: dict[str, Split], lookup: ExternalIdLookup
    ) -> dict[str, WriteResult]:
        """Without a unique property nothing refuses a second create: adopt what holds the
        external id already, create the rest, never re-sending a create whose answer was lost."""
        holders = lookup.holders(creates, {w.key: splits[w.key].lists for w in creates})
        adopted = [replace(w, target_id=holders[w.key]) for w in creates if w.key in holders]
        fresh = [w for w in creates if w.key not in holders]
        inline = {w.key: self._fields.inline(splits[w.key].lists) for w in fresh}
        results = self._writer.create(fresh, inline, repeatable=False) if fresh else {}
        if adopted:
            updates = self._write_plain(adopted)
            results.update({k: replace(r, created=False) for k, r in updates.items()})
        return results

    def _by_create(self, write: Write, split: Split) -> bool:
        """Creates sent by batch/create: those with edges (inline), and every create when the
        external id is not unique (batch upsert needs a unique idProperty)."""
        if write.target_id or not (write.unique_property and write.unique_value):
            return False
        return self._lookup is not None or any(split.lists.values())

    def _write_plain(self, writes: list[Write]) -> dict[str, WriteResult]:
        """Records without their lists; an update left with no property costs no call."""
        empty = [w for w in writes if w.target_id and not w.properties]
        sent = [w for w in writes if not (w.target_id and not w.properties)]
        results = {w.key: WriteResult(w.key, w.target_id) for w in empty}
        if sent:
            results.update((r.key, r) for r in self._writer.write(sent))
        return results

    def _holders(self, creates: list[Write]) -> dict[str, str]:
        """Write key -> the record already holding the create's unique value."""
        holders: dict[str, str] = {}
        by_property: dict[str, list[Write]] = {}
        for write in creates:
            by_property.setdefault(str(write.unique_property), []).append(write)
        for prop, group in by_property.items():
            found = self._reader.read([str(w.unique_value) for w in group], id_property=prop)
            by_value = {_fold(r.properties.get(prop)): r.id for r in found}
            for write in group:
                holder = by_value.get(_fold(write.unique_value))
                if holder is not None:
                    holders[write.key] = holder
        return holders

    def _set_lists(
        self, writes: Sequence[Write], splits: dict[str, Split], results: dict[str, WriteResult]
    ) -> None:
        """Edges of every written record that did not get them inline at its creation."""
        wanted: dict[str, Lists] = {}
        key_of: dict[str, str] = {}
        for write in writes:
            result, lists = results[write.key], splits[write.key].lists
            # A record just created has the edges it was sent with inline, or none.
            if result.ok and lists and not result.created:
                wanted[str(result.id)] = lists
                key_of[str(result.id)] = write.key
        for record_id, rejection in self._fields.apply(wanted).items():
            key = key_of[record_id]
            results[key] = WriteResult(key, None, rejection=rejection)


def _code(result: WriteResult) -> str | None:
    return result.rejection.code if result.rejection else None


def _fold(value: object) -> str:
    return str(value).strip().casefold()
