"""Association types: HubSpot's defined type ids, user-defined labels, and
default types made on demand for custom objects. Type ids are directional: each has an inverse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

HUBSPOT_DEFINED = "HUBSPOT_DEFINED"
USER_DEFINED = "USER_DEFINED"
FIRST_GENERATED_TYPE_ID = 1000

# from typeId, to typeId, id, inverse id, label ("" = unlabeled); primary types imply unlabeled
_DEFINED: tuple[tuple[str, str, int, int, str], ...] = (
    ("0-1", "0-2", 279, 280, ""), ("0-1", "0-2", 1, 2, "Primary"),
    ("0-3", "0-1", 3, 4, ""),
    ("0-3", "0-2", 341, 342, ""), ("0-3", "0-2", 5, 6, "Primary"),
    ("0-5", "0-1", 16, 15, ""),
    ("0-5", "0-2", 339, 340, ""), ("0-5", "0-2", 26, 25, "Primary"),
    ("0-3", "0-5", 27, 28, ""), ("0-3", "0-8", 19, 20, ""),
    ("0-1", "0-1", 449, 449, ""), ("0-2", "0-2", 450, 450, ""),
    ("0-3", "0-3", 451, 451, ""), ("0-5", "0-5", 452, 452, ""),
    ("0-2", "0-2", 13, 14, "Child Company"),
    ("0-14", "0-3", 64, 63, ""), ("0-14", "0-1", 69, 70, ""), ("0-14", "0-8", 67, 68, ""),
    ("0-14", "0-2", 71, 72, ""),
    # leads: the inverse ids are UNCONFIRMED
    ("0-136", "0-1", 608, 607, ""), ("0-136", "0-1", 578, 577, "Primary"),
    ("0-136", "0-2", 610, 609, ""),
)  # fmt: skip
# engagement typeId -> ids to contact, company, deal, ticket; inverses are each id - 1
_ENGAGEMENTS = {
    "0-46": (202, 190, 214, 228),  # notes
    "0-27": (204, 192, 216, 230),  # tasks
    "0-48": (194, 182, 206, 220),  # calls
    "0-47": (200, 188, 212, 226),  # meetings
    "0-49": (198, 186, 210, 224),  # emails
}
# communications and postal mail: inverses are each id + 1
_MESSAGES = {
    "0-18": (81, 87, 85, 83),  # communications
    "0-116": (453, 459, 457, 455),  # postal mail
}
_ENGAGED = ("0-1", "0-2", "0-3", "0-5")


@dataclass(frozen=True)
class AssociationType:
    type_id: int
    from_type: str  # objectTypeId
    to_type: str
    inverse_id: int
    category: str
    label: str | None  # None = the unlabeled (default) type

    @property
    def primary(self) -> bool:
        return self.category == HUBSPOT_DEFINED and self.label == "Primary"

    def to_json(self) -> dict[str, object]:
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


class AssociationTypes:
    def __init__(self) -> None:
        self.by_id: dict[int, AssociationType] = {}
        self._next_id = FIRST_GENERATED_TYPE_ID
        for from_type, to_type, type_id, inverse_id, label in _DEFINED:
            self._add_pair(
                from_type, to_type, type_id, inverse_id, category=HUBSPOT_DEFINED, label=label
            )
        self.by_id[14] = AssociationType(14, "0-2", "0-2", 13, HUBSPOT_DEFINED, "Parent Company")
        for ids_by_type, step in ((_ENGAGEMENTS, -1), (_MESSAGES, 1)):
            for engagement, ids in ids_by_type.items():
                for target, type_id in zip(_ENGAGED, ids, strict=True):
                    self._add_pair(
                        engagement, target, type_id, type_id + step, category=HUBSPOT_DEFINED,
                        label="",
                    )  # fmt: skip

    def between(self, from_type: str, to_type: str) -> list[AssociationType]:
        return sorted(
            (t for t in self.by_id.values() if (t.from_type, t.to_type) == (from_type, to_type)),
            key=lambda t: t.type_id,
        )

    def default(self, from_type: str, to_type: str) -> AssociationType | None:
        """The unlabeled type of a pair; pairs with a custom object get one on first use."""
        for kind in self.between(from_type, to_type):
            if kind.label is None:
                return kind
        if from_type.startswith("2-") or to_type.startswith("2-"):
            return self._generate(from_type, to_type, USER_DEFINED, "")
        return None

    def add_label(self, from_type: str, to_type: str, label: str, inverse: str) -> AssociationType:
        """A USER_DEFINED type (and its inverse) for a pair that can be associated."""
        made = self._generate(from_type, to_type, USER_DEFINED, label)
        if inverse:
            reverse = self.by_id[made.inverse_id]
            self.by_id[reverse.type_id] = AssociationType(
                reverse.type_id, to_type, from_type, made.type_id, USER_DEFINED, inverse
            )
        return made

    def user_labels(self, from_type: str, to_type: str) -> list[AssociationType]:
        return [
            t for t in self.between(from_type, to_type) if t.category == USER_DEFINED and t.label
        ]

    def relabel(self, type_id: int, label: str, inverse: str) -> None:
        kind = self.by_id[type_id]
        self.by_id[type_id] = replace(kind, label=label)
        if inverse and kind.inverse_id != type_id:
            self.by_id[kind.inverse_id] = replace(self.by_id[kind.inverse_id], label=inverse)

    def remove(self, type_id: int) -> AssociationType:
        kind = self.by_id.pop(type_id)
        self.by_id.pop(kind.inverse_id, None)
        return kind

    def schema_view(self, type_id: str) -> list[dict[str, object]]:
        """A custom schema's `associations`: its unlabeled types from it to other types."""
        return [
            {"id": str(t.type_id), "fromObjectTypeId": t.from_type,
             "toObjectTypeId": t.to_type, "name": f"{t.from_type}_to_{t.to_type}"}
            for t in sorted(self.by_id.values(), key=lambda t: t.type_id)
            if t.from_type == type_id and t.label is None
        ]  # fmt: skip

    def _generate(self, from_type: str, to_type: str, category: str, label: str) -> AssociationType:
        type_id = self._next_id
        inverse_id = type_id if from_type == to_type else type_id + 1
        self._next_id = inverse_id + 1
        self._add_pair(from_type, to_type, type_id, inverse_id, category=category, label=label)
        return self.by_id[type_id]

    def _add_pair(
        self, from_type: str, to_type: str, type_id: int, inverse_id: int, *, category: str,
        label: str,
    ) -> None:  # fmt: skip
        text = label or None
        self.by_id[type_id] = AssociationType(
            type_id, from_type, to_type, inverse_id, category, text
        )
        if inverse_id != type_id:
            self.by_id[inverse_id] = AssociationType(
                inverse_id, to_type, from_type, type_id, category, text
            )
