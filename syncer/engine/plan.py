"""The planner: a pure function from what changed and what the ledger remembers to actions.

Per field, a three-way merge against the link's base hash (the last value both sides agreed
on): changed on one side only -> copy it across; changed on both to different values -> the
conflict policy decides; unchanged, or changed back to the base -> nothing. A value that comes
back equal to the base is an echo of our own write, so it produces no action.
No I/O, no clock: everything it needs is in its arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from syncer.ledger.values import Link, value_hash
from syncer.mapping.apply import Canonical, FieldMap, FieldSpec
from syncer.mapping.references import AssociationRef, is_pending, joined_keys, split_keys
from syncer.policies import ConflictPolicy, DeletePolicy
from syncer.records import Record, Side

# Per association field, the target keys to give back (plan_pair's `restorable`).
Restored = Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class Version:
    """One side's current view of a record in this run (values None: not read this run)."""

    id: str
    values: Canonical
    modified_at: datetime | None = None
    archived: bool = False
    carried_id: str | None = None  # HubSpot only: the external id the record carries


def read_version(record: Record, side: Side, fieldmap: FieldMap, id_property: str) -> Version:
    """The record as the engine compares it: canonical mapped values, and on HubSpot the
    external id it carries. Raises ValueError naming a field whose value cannot be read,
    unless the record is archived: its values are never copied, only its being gone is."""
    try:
        values = fieldmap.canonical(record, side)
    except ValueError:
        if not record.archived:
            raise
        values = {}
    carried = record.properties.get(id_property) if side is Side.HUBSPOT else None
    carried_id = str(carried) if carried not in (None, "") else None
    return Version(record.id, values, record.modified_at, record.archived, carried_id)


@dataclass(frozen=True, slots=True)
class Pair:
    """The two sides of one logical record as far as this run knows them."""

    link: Link | None
    hubspot: Version | None
    external: Version | None
    match_key: str | None

    def version(self, side: Side) -> Version | None:
        return self.hubspot if side is Side.HUBSPOT else self.external


@dataclass(frozen=True, slots=True)
class Policy:
    conflict: ConflictPolicy
    deletes: DeletePolicy
    creates_to: frozenset[Side]  # sides the pipeline may create records on
    # Sides values flow to but `create_in` keeps creates from: such a record is left uncreated
    # and counted, every time it is planned, rather than silently dropped.
    withheld: frozenset[Side] = frozenset()
    first_link: ConflictPolicy = ConflictPolicy.NEWEST  # who wins a difference at first link
    # HubSpot records are told their twin's external id (off: a one-way extraction that pairs
    # again by its match key; see PipelineSettings.stamp_external_id).
    stamps_external_id: bool = True


@dataclass(frozen=True, slots=True)
class FieldConflict:
    field: str
    hubspot_hash: str
    external_hash: str
    winner: Side
    hubspot_value: str | None = None  # both values at the time, for `syncer conflicts`
    external_value: str | None = None


@dataclass(slots=True)
class PairPlan:
    pair: Pair
    writes: dict[Side, Canonical] = field(default_factory=dict)
    create_on: Side | None = None
    create_withheld: Side | None = None  # a create `create_in` does not allow: reported only
    archive_on: Side | None = None
    base: dict[str, str] = field(default_factory=dict)  # hashes once every write succeeds
    conflicts: list[FieldConflict] = field(default_factory=list)
    first_link_differences: int = 0  # fields two records disagreed on when first linked
    stamp_external_id: bool = False  # HubSpot must be told the external id of a new link
    archived: frozenset[Side] = frozenset()  # sides whose record is archived, after this plan
    # Association fields whose base this plan sets: the value both sides hold after it (the
    # ledger keeps it as edges, so a target's archive finds the records pointing at it).
    agreed: dict[str, str | None] = field(default_factory=dict)

    @property
    def is_noop(self) -> bool:
        """Nothing to send and nothing new to remember."""
        pair, link = self.pair, self.pair.link
        quiet = not self.writes and self.archive_on is None and not self.stamp_external_id
        if link is None:  # nothing to remember unless this plan pairs two records
            return quiet and not (pair.hubspot is not None and pair.external is not None)
        remembered = encode_sides(self.archived) == link.archived_on
        return quiet and self.base == link.base and remembered


