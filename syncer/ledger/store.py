"""The ledger's one front door: every read and write of the ledger database goes through here.

The callers get and give plain values (values.py); the database engine stays inside. Each
`commit` is one transaction that first checks the run's lease epoch (fencing), so a paused
former leader can never commit over a newer run's work. The modules beside this one (leases,
journal, quarantine, link_rows, schema_cache) are its internals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncer.batches import chunks
from syncer.ledger import (
    conflict_log,
    journal,
    leases,
    match_keys,
    quarantine,
    rate_grants,
    relations,
    watch,
)
from syncer.ledger.commit_rows import log_conflicts, save_cursor
from syncer.ledger.connection import connect
from syncer.ledger.link_rows import IDS, link_from_row, save_links
from syncer.ledger.schema import conflicts, cursors, links
from syncer.ledger.schema_cache import SchemaCache
from syncer.ledger.statistics import Growth, refresh_statistics
from syncer.ledger.values import (
    CLEAR_KEYS,
    Commit,
    ConflictEntry,
    Intent,
    Link,
    LoggedConflict,
    MatchKeyForm,
    PendingEntry,
    PendingRef,
    PipelineHealth,
    QuarantineEntry,
    QuarantineSelector,
    Rejected,
    RunRecord,
    utcnow,
)
from syncer.records import Cursor, Side

__all__ = ["Ledger"]


class Ledger:
    """The sync's memory. More public methods than a class usually gets, on purpose: it is the
    one door to the ledger, and each method past the link reads and the fenced commit is a
    one-line delegate to the internal module that owns that table."""

    def __init__(self, engine: sa.Engine, keys: MatchKeyForm = CLEAR_KEYS) -> None:
        self._engine = engine
        self._links_growth = Growth()
        self._keys = keys

    @classmethod
    def open(cls, url: str, keys: MatchKeyForm | None = None) -> Ledger:
        """Connect and upgrade the schema to the newest revision. With `keys`, the ledger is
        made to keep match keys in that form (converted when hashing is turned on; refused,
        ConfigError, when it cannot be); without, it is opened as it is, for reading."""
        engine = connect(url)
        if keys is not None:
            try:
                match_keys.adopt(engine, keys)
            except BaseException:
                engine.dispose()
                raise
        return cls(engine, keys or CLEAR_KEYS)

    @property
    def keys_hashed(self) -> bool:
        """Whether match keys are kept as keyed hashes (`[ledger] hash_match_keys`)."""
        return self._keys.hashed

    def stored_key(self, key: str | None) -> str | None:
        """A match key as this ledger keeps it in links (Link.match_key) and intents."""
        return self._keys.stored(key)

    def close(self) -> None:
        self._engine.dispose()

    # -- links and cursors -------------------------------------------------------------------

    def links_for(self, pipeline: str, side: Side, ids: Iterable[str]) -> dict[str, Link]:
        column = links.c.hubspot_id if side is Side.HUBSPOT else links.c.external_id
        found: dict[str, Link] = {}
        query = sa.select(links).where(links.c.pipeline == pipeline, column.in_(IDS))
        for chunk in chunks(list(set(ids)), 500):
            with self._engine.connect() as conn:
                for row in conn.execute(query, {"ids": chunk}):
                    link = link_from_row(row)
                    found[link.id_on(side)] = link
        return found

    def links_by_match_key(self, pipeline: str, keys: Iterable[str]) -> dict[str, Link]:
        """The links holding each of `keys` (match keys as records hold them), by that key."""
        asked = {str(self._keys.stored(key)): key for key in set(keys)}
        found: dict[str, Link] = {}
        for chunk in chunks(list(asked), 500):
            query = sa.select(links).where(
                links.c.pipeline == pipeline, links.c.match_key.in_(chunk)
            )
            with self._engine.connect() as conn:
                found.update(
                    {asked[row.match_key]: link_from_row(row) for row in conn.execute(query)}
                )
        return found

    def linked_ids(self, pipeline: str) -> Iterator[tuple[str, str]]:
        """Every (hubspot id, external id) pair of the pipeline, streamed."""
        query = sa.select(links.c.hubspot_id, links.c.external_id).where(
            links.c.pipeline == pipeline
        )
        with self._engine.connect() as conn:
            result = conn.execution_options(yield_per=5000).execute(query)
            yield from ((str(hub), str(ext)) for hub, ext in result)

    def link_count(self, pipeline: str) -> int:
        query = sa.select(sa.func.count()).select_from(links).where(links.c.pipeline == pipeline)
        return int(self._scalar(query))

    def conflict_count(self, pipeline: str) -> int:
        query = sa.select(sa.func.count()).select_from(conflicts)
        return int(self._scalar(query.where(conflicts.c.pipeline == pipeline)))

    # -- conflicts logged, with their values for a while (conflict_log.py) ------------------

    def conflicts(
        self, pipeline: str | None = None, *, pending_only: bool = False, limit: int = 100
    ) -> list[ConflictEntry]:
        return conflict_log.entries(self._engine, pipeline, pending_only=pending_only, limit=limit)

    def conflict(self, conflict_id: int) -> ConflictEntry | None:
        return conflict_log.entry(self._engine, conflict_id)

    def conflict_resolved(self, conflict_id: int, side: Side, now: datetime) -> None:
        conflict_log.mark_resolved(self._engine, conflict_id, side, now)

    def forget_conflict_values(self, pipeline: str, before: datetime) -> int:
        return conflict_log.forget_values(self._engine, pipeline, before)

    def cursor(self, pipeline: str, side: str) -> Cursor | None:
        """The cursor stored under `side`: a Side, or another name such as "hubspot_archive"."""
        query = sa.select(cursors.c.position).where(
            cursors.c.pipeline == pipeline, cursors.c.side == str(side)
        )
        position = self._scalar(query)
        return Cursor(position) if position is not None else None

    # -- the fenced commit -------------------------------------------------------------------

    def commit(self, pipeline: str, epoch: int, commit: Commit, run_id: str) -> None:
        """Record links, conflicts, quarantine, intents and cursors in one fenced transaction."""
        now = commit.now or utcnow()
        with self._engine.begin() as conn:
            leases.check_epoch(conn, pipeline, epoch)
            save_links(conn, pipeline, commit.links, now)
            if self._links_growth.doubled(sum(1 for link in commit.links if link.id is None)):
                refresh_statistics(conn)
            log_conflicts(conn, pipeline, run_id, commit.conflicts, now)
            quarantine.add(conn, pipeline, commit.rejected, now)
            for side, ids in commit.synced.items():
                quarantine.clear(conn, pipeline, side, ids)
            journal.resolve_intents(conn, commit.intents_applied, "applied")
            journal.resolve_intents(conn, commit.intents_failed, "failed")
            for name, cursor in commit.cursors.items():
                save_cursor(conn, pipeline, name, cursor, now)
            relations.save_edges(conn, pipeline, commit.edges)
            if commit.revisit_targets:
                relations.queue_revisits(conn, pipeline, commit.revisit_targets, now)
            if commit.merged_targets:  # after the queue: it finds what pointed at the old key
                relations.repoint_edges(conn, pipeline, commit.merged_targets)

    # -- relations: pending references, edges, revisits, sweeps (relations.py) ---------------

    def save_references(
        self,
        pipeline: str,
        epoch: int,
        read: Iterable[tuple[Side, str]],
        pending: Iterable[PendingRef],
        now: datetime,
    ) -> None:
        """The records `read` (side, id) hold exactly the `pending` references now."""
        with self._engine.begin() as conn:
            leases.check_epoch(conn, pipeline, epoch)
            relations.save_pending(conn, pipeline, read, pending, now)

    def pending_references(self, pipeline: str) -> list[PendingEntry]:
        """Pending references, oldest first, the dangling ones marked."""
        return relations.pending_entries(self._engine, pipeline)

    def has_pending_references(self, pipeline: str) -> bool:
        return relations.has_pending(self._engine, pipeline)

    def resolved_references(self, pipeline: str) -> list[Link]:
        """Links of records holding a pending reference whose target has linked since."""
        return relations.resolved(self._engine, pipeline)

    def queued_revisits(self, pipeline: str) -> list[Link]:
        """Links of records queued for a revisit (a record they point at changed state)."""
        return relations.queued(self._engine, pipeline)

    def revisited(self, pipeline: str, epoch: int, external_ids: Sequence[str]) -> None:
        with self._engine.begin() as conn:
            leases.check_epoch(conn, pipeline, epoch)
            relations.clear_revisits(conn, pipeline, external_ids)

    def edge_count(self, pipeline: str) -> int:
        return relations.edge_count(self._engine, pipeline)

    def edges_to_archived(
        self, pipeline: str, external_ids: Sequence[str]
    ) -> dict[str, dict[str, list[tuple[str, str]]]]:
        """{external id: {association field: [(target key, side(s) archived on)]}}: these
        records' edges whose targets are archived ("hubspot", "external" or "both")."""
        return relations.held_by_archived(self._engine, pipeline, external_ids)

    def restorable_edges(
        self, pipeline: str, external_ids: Sequence[str]
    ) -> dict[str, dict[str, tuple[str, ...]]]:
        """{external id: {association field: target keys}}: the edges these records lost only
        because their targets were archived, whose targets are live again."""
        return relations.restorable(self._engine, pipeline, external_ids)

    def last_sweep(self, pipeline: str) -> datetime | None:
        return relations.last_sweep(self._engine, pipeline)

    def swept(self, pipeline: str, epoch: int, at: datetime) -> None:
        with self._engine.begin() as conn:
            leases.check_epoch(conn, pipeline, epoch)
            relations.save_sweep(conn, pipeline, at)

    # -- leases: one writer per pipeline (leases.py) -----------------------------------------

    def acquire_lease(self, pipeline: str, owner: str, ttl: timedelta) -> int:
        """Take the pipeline's lease; returns the new epoch or raises LeaseHeld."""
        return leases.acquire(self._engine, pipeline, owner, ttl)

    def renew_lease(self, pipeline: str, epoch: int, ttl: timedelta) -> None:
        """Extend the lease; FencedError if `epoch` no longer holds it."""
        leases.renew(self._engine, pipeline, epoch, ttl)

    def release_lease(self, pipeline: str, epoch: int) -> None:
        """Let the lease expire now, if it is still ours."""
        leases.release(self._engine, pipeline, epoch)

    # -- rate budgets shared by the replicas (rate_grants.py) --------------------------------

    def take_rate(self, budget: str, holder: str, limit: int, window: float) -> float:
        """One request of `budget` granted (0.0), or the seconds to wait before asking again:
        at most `limit` grants in any `window` seconds, whichever replica asks."""
        return rate_grants.take(self._engine, budget, holder, limit, window)

    # -- runs and intents (journal.py) -------------------------------------------------------

    def start_run(self, run_id: str, pipeline: str, mode: str) -> None:
        journal.start_run(self._engine, run_id, pipeline, mode)

    def finish_run(
        self,
        run_id: str,
        *,
        status: str,
        counts: dict[str, Any],
        api_calls: int,
        error: str | None = None,
    ) -> None:
        journal.finish_run(
            self._engine, run_id, status=status, counts=counts, api_calls=api_calls, error=error
        )

    def recent_runs(self, pipeline: str | None, limit: int = 10) -> list[RunRecord]:
        """The newest runs first, of one pipeline or of all."""
        return journal.recent_runs(self._engine, pipeline, limit)

    def runs_since(self, pipeline: str, since: datetime) -> list[RunRecord]:
        """The pipeline's runs finished since `since`, oldest first (the lag history)."""
        return journal.runs_since(self._engine, pipeline, since)

    def record_intents(self, pipeline: str, run_id: str, intents: Sequence[Intent]) -> None:
        """Commit intents before their writes are sent; unique values kept as match keys are."""
        kept = [replace(i, unique_value=self._keys.stored(i.unique_value)) for i in intents]
        journal.record_intents(self._engine, pipeline, run_id, kept)

    def pending_intents(self, pipeline: str) -> list[Intent]:
        """Intents a crashed run left neither applied nor failed."""
        return journal.pending_intents(self._engine, pipeline)

    # -- quarantine (quarantine.py) ----------------------------------------------------------

    def quarantined(
        self, pipeline: str | None = None, selector: QuarantineSelector | None = None
    ) -> list[QuarantineEntry]:
        """Open entries, of one pipeline or of all (or those `selector` picks), oldest first."""
        return quarantine.entries(self._engine, _selector(pipeline, selector))

    def quarantine_due(self, pipeline: str, now: datetime) -> dict[Side, list[str]]:
        """Record ids whose retry time has come, by source side."""
        return quarantine.due(self._engine, pipeline, now)

    def quarantine_waiting(self, pipeline: str, now: datetime) -> dict[Side, dict[str, str]]:
        """Fingerprints of refused versions still waiting for their retry time."""
        return quarantine.waiting(self._engine, pipeline, now)

    def quarantine_discarded(self, pipeline: str) -> dict[Side, dict[str, str]]:
        """Fingerprints of refused versions an operator discarded, by side and record id."""
        return quarantine.discarded(self._engine, pipeline)

    def new_refusals(self, pipeline: str, items: Sequence[Rejected]) -> int:
        """How many of `items` the quarantine does not already hold as the same version."""
        return quarantine.new_refusals(self._engine, pipeline, items)

    def retry_quarantined(
        self, pipeline: str | None = None, selector: QuarantineSelector | None = None
    ) -> int:
        """Make the open entries selected due at once (`syncer errors retry`)."""
        return quarantine.retry_now(self._engine, _selector(pipeline, selector))

    def discard_quarantined(
        self, pipeline: str | None = None, selector: QuarantineSelector | None = None
    ) -> int:
        """Stop retrying the open entries selected (`syncer errors discard`); they stay on
        record, and stay discarded until their record changes."""
        return quarantine.discard(self._engine, _selector(pipeline, selector))

    # -- what the daemon's endpoints watch (watch.py) ----------------------------------------

    def ping(self) -> None:
        """One round trip to the ledger database; raises if it cannot be reached."""
        watch.ping(self._engine)

    def health(self, pipeline: str) -> PipelineHealth:
        """Quarantine depth, conflicts logged, last successful run and lease holder."""
        return watch.pipeline_health(self._engine, pipeline)

    def recent_conflicts(self, pipeline: str, limit: int = 20) -> list[LoggedConflict]:
        """The newest conflicts the pipeline's policy settled, newest first."""
        return watch.recent_conflicts(self._engine, pipeline, limit)

    # -- schemas kept between runs (schema_cache.py) -----------------------------------------

    def kept_schemas(
        self, max_age: timedelta, clock: Callable[[], datetime] = utcnow
    ) -> SchemaCache:
        """CRM schemas (HubSpot's property catalogue) kept here, believed while younger than
        `max_age`; the connector sees them through its own small protocol."""
        return SchemaCache(self._engine, max_age, clock)

    def _scalar(self, query: sa.Select[Any]) -> Any:
        with self._engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()


def _selector(pipeline: str | None, selector: QuarantineSelector | None) -> QuarantineSelector:
    chosen = selector or QuarantineSelector()
    return chosen if pipeline is None else chosen.with_pipeline(pipeline)
