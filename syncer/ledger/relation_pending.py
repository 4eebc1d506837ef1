"""The ledger's pending references: a record's association values whose targets are not linked
yet, replaced each time the record is read, and the queries that find them resolved or dangling.

Internals of the store (store.py is the front door; store_relations.py delegates here).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa

from syncer.batches import chunks
from syncer.ledger.link_rows import link_from_row
from syncer.ledger.schema import aware, links, pending_refs, quarantine, runs
from syncer.ledger.values import Link, PendingEntry, PendingRef
from syncer.records import Side

_FINISHED = ("ok", "quarantined")  # runs that went through


def save_pending(
    conn: sa.Connection,
    pipeline: str,
    read: Iterable[tuple[Side, str]],
    pending: Iterable[PendingRef],
    now: datetime,
) -> None:
    """The records `read` hold exactly the `pending` references now (first seen kept)."""
    by_side: dict[Side, list[str]] = {side: [] for side in Side}
    for side, record_id in read:
        by_side[side].append(record_id)
    wanted = {(r.side, r.record_id, r.field, r.target_id): r for r in pending}
    for side, ids in by_side.items():
        for part in chunks(sorted(set(ids)), 500):
            where = sa.and_(
                pending_refs.c.pipeline == pipeline,
                pending_refs.c.side == side.value,
                pending_refs.c.record_id.in_(part),
            )
            kept = {
                (side, row.record_id, row.field, row.target_id): row.first_seen
                for row in conn.execute(sa.select(pending_refs).where(where))
            }
            conn.execute(sa.delete(pending_refs).where(where))
            rows = [
                _pending_row(pipeline, ref, kept.get(key, now))
                for key, ref in wanted.items()
                if key[0] is side and key[1] in part
            ]
            if rows:
                conn.execute(sa.insert(pending_refs), rows)


def _pending_row(pipeline: str, ref: PendingRef, first_seen: datetime) -> dict[str, object]:
    return {
        "pipeline": pipeline,
        "side": ref.side.value,
        "record_id": ref.record_id,
        "field": ref.field,
        "target_id": ref.target_id,
        "to_pipeline": ref.to_pipeline,
        "first_seen": first_seen,
    }


def has_pending(engine: sa.Engine, pipeline: str) -> bool:
    query = sa.select(pending_refs.c.pipeline).where(pending_refs.c.pipeline == pipeline).limit(1)
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


def pending_entries(engine: sa.Engine, pipeline: str) -> list[PendingEntry]:
    """The pipeline's pending references, oldest first, each marked dangling when the pipeline
    it points at has finished a run since it was first seen without linking or refusing it."""
    query = (
        sa.select(pending_refs)
        .where(pending_refs.c.pipeline == pipeline)
        .order_by(pending_refs.c.first_seen, pending_refs.c.record_id)
    )
    with engine.connect() as conn:
        rows = list(conn.execute(query))
        refs = [
            (
                PendingRef(Side(r.side), r.record_id, r.field, r.to_pipeline, r.target_id),
                aware(r.first_seen),
            )
            for r in rows
        ]
        since = {to: _last_run_started(conn, to) for to in {ref.to_pipeline for ref, _ in refs}}
        known = _linked_or_refused(conn, [ref for ref, _ in refs])
    return [
        PendingEntry(
            ref,
            first,
            dangling=(at := since[ref.to_pipeline]) is not None
            and at > first
            and (ref.to_pipeline, ref.side, ref.target_id) not in known,
        )
        for ref, first in refs
    ]


def _last_run_started(conn: sa.Connection, pipeline: str) -> datetime | None:
    query = sa.select(sa.func.max(runs.c.started_at)).where(
        runs.c.pipeline == pipeline, runs.c.status.in_(_FINISHED)
    )
    at = conn.execute(query).scalar_one_or_none()
    return aware(at) if at is not None else None


def _linked_or_refused(
    conn: sa.Connection, refs: Sequence[PendingRef]
) -> set[tuple[str, Side, str]]:
    """(pipeline, side, id) of the targets that are linked or wait in their quarantine."""
    out: set[tuple[str, Side, str]] = set()
    groups: dict[tuple[str, Side], set[str]] = {}
    for ref in refs:
        groups.setdefault((ref.to_pipeline, ref.side), set()).add(ref.target_id)
    for (pipeline, side), ids in groups.items():
        column = links.c.hubspot_id if side is Side.HUBSPOT else links.c.external_id
        for part in chunks(sorted(ids), 500):
            linked = sa.select(column).where(links.c.pipeline == pipeline, column.in_(part))
            refused = sa.select(quarantine.c.record_id).where(
                quarantine.c.pipeline == pipeline,
                quarantine.c.source_side == side.value,
                quarantine.c.record_id.in_(part),
            )
            for query in (linked, refused):
                out.update((pipeline, side, str(i)) for (i,) in conn.execute(query))
    return out


def resolved(engine: sa.Engine, pipeline: str) -> list[Link]:
    """Links of this pipeline's records holding a pending reference whose target is linked now."""
    found: dict[int, Link] = {}
    with engine.connect() as conn:
        for side in Side:
            target = links.alias("target")
            own = links.alias("own")
            t_col = target.c.hubspot_id if side is Side.HUBSPOT else target.c.external_id
            o_col = own.c.hubspot_id if side is Side.HUBSPOT else own.c.external_id
            query = (
                sa.select(own)
                .distinct()
                .select_from(
                    pending_refs.join(
                        target,
                        sa.and_(
                            target.c.pipeline == pending_refs.c.to_pipeline,
                            t_col == pending_refs.c.target_id,
                        ),
                    ).join(
                        own,
                        sa.and_(own.c.pipeline == pipeline, o_col == pending_refs.c.record_id),
                    )
                )
                .where(pending_refs.c.pipeline == pipeline, pending_refs.c.side == side.value)
            )
            for row in conn.execute(query):
                link = link_from_row(row)
                assert link.id is not None
                found[link.id] = link
    return list(found.values())
