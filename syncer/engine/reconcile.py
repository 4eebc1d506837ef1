"""Reconcile the intents a crashed run left pending, before anything else happens.

Each pending create is looked up on its side by its unique key (on a side whose look-up lags,
capability `sent_creates`, also through the association lists it was sent with): found means
the write was applied, so the pair is linked (with no base yet, so the next plan compares both
sides afresh); not found means it never landed, and the source change will be collected and
planned again, because the cursor did not move past it. A pending match-key clear (a swap cut
short between its clears and its writes) is completed: the record gets its linked twin's key
back (key_moves.py), before anything is collected.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from syncer.connectors.base import Connector, FindsSentCreates, SentCreate
from syncer.engine.duplicates import by_held_value, records_holding
from syncer.engine.key_moves import CLEAR, complete_clears
from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, Intent, Link
from syncer.logs import get_logger
from syncer.mapping.apply import FieldMap
from syncer.records import Record, Side

log = get_logger(__name__)


def pending_intents(
    ledger: Ledger,
    pipeline: str,
    epoch: int,
    connectors: dict[Side, Connector],
    run_id: str,
    *,
    fieldmap: FieldMap,
) -> None:
    pending = ledger.pending_intents(pipeline)
    if not pending:
        return
    commit = Commit()
    clears = [i for i in pending if i.operation == CLEAR]
    applied, failed = complete_clears(clears, ledger, pipeline, connectors, fieldmap)
    commit.intents_applied.extend(applied)
    commit.intents_failed.extend(failed)
    groups: dict[tuple[Side, str], list[Intent]] = defaultdict(list)
    for intent in _in_clear(pending, ledger, connectors, fieldmap):
        if intent.operation == CLEAR:
            continue
        if intent.operation == "create" and intent.unique_property and intent.unique_value:
            groups[(intent.side, intent.unique_property)].append(intent)
        else:
            commit.intents_failed.append(intent.id)
    for (side, prop), intents in groups.items():
        by_value = _holders(connectors[side], prop, intents)
        for intent in intents:
            holders = by_value.get(connectors[side].normalise_key(prop, intent.unique_value))
            target_id = holders[-1] if holders else None
            if target_id is None or intent.source_id is None:
                commit.intents_failed.append(intent.id)
                continue
            hub, ext = (
                (target_id, intent.source_id)
                if side is Side.HUBSPOT
                else (intent.source_id, target_id)
            )
            commit.links.append(Link(None, hub, ext, None, {}))
            commit.intents_applied.append(intent.id)
    ledger.commit(pipeline, epoch, commit, run_id)
    log.info(
        "intents reconciled", applied=len(commit.intents_applied), failed=len(commit.intents_failed)
    )


def _holders(connector: Connector, prop: str, intents: list[Intent]) -> dict[str | None, list[str]]:
    """Ids of the records holding each create's unique value. A side whose look-up by key
    lags (capability `sent_creates`) is asked through what each create was sent with."""
    if not (connector.capabilities.sent_creates and isinstance(connector, FindsSentCreates)):
        return records_holding(connector, prop, [str(i.unique_value) for i in intents])
    sent = [SentCreate(str(i.unique_value), i.associations) for i in intents]
    return by_held_value(connector, prop, connector.find_sent(prop, sent))


def _in_clear(
    intents: list[Intent], ledger: Ledger, connectors: dict[Side, Connector], fieldmap: FieldMap
) -> list[Intent]:
    """The creates' unique values as the sides hold them. A ledger that hashes match keys kept
    only their hash: each is recovered from the create's source record, its match key (or its
    own id, for a HubSpot create keyed on the external id) when that hashes the same. One whose
    source changed its key since cannot be looked up, and fails like a create that never
    landed (the cost of `hash_match_keys`, in the README)."""
    if not ledger.keys_hashed:
        return intents
    creates = [i for i in intents if i.operation == "create" and i.source_id and i.unique_value]
    sources: dict[Side, dict[str, Record]] = {}
    for side in Side:
        ids = [str(i.source_id) for i in creates if i.side is side.other]
        sources[side] = {r.id: r for r in connectors[side].fetch(ids)} if ids else {}
    create_ids = {i.id for i in creates}
    out: list[Intent] = []
    for intent in intents:
        if intent.id not in create_ids:
            out.append(intent)
            continue
        source = sources[intent.side.other].get(str(intent.source_id))
        candidates = [intent.source_id, _key_of(source, intent.side.other, fieldmap)]
        plain = next(
            (c for c in candidates if c and ledger.stored_key(c) == intent.unique_value), None
        )
        if plain is None:
            log.warning("pending create cannot be looked up", intent=intent.id)
        out.append(replace(intent, unique_value=plain))
    return out


def _key_of(record: Record | None, side: Side, fieldmap: FieldMap) -> str | None:
    try:
        return fieldmap.match_key(record, side) if record is not None else None
    except ValueError:
        return None  # unreadable now: the create's key cannot be recovered from it
