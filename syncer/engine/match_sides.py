"""The pieces the matcher works with: each side's versions and keys, and the small steps it
takes on them (stale versions, archived records, keys held, the rejections it makes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from syncer.engine.backoff import fingerprint, record_fingerprint
from syncer.engine.plan import Pair, Version
from syncer.ledger.values import Link, Rejected
from syncer.logs import get_logger
from syncer.records import Record, Side

log = get_logger(__name__)


@dataclass(slots=True)
class Matched:
    pairs: list[Pair] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


Free = dict[Side, dict[str, None]]  # per side, the unpaired ids in arrival order


@dataclass(slots=True)
class SideRecords:
    versions: dict[str, Version] = field(default_factory=dict)
    keys: dict[str, str | None] = field(default_factory=dict)


def drop_stale(
    links: Iterable[Link], sides: dict[Side, SideRecords], ordered: Iterable[Side]
) -> None:
    """A version of a linked record older than one the pair was already settled with (a
    lagging search serving it after a fresh read by id) is no change on that side. Only on the
    `ordered` sides, whose connectors declare that an older time means an older version."""
    ordered = tuple(ordered)
    stale = [
        (side, link.id_on(side))
        for link in links
        for side in ordered
        if (version := sides[side].versions.get(link.id_on(side))) is not None
        and link.is_stale(side, version.modified_at)
    ]
    for side, record_id in stale:
        del sides[side].versions[record_id]
        del sides[side].keys[record_id]
    if stale:
        log.debug("stale versions dropped", count=len(stale))


def set_aside_archived(sides: dict[Side, SideRecords], free: Free, out: Matched) -> None:
    """An unlinked archived record pairs with nothing and holds no key: a new record with its
    email is a new record, whether or not the archive fell in the same window."""
    for side in Side:
        for record_id in [i for i in free[side] if sides[side].versions[i].archived]:
            free[side].pop(record_id)
            version = sides[side].versions[record_id]
            out.pairs.append(make_pair(None, side, version, None, sides[side].keys[record_id]))


def current_key(link: Link, sides: dict[Side, SideRecords]) -> str | None:
    """The pair's match key as this run sees it: a live record read now says it (even as None,
    a cleared key); the link's remembered key when neither was read live (an archived record's
    key is frozen, or unknown when a full listing stands in an empty record for it). That one
    is as the ledger keeps it (a hash with `hash_match_keys`): it is only ever kept again
    (settle.py), never written to a side, since no record of the pair is written unread."""
    for side in (Side.EXTERNAL, Side.HUBSPOT):
        version = sides[side].versions.get(link.id_on(side))
        if version is not None and not version.archived:
            return sides[side].keys[link.id_on(side)]
    return link.match_key


def keys_held(pairs: Iterable[Pair], sides: dict[Side, SideRecords]) -> dict[str, str]:
    """Match keys the records of linked pairs hold now: no free record may take them."""
    held: dict[str, str] = {}
    for pair in pairs:
        for side in Side:
            version = pair.version(side)
            key = sides[side].keys.get(version.id) if version is not None else None
            if key is not None and pair.link is not None:
                held[key] = f"linked pair {pair.link.hubspot_id}/{pair.link.external_id}"
    return held


def make_pair(
    link: Link | None, side: Side, version: Version, other: Version | None, key: str | None
) -> Pair:
    if side is Side.HUBSPOT:
        return Pair(link, version, other, key)
    return Pair(link, other, version, key)


def unreadable(side: Side, record: Record, exc: ValueError) -> Rejected:
    """Its values could not be read into a Version: the record as read is fingerprinted."""
    return Rejected(
        side,
        record.id,
        "read",
        "INVALID_VALUE",
        str(exc),
        getattr(exc, "field", None),  # the field named, when the mapping knows it
        fingerprint=record_fingerprint(record),
    )


def duplicate(side: Side, version: Version, shown: str, holder: str) -> Rejected:
    """`shown`: the key as a message may quote it (Ledger.key_form.shown: hashed or not)."""
    return Rejected(
        side,
        version.id,
        "match",
        "DUPLICATE_MATCH_KEY",
        f"match key {shown} already belongs to {holder}; not creating a duplicate",
        fingerprint=fingerprint(version),
    )


def id_order(record_id: str) -> tuple[int, int | str]:
    return (0, int(record_id)) if record_id.isdigit() else (1, record_id)
