"""One HubSpot account's data: a collection per object type, found by name or type id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncer.sandbox.hubspot.collection import CollectionRules, ObjectCollection
from syncer.sandbox.hubspot.config import SandboxConfig
from syncer.sandbox.hubspot.contacts import CONTACTS, contact_groups, contact_properties
from syncer.sandbox.hubspot.errors import unknown_object_type
from syncer.sandbox.hubspot.wire import Request


class Portal:
    def __init__(self, config: SandboxConfig, now_ms: int) -> None:
        rules = CollectionRules(
            portal_id=config.portal_id,
            search_lag_ms=config.search_lag_ms,
            unique_violation_status=config.unique_violation_status,
            first_id=config.first_id,
            forward_only_enforced=config.lifecycle_forward_only,
        )
        contacts = ObjectCollection(CONTACTS, contact_properties(now_ms), contact_groups(), rules)
        self.collections: dict[str, ObjectCollection] = {CONTACTS.name: contacts}
        self._aliases = {CONTACTS.type_id: CONTACTS.name}

    def collection(self, object_type: str) -> ObjectCollection:
        name = self._aliases.get(object_type, object_type.lower())
        collection = self.collections.get(name)
        if collection is None:
            raise unknown_object_type(object_type)
        return collection


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
