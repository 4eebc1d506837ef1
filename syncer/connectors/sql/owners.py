"""The users table of `[owners]`: each user's key (what owner columns hold) and email.

Read whole, once per connector (once per run): a CRM's users are few, and every owner field of
every record of the run resolves against the same list.
"""

from __future__ import annotations

import sqlalchemy as sa

from syncer.connectors.sql.associations import Reflect
from syncer.connectors.sql.calls import run
from syncer.connectors.sql.keys import record_id
from syncer.connectors.sql.schema import Column, lookup_column
from syncer.records import CallCounter
from syncer.settings_relations import OwnersSettings


class OwnersTable:
    def __init__(
        self, engine: sa.Engine, counter: CallCounter, settings: OwnersSettings, reflect: Reflect
    ) -> None:
        """Reflects the table; ConfigError naming the `owners.*` setting that names nothing."""
        self._engine = engine
        self._counter = counter
        table = reflect(settings.table, "owners.table")
        self._key: Column = lookup_column(table, settings.key, key="owners.key")
        self._email: Column = lookup_column(table, settings.email, key="owners.email")
        self._emails: dict[str, str] | None = None

    def emails(self) -> dict[str, str]:
        """{user key, as an owner column holds it: email}; users without an email are left out."""
        if self._emails is None:
            query = sa.select(self._key, self._email).where(self._email.is_not(None))
            with self._engine.connect() as conn:
                rows = run(conn, self._counter, query).mappings().all()
            pairs = [(row[self._key.name], row[self._email.name]) for row in rows]
            self._emails = {
                record_id((key,)): str(email).strip()
                for key, email in pairs
                if key is not None and str(email).strip()
            }
        return dict(self._emails)
