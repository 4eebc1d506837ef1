"""Runs and intents: what each run did, and the writes it was about to send.

An intent is committed *before* its write is sent; a crash between "the API accepted it" and
"the ledger knows" leaves it pending, and the next run resolves it by a lookup on its unique key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from syncer.ledger import bulk
from syncer.ledger.id_lists import among
from syncer.ledger.schema import aware, intents, quarantine, runs
from syncer.ledger.values import Intent, RunRecord
from syncer.records import Side


def record_intents(
    engine: sa.Engine,
    pipeline: str,
    run_id: str,
    items: Sequence[Intent],
    stored: Callable[[str | None], str | None] = lambda value: value,
) -> None:
    """`stored`: how a unique value is kept (a match key as the ledger keeps match keys),
    applied here, row by row, rather than to copies of the intents (one per create)."""
    if not items:
        return
    now = datetime.now(UTC)
    with engine.begin() as conn:
        bulk.insert_many(
            conn,
            intents,
            [
                {
                    "id": i.id,
                    "pipeline": pipeline,
                    "run_id": run_id,
                    "side": i.side.value,
                    "operation": i.operation,
                    "source_id": i.source_id,
                    "target_id": i.target_id,
                    "unique_property": i.unique_property,
                    "unique_value": stored(i.unique_value),
                    "associations": json.dumps(i.associations) if i.associations else None,
                    "state": "pending",
                    "created_at": now,
                }
                for i in items
            ],
        )


def resolve_intents(conn: sa.Connection, ids: Sequence[str], state: str) -> None:
    """Mark intents applied or failed, inside the caller's transaction. An applied intent is
    deleted: its create is the pair's link now, and nothing reads a resolved intent (status
    and reconcile read pending ones); keeping it cost an UPDATE per create and an email at
    rest per create forever. A failed one is kept, marked, for whoever looks into it."""
    if not ids:
        return
    these = among(intents.c.id, conn.dialect)
    if state == "applied":
        conn.execute(sa.delete(intents).where(these), {"ids": list(ids)})
        return
    marked = sa.update(intents).where(these)
    marked = marked.values(state=sa.bindparam("state"), resolved_at=sa.bindparam("at"))
    conn.execute(marked, {"ids": list(ids), "state": state, "at": datetime.now(UTC)})


def pending_intents(engine: sa.Engine, pipeline: str) -> list[Intent]:
    query = sa.select(intents).where(intents.c.pipeline == pipeline, intents.c.state == "pending")
    with engine.connect() as conn:
        return [
            Intent(
                r.id,
                Side(r.side),
                r.operation,
                r.source_id,
                r.target_id,
                r.unique_property,
                r.unique_value,
                _associations(r.associations),
            )
            for r in conn.execute(query)
        ]


def _associations(stored: str | None) -> dict[str, tuple[str, ...]]:
    lists: dict[str, list[str]] = json.loads(stored) if stored else {}
    return {name: tuple(ids) for name, ids in lists.items()}


def start_run(engine: sa.Engine, run_id: str, pipeline: str, mode: str) -> None:
    """Record a run starting, under the pipeline's lease. A run of the pipeline still shown as
    running cannot be: it was killed, or lost the ledger before it could record its end."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.update(runs)
            .where(runs.c.pipeline == pipeline, runs.c.status == "running")
            .values(
                status="interrupted",
                finished_at=now,
                error="ended without recording its end (killed, or the ledger was lost)",
            )
        )
        conn.execute(
            sa.insert(runs).values(
                id=run_id,
                pipeline=pipeline,
                mode=mode,
                started_at=now,
                status="running",
            )
        )


def finish_run(
    engine: sa.Engine,
    run_id: str,
    *,
    status: str,
    counts: dict[str, Any],
    api_calls: int,
    error: str | None = None,
) -> None:
    """Record how the run ended, and the pipeline's lag at that moment: a point of the lag
    history the status page draws (kept in the counts' JSON, taken out again on reading)."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        lag = _lag_seconds(conn, run_id, now)
        conn.execute(
            sa.update(runs)
            .where(runs.c.id == run_id)
            .values(
                finished_at=now,
                status=status,
                counts=json.dumps({**counts, _LAG: lag}),
                api_calls=api_calls,
                error=error,
            )
        )


_LAG = "lag_seconds"


def _lag_seconds(conn: sa.Connection, run_id: str, now: datetime) -> float:
    """Seconds since the oldest record of the run's pipeline still waiting in quarantine was
    first seen; 0 when none waits (the definition of syncer_lag_seconds)."""
    pipeline = sa.select(runs.c.pipeline).where(runs.c.id == run_id).scalar_subquery()
    oldest = sa.select(sa.func.min(quarantine.c.first_seen)).where(
        quarantine.c.pipeline == pipeline, quarantine.c.state == "open"
    )
    first_seen: datetime | None = conn.execute(oldest).scalar_one_or_none()
    return max(0.0, (now - aware(first_seen)).total_seconds()) if first_seen else 0.0


def runs_since(engine: sa.Engine, pipeline: str, since: datetime) -> list[RunRecord]:
    """The pipeline's runs finished since `since`, oldest first."""
    query = (
        sa.select(runs)
        .where(runs.c.pipeline == pipeline, runs.c.finished_at >= since)
        .order_by(runs.c.finished_at)
    )
    with engine.connect() as conn:
        return [_run_from_row(r) for r in conn.execute(query)]


def recent_runs(engine: sa.Engine, pipeline: str | None, limit: int = 10) -> list[RunRecord]:
    query = sa.select(runs).order_by(runs.c.started_at.desc()).limit(limit)
    if pipeline:
        query = query.where(runs.c.pipeline == pipeline)
    with engine.connect() as conn:
        return [_run_from_row(r) for r in conn.execute(query)]


def _run_from_row(row: sa.Row[Any]) -> RunRecord:
    counts = json.loads(row.counts) if row.counts is not None else None
    lag = counts.pop(_LAG, None) if counts is not None else None
    return RunRecord(
        id=row.id,
        pipeline=row.pipeline,
        mode=row.mode,
        started_at=aware(row.started_at),
        finished_at=aware(row.finished_at) if row.finished_at is not None else None,
        status=row.status,
        counts=counts,
        api_calls=row.api_calls,
        error=row.error,
        lag_seconds=lag,
    )
