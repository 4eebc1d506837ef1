"""What the daemon's endpoints read from the ledger: whether it answers, and each pipeline's
quarantine depth, conflicts, last successful run and lease holder; the conflicts logged."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from syncer.ledger.schema import aware, conflicts, leases, quarantine, runs
from syncer.ledger.values import LoggedConflict, PipelineHealth

# A run "went through" when it ended ok, or ok but for records left in the quarantine.
_SUCCEEDED = ("ok", "quarantined")


def ping(engine: sa.Engine) -> None:
    """One round trip; raises what the connection raises when the ledger is unreachable."""
    with engine.connect() as conn:
        conn.execute(sa.select(sa.literal(1))).scalar_one()


def pipeline_health(engine: sa.Engine, pipeline: str) -> PipelineHealth:
    count = sa.select(sa.func.count())
    depth = count.select_from(quarantine).where(
        quarantine.c.pipeline == pipeline, quarantine.c.state == "open"
    )
    oldest = sa.select(sa.func.min(quarantine.c.first_seen)).where(
        quarantine.c.pipeline == pipeline, quarantine.c.state == "open"
    )
    logged = count.select_from(conflicts).where(conflicts.c.pipeline == pipeline)
    last = sa.select(sa.func.max(runs.c.finished_at)).where(
        runs.c.pipeline == pipeline, runs.c.status.in_(_SUCCEEDED)
    )
    holder = sa.select(leases.c.owner, leases.c.epoch, leases.c.expires_at).where(
        leases.c.pipeline == pipeline
    )
    with engine.connect() as conn:
        finished: Any = conn.execute(last).scalar_one_or_none()
        first_seen: Any = conn.execute(oldest).scalar_one_or_none()
        lease = conn.execute(holder).first()
        return PipelineHealth(
            pipeline=pipeline,
            quarantine_depth=int(conn.execute(depth).scalar_one()),
            oldest_unsynced=aware(first_seen) if first_seen is not None else None,
            conflicts_logged=int(conn.execute(logged).scalar_one()),
            last_success=aware(finished) if finished is not None else None,
            lease_owner=str(lease.owner) if lease else None,
            lease_epoch=int(lease.epoch) if lease else None,
            lease_expires=aware(lease.expires_at) if lease else None,
        )


def recent_conflicts(engine: sa.Engine, pipeline: str, limit: int) -> list[LoggedConflict]:
    """The pipeline's newest logged conflicts, newest first."""
    query = (
        sa.select(conflicts)
        .where(conflicts.c.pipeline == pipeline)
        .order_by(conflicts.c.at.desc(), conflicts.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [
            LoggedConflict(
                pipeline=row.pipeline,
                hubspot_id=row.hubspot_id,
                external_id=row.external_id,
                field=row.field,
                winner=row.winner,
                policy=row.policy,
                at=aware(row.at),
            )
            for row in conn.execute(query)
        ]
