"""CRM schemas kept in the ledger between runs.

Reading HubSpot's property catalogue costs an API call on every run, a tenth of what a small
incremental sync needs. A run may use a copy younger than `max_age` instead: it is shared by
every replica of the deployment, and whoever reads the catalogue afresh (a run whose copy is
too old, `syncer check`, a run that saw a sign of drift) replaces it. Drift in between is caught
by what the copy would hide: a property the reads leave out, a write refused because a property
does not exist (see connectors/hubspot/properties.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncer.ledger.schema import aware, schema_cache


class SchemaCache:
    def __init__(
        self,
        engine: sa.Engine,
        max_age: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self.max_age = max_age
        self._clock = clock

    def load(self, key: str) -> Any | None:
        """The body kept under `key` if it is younger than max_age, else None."""
        if self.max_age <= timedelta(0):
            return None
        query = sa.select(schema_cache.c.fetched_at, schema_cache.c.body).where(
            schema_cache.c.key == key
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or self._clock() - aware(row.fetched_at) >= self.max_age:
            return None
        return json.loads(row.body)

    def store(self, key: str, body: Any) -> None:
        text = json.dumps(body, separators=(",", ":"), sort_keys=True)
        try:
            with self._engine.begin() as conn:
                conn.execute(sa.delete(schema_cache).where(schema_cache.c.key == key))
                conn.execute(
                    sa.insert(schema_cache).values(key=key, fetched_at=self._clock(), body=text)
                )
        except sa.exc.IntegrityError:
            pass  # another replica stored a copy as fresh as ours at the same moment

    def forget(self, key: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(sa.delete(schema_cache).where(schema_cache.c.key == key))
