"""`Ledger`'s conflict-log methods: the conflicts a policy settled, with both sides' values
while `[ledger] conflict_retention` keeps them (conflict_log.py, watch.py).

A mixin of `Ledger` (store.py), which holds the engine: the front door stays one class for its
callers while each group of delegates lives in a module of its own.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from syncer.ledger import conflict_log, watch
from syncer.ledger.values import ConflictEntry, LoggedConflict
from syncer.records import Side


class LedgerConflicts:
    _engine: sa.Engine

    def conflicts(
        self, pipeline: str | None = None, *, pending_only: bool = False, limit: int = 100
    ) -> list[ConflictEntry]:
        return conflict_log.entries(self._engine, pipeline, pending_only=pending_only, limit=limit)

    def conflict(self, conflict_id: int) -> ConflictEntry | None:
        return conflict_log.entry(self._engine, conflict_id)

    def conflict_resolved(self, conflict_id: int, side: Side, now: datetime) -> None:
        conflict_log.mark_resolved(self._engine, conflict_id, side, now)

    def forget_conflict_values(self, pipeline: str, before: datetime) -> int:
        return conflict_log.forget_values(self._engine, pipeline, before)

    def recent_conflicts(self, pipeline: str, limit: int = 20) -> list[LoggedConflict]:
        """The newest conflicts the pipeline's policy settled, newest first."""
        return watch.recent_conflicts(self._engine, pipeline, limit)
