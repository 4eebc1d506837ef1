"""The ledger's one entry point: every read and write of the ledger database goes through here.

Each `commit_*` call is one transaction that first checks the run's lease epoch (fencing), so a
paused former leader can never commit over a newer run's work.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from syncer.errors import FatalError
from syncer.ledger import journal, leases, migrate, quarantine
from syncer.ledger.link_rows import IDS, Link, chunks, link_from_row, save_links
from syncer.ledger.quarantine import Rejected
from syncer.ledger.schema import conflicts, cursors, links
from syncer.ledger.statistics import Growth, refresh_statistics
from syncer.records import Cursor, Side

__all__ = ["Commit", "ConflictRecord", "Ledger", "Link", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ConflictRecord:
    hubspot_id: str
    external_id: str
    field: str
    hubspot_hash: str
    external_hash: str
    winner: Side
    policy: str


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
    now: datetime | None = None  # the run's clock; quarantine back-off is scheduled by it


class Ledger:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._links_growth = Growth()

    @classmethod
    def open(cls, url: str) -> Ledger:
        """Connect and upgrade the schema to the newest revision."""
        engine = sa.create_engine(url, future=True)
        sa.event.listen(engine, "handle_error", _ledger_unavailable)
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        migrate.upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- reads -------------------------------------------------------------------------------

    def links_for(self, pipeline: str, side: Side, ids: Iterable[str]) -> dict[str, Link]:
        column = links.c.hubspot_id if side is Side.HUBSPOT else links.c.external_id
        found: dict[str, Link] = {}
        query = sa.select(links).where(links.c.pipeline == pipeline, column.in_(IDS))
        for chunk in chunks(list(set(ids)), 500):
            with self.engine.connect() as conn:
                for row in conn.execute(query, {"ids": chunk}):
                    link = link_from_row(row)
                    found[link.id_on(side)] = link
        return found

    def links_by_match_key(self, pipeline: str, keys: Iterable[str]) -> dict[str, Link]:
        found: dict[str, Link] = {}
        for chunk in chunks(list(set(keys)), 500):
            query = sa.select(links).where(
                links.c.pipeline == pipeline, links.c.match_key.in_(chunk)
            )
            with self.engine.connect() as conn:
                found.update({row.match_key: link_from_row(row) for row in conn.execute(query)})
        return found

    def linked_ids(self, pipeline: str) -> Iterator[tuple[str, str]]:
        """Every (hubspot id, external id) pair of the pipeline, streamed."""
        query = sa.select(links.c.hubspot_id, links.c.external_id).where(
            links.c.pipeline == pipeline
        )
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=5000).execute(query)
            yield from ((str(hub), str(ext)) for hub, ext in result)

    def link_count(self, pipeline: str) -> int:
        query = sa.select(sa.func.count()).select_from(links).where(links.c.pipeline == pipeline)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def conflict_count(self, pipeline: str) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(conflicts)
            .where(conflicts.c.pipeline == pipeline)
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def cursor(self, pipeline: str, side: str) -> Cursor | None:
        """The cursor stored under `side`: a Side, or another name such as "hubspot_archive"."""
        query = sa.select(cursors.c.position).where(
            cursors.c.pipeline == pipeline, cursors.c.side == str(side)
        )
        with self.engine.connect() as conn:
            position = conn.execute(query).scalar_one_or_none()
        return Cursor(position) if position is not None else None

    # -- writes ------------------------------------------------------------------------------

    def commit(self, pipeline: str, epoch: int, commit: Commit, run_id: str) -> None:
        """Record links, conflicts, quarantine, intents and cursors in one fenced transaction."""
        now = commit.now or utcnow()
        with self.engine.begin() as conn:
            leases.check_epoch(conn, pipeline, epoch)
            save_links(conn, pipeline, commit.links, now)
            if self._links_growth.doubled(sum(1 for link in commit.links if link.id is None)):
                refresh_statistics(conn)
            if commit.conflicts:
                conn.execute(
                    sa.insert(conflicts),
                    [_conflict_row(pipeline, run_id, c, now) for c in commit.conflicts],
                )
            quarantine.add(conn, pipeline, commit.rejected, now)
            for side, ids in commit.synced.items():
                quarantine.clear(conn, pipeline, side, ids)
            journal.resolve_intents(conn, commit.intents_applied, "applied")
            journal.resolve_intents(conn, commit.intents_failed, "failed")
            for name, cursor in commit.cursors.items():
                _save_cursor(conn, pipeline, name, cursor, now)


def _save_cursor(
    conn: sa.Connection, pipeline: str, side: str, cursor: Cursor, now: datetime
) -> None:
    key = (cursors.c.pipeline == pipeline) & (cursors.c.side == str(side))
    updated = conn.execute(
        sa.update(cursors).where(key).values(position=cursor.position, updated_at=now)
    )
    if updated.rowcount == 0:
        conn.execute(
            sa.insert(cursors).values(
                pipeline=pipeline, side=str(side), position=cursor.position, updated_at=now
            )
        )


def _conflict_row(
    pipeline: str, run_id: str, c: ConflictRecord, now: datetime
) -> dict[str, object]:
    return {
        "pipeline": pipeline,
        "run_id": run_id,
        "hubspot_id": c.hubspot_id,
        "external_id": c.external_id,
        "field": c.field,
        "hubspot_hash": c.hubspot_hash,
        "external_hash": c.external_hash,
        "winner": c.winner.value,
        "policy": c.policy,
        "at": now,
    }


def _ledger_unavailable(context: sa.engine.ExceptionContext) -> None:
    """A lost or refused ledger connection stops the run with one clear error, not a driver
    traceback: nothing the run did next could be recorded, and the next run resumes from what
    was committed (the transaction in flight is rolled back whole by the server)."""
    lost = context.is_disconnect or context.connection is None  # None: could not connect
    if lost and isinstance(context.sqlalchemy_exception, sa.exc.OperationalError):
        reason = str(context.original_exception).strip().splitlines()[0]
        raise FatalError(f"ledger unavailable: {reason}")


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    # WAL lets `syncer status` read while a run writes; busy_timeout waits instead of failing.
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
