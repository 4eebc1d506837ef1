"""The conflicts table read back for `syncer conflicts`: entries with both sides' values while
they are kept, an operator's resolution, and the retention that clears old values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncer.ledger.schema import aware, conflicts
from syncer.ledger.values import ConflictEntry
from syncer.records import Side


def entries(
    engine: sa.Engine, pipeline: str | None, *, pending_only: bool, limit: int
) -> list[ConflictEntry]:
    """Newest first; `pending_only`: those no operator resolved yet."""
    query = sa.select(conflicts).order_by(conflicts.c.id.desc()).limit(limit)
    if pipeline is not None:
        query = query.where(conflicts.c.pipeline == pipeline)
    if pending_only:
        query = query.where(conflicts.c.resolved_at.is_(None))
    with engine.connect() as conn:
        return [_entry(row) for row in conn.execute(query)]


def entry(engine: sa.Engine, conflict_id: int) -> ConflictEntry | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(conflicts).where(conflicts.c.id == conflict_id)).first()
    return _entry(row) if row is not None else None


def mark_resolved(engine: sa.Engine, conflict_id: int, side: Side, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.update(conflicts)
            .where(conflicts.c.id == conflict_id)
            .values(resolved_at=now, resolution=side.value)
        )


def forget_values(engine: sa.Engine, pipeline: str, before: datetime) -> int:
    """Clear the values of the pipeline's conflicts logged before `before`; how many."""
    old = (conflicts.c.pipeline == pipeline) & (conflicts.c.at < before) & conflicts.c.values_kept
    with engine.begin() as conn:
        cleared = conn.execute(
            sa.update(conflicts)
            .where(old)
            .values(hubspot_value=None, external_value=None, values_kept=False)
        )
    return int(cleared.rowcount)


def _entry(row: sa.Row[Any]) -> ConflictEntry:
    return ConflictEntry(
        id=row.id,
        pipeline=row.pipeline,
        run_id=row.run_id,
        at=aware(row.at),
        hubspot_id=row.hubspot_id,
        external_id=row.external_id,
        field=row.field,
        winner=Side(row.winner),
        policy=row.policy,
        values_kept=bool(row.values_kept),
        hubspot_value=row.hubspot_value,
        external_value=row.external_value,
        resolved_at=aware(row.resolved_at) if row.resolved_at is not None else None,
        resolution=Side(row.resolution) if row.resolution else None,
    )
