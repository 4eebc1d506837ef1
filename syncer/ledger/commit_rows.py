"""Rows a commit writes besides links: cursors and logged conflicts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from syncer.ledger.schema import conflicts, cursors
from syncer.ledger.values import ConflictRecord
from syncer.records import Cursor


def save_cursor(
    conn: sa.Connection, pipeline: str, side: str, cursor: Cursor, now: datetime
) -> None:
    key = (cursors.c.pipeline == pipeline) & (cursors.c.side == str(side))
    updated = conn.execute(
        sa.update(cursors).where(key).values(position=cursor.position, updated_at=now)
    )
    if updated.rowcount == 0:
        conn.execute(
            sa.insert(cursors).values(
                pipeline=pipeline, side=str(side), position=cursor.position, updated_at=now
            )
        )


def log_conflicts(
    conn: sa.Connection, pipeline: str, run_id: str, items: Sequence[ConflictRecord], now: datetime
) -> None:
    if items:
        conn.execute(sa.insert(conflicts), [_conflict_row(pipeline, run_id, c, now) for c in items])


def _conflict_row(
    pipeline: str, run_id: str, c: ConflictRecord, now: datetime
) -> dict[str, object]:
    return {
        "pipeline": pipeline,
        "run_id": run_id,
        "hubspot_id": c.hubspot_id,
        "external_id": c.external_id,
        "field": c.field,
        "hubspot_hash": c.hubspot_hash,
        "external_hash": c.external_hash,
        "winner": c.winner.value,
        "policy": c.policy,
        "at": now,
        "hubspot_value": c.hubspot_value,
        "external_value": c.external_value,
        "values_kept": c.values_kept,
    }
