"""What the ledger remembers, as plain values: links and their base hashes, intents, quarantine
entries, runs, and the commit that records a run's results.

This module imports nothing of SQLAlchemy, so the planner and everything else that only needs
the ledger's vocabulary can use it without loading the database machinery; the store
(ledger/store.py) turns rows into these values and back.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from syncer.records import Cursor, Side

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NONE = "\x00none"


def utcnow() -> datetime:
    return datetime.now(UTC)


# -- base hashes: what a link keeps instead of the values themselves -------------------------


def value_hash(text: str | None) -> str:
    """A short, stable hash of one canonical value; None has its own hash."""
    data = (_NONE if text is None else "v:" + text).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=10).hexdigest()


# -- match keys at rest ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchKeyForm:
    """How the ledger keeps match keys (emails, unique ids) in links and intents: in clear, or
    as a keyed hash (HMAC-SHA256 under a secret of the operator's) for those who must not keep
    emails at rest. A hash is looked up by hashing the key asked for, so the ledger can still
    answer "which link holds this key"; it can no longer say what the key was."""

    secret: bytes | None = None  # None: in clear

    @property
    def hashed(self) -> bool:
        return self.secret is not None

    def stored(self, key: str | None) -> str | None:
        """`key` as the ledger keeps it."""
        if key is None or self.secret is None:
            return key
        return hmac.digest(self.secret, key.encode("utf-8", "surrogatepass"), "sha256").hex()

    def check(self) -> str:
        """What the ledger remembers of its form: "clear", or a hash of a fixed text under the
        secret, so a ledger opened with another secret is refused rather than silently unable
        to find its own keys."""
        return "clear" if self.secret is None else "hmac-sha256:" + str(self.stored("syncer"))[:16]


CLEAR_KEYS = MatchKeyForm()


# -- links -----------------------------------------------------------------------------------


def version_stamp(modified_at: datetime | None) -> int | None:
    """A source-native modification time as exact epoch microseconds (an integer round-trips
    on every backend; a timestamp loses its zone on SQLite). A naive time is read as UTC: it
    is only ever compared with stamps of the same source, converted the same way."""
    if modified_at is None:
        return None
    if modified_at.tzinfo is None:
        modified_at = modified_at.replace(tzinfo=UTC)
    return (modified_at - _EPOCH) // _MICROSECOND


def newest_stamp(seen: int | None, modified_at: datetime | None) -> int | None:
    """What a link remembers for a side after settling a version read at `modified_at`."""
    stamp = version_stamp(modified_at)
    if seen is None or stamp is None:
        return stamp if seen is None else seen
    return max(seen, stamp)


@dataclass(frozen=True, slots=True)
class Link:
    """The ledger's memory of one pair: ids, match key and per-field base hashes.

    Besides those, a link remembers, per side, how new the version it was last settled with
    was, on that source's own clock (a lagging search can serve an older version after a newer
    one was read by id; see `is_stale`). Which sides' times order their versions, so that the
    rule applies, each connector declares (`Capabilities.ordered_versions`).
    """

    id: int | None
    hubspot_id: str
    external_id: str
    match_key: str | None  # as the ledger keeps it (MatchKeyForm.stored): hashed if it hashes
    base: dict[str, str]
    archived_on: str | None = None  # the side(s) whose record is archived: hubspot|external|both
    # Per side, the version_stamp of the newest version the pair was settled with; None when
    # unknown (a record with no modification time, a link written before they were kept).
    hubspot_seen_us: int | None = None
    external_seen_us: int | None = None

    def id_on(self, side: Side) -> str:
        return self.hubspot_id if side is Side.HUBSPOT else self.external_id

    def seen_on(self, side: Side) -> int | None:
        return self.hubspot_seen_us if side is Side.HUBSPOT else self.external_seen_us

    def is_stale(self, side: Side, modified_at: datetime | None) -> bool:
        """A version of this side's record strictly older than one already settled: a lagging
        read, not an edit. Equal is not stale (a re-read of the same version is an echo)."""
        seen, stamp = self.seen_on(side), version_stamp(modified_at)
        return seen is not None and stamp is not None and stamp < seen


# -- intents ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Intent:
    """A write about to be sent, committed before it is: a crash between "the API accepted it"
    and "the ledger knows" leaves it pending, for the next run to resolve by its unique key."""

    id: str
    side: Side
    operation: str
    source_id: str | None
    target_id: str | None
    unique_property: str | None
    unique_value: str | None


def new_intent(
    side: Side,
    operation: str,
    *,
    source_id: str | None = None,
    target_id: str | None = None,
    unique_property: str | None = None,
    unique_value: str | None = None,
) -> Intent:
    return Intent(
        _next_intent_id(), side, operation, source_id, target_id, unique_property, unique_value
    )


# Intent ids: a random prefix per process and a counter, 36 characters like a UUID. One uuid4
# per created record was 3 % of a migration's CPU (os.urandom each time); 80 random bits per
# process keep ids from different processes apart just as well.
_ID_PREFIX = uuid.uuid4().hex[:20]
_id_counter = itertools.count()


def _next_intent_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):016x}"


# -- quarantine ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record a side refused, on its way into the quarantine."""

    source_side: Side
    record_id: str
    operation: str
    category: str
    message: str
    property: str | None = None
    fingerprint: str | None = None  # of the refused source version; None: it is always retried


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """An open quarantine entry: a refused record, why, and when it is tried again."""

    id: int
    pipeline: str
    source_side: Side
    record_id: str
    operation: str
    category: str
    message: str
    property: str | None
    attempts: int
    first_seen: datetime
    last_seen: datetime
    next_retry_at: datetime
    state: str  # open | discarded
    fingerprint: str | None


@dataclass(frozen=True, slots=True)
class QuarantineSelector:
    """Which quarantine entries an operator means (`syncer errors --pipeline --id --code`);
    a None criterion selects every entry."""

    pipeline: str | None = None
    record_id: str | None = None
    code: str | None = None  # the side's own word for the refusal, as `errors` lists it

    def with_pipeline(self, pipeline: str) -> QuarantineSelector:
        return QuarantineSelector(pipeline, self.record_id, self.code)


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


# -- relations: pending references, agreed edges ------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingRef:
    """A reference that could not be resolved yet: record `record_id` of `side` points, through
    association field `field`, at `target_id` (that side's id of a record of `to_pipeline`),
    which is not linked. Completed (the record revisited) once the target links."""

    side: Side
    record_id: str
    field: str
    to_pipeline: str
    target_id: str


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """A pending reference as `status` shows it: since when, and whether its target is known
    nowhere (`dangling`: the pipeline pointed at has run since and never linked it)."""

    ref: PendingRef
    first_seen: datetime
    dangling: bool = False


@dataclass(frozen=True, slots=True)
class EdgeSet:
    """The agreed targets (external keys of `to_pipeline`'s records) of one record's association
    field, written with the link's base: from_key is the record's external key."""

    field: str
    to_pipeline: str
    from_key: str
    to_keys: tuple[str, ...]


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
