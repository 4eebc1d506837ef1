"""Execute a plan chunk by chunk, one chunk's remote writes overlapping its neighbours' ledger work.

Each chunk of planned pairs goes through three stages:
1. run thread: build the writes and commit an intent for every create, before anything of the
   chunk is sent (a crash after the API accepted a create leaves the intent to reconcile;
   chunk_writes.py);
2. sender thread (sender.py): refuse a key copied onto a linked record that another record
   already holds (unless it gives it up in the chunk: key_moves.py), write to HubSpot and to
   the external side, archive where the delete policy says so, then stamp new external ids in
   HubSpot;
3. run thread: commit links, re-based hashes, conflicts, quarantine entries and resolved
   intents in one fenced transaction (see settle.py).
A single sender thread carries the chunks in order, so the remote side sees exactly the writes
it would see one chunk after another; meanwhile the run thread commits chunk k-1 and records
chunk k+1's intents. On a rate-limited portal that keeps requests going while the ledger works,
instead of leaving the budget idle at every chunk boundary.

The executor outlives a page: `execute` returns with the page's last chunk still being sent,
uncommitted (`in_flight`), and the next page commits it before its first chunk. So the next
page is read, matched and planned while the sender works, instead of the sender waiting for it
all; the caller passes the keys that chunk holds to the next page's matching, or `drain`s it
first when the next page might meet its records (page_overlap.py). `drain` before anything else
reads the ledger for what the chunks did, and `close` at the end of the run.

After any failure nothing more is sent: the sender refuses queued chunks and the run thread
stops committing. A stop asked for (SIGTERM) is graceful: no new chunk starts, the one in flight
is sent and committed, and RunStopped leaves the run's cursors where they were.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from syncer.connectors.base import Connector
from syncer.engine import failpoints
from syncer.engine.chunk_writes import WriteBuilder
from syncer.engine.key_moves import clears_given
from syncer.engine.observer import LoggingObserver, RunObserver
from syncer.engine.pairs import PairPlan
from syncer.engine.sender import Chunk, Sender
from syncer.engine.settle import Outcome, Settler, Tally
from syncer.errors import RunStopped
from syncer.ledger.store import Ledger
from syncer.ledger.values import Intent, Rejected
from syncer.mapping.apply import FieldMap
from syncer.policies import ConflictPolicy
from syncer.records import Side

CHUNK = 1000


class _Stopped(Exception):
    """A queued chunk refused by the sender because an earlier stage failed."""


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
        self.fieldmap = fieldmap
        self.builder = WriteBuilder(fieldmap, external_id_property)
        self.sender = Sender(
            pipeline,
            run_id,
            ledger,
            connectors,
            fieldmap,
            external_id_property,
            stamps_external_id,
        )
        self.before_chunk = before_chunk  # renews the lease on long runs
        self.clock = clock
        self.stopping = stopping or (lambda: False)
        self.observer = observer or LoggingObserver()
        self.conflict_policy = conflict_policy
        self.tally = Tally()  # the committed chunks'
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None  # the sender thread, for the whole run
        self._pending: Chunk | None = None  # sent or being sent, not yet committed

    def execute(self, plans: Sequence[PairPlan], rejected: Sequence[Rejected] = ()) -> None:
        """Send `plans` chunk by chunk; the last chunk is left in flight (see the docstring)."""
        parts = [plans[start : start + CHUNK] for start in range(0, len(plans), CHUNK)] or [[]]
        try:
            for done, part in enumerate(parts):
                if self.stopping():
                    self._commit_pending()
                    raise RunStopped(
                        f"stopped after {done} of {len(parts)} chunks, all it sent recorded; "
                        "the next run reads the rest again"
                    )
                self.before_chunk()
                if done == 0:
                    # The previous page's last chunk is committed before this page records an
                    # intent or queues a write: a commit that fails, or a process stopped at
                    # it (a leader about to be fenced), leaves nothing of a later page to send.
                    self._commit_pending()
                chunk = self._prepare(part, rejected if done == 0 else ())
                chunk.sent = self._sender_pool().submit(
                    contextvars.copy_context().run, self._send, chunk
                )
                self._commit_pending()  # the chunk before: committed while this one is sent
                self._pending = chunk
        except BaseException:
            self._stop.set()
            raise

    def in_flight(self) -> Sequence[PairPlan]:
        """The plans of the chunk sent (or being sent) and not yet committed."""
        return self._pending.plans if self._pending is not None else ()

    def drain(self) -> None:
        """Wait for the chunk in flight and commit it: the ledger then holds all that was sent."""
        try:
            self._commit_pending()
        except BaseException:
            self._stop.set()
            raise

    def close(self) -> None:
        """End the sender. A chunk still in flight is committed if nothing failed (a failure
        elsewhere ended the run: what was sent is recorded, as when pages ran one by one);
        after a failure of the executor's own, nothing more is committed."""
        try:
            if self._pending is not None and not self._stop.is_set():
                self.drain()
        finally:
            self._stop.set()  # chunks still queued, if any, are refused unsent
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def _sender_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="syncer-sender")
        return self._pool

    def _commit_pending(self) -> None:
        chunk, self._pending = self._pending, None
        if chunk is not None:
            self._commit(chunk)

    def _prepare(self, plans: Sequence[PairPlan], rejected: Sequence[Rejected]) -> Chunk:
        outcomes = [Outcome() for _ in plans]
        intents: dict[int, Intent] = {}
        writes = {side: self.builder.writes(side, plans, outcomes, intents) for side in Side}
        self.ledger.record_intents(self.pipeline, self.run_id, list(intents.values()))
        failpoints.hit("after_intents")
        return Chunk(plans, outcomes, writes, intents, rejected=list(rejected))

    def _send(self, chunk: Chunk) -> None:
        if self._stop.is_set():
            raise _Stopped("an earlier chunk failed; this one was not sent")
        try:
            self.sender.send(chunk)
        except BaseException:
            self._stop.set()
            raise

    def _commit(self, chunk: Chunk) -> None:
        assert chunk.sent is not None
        chunk.sent.result()  # what the sender met is raised here, before anything is committed
        match = self.fieldmap.match.hubspot if self.fieldmap.match is not None else None
        settler = Settler(
            match,
            self.conflict_policy,
            chunk.tally,
            self.fieldmap.edge_targets(),
            keys=self.ledger.key_form,
        )
        commit = settler.commit_for(chunk.plans, chunk.outcomes, chunk.intents, self.clock())
        commit.rejected.extend(chunk.rejected)
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
