"""One HubSpot account's data: a collection per object type, found by any of its names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncer.sandbox.hubspot.association_types import AssociationTypes
from syncer.sandbox.hubspot.associations import AssociationStore
from syncer.sandbox.hubspot.collection import CollectionRules, ObjectCollection
from syncer.sandbox.hubspot.config import SandboxConfig
from syncer.sandbox.hubspot.contacts import CONTACTS, contact_groups, contact_properties
from syncer.sandbox.hubspot.errors import unknown_object_type
from syncer.sandbox.hubspot.schema import ObjectTypeSpec, PropertyDef, PropertyGroup
from syncer.sandbox.hubspot.standard_properties import standard_groups, standard_properties
from syncer.sandbox.hubspot.standard_types import STANDARD_TYPES
from syncer.sandbox.hubspot.wire import Request


class Portal:
    def __init__(self, config: SandboxConfig, now_ms: int) -> None:
        self.rules = CollectionRules(
            portal_id=config.portal_id,
            search_lag_ms=config.search_lag_ms,
            unique_violation_status=config.unique_violation_status,
            first_id=config.first_id,
            forward_only_enforced=config.lifecycle_forward_only,
        )
        self.collections: dict[str, ObjectCollection] = {}
        self.association_types = AssociationTypes()
        self.associations = AssociationStore(self.association_types)
        self._aliases: dict[str, str] = {}
        self.add_collection(CONTACTS, contact_properties(now_ms), contact_groups())
        for spec in STANDARD_TYPES:
            self.add_collection(spec, standard_properties(spec, now_ms), standard_groups(spec))

    def add_collection(
        self, spec: ObjectTypeSpec, definitions: list[PropertyDef], groups: list[PropertyGroup]
    ) -> ObjectCollection:
        collection = ObjectCollection(spec, definitions, groups, self.rules)
        self.collections[spec.name] = collection
        for alias in spec.aliases:
            self._aliases[alias.lower()] = spec.name
        return collection

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
