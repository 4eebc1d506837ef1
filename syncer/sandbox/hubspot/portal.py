"""One HubSpot account's data: a collection per object type, found by any of its names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from syncer.sandbox.hubspot.association_types import AssociationType, AssociationTypes
from syncer.sandbox.hubspot.associations import AssociationStore, Key
from syncer.sandbox.hubspot.collection import CollectionRules, ObjectCollection
from syncer.sandbox.hubspot.config import SandboxConfig
from syncer.sandbox.hubspot.contacts import CONTACTS, contact_groups, contact_properties
from syncer.sandbox.hubspot.errors import unknown_object_type
from syncer.sandbox.hubspot.schema import ObjectTypeSpec, PropertyDef, PropertyGroup
from syncer.sandbox.hubspot.standard_properties import standard_groups, standard_properties
from syncer.sandbox.hubspot.standard_types import STANDARD_TYPES
from syncer.sandbox.hubspot.wire import Request

# (event kind, object type, record id, event fields): what a webhook subscription would see
ChangeListener = Callable[[str, ObjectTypeSpec, int, dict[str, Any]], None]


class Portal:
    def __init__(self, config: SandboxConfig, now_ms: int) -> None:
        self.rules = CollectionRules(
            portal_id=config.portal_id,
            search_lag_ms=config.search_lag_ms,
            unique_violation_status=config.unique_violation_status,
            first_id=config.first_id,
            forward_only_enforced=config.lifecycle_forward_only,
            engagement_unique_properties=config.engagement_unique_properties,
        )
        self.collections: dict[str, ObjectCollection] = {}
        self.association_types = AssociationTypes()
        self.associations = AssociationStore(
            self.association_types, labelled_adds_unlabelled=config.labelled_adds_unlabelled
        )
        self.listener: ChangeListener | None = None  # set when webhooks are configured
        self._muted = False
        self.owners: dict[int, Any] = {}  # owner id -> owners.Owner, seeded by the admin path
        self.owner_ids: set[str] = set()  # the same ids as text, shared with every collection
        self._aliases: dict[str, str] = {}
        self.add_collection(CONTACTS, contact_properties(now_ms), contact_groups())
        for spec in STANDARD_TYPES:
            self.add_collection(spec, standard_properties(spec, now_ms), standard_groups(spec))

    def add_collection(
        self, spec: ObjectTypeSpec, definitions: list[PropertyDef], groups: list[PropertyGroup]
    ) -> ObjectCollection:
        collection = ObjectCollection(spec, definitions, groups, self.rules)
        collection.owner_ids = self.owner_ids
        if self.listener is not None:
            collection.emit = self.emit
        self.collections[spec.name] = collection
        for alias in spec.aliases:
            self._aliases[alias.lower()] = spec.name
        return collection

    def listen(self, listener: ChangeListener) -> None:
        """Hear every record and association change from now on (webhooks)."""
        self.listener = listener
        for collection in self.collections.values():
            collection.emit = self.emit
        self.associations.listener = self._association_changed

    def emit(self, kind: str, spec: ObjectTypeSpec, object_id: int, fields: dict[str, Any]) -> None:
        if self.listener is not None and not self._muted:
            self.listener(kind, spec, object_id, fields)

    @contextmanager
    def muted(self) -> Iterator[None]:
        """HubSpot sends no creation or propertyChange events for what a merge writes."""
        self._muted = True
        try:
            yield
        finally:
            self._muted = False

    def notify_merge(self, collection: ObjectCollection, survivor: int, old: list[int]) -> None:
        merged_away = [i for i in old if i != survivor]
        fields = {"primaryObjectId": old[0], "mergedObjectIds": old[1:], "newObjectId": survivor}
        self.emit("merge", collection.spec, survivor, fields)
        for record_id in merged_away:
            self.emit("deletion", collection.spec, record_id, {})

    def notify_privacy_deletion(self, collection: ObjectCollection, record_id: int) -> None:
        self.emit("privacyDeletion", collection.spec, record_id, {})

    def _association_changed(
        self, source: Key, target: Key, kind: AssociationType, removed: bool
    ) -> None:
        """One event from each end, each with its own direction's type id."""
        for (one, other), type_id in (
            ((source, target), kind.type_id),
            (
                (target, source),
                kind.inverse_id,
            ),
        ):
            collection = self.by_type_id(one[0])
            if collection is None:
                continue
            fields = {
                "fromObjectId": one[1], "toObjectId": other[1], "associationTypeId": type_id,
                "associationRemoved": removed, "associationType": f"{one[0]}_TO_{other[0]}",
            }  # fmt: skip
            self.emit("associationChange", collection.spec, one[1], fields)

    def remove_collection(self, spec: ObjectTypeSpec) -> None:
        del self.collections[spec.name]
        for alias in spec.aliases:
            self._aliases.pop(alias.lower(), None)

    def collection(self, object_type: str) -> ObjectCollection:
        name = self._aliases.get(object_type.lower())
        collection = self.collections.get(name) if name else None
        if collection is None:
            raise unknown_object_type(object_type)
        return collection

    def schema_associations(self, type_id: str) -> list[dict[str, object]]:
        return self.association_types.schema_view(type_id)

    def name_of(self, object_type: str) -> str | None:
        """The plural name of a type given by any of its names, or None if unknown."""
        return self._aliases.get(object_type.lower())

    def by_type_id(self, type_id: str) -> ObjectCollection | None:
        name = self._aliases.get(type_id.lower())
        return self.collections.get(name) if name else None


@dataclass
class Call:
    """Everything a handler needs: the request, the path's named parts, the data, the time."""

    request: Request
    path_params: dict[str, str]
    portal: Portal
    config: SandboxConfig
    now_ms: int

    @property
    def collection(self) -> ObjectCollection:
        return self.portal.collection(self.path_params["object_type"])

    def body(self) -> dict[str, Any]:
        return self.request.json_object()
