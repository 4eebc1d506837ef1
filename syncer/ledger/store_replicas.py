"""`Ledger`'s methods for what the replicas share through it: the lease (one writer per
pipeline, leases.py), the rate budgets (rate_grants.py) and the health the daemon's endpoints
report, the same on every replica (watch.py).

A mixin of `Ledger` (store.py), which holds the engine.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from syncer.ledger import leases, rate_grants, watch
from syncer.ledger.values import PipelineHealth


class LedgerReplicas:
    _engine: sa.Engine

    def acquire_lease(self, pipeline: str, owner: str, ttl: timedelta) -> int:
        """Take the pipeline's lease; returns the new epoch or raises LeaseHeld."""
        return leases.acquire(self._engine, pipeline, owner, ttl)

    def renew_lease(self, pipeline: str, epoch: int, ttl: timedelta) -> None:
        """Extend the lease; FencedError if `epoch` no longer holds it."""
        leases.renew(self._engine, pipeline, epoch, ttl)

    def release_lease(self, pipeline: str, epoch: int) -> None:
        """Let the lease expire now, if it is still ours."""
        leases.release(self._engine, pipeline, epoch)

    def take_rate(self, budget: str, holder: str, limit: int, window: float) -> float:
        """One request of `budget` granted (0.0), or the seconds to wait before asking again:
        at most `limit` grants in any `window` seconds, whichever replica asks."""
        return rate_grants.take(self._engine, budget, holder, limit, window)

    def ping(self) -> None:
        """One round trip to the ledger database; raises if it cannot be reached."""
        watch.ping(self._engine)

    def health(self, pipeline: str) -> PipelineHealth:
        """Quarantine depth, conflicts logged, last successful run and lease holder."""
        return watch.pipeline_health(self._engine, pipeline)
