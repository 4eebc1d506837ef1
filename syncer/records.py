"""Value types shared by connectors, the engine and the ledger.

Connectors speak in these types only; the engine never sees an HTTP response or a SQL row.
Property values are each side's *native* values (HubSpot: strings or None; SQL: whatever the
driver returns). The mapping layer turns them into canonical text for comparison.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Side(enum.StrEnum):
    HUBSPOT = "hubspot"
    EXTERNAL = "external"

    @property
    def other(self) -> Side:
        return Side.EXTERNAL if self is Side.HUBSPOT else Side.HUBSPOT


# Not frozen, though never assigned to: one is built per record per run, and a frozen
# dataclass's __init__ costs three times as much (object.__setattr__ per field).
@dataclass(slots=True)
class Record:
    """One side's view of one object: its id, native property values and modification time."""

    id: str
    properties: Mapping[str, Any]
    modified_at: datetime | None = None
    archived: bool = False


@dataclass(frozen=True, slots=True)
class Cursor:
    """How far change detection has safely read; opaque text only its connector interprets."""

    position: str


@dataclass(frozen=True, slots=True)
class ChangePage:
    """A page of changed records and the cursor that is safe once this page is committed."""

    records: Sequence[Record]
    cursor: Cursor | None


# Not frozen, though never assigned to: one is built per record per run, and a frozen
# dataclass's __init__ costs three times as much (object.__setattr__ per field).
@dataclass(slots=True)
class Write:
    """One record to write.

    `key` is the caller's handle for matching the result back (results may come back in any
    order). `target_id` is the record to update; when it is None the write is a create, sent as
    an upsert on `unique_property` = `unique_value` so that a resend never duplicates.
    """

    key: str
    properties: Mapping[str, Any]
    target_id: str | None = None
    unique_property: str | None = None
    unique_value: str | None = None


@dataclass(frozen=True, slots=True)
class FieldShape:
    """What a field holds beyond its type: a text's maximum length, a decimal's precision and
    scale (digits in all, digits after the point). None where the side sets no limit."""

    length: int | None = None
    precision: int | None = None
    scale: int | None = None


class RejectionKind(enum.StrEnum):
    """What a refusal means to the engine, whichever side said it. Each connector maps its own
    codes to one of these and keeps the code itself in `Rejection.code` for the operator."""

    NOT_FOUND = "not_found"  # the addressed record does not exist (deleted, merged away)
    DUPLICATE = "duplicate"  # a value that must be unique is already held by another record
    INVALID_VALUE = "invalid_value"  # a value of the wrong form, type or range, or no option
    REQUIRED_MISSING = "required_missing"  # a value the side requires was not given
    TOO_LONG = "too_long"  # a value longer than the field holds
    READ_ONLY = "read_only"  # a field the side computes itself was written
    UNKNOWN_FIELD = "unknown_field"  # a field the side does not have (deleted since read)
    CONSTRAINT = "constraint"  # another rule of the side's schema (check, foreign key)
    NO_ANSWER = "no_answer"  # the side answered the call but said nothing of this record
    UNKNOWN = "unknown"  # a code this connector has no meaning for


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a side refused one record: what it means (`kind`), the side's own code for it
    (`code`, kept verbatim for the operator), a readable message, and the property if known."""

    kind: RejectionKind
    code: str
    message: str
    property: str | None = None
    retryable: bool = False


@dataclass(frozen=True, slots=True)
class WriteResult:
    """Outcome of one Write: the record id on success, or the rejection."""

    key: str
    id: str | None
    created: bool = False
    rejection: Rejection | None = None
    # The record's values as the side answered the write (HubSpot returns them), to be read
    # back: a side may accept a value and keep another (a lifecyclestage moved backwards).
    # None where the side says nothing (SQL keeps what it is given, or refuses it).
    applied: Mapping[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.rejection is None and self.id is not None


@dataclass(slots=True)
class CallCounter:
    """API calls (or SQL round trips) a connector made; read by the run report."""

    calls: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, n: int = 1) -> None:
        self.calls += n
        self.by_kind[kind] = self.by_kind.get(kind, 0) + n


class FieldType(enum.StrEnum):
    """The value types the mapping layer converts between (HubSpot property types and SQL types)."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    ENUMERATION = "enumeration"
