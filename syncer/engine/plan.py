"""The planner: a pure function from what changed and what the ledger remembers to actions.

Per field, a three-way merge against the link's base hash (the last value both sides agreed
on): changed on one side only -> copy it across; changed on both to different values -> the
conflict policy decides; unchanged, or changed back to the base -> nothing. A value that comes
back equal to the base is an echo of our own write, so it produces no action.
No I/O, no clock: everything it needs is in its arguments.
"""

from __future__ import annotations

from syncer.engine.field_merge import is_edge, merge_field
from syncer.engine.pairs import (
    FieldConflict,
    Pair,
    PairPlan,
    Policy,
    Restored,
    Version,
    decode_sides,
    external_id_of,
)
from syncer.ledger.values import value_hash
from syncer.mapping.apply import FieldSpec
from syncer.mapping.references import is_pending
from syncer.policies import DeletePolicy
from syncer.records import Side

# The planner's values live in pairs.py; its callers take them from here with plan_pair.
__all__ = ["FieldConflict", "Pair", "PairPlan", "Policy", "Restored", "Version", "plan_pair"]


def plan_pair(
    pair: Pair, fields: list[FieldSpec], policy: Policy, restorable: Restored | None = None
) -> PairPlan:
    """`restorable`: per association field, the targets the pair's record lost only because they
    were archived, live again now (the ledger's dormant edges): given back on both sides."""
    archived = _archived_now(pair)
    if pair.link is None and archived:
        return PairPlan(pair)  # an unlinked record that is gone: nothing to pair or create
    remembered = decode_sides(pair.link.archived_on) if pair.link else frozenset()
    restored = _restored(pair, remembered)
    if restored is not None and policy.deletes is DeletePolicy.ARCHIVE and len(archived) == 1:
        return _plan_restore(pair, fields, policy, restored)
    # A twin to archive: a new archive, or (deletes=archive) one found earlier on one side
    # only, e.g. a record an update found gone. Never after both were archived: a restore is
    # planned above, before this rule could archive the restored record again.
    owed = policy.deletes is DeletePolicy.ARCHIVE and len(archived) == 1 and len(remembered) < 2
    if archived - remembered or owed:
        return _plan_archive(pair, archived, policy)
    if (pair.hubspot is not None and pair.external is not None) or pair.link is not None:
        plan = _plan_merge(pair, fields, policy, archived, restorable or {})
    else:
        plan = _plan_create(pair, fields, policy)
    plan.archived = archived
    return plan


def _archived_now(pair: Pair) -> frozenset[Side]:
    """Sides archived as far as this run knows: seen archived now, or remembered and not seen
    live again (a record seen live again was restored)."""
    remembered = decode_sides(pair.link.archived_on) if pair.link else frozenset()
    out = set()
    for side in Side:
        version = pair.version(side)
        if (version is not None and version.archived) or (side in remembered and version is None):
            out.add(side)
    return frozenset(out)


def _restored(pair: Pair, remembered: frozenset[Side]) -> Side | None:
    """The side whose record was remembered archived and is seen live again: restored."""
    for side in remembered:
        version = pair.version(side)
        if version is not None and not version.archived:
            return side
    return None


def _plan_restore(pair: Pair, fields: list[FieldSpec], policy: Policy, restored: Side) -> PairPlan:
    """A record restored after deletes=archive archived its twin: the twin is restored too.
    No side can be told to un-archive through the connector protocol (HubSpot's API has no
    restore), so the twin is made anew from the restored record, edits included, and the link
    is re-pointed to it. Where the pipeline may not create there, the restored record stays
    live alone: the link keeps both sides archived, so it is never archived again."""
    assert pair.link is not None
    twin = restored.other
    if twin not in policy.creates_to:
        return PairPlan(pair, base=dict(pair.link.base), archived=frozenset(Side))
    return _plan_create(pair, fields, policy, source=restored)


def _plan_archive(pair: Pair, archived: frozenset[Side], policy: Policy) -> PairPlan:
    """A linked record was archived on one side: archive its twin, or just stop writing to it."""
    assert pair.link is not None
    plan = PairPlan(pair, base=dict(pair.link.base), archived=archived)
    if policy.deletes is DeletePolicy.ARCHIVE and len(archived) == 1:
        [gone] = archived
        plan.archive_on = gone.other
        plan.archived = frozenset(Side)
    return plan


def _plan_create(
    pair: Pair, fields: list[FieldSpec], policy: Policy, source: Side | None = None
) -> PairPlan:
    if source is None:
        source = Side.HUBSPOT if pair.hubspot is not None else Side.EXTERNAL
    version = pair.version(source)
    assert version is not None
    target = source.other
    plan = PairPlan(pair)
    if target not in policy.creates_to:
        plan.create_withheld = target if target in policy.withheld else None
        return plan
    # A pending reference is not sent: the new record points nowhere through that field yet
    # (its base says so), and gets the reference once its target links. Nor is a field the
    # source has no mapped value for (unmapped = "skip_field"): it is left unset.
    values = {
        f.hubspot: text
        for f in fields
        if f.flows_to(target)
        and f.hubspot in version.values
        and not is_pending(text := version.values[f.hubspot])
    }
    plan.create_on = target
    plan.writes[target] = values
    # A constant is what the external side holds for every record, the new one included.
    plan.base = {f.hubspot: value_hash(values.get(f.hubspot, f.constant)) for f in fields}
    plan.agreed = {f.hubspot: values.get(f.hubspot) for f in fields if is_edge(f)}
    return plan


def _plan_merge(
    pair: Pair,
    fields: list[FieldSpec],
    policy: Policy,
    archived: frozenset[Side],
    restorable: Restored,
) -> PairPlan:
    base = pair.link.base if pair.link else {}
    plan = PairPlan(pair, base=dict(base), archived=archived)
    for spec in fields:
        given_back = restorable.get(spec.hubspot, ())
        merge_field(plan, spec, base.get(spec.hubspot), policy, given_back)
    expected = external_id_of(pair)
    stamps = policy.stamps_external_id and Side.HUBSPOT not in archived
    if stamps and pair.hubspot is not None and expected is not None:
        plan.stamp_external_id = pair.hubspot.carried_id != expected
    return plan
