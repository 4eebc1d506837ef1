"""The sender's part of a chunk: move keys, write to each side, archive, stamp new external
ids on HubSpot. It runs on the executor's single sender thread, one chunk after another, and
records in the chunk what became of every pair (its Outcome) for the run thread to commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from syncer.connectors.base import Connector
from syncer.engine import failpoints
from syncer.engine.duplicates import adopt_duplicates
from syncer.engine.key_moves import clear_intents, key_moves
from syncer.engine.pairs import PairPlan
from syncer.engine.read_back import not_applied
from syncer.engine.settle import Outcome, Tally
from syncer.ledger.store import Ledger
from syncer.ledger.values import Intent, Rejected
from syncer.mapping.apply import FieldMap
from syncer.records import Rejection, RejectionKind, Side, Write


@dataclass(slots=True)
class Chunk:
    plans: Sequence[PairPlan]
    outcomes: list[Outcome]
    writes: dict[Side, list[Write]]
    intents: dict[int, Intent]  # by index into plans: the creates
    clears: dict[Side, dict[int, Intent]] = field(default_factory=dict)  # by the giver's index
    sent: Future[None] | None = None
    tally: Tally = field(default_factory=Tally)  # this chunk's alone: the sender counts into it
    rejected: list[Rejected] = field(default_factory=list)  # its page's, committed with it


@dataclass(frozen=True, slots=True)
class Sender:
    pipeline: str
    run_id: str
    ledger: Ledger
    connectors: dict[Side, Connector]
    fieldmap: FieldMap
    id_property: str
    stamps: bool  # HubSpot records are told their new external id

    def send(self, chunk: Chunk) -> None:
        plans, outcomes = chunk.plans, chunk.outcomes
        for side in Side:
            self._move_keys(side, chunk)
            writes = [w for w in chunk.writes[side] if side not in outcomes[int(w.key)].failed]
            self._write_side(side, writes, chunk)
            self._archive(side, chunk)
        self._stamp_new_external_ids(plans, outcomes)
        failpoints.hit("after_remote_accept")

    def _write_side(self, side: Side, writes: list[Write], chunk: Chunk) -> None:
        if not writes:
            return
        by_key = {w.key: w for w in writes}
        connector = self.connectors[side]
        for result in adopt_duplicates(connector, writes, connector.write(writes)):
            outcome = chunk.outcomes[int(result.key)]
            if result.ok and result.id is not None:
                outcome.ids[side] = result.id
                sent = chunk.plans[int(result.key)].writes.get(side, {})
                ignored = not_applied(self.fieldmap, side, sent, result.applied)
                if ignored:
                    outcome.not_applied[side] = ignored
                created = by_key[result.key].target_id is None and result.created
                (chunk.tally.created if created else chunk.tally.updated)[side] += 1
            else:
                outcome.failed[side] = result.rejection or Rejection(
                    RejectionKind.NO_ANSWER,
                    "NO_RESULT",
                    "the side returned no result for this record",
                )

    def _move_keys(self, side: Side, chunk: Chunk) -> None:
        """Refuse a key copied onto a linked record that another record holds, unless that
        record gives it up in this chunk: then its key is cleared first, under an intent
        committed before the clear is sent (key_moves.py)."""
        outcomes = chunk.outcomes
        moves = key_moves(chunk.plans, side, self.fieldmap, self.connectors[side])
        for index, rejection in moves.refused.items():
            outcomes[index].failed[side] = rejection
        if not moves.clears:
            return
        chunk.clears[side] = clear_intents(side, moves, self.fieldmap)
        self.ledger.record_intents(self.pipeline, self.run_id, list(chunk.clears[side].values()))
        for result in self.connectors[side].write(list(moves.clears.values())):
            if not result.ok:
                outcomes[int(result.key)].failed[side] = result.rejection or Rejection(
                    RejectionKind.NO_ANSWER, "NO_RESULT", "no result for clearing the match key"
                )
        failpoints.hit("after_key_clears")

    def _stamp_new_external_ids(self, plans: Sequence[PairPlan], outcomes: list[Outcome]) -> None:
        """A HubSpot record copied into the external CRM learns its new external id."""
        if not self.stamps:
            return  # a one-way extraction pairs again by its match key (no write to HubSpot)
        stamps = [
            Write(str(i), {self.id_property: o.ids[Side.EXTERNAL]}, target_id=p.pair.hubspot.id)
            for i, (p, o) in enumerate(zip(plans, outcomes, strict=True))
            if p.create_on is Side.EXTERNAL and Side.EXTERNAL in o.ids and p.pair.hubspot
        ]
        if not stamps:
            return
        for result in self.connectors[Side.HUBSPOT].write(stamps):
            if not result.ok:
                outcomes[int(result.key)].stamp_failed = result.rejection or Rejection(
                    RejectionKind.NO_ANSWER,
                    "NO_RESULT",
                    "HubSpot returned no result for the external-id stamp",
                )

    def _archive(self, side: Side, chunk: Chunk) -> None:
        plans, outcomes = chunk.plans, chunk.outcomes
        wanted = {
            i: p.pair.link.id_on(side)
            for i, p in enumerate(plans)
            if p.archive_on is side and p.pair.link is not None
        }
        if not wanted:
            return
        results = {r.key: r for r in self.connectors[side].archive(list(wanted.values()))}
        for index, record_id in wanted.items():
            result = results.get(record_id)
            if result is not None and result.rejection is not None:
                outcomes[index].failed[side] = result.rejection
            else:
                chunk.tally.archived[side] += 1
