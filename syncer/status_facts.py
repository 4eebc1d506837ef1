"""The facts `syncer status` and the daemon's /status page both show, read from the ledger in
one place so the two can never disagree: who holds each pipeline's lease, its lag now and over
the last 24 hours, the records waiting in quarantine with their reasons, the conflicts its
policy settled, and the work left pending. `status_view.pipeline_status` gathers them with the
counts and runs; each value here is plain JSON (times as ISO strings in UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from syncer.ledger.store import Ledger
from syncer.ledger.values import PipelineHealth, QuarantineEntry

LAG_HISTORY = timedelta(hours=24)
QUARANTINE_SHOWN = 50  # the oldest first; the count says how many there are in all
CONFLICTS_SHOWN = 20  # the newest first


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def health_facts(health: PipelineHealth, now: datetime) -> dict[str, Any]:
    """Lag now, last success and the lease, from the same reading /metrics and /readyz use."""
    oldest = health.oldest_unsynced
    return {
        "lag_seconds": round(max(0.0, (now - oldest).total_seconds()), 1) if oldest else 0.0,
        "last_success": iso(health.last_success) if health.last_success else None,
        "lease": _lease(health, now),
    }


def _lease(health: PipelineHealth, now: datetime) -> dict[str, Any]:
    """Which replica (host:pid) holds the lease, or held it last. Its state: "held" (a pass
    runs, or is about to), "released" (the last pass ended and let it go), "lapsed" (its holder
    stopped renewing it: killed, or cut off from the ledger), "none" (never taken)."""
    expires = health.lease_expires
    if expires is None:
        state = "none"
    elif expires > now:
        state = "held"
    else:
        state = "released" if expires <= _RELEASED else "lapsed"
    return {
        "holder": health.lease_owner,
        "epoch": health.lease_epoch,
        "state": state,
        "expires_at": iso(expires) if expires and state != "released" else None,
    }


# A released lease is set to expire at the Unix epoch (ledger/leases.py); a lapsed one keeps
# the time its holder last renewed it to.
_RELEASED = datetime(1970, 1, 2, tzinfo=UTC)


def pending_facts(ledger: Ledger, name: str, now: datetime) -> dict[str, int]:
    """Work the pipeline still owes: writes a stopped run left unconfirmed (resolved by the
    next pass), and quarantined records whose retry time has come. Conflicts are never pending:
    the policy settles each the moment it is found."""
    due = ledger.quarantine_due(name, now)
    return {
        "intents": len(ledger.pending_intents(name)),
        "retries_due": sum(len(ids) for ids in due.values()),
    }


def quarantine_facts(entries: list[QuarantineEntry]) -> list[dict[str, Any]]:
    return [
        {
            "side": entry.source_side.value,
            "record_id": entry.record_id,
            "operation": entry.operation,
            "code": entry.category,
            "property": entry.property,
            "message": entry.message,
            "attempts": entry.attempts,
            "first_seen": iso(entry.first_seen),
            "next_retry_at": iso(entry.next_retry_at),
        }
        for entry in entries[:QUARANTINE_SHOWN]
    ]


def conflict_facts(ledger: Ledger, name: str) -> list[dict[str, Any]]:
    return [
        {
            "at": iso(conflict.at),
            "hubspot_id": conflict.hubspot_id,
            "external_id": conflict.external_id,
            "field": conflict.field,
            "winner": conflict.winner,
            "policy": conflict.policy,
        }
        for conflict in ledger.recent_conflicts(name, CONFLICTS_SHOWN)
    ]


def lag_history(ledger: Ledger, name: str, now: datetime) -> list[dict[str, Any]]:
    """The lag as each run of the last 24 hours left it, oldest first."""
    return [
        {"at": iso(run.finished_at), "lag_seconds": round(run.lag_seconds, 1)}
        for run in ledger.runs_since(name, now - LAG_HISTORY)
        if run.finished_at is not None and run.lag_seconds is not None
    ]
