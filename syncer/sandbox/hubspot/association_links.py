"""Associations as the objects API sees them: inline on create, and `?associations=` on reads."""

from __future__ import annotations

from typing import Any

from syncer.sandbox.hubspot.association_types import USER_DEFINED, AssociationType
from syncer.sandbox.hubspot.associations import Key, check_direction, invalid_targets, parse_specs
from syncer.sandbox.hubspot.collection import ObjectCollection
from syncer.sandbox.hubspot.errors import ApiError, validation
from syncer.sandbox.hubspot.portal import Portal

Planned = list[tuple[Key, AssociationType]]


def plan_inline(portal: Portal, collection: ObjectCollection, raw: Any) -> Planned:
    """Check `associations: [{"to": {"id"}, "types": [...]}]` before anything is written."""
    if not raw:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise validation("'associations' must be a list of {'to': {'id'}, 'types': [...]}")
    planned: Planned = []
    missing: list[str] = []
    for item in raw:
        to = item.get("to")
        to_id = str(to.get("id", "")) if isinstance(to, dict) else ""
        for kind in parse_specs(item.get("types"), portal.association_types, "associations"):
            check_direction(kind, collection.spec.type_id, None)
            target = portal.by_type_id(kind.to_type)
            record = target.find_live(to_id) if target else None
            if record is None:
                missing.append(to_id)
            else:
                planned.append(((kind.to_type, record.id), kind))
    if missing:
        raise invalid_targets(missing)
    return planned


def apply_inline(
    portal: Portal, collection: ObjectCollection, record_id: int, plan: Planned
) -> None:
    for target, kind in plan:
        portal.associations.add((collection.spec.type_id, record_id), target, kind)


def v3_view(
    portal: Portal, collection: ObjectCollection, record_id: int, names: list[str]
) -> dict[str, Any] | None:
    """`{"companies": {"results": [{"id", "type"}]}}`; types without links are left out."""
    source = (collection.spec.type_id, record_id)
    view: dict[str, Any] = {}
    for name in names:
        try:
            target = portal.collection(name)
        except ApiError:
            continue  # like unknown property names, unknown types are ignored
        results = [
            {"id": str(to_id), "type": _v3_name(portal, kind)}
            for to_id, kinds in portal.associations.targets(source, target.spec.type_id)
            if to_id in target.active
            for kind in kinds
        ]
        if results:
            view[target.spec.name] = {"results": results}
    return view or None


def _v3_name(portal: Portal, kind: AssociationType) -> str:
    """contact_to_company (primary or the pair's only type), contact_to_company_unlabeled."""
    if kind.category == USER_DEFINED and kind.label:
        return str(kind.type_id)
    source, target = portal.by_type_id(kind.from_type), portal.by_type_id(kind.to_type)
    base = (
        f"{source.spec.singular if source else kind.from_type}_to_"
        f"{target.spec.singular if target else kind.to_type}"
    )
    siblings = portal.association_types.between(kind.from_type, kind.to_type)
    if kind.label is None and any(s.primary for s in siblings):
        return base + "_unlabeled"
    return base
