"""Quarantine: records a side rejected, kept with their reason and retried with back-off.

A quarantined record never holds back the cursor: the cursor passes it, and the next runs fetch
it again by id when its retry time comes, until it syncs or an operator discards it. An entry
keeps a fingerprint of the version that was refused: a run that re-reads the record unchanged
before its retry time (the cursor's overlap window) leaves it to wait; a changed one goes through.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncer.ledger.schema import aware, quarantine
from syncer.ledger.values import QuarantineEntry, QuarantineSelector, Rejected
from syncer.records import Side

_BACKOFF_BASE = timedelta(minutes=5)
_BACKOFF_MAX = timedelta(hours=24)


def add(conn: sa.Connection, pipeline: str, items: Sequence[Rejected], now: datetime) -> None:
    """Quarantine records (or count another failed attempt), inside the caller's transaction."""
    for item in items:
        key = _key(pipeline, item.source_side, item.record_id)
        known = conn.execute(
            sa.select(quarantine.c.attempts, quarantine.c.state, quarantine.c.fingerprint).where(
                key
            )
        ).first()
        if known is not None and _still_discarded(known.state, known.fingerprint, item):
            continue
        attempts = known.attempts if known is not None else None
        values = {
            "operation": item.operation,
            "category": item.category,
            "message": item.message[:2000],
            "property": item.property,
            "fingerprint": item.fingerprint,
            "last_seen": now,
            "state": "open",
        }
        if attempts is None:
            conn.execute(
                sa.insert(quarantine).values(
                    pipeline=pipeline,
                    source_side=item.source_side.value,
                    record_id=item.record_id,
                    attempts=1,
                    first_seen=now,
                    next_retry_at=now + _BACKOFF_BASE,
                    **values,
                )
            )
        else:
            delay = min(_BACKOFF_BASE * 2 ** min(attempts, 10), _BACKOFF_MAX)
            conn.execute(
                sa.update(quarantine)
                .where(key)
                .values(attempts=attempts + 1, next_retry_at=now + delay, **values)
            )


def _still_discarded(state: str, fingerprint: str | None, item: Rejected) -> bool:
    """A discarded record refused again unchanged stays discarded: only a change reopens it."""
    return state == "discarded" and item.fingerprint is not None and fingerprint == item.fingerprint


def clear(conn: sa.Connection, pipeline: str, side: Side, record_ids: Sequence[str]) -> None:
    """Records that synced leave the quarantine."""
    if record_ids and _has_entries(conn, pipeline, side):
        conn.execute(
            sa.delete(quarantine).where(
                quarantine.c.pipeline == pipeline,
                quarantine.c.source_side == side.value,
                quarantine.c.record_id.in_(list(record_ids)),
            )
        )


def _has_entries(conn: sa.Connection, pipeline: str, side: Side) -> bool:
    # Nearly always false: one indexed probe instead of a DELETE over every synced id.
    return conn.execute(_PROBE, {"p": pipeline, "side": side.value}).first() is not None


# Built once: probed twice per committed chunk.
_PROBE = (
    sa.select(quarantine.c.id)
    .where(
        quarantine.c.pipeline == sa.bindparam("p"),
        quarantine.c.source_side == sa.bindparam("side"),
    )
    .limit(1)
)


def due(engine: sa.Engine, pipeline: str, now: datetime) -> dict[Side, list[str]]:
    query = sa.select(quarantine.c.source_side, quarantine.c.record_id).where(
        quarantine.c.pipeline == pipeline,
        quarantine.c.state == "open",
        quarantine.c.next_retry_at <= now,
    )
    out: dict[Side, list[str]] = {Side.HUBSPOT: [], Side.EXTERNAL: []}
    with engine.connect() as conn:
        for side, record_id in conn.execute(query):
            out[Side(side)].append(record_id)
    return out


