"""Execute a plan: send writes in batches, then commit what happened, chunk by chunk.

For each chunk of planned pairs: record an intent for every create (committed before anything
is sent), write to HubSpot and to the external side, archive where the delete policy says so,
then commit new links, re-based hashes, conflicts, quarantine entries and resolved intents in
one fenced transaction. A pair whose write failed keeps its old base for the failed fields, so
the difference is seen again; the failing source record is quarantined with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from syncer.connectors.base import Connector
from syncer.engine import failpoints
from syncer.engine.plan import PairPlan, encode_sides, external_id_of
from syncer.ledger import journal
from syncer.ledger.journal import Intent
from syncer.ledger.quarantine import Rejected
from syncer.ledger.store import Commit, ConflictRecord, Ledger, Link
from syncer.mapping.apply import FieldMap
from syncer.records import Rejection, Side, Write, WriteResult

CHUNK = 1000
# How each connector says "the record you addressed does not exist" (HubSpot, SQL).
NOT_FOUND = frozenset({"OBJECT_NOT_FOUND", "not_found"})


@dataclass(slots=True)
class Tally:
    created: dict[Side, int] = field(default_factory=lambda: {s: 0 for s in Side})
    updated: dict[Side, int] = field(default_factory=lambda: {s: 0 for s in Side})
    archived: dict[Side, int] = field(default_factory=lambda: {s: 0 for s in Side})
    linked: int = 0
    conflicts: int = 0
    quarantined: int = 0


@dataclass(slots=True)
class _Outcome:
    ids: dict[Side, str] = field(default_factory=dict)
    failed: dict[Side, Rejection] = field(default_factory=dict)
    stamp_failed: Rejection | None = None  # the new external id could not be set in HubSpot


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
        conflict_policy: str,
        before_chunk: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.pipeline = pipeline
        self.run_id = run_id
        self.epoch = epoch
        self.ledger = ledger
        self.connectors = connectors
        self.fieldmap = fieldmap
        self.id_property = external_id_property
        self.policy = conflict_policy
        self.before_chunk = before_chunk  # renews the lease on long runs
        self.clock = clock
        self.tally = Tally()

    def execute(self, plans: Sequence[PairPlan], rejected: Sequence[Rejected] = ()) -> None:
        pending_rejections = list(rejected)
        for start in range(0, max(len(plans), 1), CHUNK):
            self.before_chunk()
            commit = self._run_chunk(plans[start : start + CHUNK])
            commit.rejected.extend(pending_rejections)
            pending_rejections = []
            self.tally.quarantined += len(commit.rejected)
            failpoints.hit("before_ledger_commit")
            self.ledger.commit(self.pipeline, self.epoch, commit, self.run_id)

    def _run_chunk(self, plans: Sequence[PairPlan]) -> Commit:
        outcomes = [_Outcome() for _ in plans]
        self._refuse_taken_keys(plans, outcomes)
        intents: dict[int, Intent] = {}
        writes = {side: self._writes(side, plans, outcomes, intents) for side in Side}
        journal.record_intents(
            self.ledger.engine, self.pipeline, self.run_id, list(intents.values())
        )
        failpoints.hit("after_intents")
        for side in Side:
            self._send(side, writes[side], outcomes)
            self._archive(side, plans, outcomes)
        self._stamp_new_external_ids(plans, outcomes)
        failpoints.hit("after_remote_accept")
        return self._commit_for(plans, outcomes, intents)

    def _writes(
        self,
        side: Side,
        plans: Sequence[PairPlan],
        outcomes: list[_Outcome],
        intents: dict[int, Intent],
    ) -> list[Write]:
        out: list[Write] = []
        for index, plan in enumerate(plans):
            values = plan.writes.get(side)
            stamp = side is Side.HUBSPOT and plan.stamp_external_id
            if (values is None and not stamp) or side in outcomes[index].failed:
                continue
            write = self._write(side, index, plan, values or {})
            if isinstance(write, Rejection):
                outcomes[index].failed[side] = write
                continue
            if write.target_id is None:
                intents[index] = journal.new_intent(
                    side,
                    "create",
                    source_id=_source_id(plan, side),
                    unique_property=write.unique_property,
                    unique_value=write.unique_value,
                )
            out.append(write)
        return out

    def _write(
        self, side: Side, index: int, plan: PairPlan, values: dict[str, str | None]
    ) -> Write | Rejection:
        properties = self.fieldmap.native(values, side)
        pair = plan.pair
        target = pair.version(side)
        target_id = target.id if target else (pair.link.id_on(side) if pair.link else None)
        if side is Side.HUBSPOT and (external_id := external_id_of(pair)) is not None:
            properties[self.id_property] = external_id
        if target_id is not None:
            return Write(str(index), properties, target_id=target_id)
        return self._create(side, index, plan, properties)

    def _create(
        self, side: Side, index: int, plan: PairPlan, properties: dict[str, object]
    ) -> Write | Rejection:
        key = plan.pair.match_key
        if side is Side.HUBSPOT:
            assert plan.pair.external is not None
            if key and self.fieldmap.match.is_email:
                return Write(str(index), properties, unique_property="email", unique_value=key)
            return Write(
                str(index),
                properties,
                unique_property=self.id_property,
                unique_value=plan.pair.external.id,
            )
        if not key:
            return Rejection(
                "MISSING_MATCH_KEY",
                "the record has no "
                f"{self.fieldmap.match.hubspot!r}, so it cannot be created in the "
                "external CRM without risking a duplicate",
                self.fieldmap.match.hubspot,
            )
        return Write(
            str(index), properties, unique_property=self.fieldmap.match.external, unique_value=key
        )

    def _send(self, side: Side, writes: list[Write], outcomes: list[_Outcome]) -> None:
        if not writes:
            return
        by_key = {w.key: w for w in writes}
        for result in self.connectors[side].write(writes):
            outcome = outcomes[int(result.key)]
            if result.ok and result.id is not None:
                outcome.ids[side] = result.id
                self._count(side, by_key[result.key], result)
            else:
                outcome.failed[side] = result.rejection or Rejection(
                    "NO_RESULT", "the side returned no result for this record"
                )

    def _refuse_taken_keys(self, plans: Sequence[PairPlan], outcomes: list[_Outcome]) -> None:
        """A match key (email) copied onto a linked record must not be one another record of
        that side already holds: that would make two records with one key. Looked up first."""
        match = self.fieldmap.match
        for side in Side:
            wanted: dict[str, list[int]] = {}
            for index, plan in enumerate(plans):
                key = plan.writes.get(side, {}).get(match.hubspot)
                if key is not None and plan.pair.link is not None:
                    wanted.setdefault(key, []).append(index)
            if not wanted:
                continue
            name = match.hubspot if side is Side.HUBSPOT else match.external
            for record in self.connectors[side].find(name, list(wanted)):
                for index in wanted.get(self.fieldmap.match_key(record, side) or "", []):
                    pair = plans[index].pair
                    if record.id != (pair.link.id_on(side) if pair.link else None):
                        outcomes[index].failed[side] = Rejection(
                            "DUPLICATE_MATCH_KEY",
                            f"{side.value} record {record.id} already holds {match.hubspot} "
                            f"{record.properties.get(name)!r}; not copying it onto a second one",
                            match.hubspot,
                        )

    def _stamp_new_external_ids(self, plans: Sequence[PairPlan], outcomes: list[_Outcome]) -> None:
        """A HubSpot record copied into the external CRM learns its new external id."""
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
                    "NO_RESULT", "HubSpot returned no result for the external-id stamp"
                )

    def _count(self, side: Side, write: Write, result: WriteResult) -> None:
        if write.target_id is None and result.created:
            self.tally.created[side] += 1
        else:
            self.tally.updated[side] += 1

    def _archive(self, side: Side, plans: Sequence[PairPlan], outcomes: list[_Outcome]) -> None:
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
                self.tally.archived[side] += 1

    def _commit_for(
        self, plans: Sequence[PairPlan], outcomes: list[_Outcome], intents: dict[int, Intent]
    ) -> Commit:
        commit = Commit(now=self.clock())
        for index, (plan, outcome) in enumerate(zip(plans, outcomes, strict=True)):
            intent = intents.get(index)
            if intent is not None:
                created = plan.create_on in outcome.ids
                (commit.intents_applied if created else commit.intents_failed).append(intent.id)
            self._settle(plan, outcome, commit)
        return commit

    def _settle(self, plan: PairPlan, outcome: _Outcome, commit: Commit) -> None:
        pair = plan.pair
        gone = self._quarantine_failures(plan, outcome, commit)
        hub_id = outcome.ids.get(Side.HUBSPOT) or _known_id(plan, Side.HUBSPOT)
        ext_id = outcome.ids.get(Side.EXTERNAL) or _known_id(plan, Side.EXTERNAL)
        if hub_id is None or ext_id is None:
            return  # a create failed: no pair to remember yet
        base = dict(plan.base)
        for side in outcome.failed:
            for field_name in plan.writes.get(side, {}):
                old = pair.link.base.get(field_name) if pair.link else None
                if old is None:
                    base.pop(field_name, None)
                else:
                    base[field_name] = old
        archived = encode_sides(plan.archived | gone)
        link_id = pair.link.id if pair.link else None
        link = Link(link_id, hub_id, ext_id, self._agreed_key(plan), base, archived)
        if pair.link is None or link != pair.link:
            commit.links.append(link)
        if pair.link is None:
            self.tally.linked += 1
        # A record leaves the quarantine once its own change was delivered, whatever its twin's.
        if Side.EXTERNAL not in outcome.failed and outcome.stamp_failed is None:
            commit.synced.setdefault(Side.HUBSPOT, []).append(hub_id)
        if Side.HUBSPOT not in outcome.failed:
            commit.synced.setdefault(Side.EXTERNAL, []).append(ext_id)
        self._conflicts(plan, hub_id, ext_id, commit)

    def _quarantine_failures(
        self, plan: PairPlan, outcome: _Outcome, commit: Commit
    ) -> frozenset[Side]:
        """Quarantine the source records of failed writes; return the sides whose linked record
        turned out to be gone (an update found nothing): those are archived, not errors."""
        gone: set[Side] = set()
        for side, rejection in outcome.failed.items():
            if plan.pair.link is not None and rejection.category in NOT_FOUND:
                gone.add(side)
                continue
            source, source_id = _source(plan, side)
            if source_id is not None:
                commit.rejected.append(
                    Rejected(
                        source,
                        source_id,
                        _operation(plan, side),
                        rejection.category,
                        rejection.message,
                        rejection.property,
                    )
                )
        hub = plan.pair.hubspot
        if outcome.stamp_failed is not None and hub is not None:
            # Quarantined under the HubSpot record: re-reading it is what sends the stamp again.
            failure = outcome.stamp_failed
            commit.rejected.append(
                Rejected(
                    Side.HUBSPOT,
                    hub.id,
                    "stamp",
                    failure.category,
                    failure.message,
                    failure.property,
                )
            )
        return frozenset(gone)

    def _agreed_key(self, plan: PairPlan) -> str | None:
        """The match key both sides hold after this run: a copied new key replaces the old."""
        name = self.fieldmap.match.hubspot
        for values in plan.writes.values():
            if name in values:  # copied, even as None: a cleared key holds no address any more
                return values[name]
        return plan.pair.match_key

    def _conflicts(self, plan: PairPlan, hub_id: str, ext_id: str, commit: Commit) -> None:
        for c in plan.conflicts:
            commit.conflicts.append(
                ConflictRecord(
                    hub_id, ext_id, c.field, c.hubspot_hash, c.external_hash, c.winner, self.policy
                )
            )
        self.tally.conflicts += len(plan.conflicts)


def _known_id(plan: PairPlan, side: Side) -> str | None:
    version = plan.pair.version(side)
    if version is not None:
        return version.id
    return plan.pair.link.id_on(side) if plan.pair.link else None


def _source_id(plan: PairPlan, target: Side) -> str | None:
    return _known_id(plan, target.other)


def _source(plan: PairPlan, target: Side) -> tuple[Side, str | None]:
    """The record a failed write is quarantined under: the one whose change it carried, or,
    for a bare external-id stamp, the HubSpot record itself (re-reading it retries the stamp)."""
    if target is Side.HUBSPOT and Side.HUBSPOT not in plan.writes:
        return Side.HUBSPOT, _known_id(plan, Side.HUBSPOT)
    return target.other, _source_id(plan, target)


def _operation(plan: PairPlan, side: Side) -> str:
    if plan.archive_on is side:
        return "archive"
    return "create" if plan.create_on is side else "update"
