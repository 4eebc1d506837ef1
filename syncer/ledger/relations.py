"""The ledger's relation tables: pending references, agreed edges, revisits and sweep times.

Internals of the store (store.py is the front door). A pending reference is replaced each time
its record is read; an edge set each time its link's base takes a new value of the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from syncer.batches import chunks
from syncer.ledger.link_rows import link_from_row
from syncer.ledger.schema import aware, edges, links, pending_refs, quarantine, revisits, runs
from syncer.ledger.schema import sweeps as sweep_times
from syncer.ledger.values import EdgeSet, Link, PendingEntry, PendingRef
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


def save_edges(conn: sa.Connection, pipeline: str, sets: Sequence[EdgeSet]) -> None:
    """Each set replaces its record's edges of that field. An edge the record lost only because
    its target was archived stays, dormant (`_dormant`), for the target's restore to give back."""
    by_field: dict[str, list[EdgeSet]] = {}
    for item in sets:
        by_field.setdefault(item.field, []).append(item)
    rows: dict[tuple[str, str, str], tuple[str, bool]] = {}
    for name, items in by_field.items():
        latest = {item.from_key: item for item in items}  # the last set of a record stands
        for part in chunks(sorted(latest), 500):
            where = sa.and_(
                edges.c.pipeline == pipeline, edges.c.field == name, edges.c.from_key.in_(part)
            )
            before = _edges_before(conn, where)
            conn.execute(sa.delete(edges).where(where))
            for key in part:
                item = latest[key]
                for to in item.to_keys:
                    rows[(name, key, to)] = (item.to_pipeline, False)
                for to in _dormant(before.get(key, {}), set(item.to_keys)):
                    rows[(name, key, to)] = (item.to_pipeline, True)
    if rows:
        conn.execute(
            sa.insert(edges),
            [
                {"pipeline": pipeline, "field": f, "from_key": k, "to_key": t}
                | {"to_pipeline": p, "dormant": dormant}
                for (f, k, t), (p, dormant) in rows.items()
            ],
        )


@dataclass(frozen=True, slots=True)
class _Held:
    dormant: bool
    target_archived: bool  # the target's link is archived on either side


def _edges_before(
    conn: sa.Connection, where: sa.ColumnElement[bool]
) -> dict[str, dict[str, _Held]]:
    """{from key: {to key: how it is held}} of the edges `where` selects, with their targets'
    archive state."""
    query = (
        sa.select(edges.c.from_key, edges.c.to_key, edges.c.dormant, links.c.archived_on)
        .select_from(
            edges.outerjoin(
                links,
                sa.and_(
                    links.c.pipeline == edges.c.to_pipeline,
                    links.c.external_id == edges.c.to_key,
                ),
            )
        )
        .where(where)
    )
    out: dict[str, dict[str, _Held]] = {}
    for key, to, dormant, archived_on in conn.execute(query):
        out.setdefault(str(key), {})[str(to)] = _Held(bool(dormant), archived_on is not None)
    return out


def _dormant(before: dict[str, _Held], now: set[str]) -> set[str]:
    """The edges to keep dormant after a record's field went from `before` to `now`: when all it
    did was lose edges to archived targets, those, and the dormant ones whose targets are still
    archived; any other change (an edge added, or lost to a live target) is the record's own
    newer word, and nothing stays dormant."""
    live = {to for to, held in before.items() if not held.dormant}
    lost = live - now
    added = now - set(before)
    if added or any(not before[to].target_archived for to in lost):
        return set()
    return {
        to
        for to, held in before.items()
        if to not in now and (to in lost or held.dormant) and held.target_archived
    }


def _edges_to_their_targets() -> sa.Join:
    """Edges joined to their targets' links (to read whether a target is archived)."""
    on_target = sa.and_(
        links.c.pipeline == edges.c.to_pipeline, links.c.external_id == edges.c.to_key
    )
    return edges.join(links, on_target)


def restorable(
    engine: sa.Engine, pipeline: str, from_keys: Sequence[str]
) -> dict[str, dict[str, tuple[str, ...]]]:
    """{record's external key: {field: target keys}} of the dormant edges of these records whose
    targets are live again (restored, or re-made and re-linked)."""
    out: dict[str, dict[str, list[str]]] = {}
    with engine.connect() as conn:
        for part in chunks(sorted(set(from_keys)), 500):
            query = (
                sa.select(edges.c.from_key, edges.c.field, edges.c.to_key)
                .select_from(_edges_to_their_targets())
                .where(
                    edges.c.pipeline == pipeline,
                    edges.c.from_key.in_(part),
                    edges.c.dormant.is_(True),
                    links.c.archived_on.is_(None),
                )
                .order_by(edges.c.from_key, edges.c.field, edges.c.to_key)
            )
            for key, name, to in conn.execute(query):
                out.setdefault(str(key), {}).setdefault(str(name), []).append(str(to))
    return {key: {name: tuple(to) for name, to in fields.items()} for key, fields in out.items()}


