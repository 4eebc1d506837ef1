"""Rate budgets shared by every replica of one ledger: before a request, a replica asks the
ledger for a grant, and gets one only while fewer than `limit` grants were made in the last
`window` seconds (plus a margin), by any replica. Each decision is one short transaction that
holds the budget's row locked, so two replicas never both take the last slot; times are read
from the database's clock, the one clock every replica shares.

The margin covers the time between a grant and the request's arrival at the server: the server
counts arrivals, and an arrival lies at most that margin after its grant, so any server window
holds arrivals of grants made within `window + margin`, all counted here.
"""

from __future__ import annotations

import sqlalchemy as sa

from syncer.ledger.schema import rate_budgets, rate_grants

ARRIVAL_MARGIN_SECONDS = 0.5


def take(engine: sa.Engine, budget: str, holder: str, limit: int, window: float) -> float:
    """Grant one request now and return 0, or return how many seconds to wait before asking
    again (nothing granted)."""
    span = window + ARRIVAL_MARGIN_SECONDS
    with engine.begin() as conn:
        _lock(conn, budget)
        now = _database_seconds(conn)
        recent = conn.execute(
            sa.select(rate_grants.c.at)
            .where(rate_grants.c.budget == budget, rate_grants.c.at > now - span)
            .order_by(rate_grants.c.at.desc())
            .limit(limit)
        ).scalars()
        newest_first = list(recent)
        if len(newest_first) >= limit:
            # The oldest of the last `limit` grants must leave the span first.
            return max(float(newest_first[limit - 1]) + span - now, 0.001)
        conn.execute(sa.insert(rate_grants).values(budget=budget, holder=holder, at=now))
        conn.execute(
            sa.delete(rate_grants).where(
                rate_grants.c.budget == budget, rate_grants.c.at < now - 2 * span
            )
        )
        return 0.0


def _lock(conn: sa.Connection, budget: str) -> None:
    """Hold the budget's row for this transaction: an UPDATE, not a read, so it locks on
    PostgreSQL and takes SQLite's write lock (where FOR UPDATE locks nothing)."""
    bump = sa.update(rate_budgets).where(rate_budgets.c.budget == budget)
    if conn.execute(bump.values(grants=rate_budgets.c.grants + 1)).rowcount == 1:
        return
    try:
        with conn.begin_nested():
            conn.execute(sa.insert(rate_budgets).values(budget=budget, grants=1))
    except sa.exc.IntegrityError:  # another replica created it first: lock theirs
        conn.execute(bump.values(grants=rate_budgets.c.grants + 1))


def _database_seconds(conn: sa.Connection) -> float:
    """Now, in Unix seconds, by the database's clock. PostgreSQL's clock_timestamp(), not now():
    now() is when the transaction began, before it waited for the lock."""
    if conn.dialect.name == "postgresql":
        query = sa.text("SELECT extract(epoch FROM clock_timestamp())")
    elif conn.dialect.name in ("mysql", "mariadb"):
        query = sa.text("SELECT UNIX_TIMESTAMP(SYSDATE(6))")  # SYSDATE: now, not statement start
    else:
        query = sa.text("SELECT (julianday('now') - 2440587.5) * 86400.0")
    return float(conn.execute(query).scalar_one())
