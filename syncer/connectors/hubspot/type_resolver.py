"""Object type names to ObjectTypes: a standard type from the table in object_types.py, else a
custom object of the portal, whose schemas are read once (one call) and kept."""

from __future__ import annotations

import threading
from typing import Any

from .api import HubSpotApi
from .object_types import SCHEMAS_PATH, ObjectType, custom_type, standard_type


class TypeResolver:
    def __init__(self, api: HubSpotApi) -> None:
        self._api = api
        self._lock = threading.Lock()
        self._schemas: list[dict[str, Any]] | None = None

    def resolve(self, name: str) -> ObjectType:
        """ConfigError for a name HubSpot does not have (custom_type says which it has)."""
        known = standard_type(name)
        if known is not None:
            return known
        with self._lock:
            if self._schemas is None:
                body = self._api.call_ok("GET", SCHEMAS_PATH, kind="schemas")
                self._schemas = list(body.get("results") or [])
            return custom_type(name, self._schemas)
