"""`[[pipelines]]`: one HubSpot object type paired with one external table, with its match rule,
field mappings, direction, policies and schedule.

Each pipeline is validated here on its own; how the pipelines fit together (unique names,
associations between them, write targets) is checked by `Settings` in settings.py.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from syncer import settings_rules as rules
from syncer.policies import ConflictPolicy, DeletePolicy, Direction, Unmapped
from syncer.records import FieldType, Side
from syncer.settings_external import SqlTableSettings
from syncer.settings_relations import AssociationSettings, AssociationSweep
from syncer.settings_rules import HubSpotName, HubSpotObject, PipelineName, SqlName, StrictModel


class MatchRule(StrictModel):
    hubspot: HubSpotName = "email"
    external: SqlName = "email"


class FieldMapping(StrictModel):
    external: SqlName | None = None
    # A constant instead of a column: the HubSpot property is set to it (a field with no column).
    value: str | None = None
    direction: Direction = Direction.BOTH
    values: dict[str, str] = Field(default_factory=dict)
    type: FieldType | None = None
    # The column holds a user's key ([owners] table); the property a HubSpot owner id.
    owner: bool = False
    # An enumeration value with no entry in `values` (or not a HubSpot option): becomes
    # `default` (a HubSpot value, a key of `values`), else is handled as `unmapped` says.
    default: str | None = None
    unmapped: Unmapped = Unmapped.QUARANTINE

    @model_validator(mode="before")
    @classmethod
    def _constants_go_to_hubspot(cls, data: object) -> object:
        """A constant has no column to copy to: it only ever flows to HubSpot."""
        if isinstance(data, dict) and "value" in data and "direction" not in data:
            return {**data, "direction": Direction.TO_HUBSPOT}
        return data

    @model_validator(mode="after")
    def _a_column_or_a_constant(self) -> FieldMapping:
        if (self.external is None) == (self.value is None):
            raise ValueError("give a field either external (its column) or value (a constant)")
        if self.value is not None and self.direction is not Direction.TO_HUBSPOT:
            raise ValueError('a constant (value) only sets HubSpot: direction = "to_hubspot"')
        return self

    @model_validator(mode="after")
    def _one_rule_for_unmapped_values(self) -> FieldMapping:
        if self.default is not None and "unmapped" in self.model_fields_set:
            raise ValueError("set default (what an unmapped value becomes) or unmapped, not both")
        if self.default is not None and self.values and self.default not in self.values:
            raise ValueError(
                f"default {self.default!r} must be one of the HubSpot values of `values` "
                f"({', '.join(sorted(self.values))}), so it maps both ways"
            )
        return self


class PipelineSettings(StrictModel):
    name: PipelineName
    hubspot_object: HubSpotObject = "contacts"
    external_object: SqlName
    # Without it, records pair only through the external id stamped on HubSpot records.
    match: MatchRule | None = None
    external_id_property: HubSpotName = "syncer_external_id"
    direction: Direction = Direction.BOTH
    # Whether HubSpot records learn their twin's id in external_id_property. Needed to pair
    # records without a match key, and by every pipeline that writes to HubSpot; a one-way
    # extraction (to_external) with a match key pairs again by the key after a crash, so it
    # may save the batch/update per 100 records that the stamps cost.
    stamp_external_id: bool = True
    # The sides unmatched records may be created on; None: every side `direction` writes to.
    create_in: list[Side] | None = None
    conflict: ConflictPolicy = ConflictPolicy.NEWEST
    # Who wins a field two existing records disagree on when they are first linked (a value
    # against none is always a fill-in): counted apart from conflicts, which need a base.
    first_link: ConflictPolicy = ConflictPolicy.NEWEST
    deletes: DeletePolicy = DeletePolicy.IGNORE
    interval: Annotated[str | None, AfterValidator(rules.interval)] = "5m"
    cron: Annotated[str | None, AfterValidator(rules.crontab)] = None
    overlap_seconds: float = Field(120.0, ge=0, le=rules.MAX_DURATION_SECONDS)
    sql: SqlTableSettings | None = None
    fields: dict[HubSpotName, FieldMapping] = Field(default_factory=dict)
    associations: list[AssociationSettings] = Field(default_factory=list)
    association_sweep: AssociationSweep = "1d"

    @field_validator("fields", mode="before")
    @classmethod
    def _short_form(cls, value: object) -> object:
        """`firstname = "first_name"` is short for `firstname = { external = "first_name" }`."""
        if isinstance(value, dict):
            return {k: {"external": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> PipelineSettings:
        if {"interval", "cron"} <= self.model_fields_set and self.interval and self.cron:
            raise ValueError("set interval or cron, not both")
        return self

    @model_validator(mode="after")
    def _constants_within_direction(self) -> PipelineSettings:
        if self.direction is Direction.TO_EXTERNAL:
            for key, mapping in self.fields.items():
                if mapping.value is not None:
                    raise ValueError(
                        f"fields.{key} is a constant, which only sets HubSpot; direction = "
                        '"to_external" never writes there'
                    )
        return self

    @model_validator(mode="after")
    def _stamps_where_needed(self) -> PipelineSettings:
        if self.stamp_external_id:
            return self
        if self.direction is not Direction.TO_EXTERNAL:
            raise ValueError(
                'stamp_external_id = false needs direction = "to_external": a pipeline that '
                "writes to HubSpot must stamp the external id on its records"
            )
        if self.match is None:
            raise ValueError(
                "stamp_external_id = false needs a match rule: without one, records pair only "
                "through the stamped external id"
            )
        return self

    @model_validator(mode="after")
    def _creates_within_direction(self) -> PipelineSettings:
        if self.create_in is None:
            return self
        if not self.create_in:
            raise ValueError("create_in names no side: leave it out to create on every side")
        for side in self.create_in:
            if not self.direction.flows_to(side):
                raise ValueError(
                    f'create_in names "{side}", which direction = "{self.direction}" never '
                    "writes to"
                )
        return self

    def creates_to(self) -> frozenset[Side]:
        """The sides unmatched records are created on: `create_in`, else `direction`'s."""
        flowing = frozenset(side for side in Side if self.direction.flows_to(side))
        return flowing if self.create_in is None else frozenset(self.create_in)

    def interval_seconds(self) -> float | None:
        """Seconds between incremental passes; None when `cron` schedules the pipeline."""
        if self.cron is not None or self.interval is None:
            return None
        return rules.interval_seconds(self.interval)

    def hubspot_properties(self) -> list[str]:
        """Every HubSpot property the pipeline reads: mapped fields, match key, external id."""
        match = [self.match.hubspot] if self.match else []
        names = [*self.fields, *match, self.external_id_property]
        return list(dict.fromkeys(names))

    def external_fields(self) -> list[str]:
        """Every external field the pipeline reads: mapped fields and the match key."""
        match = [self.match.external] if self.match else []
        names = [m.external for m in self.fields.values() if m.external is not None] + match
        return list(dict.fromkeys(names))
