"""Relations in the config file: `[[pipelines.associations]]` (a column of a record that points at
another pipeline's record), `[[associations]]` (many-to-many through a join table) and `[owners]`
(how an external user reference becomes a HubSpot owner).

Validated here field by field; how they fit together (pipelines that exist, no cycle) is checked
by `Settings` once every pipeline is known (syncer/relations.py orders the pipelines).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from syncer import settings_rules as rules
from syncer.policies import Direction
from syncer.settings_rules import HubSpotName, PipelineName, SqlName, StrictModel


def _columns(value: str | list[str]) -> str | list[str]:
    if isinstance(value, list):
        if not value:
            raise ValueError("name at least one column")
        if len(set(value)) != len(value):
            raise ValueError("a column is listed twice")
    return value


class AssociationSettings(StrictModel):
    """`[[pipelines.associations]]`: this pipeline's record points at one record of `to`."""

    to: PipelineName
    # The column(s) holding the other record's key: its primary key, composite keys joined ":".
    external: Annotated[SqlName | list[SqlName], AfterValidator(_columns)]
    label: str | None = Field(None, min_length=1, max_length=100)
    # HubSpot keeps this link as a property holding the other record's id (line items'
    # `hs_product_id`) rather than as an association.
    hubspot_property: HubSpotName | None = None
    direction: Direction = Direction.BOTH

    def columns(self) -> list[str]:
        return [self.external] if isinstance(self.external, str) else list(self.external)


class JoinAssociationSettings(StrictModel):
    """`[[associations]]`: many-to-many between two pipelines' records through a join table."""

    between: list[PipelineName]
    table: SqlName
    columns: list[SqlName]
    label: str | None = Field(None, min_length=1, max_length=100)
    direction: Direction = Direction.BOTH

    @field_validator("between", "columns")
    @classmethod
    def _two(cls, value: list[str]) -> list[str]:
        if len(value) != 2:
            raise ValueError(f"expected exactly two names, got {len(value)}")
        return value


class UnknownOwner(StrEnum):
    QUARANTINE = "quarantine"  # the record waits in quarantine, the email in the reason
    LEAVE_UNSET = "leave_unset"  # the record goes on without that field


class OwnersSettings(StrictModel):
    """`[owners]`: the external users table whose rows owner fields point at, and the column
    holding each user's email, which is how a HubSpot owner is found."""

    table: SqlName
    key: SqlName
    email: SqlName
    unknown: UnknownOwner = UnknownOwner.QUARANTINE


# How often every association of a pipeline is re-read: HubSpot does not always bump a record's
# modification time when only its associations change.
AssociationSweep = Annotated[str | None, AfterValidator(rules.interval)]
