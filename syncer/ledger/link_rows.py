"""How links are read from and saved to the `links` table (the values are in values.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from syncer.batches import chunks
from syncer.ledger import bulk
from syncer.ledger.id_lists import among
from syncer.ledger.schema import links
from syncer.ledger.values import Link


def link_from_row(row: sa.Row[tuple[object, ...]]) -> Link:
    m = row._mapping
    return Link(
        id=m["id"],
        hubspot_id=m["hubspot_id"],
        external_id=m["external_id"],
        match_key=m["match_key"],
        base=json.loads(m["base"]),
        archived_on=m["archived_on"],
        hubspot_seen_us=m["hubspot_seen_us"],
        external_seen_us=m["external_seen_us"],
    )


def save_links(conn: sa.Connection, pipeline: str, items: Sequence[Link], now: datetime) -> None:
    updates = [link for link in items if link.id is not None]
    inserts = [link for link in items if link.id is None]
    if updates:
        conn.execute(
            sa.update(links)
            .where(links.c.id == sa.bindparam("link_id"))
            .values(
                hubspot_id=sa.bindparam("b_hub"),
                external_id=sa.bindparam("b_ext"),
                base=sa.bindparam("b_base"),
                match_key=sa.bindparam("b_key"),
                archived_on=sa.bindparam("b_archived"),
                hubspot_seen_us=sa.bindparam("b_hub_seen"),
                external_seen_us=sa.bindparam("b_ext_seen"),
                updated_at=now,
            ),
            [
                {
                    "link_id": u.id,
                    "b_hub": u.hubspot_id,
                    "b_ext": u.external_id,
                    "b_base": json.dumps(u.base),
                    "b_key": u.match_key,
                    "b_archived": u.archived_on,
                    "b_hub_seen": u.hubspot_seen_us,
                    "b_ext_seen": u.external_seen_us,
                }
                for u in updates
            ],
        )
    if inserts:
        _insert(conn, pipeline, inserts, now)


def _insert(conn: sa.Connection, pipeline: str, inserts: Sequence[Link], now: datetime) -> None:
    """A new pairing replaces any older link that names either record (re-pointing).

    Tried first without the re-pointing DELETEs, under a savepoint: links are unique per
    pipeline on each side's id (uq_links_hubspot, uq_links_external), so the plain insert
    succeeds exactly when no link names any of these records, which is when the DELETEs would
    have removed nothing (a first migration: 200 DELETEs of 500 ids each per 100,000 links).
    When one does, the savepoint is rolled back and the rows go in as before, after them.
    The caller's transaction has written already (check_epoch): on SQLite the savepoint nests.
    """
    rows = _rows(pipeline, inserts, now)
    try:
        with conn.begin_nested():
            bulk.insert_many(conn, links, rows)
        return
    except sa.exc.IntegrityError:
        pass
    # One DELETE per unique index: an OR of the two made PostgreSQL scan the whole table.
    by_hubspot = sa.delete(links).where(
        links.c.pipeline == pipeline, among(links.c.hubspot_id, conn.dialect)
    )
    by_external = sa.delete(links).where(
        links.c.pipeline == pipeline, among(links.c.external_id, conn.dialect)
    )
    for chunk in chunks(inserts, 500):
        conn.execute(by_hubspot, {"ids": [i.hubspot_id for i in chunk]})
        conn.execute(by_external, {"ids": [i.external_id for i in chunk]})
    bulk.insert_many(conn, links, rows)


def _rows(pipeline: str, inserts: Sequence[Link], now: datetime) -> list[dict[str, object]]:
    return [
        {
            "pipeline": pipeline,
            "hubspot_id": i.hubspot_id,
            "external_id": i.external_id,
            "match_key": i.match_key,
            "base": json.dumps(i.base),
            "archived_on": i.archived_on,
            "hubspot_seen_us": i.hubspot_seen_us,
            "external_seen_us": i.external_seen_us,
            "created_at": now,
            "updated_at": now,
        }
        for i in inserts
    ]
