"""The ledger's agreed edges: saved each time a link's base takes a new value of the field
(keeping dormant the edges lost only to archived targets), re-pointed when targets merge.

Internals of the store (store.py is the front door). The queries over edges to archived
targets live in relation_archived.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from syncer.batches import chunks
from syncer.ledger.schema import edges, links
from syncer.ledger.values import EdgeSet


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
