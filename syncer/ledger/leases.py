"""Leases: one writer per pipeline, fenced by an epoch that grows with every new holder.

Expiry times are read and written on the database's clock, so replicas whose clocks disagree
still agree on who holds a lease. A run takes the lease (free, expired, or already its own),
gets a new epoch, renews it while it works, and every ledger commit checks the epoch first: a
paused former holder whose lease was taken over finds a newer epoch and is refused
(FencedError).
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from syncer.errors import FencedError, LeaseHeld
from syncer.ledger.schema import aware, leases


def acquire(engine: sa.Engine, pipeline: str, owner: str, ttl: timedelta) -> int:
    """Take the pipeline's lease; returns the new epoch or raises LeaseHeld."""
    with engine.begin() as conn:
        now = _database_now(conn)
        row = conn.execute(
            sa.select(leases).where(leases.c.pipeline == pipeline).with_for_update()
        ).first()
        if row is None:
            try:
                conn.execute(
                    sa.insert(leases).values(
                        pipeline=pipeline, owner=owner, epoch=1, expires_at=now + ttl
                    )
                )
            except sa.exc.IntegrityError:
                raise LeaseHeld(f"pipeline {pipeline!r} is held by another run") from None
            return 1
        expires = aware(row.expires_at)
        if row.owner != owner and expires > now and not _holder_is_gone(row.owner):
            raise LeaseHeld(
                f"pipeline {pipeline!r} is held by {row.owner} until {expires.isoformat()}"
            )
        epoch = int(row.epoch) + 1
        # Compare-and-set on the epoch read: where FOR UPDATE locks nothing (SQLite), a rival
        # may take the lease between that read and this write, and must not share our epoch.
        taken = conn.execute(
            sa.update(leases)
            .where(leases.c.pipeline == pipeline, leases.c.epoch == row.epoch)
            .values(owner=owner, epoch=epoch, expires_at=now + ttl)
        )
        if taken.rowcount != 1:
            raise LeaseHeld(f"pipeline {pipeline!r} is held by another run")
        return epoch


def renew(engine: sa.Engine, pipeline: str, epoch: int, ttl: timedelta) -> None:
    with engine.begin() as conn:
        check_epoch(conn, pipeline, epoch)
        conn.execute(
            sa.update(leases)
            .where(leases.c.pipeline == pipeline)
            .values(expires_at=_database_now(conn) + ttl)
        )


def release(engine: sa.Engine, pipeline: str, epoch: int) -> None:
    """Let the lease expire now, if it is still ours."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(leases)
            .where(leases.c.pipeline == pipeline, leases.c.epoch == epoch)
            .values(expires_at=datetime(1970, 1, 1, tzinfo=UTC))
        )


def check_epoch(conn: sa.Connection, pipeline: str, epoch: int) -> None:
    """Refuse the caller's transaction unless `epoch` still holds the lease. The check is a
    (no-op) UPDATE, not a read, so the lease row stays locked until the caller commits; on
    SQLite, where FOR UPDATE locks nothing, it takes the write lock: no rival can take the
    lease between this check and the commit."""
    held = conn.execute(_HOLD, {"p": pipeline, "e": epoch})
    if held.rowcount != 1:
        current = conn.execute(
            sa.select(leases.c.epoch).where(leases.c.pipeline == pipeline)
        ).scalar_one_or_none()
        raise FencedError(
            f"pipeline {pipeline!r}: lease epoch {epoch} was superseded by {current}; "
            "this run may not commit"
        )


# Built once: checked at every commit and renewal (twice per chunk of 1,000 records), where
# building the statement anew cost more than running it.
_HOLD = (
    sa.update(leases)
    .where(leases.c.pipeline == sa.bindparam("p"), leases.c.epoch == sa.bindparam("e"))
    .values(epoch=sa.bindparam("e"))
)


def _holder_is_gone(holder: str) -> bool:
    """A holder on this host whose process no longer exists (killed, crashed) left the lease.

    Holders are named `host:pid`. Holders on other hosts can't be checked from here: their
    lease expires by time.
    """
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False


def _database_now(conn: sa.Connection) -> datetime:
    """Expiry is judged by the database's clock, the one clock every replica shares."""
    now = conn.execute(sa.select(sa.func.current_timestamp())).scalar_one()
    if isinstance(now, str):
        now = datetime.fromisoformat(now)
    return aware(now)
