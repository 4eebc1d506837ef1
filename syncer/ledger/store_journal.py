"""`Ledger`'s journal methods: runs (what `syncer status` lists) and intents, the writes
committed before they are sent (journal.py).

A mixin of `Ledger` (store.py), which holds the engine and the match keys' form: an intent's
unique value is a match key, kept in the same form as the links'.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncer.ledger import journal
from syncer.ledger.values import Intent, MatchKeyForm, RunRecord


class LedgerJournal:
    _engine: sa.Engine
    _keys: MatchKeyForm

    def start_run(self, run_id: str, pipeline: str, mode: str) -> None:
        journal.start_run(self._engine, run_id, pipeline, mode)

    def finish_run(
        self,
        run_id: str,
        *,
        status: str,
        counts: dict[str, Any],
        api_calls: int,
        error: str | None = None,
    ) -> None:
        journal.finish_run(
            self._engine, run_id, status=status, counts=counts, api_calls=api_calls, error=error
        )

    def recent_runs(self, pipeline: str | None, limit: int = 10) -> list[RunRecord]:
        """The newest runs first, of one pipeline or of all."""
        return journal.recent_runs(self._engine, pipeline, limit)

    def runs_since(self, pipeline: str, since: datetime) -> list[RunRecord]:
        """The pipeline's runs finished since `since`, oldest first (the lag history)."""
        return journal.runs_since(self._engine, pipeline, since)

    def record_intents(self, pipeline: str, run_id: str, intents: Sequence[Intent]) -> None:
        """Commit intents before their writes are sent; unique values kept as match keys are."""
        journal.record_intents(self._engine, pipeline, run_id, intents, self._keys.stored)

    def pending_intents(self, pipeline: str) -> list[Intent]:
        """Intents a crashed run left neither applied nor failed."""
        return journal.pending_intents(self._engine, pipeline)
