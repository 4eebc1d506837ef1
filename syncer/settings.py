"""Typed settings: the TOML file of DESIGN.md section 4, overridable by SYNCER_* variables.

Loaded once at the edge (`load_settings`) and passed down; nothing deeper reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from syncer.records import FieldType

Direction = Literal["both", "to_hubspot", "to_external"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LedgerSettings(_Strict):
    url: str = "sqlite:///syncer.db"


class HubSpotSettings(_Strict):
    base_url: str = "https://api.hubapi.com"
    token: SecretStr | None = None
    token_file: Path | None = None
    burst_limit: int = Field(190, gt=0, description="requests per 10 s for this app")
    daily_limit: int = Field(625_000, gt=0)
    search_per_second: int = Field(5, gt=0)
    batch_size: int = Field(100, gt=0, le=100)
    timeout_seconds: float = Field(30.0, gt=0)
    max_retries: int = Field(6, ge=0)


class ExternalSettings(_Strict):
    kind: Literal["sql", "salesforce"] = "sql"
    url: str = ""
    password: SecretStr | None = None
    password_file: Path | None = None
    batch_size: int = Field(500, gt=0)


class SqlTableSettings(_Strict):
    primary_key: str = "id"
    updated_at: str | None = None
    deleted_flag: str | None = None
    timezone: str = "UTC"


class MatchRule(_Strict):
    hubspot: str = "email"
    external: str = "email"


class FieldMapping(_Strict):
    external: str
    direction: Direction = "both"
    values: dict[str, str] = Field(default_factory=dict)
    type: FieldType | None = None


class PipelineSettings(_Strict):
    name: str
    hubspot_object: str = "contacts"
    external_object: str
    match: MatchRule = Field(default_factory=MatchRule)
    external_id_property: str = "syncer_external_id"
    direction: Direction = "both"
    conflict: Literal["newest", "hubspot", "external"] = "newest"
    deletes: Literal["ignore", "archive"] = "ignore"
    interval: str | None = "5m"
    cron: str | None = None
    overlap_seconds: float = Field(120.0, ge=0)
    sql: SqlTableSettings | None = None
    fields: dict[str, FieldMapping] = Field(default_factory=dict)

    @field_validator("fields", mode="before")
    @classmethod
    def _short_form(cls, value: object) -> object:
        """`firstname = "first_name"` is short for `firstname = { external = "first_name" }`."""
        if isinstance(value, dict):
            return {k: {"external": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    def hubspot_properties(self) -> list[str]:
        """Every HubSpot property the pipeline reads: mapped fields, match key, external id."""
        names = [*self.fields, self.match.hubspot, self.external_id_property]
        return list(dict.fromkeys(names))

    def external_fields(self) -> list[str]:
        """Every external field the pipeline reads: mapped fields and the match key."""
        names = [m.external for m in self.fields.values()] + [self.match.external]
        return list(dict.fromkeys(names))


class Settings(_Strict):
    ledger: LedgerSettings = Field(default_factory=LedgerSettings)
    hubspot: HubSpotSettings = Field(default_factory=HubSpotSettings)
    external: ExternalSettings = Field(default_factory=ExternalSettings)
    pipelines: list[PipelineSettings] = Field(default_factory=list)
