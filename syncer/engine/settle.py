"""Turn what happened to one chunk's writes into its ledger commit.

Successful pairs get their link (new ids, re-based hashes, archived sides); a pair whose write
failed keeps its old base for the failed fields, so the difference is seen again next run, and
the record whose change it carried is quarantined with the reason. A linked record that turned
out not to exist is archived, not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from syncer.engine.backoff import fingerprint
from syncer.engine.conflict_rows import ConflictLog
from syncer.engine.observer import ChunkCommitted, SideWrites
from syncer.engine.pairs import PairPlan, encode_sides
from syncer.engine.read_back import NotApplied
from syncer.ledger.values import (
    CLEAR_KEYS,
    Commit,
    EdgeSet,
    Intent,
    Link,
    MatchKeyForm,
    Rejected,
    newest_stamp,
    value_hash,
)
from syncer.mapping.references import split_keys
from syncer.policies import ConflictPolicy
from syncer.records import Rejection, RejectionKind, Side


@dataclass(slots=True)
class Tally:
    created: dict[Side, int] = field(default_factory=lambda: {s: 0 for s in Side})
    updated: dict[Side, int] = field(default_factory=lambda: {s: 0 for s in Side})
    archived: dict[Side, int] = field(default_factory=lambda: {s: 0 for s in Side})
    linked: int = 0
    conflicts: int = 0
    first_link_differences: int = 0  # settled by `first_link`, not conflicts
    quarantined: int = 0
    new_quarantined: int = 0  # of those, records not refused before as the same version

    def add(self, other: Tally) -> None:
        for side in Side:
            self.created[side] += other.created[side]
            self.updated[side] += other.updated[side]
            self.archived[side] += other.archived[side]
        self.linked += other.linked
        self.conflicts += other.conflicts
        self.first_link_differences += other.first_link_differences
        self.quarantined += other.quarantined
        self.new_quarantined += other.new_quarantined

    def committed(self, run_id: str, pipeline: str, rejected: list[Rejected]) -> ChunkCommitted:
        """This chunk's counts as the event observers are told; `rejected`: its quarantine."""
        return ChunkCommitted(
            run_id,
            pipeline,
            writes={
                s: SideWrites(self.created[s], self.updated[s], self.archived[s]) for s in Side
            },
            linked=self.linked,
            conflicts=self.conflicts,
            quarantined={s: sum(r.source_side is s for r in rejected) for s in Side},
        )


@dataclass(slots=True)
class Outcome:
    """What became of one pair's writes."""

    ids: dict[Side, str] = field(default_factory=dict)
    failed: dict[Side, Rejection] = field(default_factory=dict)
    stamp_failed: Rejection | None = None  # the new external id could not be set in HubSpot
    # Fields a side accepted and kept another value for (read back from its answer).
    not_applied: dict[Side, list[NotApplied]] = field(default_factory=dict)


