"""The association sweep: a side may change a record's associations without touching its
modification time (HubSpot does, for some edge changes; a join table's row is not its record's),
so a change listing can miss them. Every `association_sweep` (per pipeline, default daily) the
run reads the association fields of all its linked records in bulk (`association_values`, 1,000
ids a call) and revisits those whose value differs from the link's base.

When it is not due a pass asks the ledger one question and the CRMs nothing. A migration reads
every record whole anyway: it counts as a sweep; so does a pipeline's first run, which starts
the clock (a first sync lists everything too). A dry run sweeps when one is due, so that its
plan shows what the sweep would change, and leaves the clock where it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from syncer.batches import chunks
from syncer.connectors.base import HasAssociations
from syncer.engine.context import RunState
from syncer.engine.report import Mode
from syncer.ledger.values import Link, value_hash
from syncer.logs import get_logger
from syncer.mapping.references import AssociationRef, id_list, is_pending
from syncer.records import Record, Side
from syncer.settings_rules import interval_seconds

log = get_logger(__name__)

BATCH = 1000  # ids per association_values call: HubSpot's v4 batch read limit


def sweep(state: RunState) -> list[Link]:
    """The links whose associations changed unseen, when the sweep is due (else none)."""
    ctx = state.ctx
    refs = [s.reference for s in state.fieldmap.fields if isinstance(s.reference, AssociationRef)]
    if not refs:
        return []
    last = ctx.ledger.last_sweep(ctx.pipeline.name)
    if not _due(state, last):
        return []
    changed: dict[int | None, Link] = {}
    if state.mode is not Mode.MIGRATE and last is not None:
        for side in Side:
            for link in _changed_on(state, side, refs):
                changed[link.id] = link
        log.info("association sweep", changed=len(changed))
    if not ctx.dry_run:
        ctx.ledger.swept(ctx.pipeline.name, state.epoch, state.until)
    return list(changed.values())


def _due(state: RunState, last: datetime | None) -> bool:
    every = state.ctx.pipeline.association_sweep
    if every is None:
        return False
    return last is None or state.until - last >= timedelta(seconds=interval_seconds(every))


def _changed_on(state: RunState, side: Side, refs: list[AssociationRef]) -> Iterator[Link]:
    ctx = state.ctx
    connector = ctx.connectors[side]
    if not connector.capabilities.associations or not isinstance(connector, HasAssociations):
        return
    resolver = state.resolver
    assert resolver is not None, "a mapping with association fields has a resolver"
    ids = (
        pair[0 if side is Side.HUBSPOT else 1] for pair in ctx.ledger.linked_ids(ctx.pipeline.name)
    )
    for part in chunks(list(ids), BATCH):
        links = ctx.ledger.links_for(ctx.pipeline.name, side, part)
        live = [i for i in part if not _archived_on(links[i], side)] if links else []
        values = connector.association_values(live) if live else {}
        records = [Record(i, lists) for i, lists in values.items()]
        state.fieldmap.prime(records, side)
        for record in records:
            if _differs(state, side, record, links[record.id], refs):
                yield links[record.id]
        resolver.forget()  # the revisit reads them again; the look-ups are let go


def _differs(
    state: RunState, side: Side, record: Record, link: Link, refs: list[AssociationRef]
) -> bool:
    resolver = state.resolver
    assert resolver is not None
    for ref in refs:
        try:
            ids = id_list(record.properties.get(ref.name), ref.name)
        except ValueError:
            return True  # unreadable here: the revisit reads it and says why
        text = resolver.association_value(ref, side, record.id, ids, True)
        if not is_pending(text) and value_hash(text) != link.base.get(ref.name):
            return True
    return False


def _archived_on(link: Link, side: Side) -> bool:
    return link.archived_on in (side.value, "both")
