"""Whether the daemon is ready: the ledger answers and no pipeline is stale.

A pipeline is stale when its newest successful run (read from the ledger, so every replica
agrees) finished longer than `stale_after` ago; one that has not yet succeeded counts from
when the daemon started, so a fresh daemon gets its first pass before it is judged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from syncer.ledger.lazy import LazyLedger
from syncer.ledger.store import Ledger
from syncer.ledger.values import PipelineHealth, utcnow
from syncer.logs import get_logger
from syncer.status_view import pipeline_status

log = get_logger(__name__)


class LedgerWatch:
    """The ledger as the endpoints see it: opened on first use (so a daemon started while the
    ledger is down still serves /healthz), then kept; each read is one short round trip."""

    def __init__(
        self,
        open_ledger: Callable[[], Ledger],
        pipelines: Sequence[str],
        columns: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._ledger = LazyLedger(open_ledger)
        self._columns = columns or {}
        self.pipelines = list(pipelines)

    def health(self) -> list[PipelineHealth]:
        """Each pipeline's state; raises if the ledger cannot be reached."""
        ledger = self._ledger.opened()
        ledger.ping()
        return [ledger.health(name) for name in self.pipelines]

    def status(self, now: datetime) -> dict[str, dict[str, Any]]:
        """Every pipeline's facts as `syncer status` shows them; raises if the ledger cannot be
        reached."""
        ledger = self._ledger.opened()
        return {
            name: pipeline_status(ledger, name, self._columns.get(name), now)
            for name in self.pipelines
        }

    def open_now(self) -> None:
        """Open (and bring up to date) the ledger now, before any pass opens it too: two first
        opens at once would both try to create a fresh ledger's tables. A ledger that cannot be
        reached yet is opened on first use instead."""
        try:
            self._ledger.opened()
        except Exception as exc:
            log.warning("ledger not reachable at start", error=f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self._ledger.close()


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    reason: str | None = None
    stale: dict[str, str | None] = field(default_factory=dict)  # pipeline: last success

    def as_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"ready": self.ready}
        if self.reason:
            shown["reason"] = self.reason
        if self.stale:
            shown["stale"] = self.stale
        return shown


def readiness(
    watch: LedgerWatch,
    stale_after: timedelta,
    started_at: datetime,
    clock: Callable[[], datetime] = utcnow,
) -> Readiness:
    try:
        states = watch.health()
    except Exception as exc:
        # The details go to the log, not to whoever may call this unauthenticated endpoint.
        log.warning("not ready: ledger unreachable", error=f"{type(exc).__name__}: {exc}")
        return Readiness(False, "ledger unreachable")
    now = clock()
    stale = {
        state.pipeline: state.last_success.isoformat() if state.last_success else None
        for state in states
        if now - (state.last_success or started_at) > stale_after
    }
    if stale:
        within = f"within stale_after ({stale_after.total_seconds():.0f} s)"
        return Readiness(False, f"no successful pass {within}", stale)
    return Readiness(True)
