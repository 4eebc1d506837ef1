"""When each pipeline's association sweep last ran.

Internals of the store (store_relations.py delegates here).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from syncer.ledger.schema import aware
from syncer.ledger.schema import sweeps as sweep_times


def last_sweep(engine: sa.Engine, pipeline: str) -> datetime | None:
    query = sa.select(sweep_times.c.swept_at).where(sweep_times.c.pipeline == pipeline)
    with engine.connect() as conn:
        at = conn.execute(query).scalar_one_or_none()
    return aware(at) if at is not None else None


def save_sweep(conn: sa.Connection, pipeline: str, at: datetime) -> None:
    conn.execute(sa.delete(sweep_times).where(sweep_times.c.pipeline == pipeline))
    conn.execute(sa.insert(sweep_times).values(pipeline=pipeline, swept_at=at))
