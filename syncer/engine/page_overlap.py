"""Whether the next page may be matched while the previous page's last chunk is still in flight.

The executor leaves a page's last chunk sending, uncommitted, while the next page is read,
matched and planned (execute.py): at a page boundary the sender then waits for one commit and
one chunk's intents, not for the whole page's reading and planning too. Until that chunk
commits, its links are not in the ledger, where the matcher looks for keys and records already
taken. This module decides what stands in for them:

- the keys its new pairs take are passed to the matcher as held: a record of the next page
  holding one of them is refused as a duplicate, as the committed link would have it refused;
- a page that lists one of its records again (by id), or a chunk that may change what a later
  listing shows, is not overlapped: the caller drains the chunk first and matches against the
  ledger as before. That is any chunk with linked pairs (a key may move: the new key is in the
  writes, not in the pair), archives, or creates on the external side (the external listing is
  still being read: a record created there could be listed by the next page and, unlinked,
  created again on HubSpot). HubSpot's side of a streamed page comes from the listing spooled
  before the first write, which a create of this run cannot be in.
"""

from __future__ import annotations

from collections.abc import Sequence

from syncer.engine.pairs import PairPlan
from syncer.records import Record, Side


def held_in_flight(
    in_flight: Sequence[PairPlan], hubspot: Sequence[Record], external: Sequence[Record]
) -> dict[str, str] | None:
    """The keys the chunk in flight takes, by whom, to hold while the page of these records is
    matched; None when that page must wait until the chunk is committed."""
    if not all(_overlappable(plan) for plan in in_flight):
        return None
    listed = {Side.HUBSPOT: {r.id for r in hubspot}, Side.EXTERNAL: {r.id for r in external}}
    held: dict[str, str] = {}
    for plan in in_flight:
        for side in Side:
            version = plan.pair.version(side)
            if version is not None and version.id in listed[side]:
                return None  # listed again: match it against its committed link
        if plan.pair.match_key is not None:
            held[plan.pair.match_key] = f"{_named(plan)}, in a chunk still being written"
    return held


def _overlappable(plan: PairPlan) -> bool:
    return (
        plan.pair.link is None and plan.create_on is not Side.EXTERNAL and plan.archive_on is None
    )


def _named(plan: PairPlan) -> str:
    for side in (Side.EXTERNAL, Side.HUBSPOT):
        version = plan.pair.version(side)
        if version is not None:
            return f"{side.value} record {version.id}"
    return "a record"
