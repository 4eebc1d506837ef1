"""Match keys copied onto linked records: refused when another record holds them, unless that
record gives its key up in the same chunk (two records swapping emails, or a chain of moves).

A side that keeps match keys unique (HubSpot's emails, a legacy table's unique index) refuses a
write that would make two records hold one key for an instant, as a swap written in one batch
does. So each record that hands its key to another record of the chunk first has its key
cleared, in a call of its own; then the chunk's writes give every record its new key. Between
the two calls those records hold no key; a crash there leaves them so, and the next run sees
them as cleared on that side (a change against the base, settled by the conflict policy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from syncer.connectors.base import Connector
from syncer.engine.plan import PairPlan
from syncer.mapping.apply import FieldMap
from syncer.mapping.convert import normalise_email
from syncer.records import Rejection, RejectionKind, Side, Write


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
    for record in connector.find(name, list(wanted)):
        key = fieldmap.match_key(record, side) or ""
        for index in wanted.get(key, []):
            link = plans[index].pair.link
            if link is None or record.id == link.id_on(side):
                continue
            giver = giving.get(record.id)
            if giver is not None and _new_key(plans[giver], side, fieldmap) != key:
                clear = fieldmap.native({match.hubspot: None}, side)
                moves.clears[giver] = Write(str(giver), clear, target_id=record.id)
            else:
                held = record.properties.get(name)
                moves.refused[index] = _duplicate(side, record.id, match.hubspot, held)
    return moves


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