def waiting(engine: sa.Engine, pipeline: str, now: datetime) -> dict[Side, dict[str, str]]:
    """Open entries whose retry time has not come, with the fingerprint of the version that was
    refused, by side and record id. Entries without a fingerprint are left out: they predate it."""
    query = sa.select(
        quarantine.c.source_side, quarantine.c.record_id, quarantine.c.fingerprint
    ).where(
        quarantine.c.pipeline == pipeline,
        quarantine.c.state == "open",
        quarantine.c.next_retry_at > now,
        quarantine.c.fingerprint.is_not(None),
    )
    out: dict[Side, dict[str, str]] = {Side.HUBSPOT: {}, Side.EXTERNAL: {}}
    with engine.connect() as conn:
        for side, record_id, fingerprint in conn.execute(query):
            out[Side(side)][record_id] = fingerprint
    return out


def discarded(engine: sa.Engine, pipeline: str) -> dict[Side, dict[str, str]]:
    """Discarded entries with the fingerprint of the version that was refused."""
    query = sa.select(
        quarantine.c.source_side, quarantine.c.record_id, quarantine.c.fingerprint
    ).where(
        quarantine.c.pipeline == pipeline,
        quarantine.c.state == "discarded",
        quarantine.c.fingerprint.is_not(None),
    )
    out: dict[Side, dict[str, str]] = {Side.HUBSPOT: {}, Side.EXTERNAL: {}}
    with engine.connect() as conn:
        for side, record_id, fingerprint in conn.execute(query):
            out[Side(side)][record_id] = fingerprint
    return out


def new_refusals(engine: sa.Engine, pipeline: str, items: Sequence[Rejected]) -> int:
    """Refusals of records not quarantined yet, or quarantined as another version (a record
    without a fingerprint cannot be told unchanged, so it counts as new)."""
    if not items:
        return 0
    ids = {item.record_id for item in items}
    query = sa.select(
        quarantine.c.source_side, quarantine.c.record_id, quarantine.c.fingerprint
    ).where(quarantine.c.pipeline == pipeline, quarantine.c.record_id.in_(ids))
    with engine.connect() as conn:
        known = {(Side(side), rid): fp for side, rid, fp in conn.execute(query)}
    return sum(
        1
        for item in items
        if item.fingerprint is None
        or known.get((item.source_side, item.record_id)) != item.fingerprint
    )


def entries(engine: sa.Engine, selector: QuarantineSelector) -> list[QuarantineEntry]:
    query = sa.select(quarantine).where(_open(selector)).order_by(quarantine.c.id)
    with engine.connect() as conn:
        return [_entry_from_row(r) for r in conn.execute(query)]


def _entry_from_row(row: sa.Row[Any]) -> QuarantineEntry:
    return QuarantineEntry(
        id=row.id,
        pipeline=row.pipeline,
        source_side=Side(row.source_side),
        record_id=row.record_id,
        operation=row.operation,
        category=row.category,
        message=row.message,
        property=row.property,
        attempts=row.attempts,
        first_seen=aware(row.first_seen),
        last_seen=aware(row.last_seen),
        next_retry_at=aware(row.next_retry_at),
        state=row.state,
        fingerprint=row.fingerprint,
    )


def retry_now(engine: sa.Engine, selector: QuarantineSelector) -> int:
    """Make the selected open entries due at once (`syncer errors retry`)."""
    query = sa.update(quarantine).where(_open(selector))
    with engine.begin() as conn:
        return conn.execute(query.values(next_retry_at=datetime(1970, 1, 1, tzinfo=UTC))).rowcount


def discard(engine: sa.Engine, selector: QuarantineSelector) -> int:
    """Stop retrying the selected open entries (`syncer errors discard`); they stay on record
    with the fingerprint of the refused version, so an unchanged record stays discarded."""
    query = sa.update(quarantine).where(_open(selector))
    with engine.begin() as conn:
        return conn.execute(query.values(state="discarded")).rowcount


def _open(selector: QuarantineSelector) -> sa.ColumnElement[bool]:
    """The open entries `selector` picks."""
    criteria = [quarantine.c.state == "open"]
    if selector.pipeline:
        criteria.append(quarantine.c.pipeline == selector.pipeline)
    if selector.record_id:
        criteria.append(quarantine.c.record_id == selector.record_id)
    if selector.code:
        criteria.append(quarantine.c.category == selector.code)
    return sa.and_(*criteria)


def _key(pipeline: str, side: Side, record_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        quarantine.c.pipeline == pipeline,
        quarantine.c.source_side == side.value,
        quarantine.c.record_id == record_id,
    )
