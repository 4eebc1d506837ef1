"""The records of one object type: storage, lookups, and applying writes (the unique-value
index lives in unique_index.py, the value rules in write_rules.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from syncer.sandbox.hubspot.errors import validation
from syncer.sandbox.hubspot.schema import ObjectTypeSpec, PropertyDef, PropertyGroup
from syncer.sandbox.hubspot.search_index import SearchIndex
from syncer.sandbox.hubspot.timefmt import iso_ms
from syncer.sandbox.hubspot.unique_index import Claims, UniqueIndex, unique_key
from syncer.sandbox.hubspot.write_rules import merged_value, require_properties

RECYCLE_BIN_MS = 90 * 86_400_000
Emit = Callable[[str, ObjectTypeSpec, int, dict[str, str]], None]


@dataclass
class StoredRecord:
    id: int
    # Replaced, never mutated, on each write: the search index may still hold the old dict.
    properties: dict[str, str]
    created_ms: int
    updated_ms: int
    archived_ms: int | None = None
    # property -> (value, epoch ms) of each accepted write, oldest first; "" = cleared
    history: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


@dataclass(frozen=True)
class CollectionRules:
    portal_id: int
    search_lag_ms: int
    unique_violation_status: int
    first_id: int
    forward_only_enforced: bool = True
    engagement_unique_properties: bool = False


class ObjectCollection:
    def __init__(
        self,
        spec: ObjectTypeSpec,
        definitions: Iterable[PropertyDef],
        groups: Iterable[PropertyGroup],
        rules: CollectionRules,
    ) -> None:
        self.spec = spec
        self.rules = rules
        self.definitions = {d.name: d for d in definitions}
        self.archived_definitions: dict[str, PropertyDef] = {}
        self.owner_ids: set[str] = set()  # the portal's, shared: owner fields must name one
        self.groups = {g.name: g for g in groups}
        self.active: dict[int, StoredRecord] = {}
        self.archived: dict[int, StoredRecord] = {}
        ranged = ("hs_object_id", spec.created_property, spec.modified_property)
        self.search = SearchIndex(rules.search_lag_ms, ranged)
        self._next_id = rules.first_id
        self.custom: object | None = None  # a custom object's schemas_api.CustomSchema
        # merged-away id -> the record that replaced it
        self.merged_into: dict[int, int] = {}
        self.emit: Emit | None = None  # the portal's change listener, when webhooks are on
        self._archived_order: list[int] | None = None  # sorted archived ids, rebuilt on demand
        self.unique = UniqueIndex(
            spec,
            (d.name for d in self.definitions.values() if d.has_unique_value),
            rules.portal_id,
            rules.unique_violation_status,
        )

    # -- lookups -----------------------------------------------------------------------------

    def check_id_property(self, id_property: str | None) -> None:
        if id_property in (None, "hs_object_id") or id_property in self.unique:
            return
        raise validation(
            f"Property {id_property} is not a unique identifier property of "
            f"{self.spec.name}: use hs_object_id, "
            + ("email or " if self.spec.unique_email else "")
            + "a property with hasUniqueValue=true",
            context={"idProperty": [str(id_property)]},
        )

    def find(
        self, key: str, id_property: str | None = None, follow_merges: bool = False
    ) -> StoredRecord | None:
        """The active record whose id (or unique `id_property` value) is `key`. Single reads
        and PATCH follow a merged-away id to its survivor; batch update does not."""
        self.check_id_property(id_property)
        if id_property in (None, "hs_object_id"):
            if follow_merges:
                return self.find_live(key)
            return self.active.get(int(key)) if key.strip().isdigit() else None
        assert id_property is not None
        holder = self.unique.holder(id_property, key)
        return None if holder is None else self.active.get(holder)

    def resolve(self, record_id: int) -> int:
        """The id a merged-away id now stands for (itself when never merged)."""
        while record_id in self.merged_into:
            record_id = self.merged_into[record_id]
        return record_id

    def find_live(self, key: str) -> StoredRecord | None:
        """The active record with this id, following merges (as single GET/PATCH do)."""
        key = key.strip()
        return self.active.get(self.resolve(int(key))) if key.isdigit() else None

    def find_archived(self, key: str, id_property: str | None = None) -> StoredRecord | None:
        self.check_id_property(id_property)
        if id_property in (None, "hs_object_id"):
            return self.archived.get(int(key)) if key.strip().isdigit() else None
        assert id_property is not None
        wanted = unique_key(id_property, key)
        for record in self.archived.values():
            value = record.properties.get(id_property)
            if value is not None and unique_key(id_property, value) == wanted:
                return record
        return None

    def ids_in_order(self, archived: bool) -> list[int]:
        """Record ids, ascending, for listing."""
        if not archived:
            # Records enter `active` only at creation, with increasing ids: already in order.
            return list(self.active)
        if self._archived_order is None:
            self._archived_order = sorted(self.archived)
        return self._archived_order

    # -- write rules -------------------------------------------------------------------------

    def check_unique(self, values: Mapping[str, str], own_id: int | None, claims: Claims) -> None:
        self.unique.check(values, own_id, claims)

    def check_required(self, values: Mapping[str, str]) -> None:
        require_properties(self.spec, values, self.rules.portal_id)

    def allocate_id(self) -> int:
        record_id = self._next_id
        self._next_id += 1
        return record_id

    def create(
        self, values: Mapping[str, str], now_ms: int, created_ms: int | None = None
    ) -> StoredRecord:
        """`created_ms`: a merge's record keeps the older creation time."""
        record_id = self.allocate_id()
        created_ms = now_ms if created_ms is None else created_ms
        properties = {name: value for name, value in values.items() if value != ""}
        properties["hs_object_id"] = str(record_id)
        properties[self.spec.created_property] = iso_ms(created_ms)
        properties[self.spec.modified_property] = iso_ms(now_ms)
        record = StoredRecord(record_id, properties, created_ms, now_ms)
        record.history = {name: [(value, now_ms)] for name, value in properties.items()}
        self.active[record_id] = record
        self.unique.reindex(record_id, {}, properties)
        self.search.publish(record_id, properties, now_ms)
        if self.emit is not None:
            self.emit("creation", self.spec, record_id, {})
        return record

    def update(self, record: StoredRecord, values: Mapping[str, str], now_ms: int) -> StoredRecord:
        """Apply values; every accepted update bumps the last-modified date, as HubSpot does,
        even when no value changes."""
        properties = dict(record.properties)
        for name, value in values.items():
            merged = merged_value(
                self.definitions.get(name), properties.get(name), value,
                forward_only=self.rules.forward_only_enforced and name in self.spec.forward_only,
            )  # fmt: skip
            if merged == properties.get(name, ""):
                continue
            record.history.setdefault(name, []).append((merged, now_ms))
            if merged == "":
                properties.pop(name, None)
            else:
                properties[name] = merged
        properties[self.spec.modified_property] = iso_ms(now_ms)
        if self.emit is not None:
            self._tell_changes(record.id, record.properties, properties)
        self.unique.reindex(record.id, record.properties, properties)
        record.properties = properties
        record.updated_ms = now_ms
        self.search.publish(record.id, properties, now_ms)
        return record

    def archive(self, record_id: int, now_ms: int) -> None:
        """Idempotent; the last-modified date stays as it was (HubSpot does not bump it)."""
        record = self.active.pop(record_id, None)
        if record is None:
            return
        record.archived_ms = now_ms
        self.archived[record_id] = record
        self._archived_order = None
        self.unique.reindex(record_id, record.properties, {})
        self.search.withdraw(record_id)
        if self.emit is not None:
            self.emit("deletion", self.spec, record_id, {})

    def purge_recycle_bin(self, now_ms: int) -> None:
        """Archived records are gone for good 90 days after archiving. They were archived in
        time order, so the oldest come first."""
        cutoff = now_ms - RECYCLE_BIN_MS
        expired = []
        for record_id, record in self.archived.items():
            if record.archived_ms is None or record.archived_ms > cutoff:
                break
            expired.append(record_id)
        for record_id in expired:
            del self.archived[record_id]
        if expired:
            self._archived_order = None

    def retire(self, record_id: int) -> StoredRecord | None:
        """Take a record out for good (merged away or GDPR-deleted): not in the recycle bin."""
        record = self.active.pop(record_id, None)
        if record is None:
            record = self.archived.pop(record_id, None)
            self._archived_order = None
        if record is not None:
            self.unique.reindex(record_id, record.properties, {})
            self.search.withdraw(record_id)
        return record

    def add_definition(self, definition: PropertyDef) -> None:
        self.definitions[definition.name] = definition
        if definition.has_unique_value:
            self.unique.add(definition.name, ((r.id, r.properties) for r in self.active.values()))

    def archive_definition(self, name: str, now_ms: int) -> None:
        """The property leaves the type (its stored values are no longer shown or searched)."""
        definition = self.definitions.pop(name, None)
        if definition is None:
            return
        definition.archived_ms = now_ms
        self.archived_definitions[name] = definition
        self.unique.drop(name)

    def unique_property_count(self) -> int:
        return sum(1 for d in self.definitions.values() if d.has_unique_value)

    # -- helpers -----------------------------------------------------------------------------

    def _tell_changes(self, record_id: int, old: Mapping[str, str], new: Mapping[str, str]) -> None:
        assert self.emit is not None
        for name in sorted(set(old) | set(new)):
            if name != self.spec.modified_property and old.get(name) != new.get(name):
                fields = {"propertyName": name, "propertyValue": new.get(name, "")}
                self.emit("propertyChange", self.spec, record_id, fields)
