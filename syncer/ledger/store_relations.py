"""`Ledger`'s relation methods: pending references, agreed edges, revisits and sweeps (the
relation_*.py modules). Each write checks the run's lease epoch first, as the fenced commit does.

A mixin of `Ledger` (store.py), which holds the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa

from syncer.ledger import (
    leases,
    relation_archived,
    relation_edges,
    relation_pending,
    relation_revisits,
    relation_sweeps,
)
from syncer.ledger.values import Link, PendingEntry, PendingRef
from syncer.records import Side


class LedgerRelations:
    _engine: sa.Engine

    def save_references(
        self,
        pipeline: str,
        epoch: int,
        read: Iterable[tuple[Side, str]],
        pending: Iterable[PendingRef],
        now: datetime,
    ) -> None:
        """The records `read` (side, id) hold exactly the `pending` references now."""
        with self._engine.begin() as conn:
            leases.check_epoch(conn, pipeline, epoch)
            relation_pending.save_pending(conn, pipeline, read, pending, now)

    def pending_references(self, pipeline: str) -> list[PendingEntry]:
        """Pending references, oldest first, the dangling ones marked."""
        return relation_pending.pending_entries(self._engine, pipeline)

    def has_pending_references(self, pipeline: str) -> bool:
        return relation_pending.has_pending(self._engine, pipeline)

    def resolved_references(self, pipeline: str) -> list[Link]:
        """Links of records holding a pending reference whose target has linked since."""
        return relation_pending.resolved(self._engine, pipeline)

    def queued_revisits(self, pipeline: str) -> list[Link]:
        """Links of records queued for a revisit (a record they point at changed state)."""
        return relation_revisits.queued(self._engine, pipeline)

    def revisited(self, pipeline: str, epoch: int, external_ids: Sequence[str]) -> None:
        with self._engine.begin() as conn:
            leases.check_epoch(conn, pipeline, epoch)
            relation_revisits.clear_revisits(conn, pipeline, external_ids)

    def edge_count(self, pipeline: str) -> int:
        return relation_edges.edge_count(self._engine, pipeline)

    def edges_to_archived(
        self, pipeline: str, external_ids: Sequence[str]
    ) -> dict[str, dict[str, list[tuple[str, str]]]]:
        """{external id: {association field: [(target key, side(s) archived on)]}}: these
        records' edges whose targets are archived ("hubspot", "external" or "both")."""
        return relation_archived.held_by_archived(self._engine, pipeline, external_ids)

    def restorable_edges(
        self, pipeline: str, external_ids: Sequence[str]
    ) -> dict[str, dict[str, tuple[str, ...]]]:
        """{external id: {association field: target keys}}: the edges these records lost only
        because their targets were archived, whose targets are live again."""
        return relation_archived.restorable(self._engine, pipeline, external_ids)

    def last_sweep(self, pipeline: str) -> datetime | None:
        return relation_sweeps.last_sweep(self._engine, pipeline)

    def swept(self, pipeline: str, epoch: int, at: datetime) -> None:
        with self._engine.begin() as conn:
            leases.check_epoch(conn, pipeline, epoch)
            relation_sweeps.save_sweep(conn, pipeline, at)
