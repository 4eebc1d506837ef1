"""Association fields on HubSpot records: each field's list of the other object's record ids.

Reading: every record the connector returns carries each field's list, read with v4 batch reads
(1,000 ids a call, one call per other object whatever the number of fields pointing at it), and
only the edges of the field's own type count (association_kinds.py). A field kept as a property
(`hubspot_property`) is that property's value as a list of at most one id.

Writing sets the whole list. For records that exist, the current edges of the written records
are read in bulk, then what is no longer wanted is removed and what is missing is created (v4
batch create, 2,000 a call). Removing is careful about HubSpot's semantics: archiving a pair
removes every type between the two records, so a labelled field removes only its label
(labels/archive) and leaves the pair's other types; an unlabelled field archives the pair, as
removing the unlabelled type does anyway. Removals go before creations, so a pair moved from
one field to another in the same write ends with the new type. Creates carry their edges
inline (writes.py), which is why `inline` exists here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from syncer.records import ChangePage, Record, Rejection, RejectionKind
from syncer.relations import AssociationField

from .api import HubSpotApi
from .associations import READ_LIMIT, Associations, AssociationType, Edge
from .reads import RecordReader

Lists = dict[str, list[str]]  # field name -> the other object's ids
BULK_RECORDS = READ_LIMIT  # pages are held back until this many records share one read


@dataclass(frozen=True, slots=True)
class FieldKind:
    """An association field with what it is on HubSpot: the other object and the type id."""

    field: AssociationField
    to_path: str  # the other object's `{objectType}` path segment
    kind: AssociationType

    @property
    def labelled(self) -> bool:
        return self.kind.label is not None


@dataclass(frozen=True, slots=True)
class Split:
    """One write's plain properties, and the lists it sets for association fields kept as
    associations; `rejection` when a list cannot be applied (two ids for a property)."""

    properties: dict[str, Any]
    lists: Lists
    rejection: Rejection | None = None


class AssociationFields:
    def __init__(
        self,
        api: HubSpotApi,
        from_path: str,
        kinds: Sequence[FieldKind],
        as_properties: Sequence[AssociationField],
    ) -> None:
        self._api = api
        self._from_path = from_path
        self._kinds = {k.field.name: k for k in kinds}
        self._as_properties = {f.name: f for f in as_properties}
        self._by_target: dict[str, list[FieldKind]] = defaultdict(list)
        for kind in kinds:
            self._by_target[kind.to_path].append(kind)

    @property
    def any(self) -> bool:
        return bool(self._kinds or self._as_properties)

    def targets_by_object(self) -> dict[str, list[str]]:
        """{the other object's path segment: the names of the fields pointing at it}."""
        return {path: [k.field.name for k in kinds] for path, kinds in self._by_target.items()}

    def attach(self, records: Sequence[Record]) -> list[Record]:
        """`records`, each with every association field's list."""
        if not records or not self.any:
            return list(records)
        lists = self.values([r.id for r in records], {r.id: r for r in records})
        return [replace(r, properties={**r.properties, **lists.get(r.id, {})}) for r in records]

    def live_values(self, ids: Sequence[str], reader: RecordReader) -> dict[str, Lists]:
        """`values` of the live records among `ids`. v4 cannot tell a record pointing nowhere
        from one that is gone: only those are read (100 a call), unless the records are read
        anyway for fields kept as properties."""
        unique = list(dict.fromkeys(ids))
        if self._as_properties:
            read = {r.id: r for r in reader.read(unique)}
            return {i: v for i, v in self.values(unique, read).items() if i in read}
        values = self.values(unique)
        bare = [i for i, lists in values.items() if not any(lists.values())]
        live = {r.id for r in reader.read(bare)} if bare else set()
        return {i: v for i, v in values.items() if any(v.values()) or i in live}

    def values(
        self, ids: Sequence[str], read: Mapping[str, Record] | None = None
    ) -> dict[str, Lists]:
        """{id: {field name: list}} for every id; `read` holds the records already read (the
        property-kept fields come from them; ids not in it have [] for those)."""
        found: dict[str, Lists] = {i: {} for i in ids}
        for to_path, kinds in self._by_target.items():
            edges = self._edges(to_path).read(list(found))
            for record_id, lists in found.items():
                for kind in kinds:
                    lists[kind.field.name] = _of_type(edges.get(record_id, []), kind)
        for name, field in self._as_properties.items():
            for record_id, lists in found.items():
                record = (read or {}).get(record_id)
                value = record.properties.get(str(field.hubspot_property)) if record else None
                lists[name] = [str(value)] if value not in (None, "") else []
        return found

    def split(self, properties: Mapping[str, Any]) -> Split:
        """A write's properties without its association fields, a property-kept field turned
        into its property (one id, or "" to clear), and the lists of the others."""
        plain: dict[str, Any] = {}
        lists: Lists = {}
        for name, value in properties.items():
            if name in self._kinds:
                lists[name] = [str(v) for v in value or []]
            elif name in self._as_properties:
                field = self._as_properties[name]
                ids = list(dict.fromkeys(str(v) for v in value or []))
                if len(ids) > 1:
                    return Split(plain, lists, _too_many(field, ids))
                plain[str(field.hubspot_property)] = ids[0] if ids else ""
            else:
                plain[name] = value
        return Split(plain, lists)

    def inline(self, lists: Lists) -> list[dict[str, Any]]:
        """A create's `associations`: every wanted edge, each with its field's type."""
        by_target: dict[tuple[str, str], list[FieldKind]] = defaultdict(list)
        for name, ids in lists.items():
            kind = self._kinds[name]
            for to_id in dict.fromkeys(ids):
                by_target[(kind.to_path, to_id)].append(kind)
        return [
            {"to": {"id": to_id}, "types": [_spec(k) for k in kinds]}
            for (_, to_id), kinds in by_target.items()
        ]

    def apply(self, wanted: Mapping[str, Lists]) -> dict[str, Rejection]:
        """Set each record's lists ({record id: {field: list}}) to exactly what is wanted; the
        records whose edges HubSpot refused, with why (a target that does not exist:
        NOT_FOUND naming it)."""
        refused: dict[str, Rejection] = {}
        for to_path, kinds in self._by_target.items():
            names = {k.field.name for k in kinds}
            ids = [i for i, lists in wanted.items() if names & set(lists)]
            if ids:
                refused.update(self._apply_to(to_path, kinds, ids, wanted))
        return refused

    def _apply_to(
        self, to_path: str, kinds: list[FieldKind], ids: list[str], wanted: Mapping[str, Lists]
    ) -> dict[str, Rejection]:
        edges = self._edges(to_path)
        current = edges.read(ids)
        pairs: list[tuple[str, str]] = []
        labels: list[Edge] = []
        adds: list[Edge] = []
        for record_id in ids:
            for kind in kinds:
                if kind.field.name not in wanted[record_id]:
                    continue
                want = list(dict.fromkeys(wanted[record_id][kind.field.name]))
                have = _of_type(current.get(record_id, []), kind)
                gone = [t for t in have if t not in want]
                if kind.labelled:
                    labels += [Edge(record_id, t, (kind.kind,)) for t in gone]
                else:
                    pairs += [(record_id, t) for t in gone]
                adds += [Edge(record_id, t, (kind.kind,)) for t in want if t not in have]
        if pairs:
            edges.archive(pairs)
        if labels:
            edges.archive_types(labels)
        results = edges.create(adds) if adds else []
        return _first_refusal(adds, results, kinds)

    def _edges(self, to_path: str) -> Associations:
        return Associations(self._api, self._from_path, to_path)


def in_bulk(
    pages: Iterator[ChangePage], attach: Callable[[Sequence[Record]], list[Record]]
) -> Iterator[ChangePage]:
    """`pages` with their records' lists, read for up to BULK_RECORDS records at a time: the
    listing's pages hold 100 (search's 200) records, v4 batch read takes 1,000 ids. Pages keep
    their order and their cursors (each still comes with its own records, after them); the end
    of the listing flushes whatever is held."""
    held: list[ChangePage] = []
    largest = 0
    for page in pages:
        held.append(page)
        largest = max(largest, len(page.records))
        if sum(len(p.records) for p in held) + largest > BULK_RECORDS:
            yield from _attached(held, attach)
            held = []
    yield from _attached(held, attach)


def _attached(
    pages: list[ChangePage], attach: Callable[[Sequence[Record]], list[Record]]
) -> Iterator[ChangePage]:
    records = attach([r for p in pages for r in p.records])
    start = 0
    for page in pages:
        yield replace(page, records=records[start : start + len(page.records)])
        start += len(page.records)


def _of_type(edges: Iterable[Edge], kind: FieldKind) -> list[str]:
    return [e.to_id for e in edges if any(t.type_id == kind.kind.type_id for t in e.types)]


def _spec(kind: FieldKind) -> dict[str, Any]:
    return {"associationCategory": kind.kind.category, "associationTypeId": kind.kind.type_id}


def _too_many(field: AssociationField, ids: list[str]) -> Rejection:
    return Rejection(
        RejectionKind.INVALID_VALUE,
        "TOO_MANY_TARGETS",
        f"{field.name}: HubSpot keeps this link in property {field.hubspot_property!r}, which "
        f"holds one id; the record points at {len(ids)}: {', '.join(ids[:10])}",
        property=field.hubspot_property,
    )


def _first_refusal(
    adds: list[Edge], results: Sequence[Any], kinds: list[FieldKind]
) -> dict[str, Rejection]:
    names = {k.kind.type_id: k.field.name for k in kinds}
    refused: dict[str, Rejection] = {}
    for edge, result in zip(adds, results, strict=True):
        if result.rejection is not None and edge.from_id not in refused:
            name = names.get(edge.types[0].type_id)
            message = f"{name}: {result.rejection.message}"
            refused[edge.from_id] = replace(result.rejection, message=message, property=name)
    return refused
