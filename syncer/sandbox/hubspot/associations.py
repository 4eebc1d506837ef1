"""Associations between records: stored both ways (each type id with its inverse), inline
associations on create, and the v3 `associations=` view of a record.

Links to archived records are kept (a restore would bring them back) but never shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from syncer.sandbox.hubspot.association_types import AssociationType, AssociationTypes
from syncer.sandbox.hubspot.errors import ApiError, validation

Key = tuple[str, int]  # (objectTypeId, record id)
# (source, target, association type, removed?) after each change, for webhooks
Listener = Callable[[Key, Key, AssociationType, bool], None]


class AssociationStore:
    def __init__(self, types: AssociationTypes, labelled_adds_unlabelled: bool = False) -> None:
        """`labelled_adds_unlabelled`: whether a labelled association also adds the pair's
        unlabeled type (SandboxConfig.labelled_adds_unlabelled; UNCONFIRMED)."""
        self.types = types
        self.labelled_adds_unlabelled = labelled_adds_unlabelled
        self._links: dict[Key, dict[Key, set[int]]] = {}
        self.listener: Listener | None = None

    def add(self, source: Key, target: Key, kind: AssociationType) -> None:
        """A primary type also adds the unlabeled one and takes "primary" from the source's
        other targets of that type (a contact has one primary company); a labelled type adds
        the unlabeled one too where the sandbox is configured so."""
        kinds = [kind]
        if kind.primary or (self.labelled_adds_unlabelled and kind.label is not None):
            unlabeled = self.types.default(kind.from_type, kind.to_type)
            kinds += [unlabeled] if unlabeled and unlabeled != kind else []
        if kind.primary:
            for other, held in self._links.get(source, {}).items():
                if other != target and kind.type_id in held:
                    self.remove_types(source, other, [kind.type_id])
        for each in kinds:
            if each.type_id not in self._links.get(source, {}).get(target, set()):
                self._links.setdefault(source, {}).setdefault(target, set()).add(each.type_id)
                self._links.setdefault(target, {}).setdefault(source, set()).add(each.inverse_id)
                self._tell(source, target, each, removed=False)

    def remove_types(self, source: Key, target: Key, type_ids: list[int]) -> None:
        """Removing the unlabeled type removes every type between the pair, as HubSpot does."""
        held = self._links.get(source, {}).get(target, set())
        if any(self.types.by_id[t].label is None for t in type_ids if t in self.types.by_id):
            type_ids = list(held)
        for type_id in [t for t in type_ids if t in held]:
            kind = self.types.by_id[type_id]
            held.discard(type_id)
            self._links[target][source].discard(kind.inverse_id)
            self._tell(source, target, kind, removed=True)
        if not held:
            self._links.get(source, {}).pop(target, None)
            self._links.get(target, {}).pop(source, None)

    def remove_pair(self, source: Key, target: Key) -> None:
        self.remove_types(source, target, list(self._links.get(source, {}).get(target, set())))

    def targets(self, source: Key, to_type: str) -> list[tuple[int, list[AssociationType]]]:
        """(target id, types from source to it), by target id."""
        found = [
            (target[1], sorted((self.types.by_id[t] for t in held), key=lambda k: k.type_id))
            for target, held in self._links.get(source, {}).items()
            if target[0] == to_type and held
        ]
        return sorted(found, key=lambda pair: pair[0])

    def labels_between(self, source: Key, target: Key) -> list[str]:
        held = self._links.get(source, {}).get(target, set())
        kinds = sorted((self.types.by_id[t] for t in held), key=lambda k: k.type_id)
        return [k.label for k in kinds if k.label]

    def move(self, old: Key, new: Key) -> None:
        """A merged-away record's links now belong to the survivor (no self-links)."""
        for target, held in list(self._links.get(old, {}).items()):
            for type_id in list(held):
                if target != new:
                    self._links.setdefault(new, {}).setdefault(target, set()).add(type_id)
                    inverse = self.types.by_id[type_id].inverse_id
                    self._links.setdefault(target, {}).setdefault(new, set()).add(inverse)
            self._links.get(target, {}).pop(old, None)
        self._links.pop(old, None)

    def forget_type(self, kind: AssociationType) -> None:
        """A deleted label: every link of that type (either direction) goes."""
        doomed = {kind.type_id, kind.inverse_id}
        for targets in self._links.values():
            for held in targets.values():
                held.difference_update(doomed)
        for source in list(self._links):
            for target in [t for t, held in self._links[source].items() if not held]:
                del self._links[source][target]

    def drop(self, key: Key) -> None:
        for target in list(self._links.get(key, {})):
            self._links.get(target, {}).pop(key, None)
        self._links.pop(key, None)

    def _tell(self, source: Key, target: Key, kind: AssociationType, removed: bool) -> None:
        if self.listener is not None:
            self.listener(source, target, kind, removed)


def parse_specs(raw: Any, types: AssociationTypes, where: str) -> list[AssociationType]:
    """`[{"associationCategory", "associationTypeId"}]` -> known association types."""
    if not isinstance(raw, list) or not raw:
        raise validation(f"{where}: 'types' must be a non-empty list of association specs")
    kinds: list[AssociationType] = []
    for spec in raw:
        type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
        kind = types.by_id.get(int(str(type_id))) if str(type_id).isdigit() else None
        if kind is None:
            raise validation(f"{where}: unknown associationTypeId {type_id!r}")
        kinds.append(kind)
    return kinds


def check_direction(kind: AssociationType, from_type: str, to_type: str | None) -> None:
    if kind.from_type != from_type:
        raise ApiError(
            400,
            f"invalid from object type {from_type} for associations to be created. "
            f"expected: {kind.from_type}",
            "VALIDATION_ERROR",
        )
    if to_type is not None and kind.to_type != to_type:
        raise validation(
            f"association type {kind.type_id} goes to object type {kind.to_type}, not {to_type}"
        )


def invalid_targets(ids: list[str]) -> ApiError:
    return ApiError(
        400,
        "One or more associations are invalid",
        "VALIDATION_ERROR",
        context={"INVALID_OBJECT_IDS": ids},
    )