def held_by_archived(
    engine: sa.Engine, pipeline: str, from_keys: Sequence[str]
) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """{record's external key: {field: [(target key, the side(s) it is archived on)]}} of these
    records' edges whose targets are archived."""
    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    with engine.connect() as conn:
        for part in chunks(sorted(set(from_keys)), 500):
            query = (
                sa.select(edges.c.from_key, edges.c.field, edges.c.to_key, links.c.archived_on)
                .select_from(_edges_to_their_targets())
                .where(
                    edges.c.pipeline == pipeline,
                    edges.c.from_key.in_(part),
                    edges.c.dormant.is_(False),
                    links.c.archived_on.is_not(None),
                )
            )
            for key, name, to, where in conn.execute(query):
                out.setdefault(str(key), {}).setdefault(str(name), []).append((str(to), where))
    return out


def repoint_edges(conn: sa.Connection, target_pipeline: str, moves: dict[str, str]) -> None:
    """Edges pointing at records of `target_pipeline` merged away now point at their survivors
    ({old key: new key}); an edge the record already had to the survivor is kept once."""
    for old, new in sorted(moves.items()):
        where = sa.and_(edges.c.to_pipeline == target_pipeline, edges.c.to_key == old)
        rows = [dict(row) for row in conn.execute(sa.select(edges).where(where)).mappings()]
        conn.execute(sa.delete(edges).where(where))
        for row in rows:
            twin = sa.select(edges.c.dormant).where(
                edges.c.pipeline == row["pipeline"],
                edges.c.field == row["field"],
                edges.c.from_key == row["from_key"],
                edges.c.to_key == new,
            )
            if conn.execute(twin).first() is None:
                conn.execute(sa.insert(edges).values({**row, "to_key": new}))


def edge_count(engine: sa.Engine, pipeline: str) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(edges)
        .where(edges.c.pipeline == pipeline, edges.c.dormant.is_(False))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def queue_revisits(
    conn: sa.Connection, target_pipeline: str, targets: Sequence[str], now: datetime
) -> None:
    """Queue the records whose edges point at these records of `target_pipeline`."""
    wanted: set[tuple[str, str]] = set()
    for part in chunks(sorted(set(targets)), 500):
        query = sa.select(edges.c.pipeline, edges.c.from_key).where(
            edges.c.to_pipeline == target_pipeline, edges.c.to_key.in_(part)
        )
        wanted.update((str(p), str(k)) for p, k in conn.execute(query))
    for pipeline, key in sorted(wanted):
        exists = sa.select(revisits.c.pipeline).where(
            revisits.c.pipeline == pipeline, revisits.c.external_id == key
        )
        if conn.execute(exists).first() is None:
            conn.execute(
                sa.insert(revisits).values(pipeline=pipeline, external_id=key, queued_at=now)
            )


def queued(engine: sa.Engine, pipeline: str) -> list[Link]:
    """The links of this pipeline's records queued for a revisit."""
    query = (
        sa.select(links)
        .select_from(
            revisits.join(
                links,
                sa.and_(
                    links.c.pipeline == revisits.c.pipeline,
                    links.c.external_id == revisits.c.external_id,
                ),
            )
        )
        .where(revisits.c.pipeline == pipeline)
    )
    with engine.connect() as conn:
        return [link_from_row(row) for row in conn.execute(query)]


def clear_revisits(conn: sa.Connection, pipeline: str, external_ids: Sequence[str]) -> None:
    for part in chunks(sorted(set(external_ids)), 500):
        conn.execute(
            sa.delete(revisits).where(
                revisits.c.pipeline == pipeline, revisits.c.external_id.in_(part)
            )
        )


def last_sweep(engine: sa.Engine, pipeline: str) -> datetime | None:
    query = sa.select(sweep_times.c.swept_at).where(sweep_times.c.pipeline == pipeline)
    with engine.connect() as conn:
        at = conn.execute(query).scalar_one_or_none()
    return aware(at) if at is not None else None


def save_sweep(conn: sa.Connection, pipeline: str, at: datetime) -> None:
    conn.execute(sa.delete(sweep_times).where(sweep_times.c.pipeline == pipeline))
    conn.execute(sa.insert(sweep_times).values(pipeline=pipeline, swept_at=at))
