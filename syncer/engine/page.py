"""One page of a run: match -> plan -> guard -> execute, and what the pages add up to.

Every run goes through here, page by page: a whole run is one page, a streamed migration many
(stream.py). A page is the records of both sides that may pair with each other, and the keys
records outside it hold. A dry run plans each page and writes nothing; the plan is described
for `syncer plan` instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from syncer.engine import guards
from syncer.engine.context import RunState
from syncer.engine.execute import Executor
from syncer.engine.observer import PagePlanned, WatchesPlans
from syncer.engine.page_overlap import held_in_flight
from syncer.engine.plan import Pair, PairPlan, Restored, plan_pair
from syncer.engine.report import Mode, PlannedAction
from syncer.records import Record, Side


@dataclass(frozen=True, slots=True)
class Page:
    hubspot: Sequence[Record]
    external: Sequence[Record]
    held: Mapping[str, str] = field(default_factory=dict)  # keys taken outside it: by whom
    # A revisit's edges to give back, by the link's external id (plan_pair's `restorable`).
    restored: Mapping[str, Restored] = field(default_factory=dict)


class PageRunner:
    """Runs the pages of one run with one matcher, policy and executor; then fills the report."""

    def __init__(self, state: RunState, link_count: int) -> None:
        self.state = state
        self.link_count = link_count
        self.matcher = state.matcher()
        self.policy = state.policy()
        # A dry run has no executor: it writes nothing, commits nothing.
        self.executor: Executor | None = None if state.ctx.dry_run else state.executor()
        self.planned: list[PlannedAction] = []
        self.rejected = 0  # a dry run's rejections (an executor counts its own)
        self.withheld = dict.fromkeys(Side, 0)  # creates `create_in` does not allow, by side
        self.any_pending: bool | None = None  # whether the ledger may hold pending references
        # Whether the next page may be matched while this page's last chunk is sent: in a
        # migration without references (their look-ups and saved references read the ledger
        # and the other side mid-page); a sync looks records up on the other side.
        self.overlaps = state.mode is Mode.MIGRATE and not state.fieldmap.has_references

    def run(self, page: Page) -> None:
        held = {**page.held, **self._held_in_flight(page)}
        matched = self.matcher.match(page.hubspot, page.external, held)
        plans = self._plans(matched.pairs, page.restored)
        guards.check_plan(self.link_count, plans, force=self.state.ctx.force)
        self._tell_planned(plans)
        if self.executor is None:
            self.planned += guards.describe(plans, self.state.ctx.pipeline.external_id_property)
            self.rejected += len(matched.rejected) + sum(len(p.refused) for p in plans)
        else:
            self.executor.execute(plans, matched.rejected)
            if not self.overlaps:
                self.executor.drain()
        self._save_references()

    def drain(self) -> None:
        """Commit the chunk still in flight: before anything reads the ledger for it."""
        if self.executor is not None:
            self.executor.drain()

    def close(self) -> None:
        """End the executor's sender; what it sent is committed unless it failed itself."""
        if self.executor is not None:
            self.executor.close()

    def _held_in_flight(self, page: Page) -> dict[str, str]:
        """The keys the previous page's chunk still in flight takes (page_overlap.py); or,
        when this page must not be matched before that chunk commits, none, once it has."""
        if self.executor is None or not self.executor.in_flight():
            return {}
        held = held_in_flight(self.executor.in_flight(), page.hubspot, page.external)
        if held is None:
            self.executor.drain()
            return {}
        return held

    def _save_references(self) -> None:
        """The page's pending references, replacing those its records held (not in a dry run,
        which commits nothing); the page's look-ups are let go."""
        resolver = self.state.resolver
        if resolver is None:
            return
        found = resolver.forget()
        if not found or self.executor is None:
            return
        ctx = self.state.ctx
        if self.any_pending is None:  # asked once a run: a migration with none saves nothing
            self.any_pending = ctx.ledger.has_pending_references(ctx.pipeline.name)
        if found.pending or self.any_pending:
            pending = list(found.pending.values())
            ctx.ledger.save_references(
                ctx.pipeline.name, self.state.epoch, found.read, pending, ctx.clock()
            )
            self.any_pending = True

    def finish(self, held_back: int) -> None:
        """The report: what was done (or planned), and the records quarantined, those left to
        their back-off included."""
        report = self.state.report
        for side in Side:
            report.not_created[side.value] = self.withheld[side]
        if self.executor is None:
            report.count_planned(self.planned)
            report.quarantined = self.rejected + held_back
            report.new_quarantined = self.rejected
            return
        tally = self.executor.tally
        for side in Side:
            report.created[side.value] = tally.created[side]
            report.updated[side.value] = tally.updated[side]
            report.archived[side.value] = tally.archived[side]
        report.linked = tally.linked
        report.conflicts = tally.conflicts
        report.first_link_differences = tally.first_link_differences
        report.quarantined = tally.quarantined + held_back
        report.new_quarantined = tally.new_quarantined

    def _tell_planned(self, plans: Sequence[PairPlan]) -> None:
        observer, report = self.state.ctx.observer, self.state.report
        if isinstance(observer, WatchesPlans):
            writes = {side: sum(_writes_to(side, plan) for plan in plans) for side in Side}
            observer.page_planned(PagePlanned(report.run_id, report.pipeline, writes))

    def _plans(self, pairs: Sequence[Pair], restored: Mapping[str, Restored]) -> list[PairPlan]:
        fields = self.state.fieldmap.fields
        planned = [
            plan_pair(pair, fields, self.policy, _restored_for(pair, restored)) for pair in pairs
        ]
        for plan in planned:
            if plan.create_withheld is not None:
                self.withheld[plan.create_withheld] += 1
        return [plan for plan in planned if not plan.is_noop]


def _writes_to(side: Side, plan: PairPlan) -> bool:
    """Whether executing `plan` writes to `side` (as the executor counts its writes)."""
    stamp = side is Side.HUBSPOT and plan.stamp_external_id
    return side in plan.writes or plan.archive_on is side or stamp


def _restored_for(pair: Pair, restored: Mapping[str, Restored]) -> Restored | None:
    return restored.get(pair.link.external_id) if pair.link is not None and restored else None
