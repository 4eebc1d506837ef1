"""Edges whose targets are archived, or were and are live again: which of a record's edges an
archive holds, and which dormant edges a restore can give back (relation_edges.py keeps them).

Internals of the store (store_relations.py delegates here).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from syncer.batches import chunks
from syncer.ledger.schema import edges, links


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
