"""Match keys copied onto linked records: refused when another record holds them, unless that
record gives its key up in the same chunk (two records swapping emails, or a chain of moves).

A side that keeps match keys unique (HubSpot's emails, a legacy table's unique index) refuses a
write that would make two records hold one key for an instant, as a swap written in one batch
does. So each record that hands its key to another record of the chunk first has its key
cleared, in a call of its own; then the chunk's writes give every record its new key. Between
the two calls those records hold no key. Each clear is therefore an intent of its own
(`clear_intents`), committed before it is sent and resolved with its chunk: one a crash left
pending is completed by the next run's reconcile (`complete_clears`), which gives the record
the key its linked twin holds, before anything is collected, so no blank is ever read as an
edit and carried across by the conflict policy. A giver whose own write the side refused
keeps its clear intent pending too, and is completed the same way; one whose new key another
record holds is not cleared at all (its taker is refused instead). A completion refused because
another record took the key meanwhile stays pending until it goes through; the planner never
copies the blank meanwhile (plan.py: a blank key is quarantined as BLANK_MATCH_KEY).
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field

from syncer.connectors.base import Connector
from syncer.engine.plan import PairPlan
from syncer.ledger.store import Ledger
from syncer.ledger.values import Intent, new_intent
from syncer.logs import get_logger
from syncer.mapping.apply import FieldMap
from syncer.mapping.convert import normalise_email
from syncer.records import Rejection, RejectionKind, Side, Write

CLEAR = "clear_key"  # an intent's operation: a match key cleared to hand it to another record

log = get_logger(__name__)


@dataclass(slots=True)
class KeyMoves:
    """For one side of a chunk: writes refused outright, and the clears that go first."""

    refused: dict[int, Rejection] = field(default_factory=dict)  # by index into the plans
    clears: dict[int, Write] = field(default_factory=dict)  # by the index of the giving plan


def key_moves(
    plans: Sequence[PairPlan], side: Side, fieldmap: FieldMap, connector: Connector
) -> KeyMoves:
    """Look up the keys the chunk copies onto linked records of `side`; a holder that is not
    the record written is either giving its key away in this chunk (cleared first) or makes
    the write a duplicate (refused)."""
    moves = KeyMoves()
    match = fieldmap.match
    if match is None:
        return moves  # no match key to copy
    wanted: dict[str, list[int]] = {}
    giving: dict[str, int] = {}  # record id -> index of the plan that writes it a new key
    for index, plan in enumerate(plans):
        values = plan.writes.get(side, {})
        if match.hubspot in values and plan.pair.link is not None:
            giving[plan.pair.link.id_on(side)] = index
            if (key := _normalised(fieldmap, values[match.hubspot])) is not None:
                wanted.setdefault(key, []).append(index)
    if not wanted:
        return moves
    name = match.hubspot if side is Side.HUBSPOT else match.column
    takers: dict[int, list[tuple[int, Rejection]]] = {}  # giver -> who takes its key, and how
    for record in connector.find(name, list(wanted)):  # refused if the giver ends up keeping it
        key = fieldmap.match_key(record, side) or ""
        for index in wanted.get(key, []):
            link = plans[index].pair.link
            if link is None or record.id == link.id_on(side):
                continue
            refusal = _duplicate(side, record.id, match.hubspot, record.properties.get(name))
            giver = giving.get(record.id)
            if giver is not None and _new_key(plans[giver], side, fieldmap) != key:
                clear = fieldmap.native({match.hubspot: None}, side)
                moves.clears[giver] = Write(str(giver), clear, target_id=record.id)
                takers.setdefault(giver, []).append((index, refusal))
            else:
                moves.refused[index] = refusal
    _keep_refused_givers_keys(moves, takers)
    return moves


def _keep_refused_givers_keys(
    moves: KeyMoves, takers: dict[int, list[tuple[int, Rejection]]]
) -> None:
    """A giver whose own new key is refused keeps the key it holds: it is not cleared (it
    would be left blank), and whoever was to take that key is refused as a duplicate, which
    may in turn leave another giver holding its key, down a chain of moves."""
    while kept := [giver for giver in moves.clears if giver in moves.refused]:
        for giver in kept:
            del moves.clears[giver]
            for index, refusal in takers.get(giver, []):
                moves.refused[index] = refusal


def clear_intents(side: Side, moves: KeyMoves, fieldmap: FieldMap) -> dict[int, Intent]:
    """One intent per clear, by the index of the giving plan. It names the record and the key's
    field, never the key: the next run takes the value from the record's twin."""
    assert fieldmap.match is not None or not moves.clears
    field_name = _field_name(fieldmap, side)
    return {
        index: new_intent(side, CLEAR, target_id=write.target_id, unique_property=field_name)
        for index, write in moves.clears.items()
    }


