"""One field's three-way merge against the link's base hash, for the planner (plan.py).

Changed on one side only -> copy it across; changed on both to different values -> the
conflict policy decides (at a first link, the first-link rule, and a value against no value is
a fill-in); unchanged, or changed back to the base -> nothing. A blank match key (or unique id)
is never copied: the blank record is refused instead (quarantined as BLANK_MATCH_KEY), its
twin keeps its key. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence

from syncer.engine.pairs import FieldConflict, Pair, PairPlan, Policy
from syncer.ledger.values import value_hash
from syncer.mapping.apply import FieldSpec
from syncer.mapping.references import AssociationRef, is_pending, joined_keys, split_keys
from syncer.policies import ConflictPolicy
from syncer.records import Rejection, RejectionKind, Side


def merge_field(
    plan: PairPlan,
    spec: FieldSpec,
    base: str | None,
    policy: Policy,
    restorable: Sequence[str] = (),
) -> None:
    """`restorable`: an association field's targets lost to an archive and live again."""
    pair, key = plan.pair, spec.hubspot
    # An archived record's values are frozen or unknown (a full listing stands in an empty
    # record for a linked one it no longer finds): they are never a change to copy across.
    # A pending reference (its target not linked yet) is no change either, until it resolves;
    # nor is a value the mapping skipped (unmapped = "skip_field"): that side says nothing.
    seen = {
        s: text
        for s in Side
        if (v := pair.version(s)) is not None
        and s not in plan.archived
        and key in v.values
        and not is_pending(text := v.values[key])
    }
    hashes = {s: value_hash(text) for s, text in seen.items()}
    changed = [s for s in seen if hashes[s] != base]
    if not changed:
        if restorable:
            _give_back(plan, spec, seen, restorable)
        return
    if len(seen) == 2 and hashes[Side.HUBSPOT] == hashes[Side.EXTERNAL]:
        plan.base[key] = hashes[Side.HUBSPOT]  # both sides already agree
        if is_edge(spec):
            plan.agreed[key] = seen[Side.HUBSPOT]
        return
    if len(changed) == 1:
        [edited] = changed
        source = edited.other
        if overruled(spec) and not spec.flows_to(source) and source in seen:
            # A one-way field edited where it flows to: its source of truth wins (one_way.py).
            _carry(plan, spec, source, seen[source], policy)
            return
        _carry(plan, spec, edited, seen[edited], policy)
        return
    winner = _winner(pair, spec, seen, policy)
    if pair.link is None:  # a first link: no base to tell which side changed; not a conflict
        plan.first_link_differences += 0 if _fill_in(pair, seen) else 1
    else:
        hub, ext = seen[Side.HUBSPOT], seen[Side.EXTERNAL]
        conflict = FieldConflict(key, value_hash(hub), value_hash(ext), winner, hub, ext)
        plan.conflicts.append(conflict)
    _carry(plan, spec, winner, seen[winner], policy)


def _give_back(
    plan: PairPlan, spec: FieldSpec, seen: dict[Side, str | None], restorable: Sequence[str]
) -> None:
    """Edges lost to an archive, given back on both sides once their targets are restored.
    Only when neither side changed the field since (checked by the caller: a change since is
    the record's newer word, merged as any other), both sides are live and it flows to both."""
    if len(seen) != 2 or not all(spec.flows_to(side) for side in Side):
        return
    text = joined_keys([*split_keys(seen[Side.HUBSPOT]), *restorable])
    for side in Side:
        if seen[side] != text:
            plan.writes.setdefault(side, {})[spec.hubspot] = text
    plan.base[spec.hubspot] = value_hash(text)
    plan.agreed[spec.hubspot] = text


def overruled(spec: FieldSpec) -> bool:
    """Whether the field's source of truth overrules an edit where it flows to: a value field
    with a column. Not a constant (a record keeps its own value), nor a reference: HubSpot's
    edges and owners a one-way field does not copy back are never taken away."""
    return spec.external is not None and spec.reference is None


def _fill_in(pair: Pair, seen: dict[Side, str | None]) -> bool:
    """On a first link, a value against no value is a fill-in, not a disagreement."""
    return pair.link is None and (seen[Side.HUBSPOT] is None) != (seen[Side.EXTERNAL] is None)


def _carry(plan: PairPlan, spec: FieldSpec, source: Side, text: str | None, policy: Policy) -> None:
    """Copy a value across, unless it is a blank key: that the twin keeps, and the blank
    record is refused (quarantined, its base kept, so it is planned again)."""
    target = source.other
    if spec.hubspot not in policy.keys or text not in (None, ""):
        _copy(plan, spec, source, text)
    elif spec.flows_to(target) and target not in plan.archived:
        blank = plan.pair.version(source)
        assert blank is not None  # a value seen this run is a version's
        plan.refused[target] = Rejection(
            RejectionKind.REQUIRED_MISSING,
            "BLANK_MATCH_KEY",
            f"{source.value} record {blank.id} has no {spec.hubspot!r}; a "
            f"blank key is never copied onto its twin in {target.value}: give it a key again",
            spec.hubspot,
        )


def _copy(plan: PairPlan, spec: FieldSpec, source: Side, text: str | None) -> None:
    target = source.other
    if not spec.flows_to(target) or target in plan.archived:
        return  # it does not flow that way, or the record there is archived: it stays here
    plan.writes.setdefault(target, {})[spec.hubspot] = text
    plan.base[spec.hubspot] = value_hash(text)
    if is_edge(spec):
        plan.agreed[spec.hubspot] = text


def is_edge(spec: FieldSpec) -> bool:
    return isinstance(spec.reference, AssociationRef)


def _winner(pair: Pair, spec: FieldSpec, seen: dict[Side, str | None], policy: Policy) -> Side:
    # A field that flows one way only is owned by its source side, whatever the policy.
    if not spec.flows_to(Side.EXTERNAL):
        return Side.EXTERNAL
    if not spec.flows_to(Side.HUBSPOT):
        return Side.HUBSPOT
    if _fill_in(pair, seen):
        return Side.HUBSPOT if seen[Side.HUBSPOT] is not None else Side.EXTERNAL
    rule = policy.first_link if pair.link is None else policy.conflict
    if rule is ConflictPolicy.HUBSPOT:
        return Side.HUBSPOT
    if rule is ConflictPolicy.EXTERNAL:
        return Side.EXTERNAL
    return _newest(pair)


def _newest(pair: Pair) -> Side:
    hub = pair.hubspot.modified_at if pair.hubspot else None
    ext = pair.external.modified_at if pair.external else None
    if ext is not None and (hub is None or ext > hub):
        return Side.EXTERNAL
    return Side.HUBSPOT  # ties and unknown times go to HubSpot, deterministically