@dataclass(slots=True)
class Settler:
    match_property: str | None  # the match field by its canonical name, if there is one
    conflict_policy: ConflictPolicy
    tally: Tally
    edge_targets: dict[str, str] = field(default_factory=dict)  # association field: pipeline
    # How the ledger keeps match keys (Ledger.key_form): with hash_match_keys, a key is stored
    # as its hash, quoted by no refusal and kept by no conflict.
    keys: MatchKeyForm = CLEAR_KEYS

    def commit_for(
        self,
        plans: Sequence[PairPlan],
        outcomes: Sequence[Outcome],
        intents: dict[int, Intent],
        now: datetime,
    ) -> Commit:
        commit = Commit(now=now)
        for index, (plan, outcome) in enumerate(zip(plans, outcomes, strict=True)):
            intent = intents.get(index)
            if intent is not None:
                created = plan.create_on in outcome.ids
                (commit.intents_applied if created else commit.intents_failed).append(intent.id)
            self._settle(plan, outcome, commit)
        return commit

    def _settle(self, plan: PairPlan, outcome: Outcome, commit: Commit) -> None:
        pair = plan.pair
        gone: frozenset[Side] = frozenset()
        if outcome.failed or outcome.stamp_failed is not None:  # most pairs: nothing failed
            gone = _quarantine_failures(plan, outcome, commit, self._redactor(plan))
        hub_id = outcome.ids.get(Side.HUBSPOT) or known_id(plan, Side.HUBSPOT)
        ext_id = outcome.ids.get(Side.EXTERNAL) or known_id(plan, Side.EXTERNAL)
        create_failed = plan.create_on is not None and plan.create_on not in outcome.ids
        if hub_id is None or ext_id is None or create_failed:
            return  # no pair to remember yet (a restore's link keeps its archived twin)
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
        link = Link(
            link_id,
            hub_id,
            ext_id,
            self._agreed_key(plan),
            base,
            archived,
            hubspot_seen_us=_seen(plan, Side.HUBSPOT, hub_id),
            external_seen_us=_seen(plan, Side.EXTERNAL, ext_id),
        )
        if pair.link is None or link != pair.link:
            commit.links.append(link)
        self._edges(plan, base, ext_id, commit)
        if pair.link is not None and _moved(pair.link, link):
            commit.revisit_targets.append(pair.link.external_id)
        if pair.link is None:
            self.tally.linked += 1
            self.tally.first_link_differences += plan.first_link_differences
        # A record leaves the quarantine once its own change was delivered, whatever its twin's.
        if Side.EXTERNAL not in outcome.failed and outcome.stamp_failed is None:
            commit.synced.setdefault(Side.HUBSPOT, []).append(hub_id)
        if Side.HUBSPOT not in outcome.failed:
            commit.synced.setdefault(Side.EXTERNAL, []).append(ext_id)
        if plan.conflicts or outcome.not_applied:  # most pairs have none: no log built for them
            logged = ConflictLog(self.conflict_policy, self.match_property, self.keys)
            found = logged.planned(plan, hub_id, ext_id)
            found += logged.not_applied(outcome, hub_id, ext_id)
            commit.conflicts += found
            self.tally.conflicts += len(found)

    def _edges(self, plan: PairPlan, base: dict[str, str], ext_id: str, commit: Commit) -> None:
        """The association values both sides hold now, as edges (a failed write's are not)."""
        for name, text in plan.agreed.items():
            if name in self.edge_targets and base.get(name) == value_hash(text):
                keys = tuple(split_keys(text))
                commit.edges.append(EdgeSet(name, self.edge_targets[name], ext_id, keys))

    def _agreed_key(self, plan: PairPlan) -> str | None:
        """The match key both sides hold after this run, as the ledger keeps it: a copied new
        key replaces the old; a key no live record said this run is the link's, kept as is."""
        for values in plan.writes.values():
            if (
                self.match_property is not None and self.match_property in values
            ):  # copied, even as None: a cleared key holds none
                return self.keys.stored(values[self.match_property])
        key, link = plan.pair.match_key, plan.pair.link
        if link is not None and key == link.match_key:
            return key  # remembered, not read (match_sides.current_key): stored already
        return self.keys.stored(key)

    def _redactor(self, plan: PairPlan) -> Callable[[str], str]:
        """A side's refusal message as the ledger may keep it: the pair's keys, as read and as
        written, shown as their hashes when keys are hashed."""
        if not self.keys.hashed or self.match_property is None:
            return lambda text: text
        name, pair = self.match_property, plan.pair
        keys = [v.values.get(name) for v in (pair.hubspot, pair.external) if v is not None]
        keys += [values.get(name) for values in plan.writes.values()]
        return lambda text: self.keys.redact(text, keys)


def _moved(before: Link, after: Link) -> bool:
    """Archived, restored or re-pointed: records pointing at it are read again."""
    return before.archived_on != after.archived_on or before.hubspot_id != after.hubspot_id


def _quarantine_failures(
    plan: PairPlan, outcome: Outcome, commit: Commit, redact: Callable[[str], str]
) -> frozenset[Side]:
    """Quarantine the source records of failed writes (their messages through `redact`);
    return the sides whose linked record turned out to be gone (an update found nothing):
    those are archived, not errors."""
    gone: set[Side] = set()
    for side, rejection in outcome.failed.items():
        if plan.pair.link is not None and rejection.kind is RejectionKind.NOT_FOUND:
            gone.add(side)
            continue
        source, source_id = _source(plan, side)
        if source_id is not None:
            version = plan.pair.version(source)
            commit.rejected.append(
                Rejected(
                    source,
                    source_id,
                    _operation(plan, side),
                    rejection.code,
                    redact(rejection.message),
                    rejection.property,
                    fingerprint(version) if version is not None else None,
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
                failure.code,
                redact(failure.message),
                failure.property,
                fingerprint(hub),
            )
        )
    return frozenset(gone)


def _seen(plan: PairPlan, side: Side, record_id: str) -> int | None:
    """How new a version of this side's record the pair is now settled with, so that a lagging
    read of an older version is not taken for an edit: the one read this run, unless the link
    knew a newer one of the same record. A record created by this run has no time known here
    (its versions are all newer than anything remembered)."""
    link, version = plan.pair.link, plan.pair.version(side)
    same = link is not None and link.id_on(side) == record_id
    seen = link.seen_on(side) if link is not None and same else None
    if version is None or version.id != record_id:
        return seen
    return newest_stamp(seen, version.modified_at)


def known_id(plan: PairPlan, side: Side) -> str | None:
    version = plan.pair.version(side)
    if version is not None:
        return version.id
    return plan.pair.link.id_on(side) if plan.pair.link else None


def source_id(plan: PairPlan, target: Side) -> str | None:
    """The id of the record whose change a write to `target` carries."""
    return known_id(plan, target.other)


def _source(plan: PairPlan, target: Side) -> tuple[Side, str | None]:
    """The record a failed write is quarantined under: the one whose change it carried, or,
    for a bare external-id stamp, the HubSpot record itself (re-reading it retries the stamp)."""
    bare_stamp = Side.HUBSPOT not in plan.writes and Side.HUBSPOT not in plan.refused
    if target is Side.HUBSPOT and bare_stamp:
        return Side.HUBSPOT, known_id(plan, Side.HUBSPOT)
    return target.other, source_id(plan, target)


def _operation(plan: PairPlan, side: Side) -> str:
    if plan.archive_on is side:
        return "archive"
    return "create" if plan.create_on is side else "update"
