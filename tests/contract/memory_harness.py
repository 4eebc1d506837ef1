"""The memory connector's contract harness: the in-memory CRM, with a clock the test sets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import pytest

from syncer.connectors.memory import MemoryConnector
from syncer.records import FieldType, Rejection
from tests.contract.suite import OVERLAP_SECONDS, T0, ContractFields

MEMORY_FIELDS = ContractFields(
    email="email",
    name="name",
    score="score",
    birthday="birthday",
    active="active",
    last_seen="last_seen",
)
TYPES = {
    "email": FieldType.TEXT,
    "name": FieldType.TEXT,
    "score": FieldType.NUMBER,
    "birthday": FieldType.DATE,
    "active": FieldType.BOOLEAN,
    "last_seen": FieldType.DATETIME,
}


class SetClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _name_required(properties: Mapping[str, Any]) -> Rejection | None:
    if "name" in properties and properties["name"] is None:
        return Rejection("REQUIRED", "name is required", "name")
    return None


class MemoryHarness:
    fields = MEMORY_FIELDS

    def __init__(self) -> None:
        self.clock = SetClock()
        self.store = MemoryConnector(TYPES, clock=self.clock, validate=_name_required)

    def connector(
        self, *, batch_size: int = 500, overlap_seconds: float = OVERLAP_SECONDS
    ) -> MemoryConnector:
        self.store.page_size = batch_size
        return self.store

    def seed(
        self,
        email: str,
        *,
        name: str = "Someone",
        modified_at: datetime = T0,
        archived: bool = False,
    ) -> str:
        self.clock.now = modified_at
        record = self.store.put({"email": email, "name": name})
        if archived:
            self.store.remove(record.id)
        return record.id

    def rejected_properties(self) -> Mapping[str, Any]:
        return {"name": None}

    def rejected_property(self) -> str:
        return "name"


@pytest.fixture
def memory_harness() -> Iterator[MemoryHarness]:
    yield MemoryHarness()
