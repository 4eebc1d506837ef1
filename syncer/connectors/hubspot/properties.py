"""Property metadata for one pipeline's object: existence checks, the unique external-id
property syncer owns, and HubSpot property types as syncer FieldTypes.

A `hasUniqueValue` property is what makes upserts by external id possible (`idProperty`); it
cannot be changed once set, so an existing non-unique property is a configuration error, not
something to repair (hubspot_api.md section 7).
"""

from __future__ import annotations

import threading
from typing import Any

from syncer.errors import ConfigError, FatalError
from syncer.records import FieldType
from syncer.settings import PipelineSettings

from .api import HubSpotApi
from .outcomes import body_of
from .property_checks import field_type, mapping_problems

GROUP_NAME = "syncer"


class PropertyCatalog:
    def __init__(self, api: HubSpotApi, pipeline: PipelineSettings, object_path: str) -> None:
        self._api = api
        self._pipeline = pipeline
        self._path = f"/crm/v3/properties/{object_path}"
        self._cached: dict[str, dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def definitions(self) -> dict[str, dict[str, Any]]:
        """Every property of the object by name; fetched once."""
        with self._lock:
            if self._cached is None:
                self._cached = self._load()
            return self._cached

    def field_types(self) -> dict[str, FieldType]:
        known = self.definitions()
        names = self._pipeline.hubspot_properties()
        return {name: field_type(known[name]) for name in names if name in known}

    def is_unique(self, name: str) -> bool:
        return bool(self.definitions().get(name, {}).get("hasUniqueValue"))

    def prepare(self) -> None:
        with self._lock:
            self._cached = self._load()
        owned = self._pipeline.external_id_property  # created below when missing
        wanted = [*self._pipeline.fields, self._pipeline.match.hubspot]
        missing = [n for n in dict.fromkeys(wanted) if n not in self._cached and n != owned]
        if missing:
            raise ConfigError(
                f"pipeline {self._pipeline.name!r}: HubSpot {self._pipeline.hubspot_object} has "
                f"no propert{'y' if len(missing) == 1 else 'ies'} {', '.join(map(repr, missing))}"
            )
        problems = mapping_problems(self._pipeline, self._cached)
        if problems:
            raise ConfigError(
                f"pipeline {self._pipeline.name!r}: the mapping does not fit HubSpot "
                f"{self._pipeline.hubspot_object}:\n  " + "\n  ".join(problems)
            )
        self._ensure_external_id_property()

    def _ensure_external_id_property(self) -> None:
        name = self._pipeline.external_id_property
        existing = self.definitions().get(name)
        if existing is None:
            self._ensure_group()
            existing = self._create_unique_property(name)
        if not existing.get("hasUniqueValue"):
            raise ConfigError(
                f"pipeline {self._pipeline.name!r}: HubSpot property {name!r} exists but is not "
                "unique (hasUniqueValue); choose another external_id_property"
            )

    def _ensure_group(self) -> None:
        if self._has_group():
            return
        body = {"name": GROUP_NAME, "label": "syncer", "displayOrder": -1}
        exchange = self._api.call(
            "POST", f"{self._path}/groups", kind="properties/groups", body=body
        )
        # A refusal may mean another replica created it first: believe a fresh read.
        if not exchange.ok and not self._has_group():
            raise FatalError(
                f"cannot create HubSpot property group {GROUP_NAME!r}: {exchange.outcome.detail}"
            )

    def _has_group(self) -> bool:
        groups = self._api.call_ok("GET", f"{self._path}/groups", kind="properties/groups")
        return any(g.get("name") == GROUP_NAME for g in groups.get("results", []))

    def _create_unique_property(self, name: str) -> dict[str, Any]:
        body = {
            "name": name,
            "label": f"syncer id ({self._pipeline.name})",
            "description": f"Record id in the external system, kept by syncer pipeline "
            f"{self._pipeline.name!r}.",
            "type": "string",
            "fieldType": "text",
            "groupName": GROUP_NAME,
            "hasUniqueValue": True,
        }
        exchange = self._api.call("POST", self._path, kind="properties/create", body=body)
        if exchange.ok:
            created = body_of(exchange.response)
            with self._lock:
                self._cached = {**(self._cached or {}), name: created}
            return created
        # Another replica may have created it in the meantime: believe the server, not the 409.
        with self._lock:
            self._cached = self._load()
        if name in self._cached:
            return self._cached[name]
        raise FatalError(f"cannot create HubSpot property {name!r}: {exchange.outcome.detail}")

    def _load(self) -> dict[str, dict[str, Any]]:
        body = self._api.call_ok("GET", self._path, kind="properties")
        return {str(p["name"]): p for p in body.get("results", []) if "name" in p}
