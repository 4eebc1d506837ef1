"""What runs leave behind and the service watches: a run's row, a conflict as logged and as
`syncer conflicts` shows it, a pipeline's health.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncer.records import Side

# -- runs and commits ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One row of the runs table: what a run did, as `syncer status` shows it."""

    id: str
    pipeline: str
    mode: str
    started_at: datetime
    finished_at: datetime | None
    status: str  # running | ok | quarantined | failed | stopped | interrupted
    counts: dict[str, Any] | None  # RunReport.counts() of a finished run
    api_calls: int | None
    error: str | None
    # Seconds since the oldest record then waiting in quarantine was first seen, as the run
    # finished (0: none waited); None for a run still going or one recorded before this was.
    lag_seconds: float | None = None

    def seconds(self) -> float | None:
        """How long the run took; None while it runs."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class ConflictRecord:
    hubspot_id: str
    external_id: str
    field: str
    hubspot_hash: str
    external_hash: str
    winner: Side
    policy: str
    hubspot_value: str | None = None  # canonical values at the time, kept for a while
    external_value: str | None = None
    values_kept: bool = True  # False: not kept at all (a match key, with hash_match_keys)


@dataclass(frozen=True, slots=True)
class ConflictEntry:
    """A logged conflict as `syncer conflicts` shows it: both values while they are kept."""

    id: int
    pipeline: str
    run_id: str
    at: datetime
    hubspot_id: str
    external_id: str
    field: str
    winner: Side
    policy: str
    values_kept: bool  # False once conflict_retention has passed (or logged before values were)
    hubspot_value: str | None
    external_value: str | None
    resolved_at: datetime | None = None
    resolution: Side | None = None


# -- what the service watches ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PipelineHealth:
    """A pipeline's state in the ledger as the daemon's endpoints report it: the same figures
    on every replica, since they are read from the one ledger."""

    pipeline: str
    quarantine_depth: int  # open quarantine entries
    oldest_unsynced: datetime | None  # when the oldest record still in quarantine was first seen
    conflicts_logged: int  # conflicts decided by policy since the pipeline began
    last_success: datetime | None  # when the newest run that went through finished
    lease_owner: str | None  # host:pid of the newest lease holder (the lease may have expired)
    lease_epoch: int | None
    lease_expires: datetime | None = None  # past: no replica holds it now


@dataclass(frozen=True, slots=True)
class LoggedConflict:
    """A conflict the pipeline's policy settled, as the ledger logged it (values are kept as
    hashes only: the ledger stores no record values)."""

    pipeline: str
    hubspot_id: str
    external_id: str
    field: str
    winner: str  # hubspot | external
    policy: str
    at: datetime
