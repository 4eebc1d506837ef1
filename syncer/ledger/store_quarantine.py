"""`Ledger`'s quarantine methods: refused records, when each is tried again, and what an
operator retries or discards (`syncer errors`; quarantine.py).

A mixin of `Ledger` (store.py), which holds the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from syncer.ledger import quarantine
from syncer.ledger.values import QuarantineEntry, QuarantineSelector, Rejected
from syncer.records import Side


class LedgerQuarantine:
    _engine: sa.Engine

    def quarantined(
        self, pipeline: str | None = None, selector: QuarantineSelector | None = None
    ) -> list[QuarantineEntry]:
        """Open entries, of one pipeline or of all (or those `selector` picks), oldest first."""
        return quarantine.entries(self._engine, _selector(pipeline, selector))

    def quarantine_due(self, pipeline: str, now: datetime) -> dict[Side, list[str]]:
        """Record ids whose retry time has come, by source side."""
        return quarantine.due(self._engine, pipeline, now)

    def quarantine_waiting(self, pipeline: str, now: datetime) -> dict[Side, dict[str, str]]:
        """Fingerprints of refused versions still waiting for their retry time."""
        return quarantine.waiting(self._engine, pipeline, now)

    def quarantine_discarded(self, pipeline: str) -> dict[Side, dict[str, str]]:
        """Fingerprints of refused versions an operator discarded, by side and record id."""
        return quarantine.discarded(self._engine, pipeline)

    def new_refusals(self, pipeline: str, items: Sequence[Rejected]) -> int:
        """How many of `items` the quarantine does not already hold as the same version."""
        return quarantine.new_refusals(self._engine, pipeline, items)

    def retry_quarantined(
        self, pipeline: str | None = None, selector: QuarantineSelector | None = None
    ) -> int:
        """Make the open entries selected due at once (`syncer errors retry`)."""
        return quarantine.retry_now(self._engine, _selector(pipeline, selector))

    def discard_quarantined(
        self, pipeline: str | None = None, selector: QuarantineSelector | None = None
    ) -> int:
        """Stop retrying the open entries selected (`syncer errors discard`); they stay on
        record, and stay discarded until their record changes."""
        return quarantine.discard(self._engine, _selector(pipeline, selector))


def _selector(pipeline: str | None, selector: QuarantineSelector | None) -> QuarantineSelector:
    chosen = selector or QuarantineSelector()
    return chosen if pipeline is None else chosen.with_pipeline(pipeline)
