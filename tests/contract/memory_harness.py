"""The memory connector's contract harness: the in-memory CRM itself, on a clock the test sets.

The connector is the CRM here, so the back door is the CRM's own user-facing helpers (`put`,
`remove`), which stamp changes from its clock like any user's edit; a harness clock that a test
sets back (to seed a late commit) leaves the CRM's strictly increasing stamps in charge.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from syncer.connectors.memory import MemoryConnector
from syncer.policies import Direction
from syncer.records import FieldType, Rejection, RejectionKind
from syncer.relations import AssociationField, JoinTable, field_name
from tests.contract.harness import (
    OVERLAP_SECONDS,
    T0,
    ContractFields,
    PageSizes,
    RelationFields,
    SideClock,
)

MEMORY_FIELDS = ContractFields(
    email="email", name="name", score="score", birthday="birthday", active="active",
    last_seen="last_seen",
)  # fmt: skip
TYPES = {
    "email": FieldType.TEXT,
    "name": FieldType.TEXT,
    "score": FieldType.NUMBER,
    "birthday": FieldType.DATE,
    "active": FieldType.BOOLEAN,
    "last_seen": FieldType.DATETIME,
}


def _field(
    to: str, *, columns: tuple[str, ...] = (), join: JoinTable | None = None
) -> AssociationField:
    return AssociationField(
        name=field_name(to, None), to_pipeline=to, to_hubspot_object=to, to_external_object=to,
        label=None, direction=Direction.BOTH, columns=columns, join=join,
    )  # fmt: skip


# What the contract's records point at: a firm (FK column), an order line (two key columns), any
# number of groups (a join table). Memory ids are any text; the composite target's id is made
# the way SQL makes one, with an escaped colon, to show the list carries it untouched.
MEMORY_RELATIONS = RelationFields(
    single=_field("firms", columns=("firm_id",)),
    composite=_field("lines", columns=("order_no", "line_no")),
    many=_field("groups", join=JoinTable("people_groups", "person_id", "group_id")),
    holds_one=True,
)


def _name_required(properties: Mapping[str, Any]) -> Rejection | None:
    if "name" in properties and properties["name"] is None:
        return Rejection(RejectionKind.REQUIRED_MISSING, "REQUIRED", "name is required", "name")
    return None


class MemoryHarness:
    fields = MEMORY_FIELDS
    relations = MEMORY_RELATIONS

    def __init__(self) -> None:
        self.clock = SideClock()
        fields = [MEMORY_RELATIONS.single, MEMORY_RELATIONS.many]
        assert MEMORY_RELATIONS.composite is not None
        self.crm = MemoryConnector(
            TYPES, clock=self.clock, validate=_name_required,
            associations=[*fields, MEMORY_RELATIONS.composite], keys_in_columns=True, owners={},
        )  # fmt: skip

    def connector(
        self, *, batch_size: int = 500, overlap_seconds: float = OVERLAP_SECONDS
    ) -> MemoryConnector:
        # One CRM, one connector: it keeps no overlap (its stamps never arrive late).
        self.crm.page_size = batch_size
        return self.crm

    def page_sizes(self, batch_size: int) -> PageSizes:
        return PageSizes(listing=batch_size, changes=batch_size)

    def seed(
        self, email: str, *, name: str = "Someone", modified_at: datetime = T0,
        archived: bool = False,
    ) -> str:  # fmt: skip
        with self.clock.at(modified_at):
            record = self.crm.put({"email": email, "name": name})
            if archived:
                self.crm.remove(record.id)
        return record.id

    def edit(self, record_id: str, *, name: str, modified_at: datetime) -> None:
        with self.clock.at(modified_at):
            self.crm.put({"name": name}, record_id)

    def remove(self, record_id: str, *, modified_at: datetime) -> None:
        with self.clock.at(modified_at):
            self.crm.remove(record_id)

    def stored(self, record_id: str) -> Mapping[str, Any] | None:
        record = self.crm.rows.get(record_id)
        return None if record is None or record.archived else record.properties

    def sample_values(self) -> Mapping[str, Any]:
        return {
            "score": Decimal("42.5"),
            "birthday": date(1990, 2, 3),
            "active": True,
            "last_seen": datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC),
        }

    def rejected_properties(self) -> Mapping[str, Any]:
        return {"name": None}

    def rejected_property(self) -> str:
        return "name"

    # -- relations: the CRM is its own back door --------------------------------------------

    def related_connector(self, *, batch_size: int = 500) -> MemoryConnector:
        return self.connector(batch_size=batch_size)

    def seed_target(self, field: AssociationField, number: int) -> str:
        # Another object's records are not kept here: an id is all a list holds.
        return f"{number}:L\\:{number}" if field.columns == ("order_no", "line_no") else str(number)

    def seed_pointing(self, email: str, links: Mapping[str, list[str]]) -> str:
        with self.clock.at(T0):
            return self.crm.put({"email": email, "name": "Someone", **links}).id

    def pointed(self, record_id: str) -> dict[str, list[str]]:
        properties = self.crm.rows[record_id].properties
        return {name: sorted(properties.get(name) or []) for name in self.crm.association_fields}

    def seed_owner(self, email: str) -> str:
        key = f"u{len(self.crm.owners) + 1}"
        self.crm.owners[key] = email
        return key
