"""What the ledger remembers, as plain values: links and their base hashes, intents, quarantine
entries, runs, and the commit that records a run's results.

This is the values' front door (the `ledger-front-door` contract lets nothing outside the ledger
import the modules beside it): each kind of value lives in its own module (link_values,
intent_values, quarantine_values, run_values, relation_values) and is re-exported here, with
the `Commit` that gathers them into one transaction.

None of them imports SQLAlchemy, so the planner and everything else that only needs the
ledger's vocabulary can use them without loading the database machinery; the store
(ledger/store.py) turns rows into these values and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from syncer.ledger.intent_values import Intent, new_intent
from syncer.ledger.link_values import (
    CLEAR_KEYS,
    Link,
    MatchKeyForm,
    newest_stamp,
    value_hash,
    version_stamp,
)
from syncer.ledger.quarantine_values import QuarantineEntry, QuarantineSelector, Rejected
from syncer.ledger.relation_values import EdgeSet, PendingEntry, PendingRef
from syncer.ledger.run_values import (
    ConflictEntry,
    ConflictRecord,
    LoggedConflict,
    PipelineHealth,
    RunRecord,
)
from syncer.records import Cursor, Side

__all__ = [
    "CLEAR_KEYS",
    "Commit",
    "ConflictEntry",
    "ConflictRecord",
    "EdgeSet",
    "Intent",
    "Link",
    "LoggedConflict",
    "MatchKeyForm",
    "PendingEntry",
    "PendingRef",
    "PipelineHealth",
    "QuarantineEntry",
    "QuarantineSelector",
    "Rejected",
    "RunRecord",
    "new_intent",
    "newest_stamp",
    "utcnow",
    "value_hash",
    "version_stamp",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Commit:
    """What one transaction records: links (new or re-based), conflicts and cursors."""

    links: list[Link] = field(default_factory=list)
    conflicts: list[ConflictRecord] = field(default_factory=list)
    cursors: dict[str, Cursor] = field(default_factory=dict)  # by Side, or another name
    rejected: list[Rejected] = field(default_factory=list)
    synced: dict[Side, list[str]] = field(default_factory=dict)  # source ids leaving quarantine
    intents_applied: list[str] = field(default_factory=list)
    intents_failed: list[str] = field(default_factory=list)
    edges: list[EdgeSet] = field(default_factory=list)  # association fields newly agreed
    # External keys of this pipeline's records that were archived, restored or re-pointed: the
    # records of other pipelines whose edges point at them are revisited.
    revisit_targets: list[str] = field(default_factory=list)
    # {merged-away record's external key: its survivor's}: edges pointing at the one now point
    # at the other, as the side that merged them unions their associations on the survivor.
    merged_targets: dict[str, str] = field(default_factory=dict)
    now: datetime | None = None  # the run's clock; quarantine back-off is scheduled by it
