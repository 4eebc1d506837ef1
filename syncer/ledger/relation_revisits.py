"""The ledger's revisit queue: records whose edges point at a target that was archived, restored
or merged, to be read again by their pipeline's next page or run.

Internals of the store (store.py is the front door).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from syncer.batches import chunks
from syncer.ledger.link_rows import link_from_row
from syncer.ledger.schema import edges, links, revisits
from syncer.ledger.values import Link


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
