"""The ledger's one front door: every read and write of the ledger database goes through here.

The callers get and give plain values (values.py); the database engine stays inside. Each
`commit` is one transaction that first checks the run's lease epoch (fencing), so a paused
former leader can never commit over a newer run's work. The modules beside this one (leases,
journal, quarantine, link_rows, schema_cache) are its internals.

`Ledger` is one class for its callers, built here from the links, cursors and the fenced
commit, and from mixins that each delegate one group of methods to the internal module owning
those tables: store_conflicts, store_journal, store_quarantine, store_relations and
store_replicas (leases, rate grants, health).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncer.batches import chunks
from syncer.ledger import journal, leases, match_keys, quarantine
from syncer.ledger.commit_rows import log_conflicts, save_cursor
from syncer.ledger.connection import connect
from syncer.ledger.id_lists import among
from syncer.ledger.link_rows import link_from_row, save_links
from syncer.ledger.relation_edges import repoint_edges, save_edges
from syncer.ledger.relation_revisits import queue_revisits
from syncer.ledger.schema import conflicts, cursors, links
from syncer.ledger.schema_cache import SchemaCache
from syncer.ledger.statistics import Growth, refresh_statistics
from syncer.ledger.store_conflicts import LedgerConflicts
from syncer.ledger.store_journal import LedgerJournal
from syncer.ledger.store_quarantine import LedgerQuarantine
from syncer.ledger.store_relations import LedgerRelations
from syncer.ledger.store_replicas import LedgerReplicas
from syncer.ledger.values import CLEAR_KEYS, Commit, Link, MatchKeyForm, Rejected, utcnow
from syncer.records import Cursor, Side

__all__ = ["Ledger"]


class Ledger(LedgerConflicts, LedgerJournal, LedgerQuarantine, LedgerRelations, LedgerReplicas):
    """The sync's memory. More public methods than a class usually gets, on purpose: it is the
    one door to the ledger, and each method past the link reads and the fenced commit is a
    one-line delegate (in a mixin) to the internal module that owns that table."""

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

    @property
    def key_form(self) -> MatchKeyForm:
        """How this ledger keeps match keys: what the engine quotes of a key (MatchKeyForm)."""
        return self._keys

    def close(self) -> None:
        self._engine.dispose()

    # -- links and cursors -------------------------------------------------------------------

    def links_for(self, pipeline: str, side: Side, ids: Iterable[str]) -> dict[str, Link]:
        column = links.c.hubspot_id if side is Side.HUBSPOT else links.c.external_id
        found: dict[str, Link] = {}
        # A list bound when the statement runs, not coerced value by value each time
        # (SQLAlchemy checked each of 500 ids as a literal on every `in_(list)`).
        query = sa.select(links).where(
            links.c.pipeline == pipeline, among(column, self._engine.dialect)
        )
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
        query = sa.select(links).where(
            links.c.pipeline == pipeline, among(links.c.match_key, self._engine.dialect)
        )
        for chunk in chunks(list(asked), 500):
            with self._engine.connect() as conn:
                rows = conn.execute(query, {"ids": chunk})
                found.update({asked[row.match_key]: link_from_row(row) for row in rows})
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
            quarantine.add(conn, pipeline, self._redacted(commit.rejected), now)
            for side, ids in commit.synced.items():
                quarantine.clear(conn, pipeline, side, ids)
            journal.resolve_intents(conn, commit.intents_applied, "applied")
            journal.resolve_intents(conn, commit.intents_failed, "failed")
            for name, cursor in commit.cursors.items():
                save_cursor(conn, pipeline, name, cursor, now)
            save_edges(conn, pipeline, commit.edges)
            if commit.revisit_targets:
                queue_revisits(conn, pipeline, commit.revisit_targets, now)
            if commit.merged_targets:  # after the queue: it finds what pointed at the old key
                repoint_edges(conn, pipeline, commit.merged_targets)

    def _redacted(self, items: Sequence[Rejected]) -> list[Rejected]:
        """Refusals as the ledger keeps them: with hash_match_keys, no email in any message,
        whoever wrote it (the engine names the keys it knows; this catches the rest)."""
        return [replace(r, message=self._keys.redact(r.message)) for r in items]

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
