"""The `[external]` section: one settings model per kind of external CRM, chosen by `kind`.

`kind` may be left out and defaults to "sql". Validating `ExternalSettings` validates the
section against the model of its kind and returns that model, so `Settings.external` is always
a `SqlSettings` (or the model of another kind); an unknown kind is reported at
`external.kind` with the kinds there are.

Adding a kind of external CRM: a subclass of `ExternalSettings` with `kind: Literal["..."]`,
listed in `KINDS`, and its connector registered in syncer/wiring.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from syncer import settings_rules as rules
from syncer.logs import mask_url_password
from syncer.settings_rules import SqlName

DEFAULT_KIND = "sql"


class ExternalSettings(BaseModel):
    """What every kind of external CRM has: its `kind`, and secrets to keep out of the logs."""

    model_config = ConfigDict(extra="forbid")

    kind: str

    @model_validator(mode="wrap")
    @classmethod
    def _as_its_kind(
        cls, value: Any, handler: ModelWrapValidatorHandler[ExternalSettings]
    ) -> ExternalSettings:
        if cls is not ExternalSettings or not isinstance(value, dict):
            return handler(value)  # a kind's own model, or not a table ("expected a table")
        kind = value.get("kind", DEFAULT_KIND)
        model = KINDS.get(kind) if isinstance(kind, str) else None
        if model is None:
            raise _unknown_kind(kind)
        return model.model_validate(value)

    def secret_values(self) -> list[str]:
        """Every secret this section holds: its secret fields and passwords written in URLs."""
        secrets = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                secrets.append(value.get_secret_value())
            elif isinstance(value, str) and (password := urlsplit(value).password):
                secrets.append(unquote(password))
        return secrets

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, mask_url_password(value) if isinstance(value, str) else value


def _unknown_kind(kind: object) -> ValidationError:
    """Reported like any value outside a fixed set: `external.kind: expected one of ...`."""
    expected = ", ".join(repr(known) for known in KINDS)
    error = InitErrorDetails(
        type="literal_error", loc=("kind",), input=kind, ctx={"expected": expected}
    )
    return ValidationError.from_exception_data("ExternalSettings", [error])


def _required_sql_url(value: str) -> str:
    if not value:
        raise ValueError("required when external.kind is 'sql' (a SQLAlchemy URL)")
    return rules.sqlalchemy_url(value)


class SqlSettings(ExternalSettings):
    """`kind = "sql"`: a legacy CRM in a SQL database. The password is given on its own
    (`password`, `password_file`, or in the URL), and injected into the URL when connecting."""

    kind: Literal["sql"] = "sql"
    url: Annotated[str, Field(validate_default=True), AfterValidator(_required_sql_url)] = ""
    password: SecretStr | None = None
    password_file: Path | None = None
    batch_size: int = Field(500, gt=0)


class SqlTableSettings(BaseModel):
    """`[pipelines.sql]`: how a pipeline's table is laid out (kind = "sql" only)."""

    model_config = ConfigDict(extra="forbid")

    # One column, or several (a composite key) whose values, joined with ":", make the record id.
    primary_key: SqlName | list[SqlName] = "id"
    updated_at: SqlName | None = None
    deleted_flag: SqlName | None = None
    timezone: Annotated[str, AfterValidator(rules.time_zone)] = "UTC"

    @field_validator("primary_key")
    @classmethod
    def _distinct_key_columns(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list):
            if not value:
                raise ValueError("name at least one column")
            if len(set(value)) != len(value):
                raise ValueError("a column is listed twice")
        return value

    def key_columns(self) -> list[str]:
        """The primary key's columns, in the order their values make the record id."""
        return [self.primary_key] if isinstance(self.primary_key, str) else list(self.primary_key)


# Every kind `[external]` may name, by its `kind`. "memory" is not one: the in-memory
# connector is a reference for tests, never configured.
KINDS: dict[str, type[ExternalSettings]] = {"sql": SqlSettings}
