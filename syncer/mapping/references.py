"""Fields whose values point at other records: association fields and owner fields.

Their canonical values are not in the records themselves: an association field's canonical
value is the EXTERNAL keys of the records it points at (sorted, unique, joined with "\\n"; None
for none), so a HubSpot record's list of HubSpot ids must be turned into keys through the links
of the pipeline pointed at; an owner field's canonical value is the owner's email, lower-cased,
found through each side's list of users. That needs the ledger and the connectors, which the
mapping layer does not know: it asks a `Resolver` (implemented by the engine, which looks its
ids up in bulk for a page before the page's records are read).

A reference that cannot be resolved yet (its target is not linked) is PENDING: the planner
treats that side as unchanged for that field, and PENDING is never written nor hashed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from syncer.records import Record, Side

# The canonical value of a reference that cannot be resolved yet. Never a real value: canonical
# text comes from records, and no record holds a NUL character.
PENDING: Final = "\x00pending"


def is_pending(text: str | None) -> bool:
    return text == PENDING


@dataclass(frozen=True, slots=True)
class AssociationRef:
    """The spec is an association field (relations.AssociationField, as far as values need it):
    both sides hold, under `name`, a list of their own ids of records of pipeline `to_pipeline`.
    (Not the AssociationField itself: the planner loads this module, and nothing of settings.)"""

    name: str
    to_pipeline: str
    columns: tuple[str, ...] = ()  # the external columns holding the key, when not a join table
    # Its targets' pipeline ignores deletes: an edge a side cannot hold because the target is
    # archived there is still that side's value (relations.AssociationField.keeps_archived).
    keeps_archived: bool = False


@dataclass(frozen=True, slots=True)
class OwnerRef:
    """The spec is an owner field: HubSpot holds an owner id, the external side a user key."""


Reference = AssociationRef | OwnerRef


def joined_keys(keys: Iterable[str]) -> str | None:
    """The canonical value of a list of external keys: sorted, unique, one a line; None if none."""
    unique = sorted(set(keys))
    return "\n".join(unique) if unique else None


def split_keys(text: str | None) -> list[str]:
    """The external keys a canonical association value holds."""
    if text is None or is_pending(text):
        return []
    return text.split("\n")


def id_list(raw: Any, name: str) -> list[str]:
    """An association field's native value as a list of ids; ValueError for anything else."""
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)) and all(isinstance(item, str) for item in raw):
        return [item for item in raw if item != ""]
    raise ValueError(f"{name}: expected a list of record ids, got {raw!r}")


class Resolver(Protocol):
    """Turns references into canonical values and back, for one pipeline's run."""

    def prime(self, records: Sequence[Record], side: Side) -> None:
        """Look up, in bulk, what the references of these records need (called before they are
        read one by one, so a page costs a few look-ups, not one per record)."""
        ...

    def association_value(
        self, field: AssociationRef, side: Side, record_id: str, ids: list[str], flows: bool
    ) -> str | None:
        """The canonical value of `ids` (this side's ids), or PENDING; remembers what is
        pending under `record_id`. `flows`: whether the field flows to the other side."""
        ...

    def association_native(self, field: AssociationRef, side: Side, text: str | None) -> list[str]:
        """`side`'s ids of the records a canonical value names."""
        ...

    def owner_value(self, side: Side, raw: Any, flows_to_other: bool) -> str | None:
        """The email of the owner `raw` names (an owner id or a user key), lower-cased; PENDING
        or ValueError (with the email) where the other side has no such user."""
        ...

    def owner_native(self, side: Side, email: str | None) -> str | None:
        """`side`'s owner id or user key of the user with this email."""
        ...


class NoResolver:
    """For a mapping without references: asked nothing."""

    def prime(self, records: Sequence[Record], side: Side) -> None:
        """Nothing to look up."""

    def association_value(
        self, field: AssociationRef, side: Side, record_id: str, ids: list[str], flows: bool
    ) -> str | None:
        raise ValueError(f"{field.name}: no resolver for association fields in this run")

    def association_native(self, field: AssociationRef, side: Side, text: str | None) -> list[str]:
        raise ValueError(f"{field.name}: no resolver for association fields in this run")

    def owner_value(self, side: Side, raw: Any, flows_to_other: bool) -> str | None:
        raise ValueError("no resolver for owner fields in this run")

    def owner_native(self, side: Side, email: str | None) -> str | None:
        raise ValueError("no resolver for owner fields in this run")
