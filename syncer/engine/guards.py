"""Guards: refuse plans that look like an accident rather than an intention, unless forced."""

from __future__ import annotations

from collections.abc import Sequence

from syncer.engine.collect import Collected
from syncer.engine.plan import PairPlan, Version
from syncer.engine.report import FieldChange, PlanAction, PlannedAction
from syncer.errors import GuardRefused
from syncer.mapping.apply import Canonical
from syncer.mapping.references import split_keys
from syncer.records import Side

MAX_ARCHIVE_SHARE = 0.5
MIN_ARCHIVES_TO_GUARD = 10


def check_listing(link_count: int, collected: dict[Side, Collected], *, force: bool) -> None:
    """A full listing that finds nothing while pairs are linked is a wrong object, table or
    credential far more often than a CRM emptied on purpose."""
    for side, found in collected.items():
        if found.full:
            check_listed(link_count, side, len(found.records), force=force)


def check_listed(link_count: int, side: Side, listed: int, *, force: bool) -> None:
    """check_listing for one side's full listing of `listed` records."""
    if not force and link_count and not listed:
        raise GuardRefused(
            f"{side.value} returned no records although {link_count} pairs are linked; "
            "a wrong object, table or credential? Rerun with --force if this is intended"
        )


def check_plan(link_count: int, plans: Sequence[PairPlan], *, force: bool) -> None:
    archives = sum(1 for p in plans if p.archive_on is not None)
    if force or archives < MIN_ARCHIVES_TO_GUARD:
        return
    if archives > MAX_ARCHIVE_SHARE * link_count:
        raise GuardRefused(
            f"the plan archives {archives} of {link_count} linked records; "
            "rerun with --force if this is intended"
        )


def describe(plans: Sequence[PairPlan], id_property: str) -> list[PlannedAction]:
    """The plan as a list of actions, for `syncer plan`; `id_property`: the HubSpot property
    that carries the external id, which a new link stamps."""
    out: list[PlannedAction] = []
    for plan in plans:
        pair = plan.pair
        hub = pair.hubspot.id if pair.hubspot else (pair.link.hubspot_id if pair.link else None)
        ext = pair.external.id if pair.external else (pair.link.external_id if pair.link else None)
        for side, values in plan.writes.items():
            if side in plan.refused:
                continue  # refused before it is sent (a blank key): counted as quarantined
            action = PlanAction.CREATE if plan.create_on is side else PlanAction.UPDATE
            changes = _changes(pair.version(side) if action is PlanAction.UPDATE else None, values)
            out.append(PlannedAction(action, side, hub, ext, sorted(values), changes))
            out += _edges(plan, side, hub, ext)
        if plan.stamp_external_id and Side.HUBSPOT not in plan.writes and pair.hubspot:
            stamp = FieldChange(id_property, pair.hubspot.carried_id, ext)
            out.append(
                PlannedAction(PlanAction.UPDATE, Side.HUBSPOT, hub, ext, [id_property], [stamp])
            )
        if plan.archive_on is not None:
            out.append(PlannedAction(PlanAction.ARCHIVE, plan.archive_on, hub, ext, []))
        if pair.link is None and pair.hubspot and pair.external:
            out.append(PlannedAction(PlanAction.LINK, None, hub, ext, []))
        for conflict in plan.conflicts:
            winner = conflict.winner
            out.append(PlannedAction(PlanAction.CONFLICT, winner, hub, ext, [conflict.field]))
    return out


def _edges(plan: PairPlan, side: Side, hub: str | None, ext: str | None) -> list[PlannedAction]:
    """The associations a write adds and removes, one action each (by the keys pointed at)."""
    before = plan.pair.version(side) if plan.create_on is not side else None
    out: list[PlannedAction] = []
    for name in sorted(plan.agreed):
        if name not in plan.writes[side]:
            continue
        old = set(split_keys(before.values.get(name))) if before is not None else set()
        new = set(split_keys(plan.writes[side][name]))
        for key in sorted(new - old):
            change = FieldChange(name, None, key)
            out.append(PlannedAction(PlanAction.ADD_EDGE, side, hub, ext, [name], [change]))
        for key in sorted(old - new):
            change = FieldChange(name, key, None)
            out.append(PlannedAction(PlanAction.REMOVE_EDGE, side, hub, ext, [name], [change]))
    return out


def _changes(before: Version | None, values: Canonical) -> list[FieldChange]:
    """Each field a write sets, with the value it replaces (none on a create)."""
    old = before.values if before is not None else {}
    return [FieldChange(name, old.get(name), values[name]) for name in sorted(values)]