def encode_sides(sides: frozenset[Side]) -> str | None:
    """How a link stores a set of sides: None, "hubspot", "external" or "both"."""
    if len(sides) == 2:
        return "both"
    return next(iter(sides)).value if sides else None


def decode_sides(text: str | None) -> frozenset[Side]:
    if text == "both":
        return frozenset(Side)
    return frozenset({Side(text)}) if text else frozenset()


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
    plan.agreed = {f.hubspot: values.get(f.hubspot) for f in fields if _is_edge(f)}
    return plan


def _plan_merge(
    pair: Pair,
    fields: list[FieldSpec],
    policy: Policy,
    archived: frozenset[Side],
    restored: Restored,
) -> PairPlan:
    base = pair.link.base if pair.link else {}
    plan = PairPlan(pair, base=dict(base), archived=archived)
    for spec in fields:
        _merge_field(plan, spec, base.get(spec.hubspot), policy, restored.get(spec.hubspot, ()))
    expected = external_id_of(pair)
    stamps = policy.stamps_external_id and Side.HUBSPOT not in archived
    if stamps and pair.hubspot is not None and expected is not None:
        plan.stamp_external_id = pair.hubspot.carried_id != expected
    return plan


def external_id_of(pair: Pair) -> str | None:
    """The external id a HubSpot record should carry: its twin's, as seen now or as linked."""
    if pair.external is not None:
        return pair.external.id
    return pair.link.external_id if pair.link else None


def _merge_field(
    plan: PairPlan, spec: FieldSpec, base: str | None, policy: Policy, restored: Sequence[str]
) -> None:
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
        if restored:
            _give_back(plan, spec, seen, restored)
        return
    if len(seen) == 2 and hashes[Side.HUBSPOT] == hashes[Side.EXTERNAL]:
        plan.base[key] = hashes[Side.HUBSPOT]  # both sides already agree
        if _is_edge(spec):
            plan.agreed[key] = seen[Side.HUBSPOT]
        return
    if len(changed) == 1:
        [edited] = changed
        source = edited.other
        if overruled(spec) and not spec.flows_to(source) and source in seen:
            # A one-way field edited where it flows to: its source of truth wins (one_way.py).
            _copy(plan, spec, source, seen[source])
            return
        _copy(plan, spec, edited, seen[edited])
        return
    winner = _winner(pair, spec, seen, policy)
    if pair.link is None:  # a first link: no base to tell which side changed; not a conflict
        plan.first_link_differences += 0 if _fill_in(pair, seen) else 1
    else:
        hub, ext = seen[Side.HUBSPOT], seen[Side.EXTERNAL]
        conflict = FieldConflict(key, value_hash(hub), value_hash(ext), winner, hub, ext)
        plan.conflicts.append(conflict)
    _copy(plan, spec, winner, seen[winner])


def _give_back(
    plan: PairPlan, spec: FieldSpec, seen: dict[Side, str | None], restored: Sequence[str]
) -> None:
    """Edges lost to an archive, given back on both sides once their targets are restored.
    Only when neither side changed the field since (checked by the caller: a change since is
    the record's newer word, merged as any other), both sides are live and it flows to both."""
    if len(seen) != 2 or not all(spec.flows_to(side) for side in Side):
        return
    text = joined_keys([*split_keys(seen[Side.HUBSPOT]), *restored])
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


def _copy(plan: PairPlan, spec: FieldSpec, source: Side, text: str | None) -> None:
    target = source.other
    if not spec.flows_to(target) or target in plan.archived:
        return  # it does not flow that way, or the record there is archived: it stays here
    plan.writes.setdefault(target, {})[spec.hubspot] = text
    plan.base[spec.hubspot] = value_hash(text)
    if _is_edge(spec):
        plan.agreed[spec.hubspot] = text


def _is_edge(spec: FieldSpec) -> bool:
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
