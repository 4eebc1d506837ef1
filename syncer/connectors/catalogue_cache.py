"""Where a connector may keep a CRM's schema (HubSpot's property catalogue) between runs.

Connectors keep no state of their own: the copy lives with the sync's memory, and the edge
(wiring.py) hands the connector this small protocol over it. A connector given none reads the
schema afresh on every run.
"""

from __future__ import annotations

from typing import Any, Protocol


class CatalogueCache(Protocol):
    def load(self, key: str) -> Any | None:
        """The body kept under `key` if it is young enough to believe, else None."""
        ...

    def store(self, key: str, body: Any) -> None:
        """Keep `body` (JSON-serialisable) under `key`, replacing any older copy."""
        ...

    def forget(self, key: str) -> None:
        """Drop the copy under `key`: it was seen to be out of date."""
        ...