def clears_given(
    clears: Mapping[Side, Mapping[int, Intent]], failed: Sequence[Container[Side]]
) -> list[str]:
    """The clear intents whose record was then given its new key (`failed`: per plan, the
    sides its writes failed on); a giver whose write failed keeps its intent pending, for the
    next run to give it its twin's key."""
    return [
        intent.id
        for side, intents in clears.items()
        for index, intent in intents.items()
        if side not in failed[index]
    ]


def complete_clears(
    intents: Sequence[Intent],
    ledger: Ledger,
    pipeline: str,
    connectors: dict[Side, Connector],
    fieldmap: FieldMap,
) -> tuple[list[str], list[str]]:
    """Give every record a crashed run left cleared the key its linked twin holds now (what
    the interrupted write was giving it, or the twin's newer key). Returns the ids of the
    intents applied (completed, or the record holds a key already) and of those that failed.
    One refused because another record holds that key stays pending: each run tries again,
    so the record gets its key as soon as the holder lets it go (till then the planner
    refuses to copy its blank, and quarantines it)."""
    applied: list[str] = []
    failed: list[str] = []
    for side in Side:
        group = [i for i in intents if i.side is side and i.target_id is not None]
        if not group:
            continue
        writes, done = _completions(
            group, side, ledger=ledger, pipeline=pipeline, connectors=connectors, fieldmap=fieldmap
        )
        applied.extend(done)
        failed.extend(i.id for i in group if i.id not in done and i.id not in writes)
        if not writes:
            continue
        for result in connectors[side].write(list(writes.values())):
            if result.ok:
                applied.append(result.key)
                continue
            held = result.rejection is not None and result.rejection.kind is RejectionKind.DUPLICATE
            if not held:
                failed.append(result.key)
            reason = result.rejection.code if result.rejection else "no result"
            log.warning(
                "cleared match key not given back",
                side=side.value,
                record=writes[result.key].target_id,
                reason=reason,
                retried="next run" if held else "no",
            )
    return applied, failed


def _completions(
    group: list[Intent],
    side: Side,
    *,
    ledger: Ledger,
    pipeline: str,
    connectors: dict[Side, Connector],
    fieldmap: FieldMap,
) -> tuple[dict[str, Write], list[str]]:
    """The writes that give each still-blank record its twin's key, by intent id, and the
    intents that need none (the record holds a key, or is gone)."""
    ids = [str(i.target_id) for i in group]
    records = {r.id: r for r in connectors[side].fetch(ids)}
    blank = [
        i
        for i in group
        if (r := records.get(str(i.target_id))) is not None and fieldmap.match_key(r, side) is None
    ]
    done = [i.id for i in group if i not in blank]
    links = ledger.links_for(pipeline, side, [str(i.target_id) for i in blank])
    other = side.other
    twin_ids = [link.id_on(other) for link in links.values()]
    twins = {r.id: r for r in connectors[other].fetch(twin_ids)} if twin_ids else {}
    writes: dict[str, Write] = {}
    for intent in blank:
        link = links.get(str(intent.target_id))
        twin = twins.get(link.id_on(other)) if link is not None else None
        key = fieldmap.match_key(twin, other) if twin is not None else None
        if key is None or fieldmap.match is None:
            log.warning("cleared match key has no twin to take it from", record=intent.target_id)
            continue
        values = fieldmap.native({fieldmap.match.hubspot: key}, side)
        writes[intent.id] = Write(intent.id, values, target_id=intent.target_id)
    return writes, done


def _field_name(fieldmap: FieldMap, side: Side) -> str | None:
    match = fieldmap.match
    if match is None:
        return None
    return match.hubspot if side is Side.HUBSPOT else match.column


def _new_key(plan: PairPlan, side: Side, fieldmap: FieldMap) -> str | None:
    assert fieldmap.match is not None
    return _normalised(fieldmap, plan.writes[side][fieldmap.match.hubspot])


def _duplicate(side: Side, holder: str, match_field: str, held: object) -> Rejection:
    return Rejection(
        RejectionKind.DUPLICATE,
        "DUPLICATE_MATCH_KEY",
        f"{side.value} record {holder} already holds {match_field} {held!r}; "
        "not copying it onto a second one",
        match_field,
    )


def _normalised(fieldmap: FieldMap, value: str | None) -> str | None:
    """A written key in the form records' keys are compared in (emails whatever their case)."""
    match = fieldmap.match
    return normalise_email(value) if match is not None and match.is_email else value
