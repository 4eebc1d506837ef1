"""Execute a plan chunk by chunk, one chunk's remote writes overlapping its neighbours' ledger work.

Each chunk of planned pairs goes through three stages:
1. run thread: build the writes and commit an intent for every create, before anything of the
   chunk is sent (a crash after the API accepted a create leaves the intent to reconcile);
2. sender thread: refuse a key copied onto a linked record that another record already holds
   (unless it gives it up in the chunk: key_moves.py), write to HubSpot and to the external
   side, archive where the delete policy says so, then stamp new external ids in HubSpot;
3. run thread: commit links, re-based hashes, conflicts, quarantine entries and resolved
   intents in one fenced transaction (see settle.py).
A single sender thread carries the chunks in order, so the remote side sees exactly the writes
it would see one chunk after another; meanwhile the run thread commits chunk k-1 and records
chunk k+1's intents. On a rate-limited portal that keeps requests going while the ledger works,
instead of leaving the budget idle at every chunk boundary. After any failure nothing more is
sent: the sender refuses queued chunks and the run thread stops committing. A stop asked for
(SIGTERM) is graceful: no new chunk starts, the one in flight is sent and committed, and
RunStopped leaves the run's cursors where they were.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from syncer.connectors.base import Connector
from syncer.engine import failpoints
from syncer.engine.duplicates import adopt_duplicates
from syncer.engine.key_moves import clear_intents, clears_given, key_moves
from syncer.engine.observer import LoggingObserver, RunObserver
from syncer.engine.plan import PairPlan, external_id_of
from syncer.engine.read_back import not_applied
from syncer.engine.settle import Outcome, Settler, Tally, source_id
from syncer.errors import RunStopped
from syncer.ledger.store import Ledger
from syncer.ledger.values import Intent, Rejected, new_intent
from syncer.mapping.apply import FieldMap
from syncer.policies import ConflictPolicy
from syncer.records import Rejection, RejectionKind, Side, Write

CHUNK = 1000


class _Stopped(Exception):
    """A queued chunk refused by the sender because an earlier stage failed."""


@dataclass(slots=True)
class _Chunk:
    plans: Sequence[PairPlan]
    outcomes: list[Outcome]
    writes: dict[Side, list[Write]]
    intents: dict[int, Intent]  # by index into plans: the creates
    clears: dict[Side, dict[int, Intent]] = field(default_factory=dict)  # by the giver's index
    sent: Future[None] | None = None
    tally: Tally = field(default_factory=Tally)  # this chunk's alone: the sender counts into it


class Executor:
    def __init__(
        self,
        *,
        pipeline: str,
        run_id: str,
        epoch: int,
        ledger: Ledger,
        connectors: dict[Side, Connector],
        fieldmap: FieldMap,
        external_id_property: str,
        conflict_policy: ConflictPolicy,
        stamps_external_id: bool = True,
        before_chunk: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        stopping: Callable[[], bool] | None = None,
        observer: RunObserver | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.run_id = run_id
        self.epoch = epoch
        self.ledger = ledger
        self.connectors = connectors
        self.fieldmap = fieldmap
        self.id_property = external_id_property
        self.stamps = stamps_external_id
        self.before_chunk = before_chunk  # renews the lease on long runs
        self.clock = clock
        self.stopping = stopping or (lambda: False)
        self.observer = observer or LoggingObserver()
        self.conflict_policy = conflict_policy
        self.tally = Tally()  # the committed chunks'
        self._edge_fields = tuple(fieldmap.edge_targets())
        self._stop = threading.Event()

    def execute(self, plans: Sequence[PairPlan], rejected: Sequence[Rejected] = ()) -> None:
        parts = [plans[start : start + CHUNK] for start in range(0, len(plans), CHUNK)] or [[]]
        pending_rejections = list(rejected)
        sender = ThreadPoolExecutor(1, thread_name_prefix="syncer-sender")
        try:
            previous: _Chunk | None = None
            for done, part in enumerate(parts):
                if self.stopping():
                    if previous is not None:
                        self._commit(previous, pending_rejections)
                    raise RunStopped(
                        f"stopped after {done} of {len(parts)} chunks, all it sent recorded; "
                        "the next run reads the rest again"
                    )
                self.before_chunk()
                chunk = self._prepare(part)
                chunk.sent = sender.submit(contextvars.copy_context().run, self._send, chunk)
                if previous is not None:
                    self._commit(previous, pending_rejections)
                    pending_rejections = []
                previous = chunk
            if previous is not None:
                self._commit(previous, pending_rejections)
        except BaseException:
            self._stop.set()
            raise
        finally:
            sender.shutdown(wait=True, cancel_futures=True)

    def _prepare(self, plans: Sequence[PairPlan]) -> _Chunk:
        outcomes = [Outcome() for _ in plans]
        intents: dict[int, Intent] = {}
        writes = {side: self._writes(side, plans, outcomes, intents) for side in Side}
        self.ledger.record_intents(self.pipeline, self.run_id, list(intents.values()))
        failpoints.hit("after_intents")
        return _Chunk(plans, outcomes, writes, intents)

    def _send(self, chunk: _Chunk) -> None:
        if self._stop.is_set():
            raise _Stopped("an earlier chunk failed; this one was not sent")
        try:
            plans, outcomes = chunk.plans, chunk.outcomes
            for side in Side:
                self._move_keys(side, chunk)
                writes = [w for w in chunk.writes[side] if side not in outcomes[int(w.key)].failed]
                self._write_side(side, writes, chunk)
                self._archive(side, chunk)
            self._stamp_new_external_ids(plans, outcomes)
            failpoints.hit("after_remote_accept")
        except BaseException:
            self._stop.set()
            raise

    def _commit(self, chunk: _Chunk, rejected: list[Rejected]) -> None:
        assert chunk.sent is not None
        chunk.sent.result()  # what the sender met is raised here, before anything is committed
        match = self.fieldmap.match.hubspot if self.fieldmap.match is not None else None
        settler = Settler(
            match,
            self.conflict_policy,
            chunk.tally,
            self.fieldmap.edge_targets(),
            stored_key=self.ledger.stored_key,
        )
        commit = settler.commit_for(chunk.plans, chunk.outcomes, chunk.intents, self.clock())
        commit.rejected.extend(rejected)
        commit.intents_applied.extend(
            clears_given(chunk.clears, [o.failed for o in chunk.outcomes])
        )
        chunk.tally.quarantined += len(commit.rejected)
        chunk.tally.new_quarantined += self.ledger.new_refusals(self.pipeline, commit.rejected)
        failpoints.hit("before_ledger_commit")
        self.ledger.commit(self.pipeline, self.epoch, commit, self.run_id)
        self.tally.add(chunk.tally)
        self.observer.chunk_committed(
            chunk.tally.committed(self.run_id, self.pipeline, commit.rejected)
        )

    def _writes(
        self,
        side: Side,
        plans: Sequence[PairPlan],
        outcomes: list[Outcome],
        intents: dict[int, Intent],
    ) -> list[Write]:
        out: list[Write] = []
        for index, plan in enumerate(plans):
            values = plan.writes.get(side)
            stamp = side is Side.HUBSPOT and plan.stamp_external_id
            if values is None and not stamp:
                continue
            write = self._write(side, index, plan, values or {})
            if isinstance(write, Rejection):
                outcomes[index].failed[side] = write
                continue
            if write.target_id is None:
                intents[index] = new_intent(
                    side,
                    "create",
                    source_id=source_id(plan, side),
                    unique_property=write.unique_property,
                    unique_value=write.unique_value,
                    associations=self._sent_lists(write),
                )
            out.append(write)
        return out

    def _sent_lists(self, create: Write) -> dict[str, tuple[str, ...]]:
        """The association lists a create carries, kept with its intent: what a side whose
        look-up by key lags finds the created record through, after a crash."""
        lists = {name: create.properties.get(name) for name in self._edge_fields}
        return {
            name: tuple(str(i) for i in ids)
            for name, ids in lists.items()
            if isinstance(ids, list | tuple) and ids
        }

    def _write(
        self, side: Side, index: int, plan: PairPlan, values: dict[str, str | None]
    ) -> Write | Rejection:
        try:
            properties = self.fieldmap.native(values, side)
        except ValueError as exc:  # a reference that has no id there (resolved when read)
            return Rejection(RejectionKind.INVALID_VALUE, "UNRESOLVED_REFERENCE", str(exc))
        pair = plan.pair
        target = pair.version(side)
        target_id = target.id if target else (pair.link.id_on(side) if pair.link else None)
        if plan.create_on is side:
            target_id = None  # a new record, even for a link (its archived twin is restored)
        if side is Side.HUBSPOT and (external_id := external_id_of(pair)) is not None:
            properties[self.id_property] = external_id
        if target_id is not None:
            return Write(str(index), properties, target_id=target_id)
        return self._create(side, index, plan, properties)

    def _create(
        self, side: Side, index: int, plan: PairPlan, properties: dict[str, object]
    ) -> Write | Rejection:
        key, match = plan.pair.match_key, self.fieldmap.match
        if side is Side.HUBSPOT:
            assert plan.pair.external is not None
            if key and match is not None and match.is_email:  # unique there too: upsert on it
                return Write(
                    str(index), properties, unique_property=match.hubspot, unique_value=key
                )
            return Write(
                str(index),
                properties,
                unique_property=self.id_property,
                unique_value=plan.pair.external.id,
            )
        if match is None:
            # No match key: the external side upserts on the record's own key (for SQL, the
            # primary key columns among the mapped values), or rejects the record naming it.
            return Write(str(index), properties)
        if not key:
            return Rejection(
                RejectionKind.REQUIRED_MISSING,
                "MISSING_MATCH_KEY",
                "the record has no "
                f"{match.hubspot!r}, so it cannot be created in the "
                "external CRM without risking a duplicate",
                match.hubspot,
            )
        return Write(str(index), properties, unique_property=match.column, unique_value=key)

    def _write_side(self, side: Side, writes: list[Write], chunk: _Chunk) -> None:
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

    def _move_keys(self, side: Side, chunk: _Chunk) -> None:
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

    def _archive(self, side: Side, chunk: _Chunk) -> None:
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
