"""Property metadata for one pipeline's object: existence checks, the unique external-id
property syncer owns, and HubSpot property types as syncer FieldTypes.

A `hasUniqueValue` property is what makes upserts by external id possible (`idProperty`); it
cannot be changed once set, so an existing non-unique property is a configuration error, not
something to repair.

The catalogue may come from a copy kept between runs (a CatalogueCache the edge hands in) instead
of an API call. A kept copy is read afresh before it is believed against the run: when it says a
mapped property is missing or does not fit, and when reads leave a mapped property out (HubSpot
ignores unknown names in `properties=`; a deleted property comes back absent, not null). A property
the fresh catalogue does not list halts the run, as it would have at the start What a kept
copy can hide until it is `[hubspot] properties_cache_seconds` old: a property whose type or
options changed, which writes then meet as per-record rejections.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import Any

import structlog

from syncer.connectors.catalogue_cache import CatalogueCache
from syncer.errors import ConfigError, FatalError
from syncer.records import FieldType
from syncer.settings_pipeline import PipelineSettings

from .api import HubSpotApi
from .outcomes import body_of
from .property_checks import field_type, is_single_choice, mapping_problems

GROUP_NAME = "syncer"
log = structlog.get_logger(__name__)


class PropertyCatalog:
    def __init__(
        self,
        api: HubSpotApi,
        pipeline: PipelineSettings,
        object_path: str,
        kept: CatalogueCache | None = None,
        *,
        plain_external_id: bool = False,
    ) -> None:
        """`plain_external_id`: when HubSpot refuses a unique external-id property (engagements
        may not take one), keep the external id in a plain property (engagement_ids.py)."""
        self._plain_external_id = plain_external_id
        self._api = api
        self._pipeline = pipeline
        self._path = f"/crm/v3/properties/{object_path}"
        self._kept = kept
        self._key = f"hubspot:{self._path}"
        self._cached: dict[str, dict[str, Any]] | None = None
        self._from_kept_copy = False
        self._lock = threading.Lock()

    def definitions(self) -> dict[str, dict[str, Any]]:
        """Every property of the object by name; read once."""
        with self._lock:
            if self._cached is None:
                self._cached = self._fetch()
            return self._cached

    def field_types(self) -> dict[str, FieldType]:
        known = self.definitions()
        names = self._pipeline.hubspot_properties()
        return {name: field_type(known[name]) for name in names if name in known}

    def field_options(self) -> dict[str, frozenset[str]]:
        """Options of the mapped single-choice enumerations (a multi-checkbox holds several
        options joined by ';', a boolean checkbox true or false: neither is listed)."""
        known = self.definitions()
        return {
            name: frozenset(str(o.get("value")) for o in known[name].get("options") or [])
            for name in self._pipeline.hubspot_properties()
            if name in known and is_single_choice(known[name])
        }

    def is_unique(self, name: str) -> bool:
        return bool(self.definitions().get(name, {}).get("hasUniqueValue"))

    def prepare(self) -> None:
        with self._lock:
            self._cached = self._load()
        if self._from_kept_copy and (
            self._missing() or mapping_problems(self._pipeline, self._cached)
        ):
            self.refresh()  # the copy may predate the fix: believe HubSpot before refusing
        missing = self._missing()
        if missing:
            raise self._missing_error(missing)
        problems = mapping_problems(self._pipeline, self.definitions())
        if problems:
            raise ConfigError(
                f"pipeline {self._pipeline.name!r}: the mapping does not fit HubSpot "
                f"{self._pipeline.hubspot_object}:\n  " + "\n  ".join(problems)
            )
        self._ensure_external_id_property()

    def confirm_present(self, absent: Collection[str]) -> None:
        """Reads left these mapped properties out: deleted since a kept copy was read, or just
        empty on a portal that omits empty values (one of HubSpot's guides says so). A kept copy
        is read afresh; a property it no longer lists halts the run (ConfigError)."""
        if not self._from_kept_copy:
            return
        self.refresh()
        gone = [name for name in absent if name not in self.definitions()]
        if gone:
            raise self._missing_error(gone)

    def refresh(self) -> None:
        with self._lock:
            self._cached = self._fetch()

    def forget_kept_copy(self) -> None:
        """A write said a property does not exist: the next run reads the catalogue afresh."""
        if self._kept is not None:
            self._kept.forget(self._key)

    def _missing(self) -> list[str]:
        owned = self._pipeline.external_id_property  # created when missing
        match = self._pipeline.match
        wanted = [*self._pipeline.fields, *([match.hubspot] if match else [])]
        known = self.definitions()
        return [n for n in dict.fromkeys(wanted) if n not in known and n != owned]

    def _missing_error(self, missing: list[str]) -> ConfigError:
        return ConfigError(
            f"pipeline {self._pipeline.name!r}: HubSpot {self._pipeline.hubspot_object} has "
            f"no propert{'y' if len(missing) == 1 else 'ies'} {', '.join(map(repr, missing))}"
        )

    def _ensure_external_id_property(self) -> None:
        name = self._pipeline.external_id_property
        existing = self.definitions().get(name)
        if existing is None:
            self._ensure_group()
            existing = self._create_unique_property(name)
        if not existing.get("hasUniqueValue") and not self._plain_external_id:
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
        created, detail = self._create_property(name, unique=True)
        if created is None and self._plain_external_id:
            log.info("hubspot.external_id_not_unique", property=name, refused=detail)
            created, detail = self._create_property(name, unique=False)
        if created is None:
            raise FatalError(f"cannot create HubSpot property {name!r}: {detail}")
        return created

    def _create_property(self, name: str, *, unique: bool) -> tuple[dict[str, Any] | None, str]:
        """The property created (or found created by another replica meanwhile), or None and
        HubSpot's refusal."""
        body = {
            "name": name,
            "label": f"syncer id ({self._pipeline.name})",
            "description": f"Record id in the external system, kept by syncer pipeline "
            f"{self._pipeline.name!r}.",
            "type": "string",
            "fieldType": "text",
            "groupName": GROUP_NAME,
            "hasUniqueValue": unique,
        }
        exchange = self._api.call("POST", self._path, kind="properties/create", body=body)
        if exchange.ok:
            created = body_of(exchange.response)
            with self._lock:
                self._cached = {**(self._cached or {}), name: created}
                self._keep(self._cached)
            return created, ""
        # Another replica may have created it in the meantime: believe the server, not the 409.
        self.refresh()
        if name in self.definitions():
            return self.definitions()[name], ""
        return None, exchange.outcome.detail

    def _load(self) -> dict[str, dict[str, Any]]:
        """The kept copy when there is a young enough one, else a fresh read."""
        kept = self._kept.load(self._key) if self._kept is not None else None
        self._from_kept_copy = isinstance(kept, dict)
        return kept if isinstance(kept, dict) else self._fetch()

    def _fetch(self) -> dict[str, dict[str, Any]]:
        body = self._api.call_ok("GET", self._path, kind="properties")
        known = {str(p["name"]): p for p in body.get("results", []) if "name" in p}
        self._from_kept_copy = False
        self._keep(known)
        return known

    def _keep(self, known: dict[str, dict[str, Any]]) -> None:
        if self._kept is not None:
            self._kept.store(self._key, known)
