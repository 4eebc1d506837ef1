"""A link: the ledger's memory of one pair, and how it is read from and saved to `links`.

Besides ids, match key and per-field base hashes, a link remembers, per side, how new the
version it was last settled with was, on that source's own clock (a lagging search can serve
an older version after a newer one was read by id; see `Link.is_stale`). Which sides' times
order their versions, so that the rule applies, each connector declares (`ordered_versions`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa

from syncer.ledger import bulk
from syncer.ledger.schema import links
from syncer.records import Side

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

# A list bound when the statement runs: built and compiled once, not coerced value by value
# each time (SQLAlchemy checked each of 500 ids as a literal on every `in_(list)`).
IDS: sa.BindParameter[list[str]] = sa.bindparam("ids", expanding=True)


def version_stamp(modified_at: datetime | None) -> int | None:
    """A source-native modification time as exact epoch microseconds (an integer round-trips
    on every backend; a timestamp loses its zone on SQLite). A naive time is read as UTC: it
    is only ever compared with stamps of the same source, converted the same way."""
    if modified_at is None:
        return None
    if modified_at.tzinfo is None:
        modified_at = modified_at.replace(tzinfo=UTC)
    return (modified_at - _EPOCH) // _MICROSECOND


@dataclass(frozen=True, slots=True)
class Link:
    id: int | None
    hubspot_id: str
    external_id: str
    match_key: str | None
    base: dict[str, str]
    archived_on: str | None = None  # the side(s) whose record is archived: hubspot|external|both
    # Per side, the version_stamp of the newest version the pair was settled with; None when
    # unknown (a record with no modification time, a link written before they were kept).
    hubspot_seen_us: int | None = None
    external_seen_us: int | None = None

    def id_on(self, side: Side) -> str:
        return self.hubspot_id if side is Side.HUBSPOT else self.external_id

    def seen_on(self, side: Side) -> int | None:
        return self.hubspot_seen_us if side is Side.HUBSPOT else self.external_seen_us

    def is_stale(self, side: Side, modified_at: datetime | None) -> bool:
        """A version of this side's record strictly older than one already settled: a lagging
        read, not an edit. Equal is not stale (a re-read of the same version is an echo)."""
        seen, stamp = self.seen_on(side), version_stamp(modified_at)
        return seen is not None and stamp is not None and stamp < seen


def newest_stamp(seen: int | None, modified_at: datetime | None) -> int | None:
    """What a link remembers for a side after settling a version read at `modified_at`."""
    stamp = version_stamp(modified_at)
    if seen is None or stamp is None:
        return stamp if seen is None else seen
    return max(seen, stamp)


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
    # A new pairing replaces any older link that names either record (re-pointing).
    # One DELETE per unique index: an OR of the two made PostgreSQL scan the whole table.
    by_hubspot = sa.delete(links).where(links.c.pipeline == pipeline, links.c.hubspot_id.in_(IDS))
    by_external = sa.delete(links).where(links.c.pipeline == pipeline, links.c.external_id.in_(IDS))
    for chunk in chunks(inserts, 500):
        conn.execute(by_hubspot, {"ids": [i.hubspot_id for i in chunk]})
        conn.execute(by_external, {"ids": [i.external_id for i in chunk]})
    bulk.insert_many(
        conn,
        links,
        [
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
        ],
    )


def chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
