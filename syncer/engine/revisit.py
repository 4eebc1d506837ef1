"""Revisits: linked records read again, from both sides, and planned again, because something
they point at changed without them changing.

- A pending reference whose target has linked since (created later in this run, released from
  quarantine, linked by a pipeline that ran after): the record is read again and its reference
  completed.
- A record pointing at one that was archived, restored or merged (queued by that pipeline's
  commit from the edges the ledger keeps).
- A record whose associations changed where its modification time did not tell (the sweep,
  sweep.py).

Each round is one page, run after the listing's pages; a round's revisits come from the ledger
as it stands after the previous round was committed, so a chain of references made in one run
completes in it. A quiet pass asks the ledger twice and the CRMs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from syncer.batches import chunks
from syncer.engine.context import RunState
from syncer.engine.page import Page
from syncer.ledger.values import Link
from syncer.records import Record, Side

MAX_ROUNDS = 5  # a chain of references made in one run longer than this completes next run
_BY_ID = 500


def revisit_pages(state: RunState, swept: Iterable[Link] = ()) -> Iterator[Page]:
    """Pages of linked records to plan again. `swept`: links the sweep found changed. A dry
    run plans one round (it commits nothing, so nothing links meanwhile) and leaves the queue
    as it is, for the run that does the work."""
    ctx = state.ctx
    if not state.fieldmap.edge_targets():
        return
    name = ctx.pipeline.name
    done: set[int | None] = set()
    extra = list(swept)
    for _ in range(1 if ctx.dry_run else MAX_ROUNDS):
        queued = ctx.ledger.queued_revisits(name)
        due = {
            link.id: link
            for link in [*extra, *ctx.ledger.resolved_references(name), *queued]
            if link.id not in done
        }
        extra = []
        if not due:
            return
        done.update(due)
        yield read_both_sides(state, list(due.values()))
        if queued and not ctx.dry_run:
            ctx.ledger.revisited(name, state.epoch, [link.external_id for link in queued])


def read_both_sides(state: RunState, links: Sequence[Link]) -> Page:
    """Both records of each link, as they are now, and the edges they lost to an archive whose
    targets are live again (given back). A record no longer there holds no pending reference
    any more (it would be revisited every run)."""
    records: dict[Side, list[Record]] = {}
    for side in Side:
        wanted = [link.id_on(side) for link in links if not _archived_on(link, side)]
        records[side] = _fetch(state, side, wanted)
        found = {record.id for record in records[side]}
        resolver = state.resolver
        if resolver is not None:
            resolver.found.read.update((side, i) for i in wanted if i not in found)
    restored = state.ctx.ledger.restorable_edges(
        state.ctx.pipeline.name, [link.external_id for link in links]
    )
    return Page(records[Side.HUBSPOT], records[Side.EXTERNAL], restored=restored)


def _fetch(state: RunState, side: Side, ids: list[str]) -> list[Record]:
    connector = state.ctx.connectors[side]
    out: list[Record] = []
    for part in chunks(ids, _BY_ID):
        out += connector.fetch(part)
    return out


def _archived_on(link: Link, side: Side) -> bool:
    return link.archived_on in (side.value, "both")
