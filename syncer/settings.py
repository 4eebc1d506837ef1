"""Typed settings: the TOML configuration file, overridable by SYNCER_* variables.

Loaded once at the edge (`load_settings`) and passed down; nothing deeper reads the environment.
Constructing `Settings(...)` directly reads nothing ambient: only the values given are used,
which is what tests want.

Rules worth knowing (they are also in config/syncer.example.toml):
- `match` has no default: a pipeline without it pairs records only through the external id
  stamped in `external_id_property`.
- `sql.primary_key` is a column or a list of columns; a composite key's record id joins the
  values with ":" (see syncer/connectors/sql/keys.py).
- `interval` has a default ("5m"); a pipeline that sets `cron` runs on the cron schedule instead.
  Setting both explicitly is an error.
- Names that end up in SQL (table, columns, external fields) must be plain identifiers, so an
  injected identifier is refused at load rather than quoted later.
- Relative paths in the file (`*_file` secrets, a SQLite ledger such as the default
  "sqlite:///syncer.db") are relative to the config file's directory, not the cwd.
- A secret is given inline (`token`, `password`) or as a file (`token_file`, `password_file`),
  not both in one place; either form in the environment replaces both forms in the file.
- A config file may not aim a URL that receives a secret (`hubspot.base_url`,
  `hubspot.oauth_token_url`) at loopback or a private address unless it sets
  `allow_private_network = true` (SSRF), nor at plain http:// unless it sets that or
  `allow_insecure_http = true`; cloud metadata addresses are always refused. The address a name
  resolves to is checked again on every connection (syncer/http/guard.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field, SerializeAsAny, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from syncer import relations
from syncer import settings_sources as sources
from syncer.addresses import url_refusal
from syncer.errors import ConfigError
from syncer.mapping.targets import write_conflicts
from syncer.settings_external import (
    DEFAULT_KIND,
    KINDS,
    ExternalSettings,
    SqlSettings,
    SqlTableSettings,
)
from syncer.settings_hubspot import HubSpotSettings
from syncer.settings_ledger import LedgerSettings
from syncer.settings_pipeline import PipelineSettings
from syncer.settings_relations import JoinAssociationSettings, OwnersSettings
from syncer.settings_service import ServiceSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SYNCER_", env_nested_delimiter="__", extra="forbid"
    )

    ledger: LedgerSettings = Field(default_factory=LedgerSettings)
    hubspot: HubSpotSettings = Field(default_factory=HubSpotSettings)
    # Validated as the model of its `kind` (settings_external.py); without [external], "sql".
    external: SerializeAsAny[ExternalSettings] = Field(
        default_factory=lambda: {"kind": DEFAULT_KIND}, validate_default=True
    )
    pipelines: list[PipelineSettings] = Field(default_factory=list)
    associations: list[JoinAssociationSettings] = Field(default_factory=list)
    owners: OwnersSettings | None = None
    service: ServiceSettings = Field(default_factory=ServiceSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what the caller passes: the file and the environment are read by the loader.
        return (init_settings,)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if isinstance(self.external, SqlSettings):
            for pipeline in self.pipelines:
                pipeline.sql = pipeline.sql or SqlTableSettings()
        problems = _duplicate_names(self.pipelines)
        for index, pipeline in enumerate(self.pipelines):
            key_columns = pipeline.sql.key_columns() if pipeline.sql else None
            problems += write_conflicts(pipeline, index, key_columns)
        problems += relation_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def pipelines_in_order(self) -> list[PipelineSettings]:
        """Every pipeline, each after those its records point at (syncer/relations.py)."""
        by_name = {p.name: p for p in self.pipelines}
        order = relations.run_order(list(by_name), relations.dependencies(self))
        return [by_name[name] for name in order]

    def secret_values(self) -> list[str]:
        """Every secret in these settings, for `syncer.logs.register_secret` at the edge."""
        hub = self.hubspot
        service = self.service
        held = [hub.token, hub.client_secret, hub.refresh_token]
        held += [service.token, service.webhook_secret]
        secrets = [s.get_secret_value() for s in held if s]
        password = urlsplit(self.ledger.url).password
        if password:
            secrets.append(unquote(password))
        for held_secret in (self.ledger.password, self.ledger.match_key_secret):
            if held_secret:
                secrets.append(held_secret.get_secret_value())
        return secrets + self.external.secret_values()


def relation_problems(settings: Settings) -> list[str]:
    """Associations to pipelines that do not exist, cycles, owner fields without [owners]."""
    problems: list[str] = []
    names = [p.name for p in settings.pipelines]
    try:
        relations.run_order(names, relations.dependencies(settings))
    except ValueError as exc:
        problems.append(str(exc))
    for index, join in enumerate(settings.associations):
        for name in join.between:
            if name not in names:
                problems.append(f"associations[{index}].between: no pipeline is named {name!r}")
    for pipeline in settings.pipelines:
        for a_index, assoc in enumerate(pipeline.associations):
            try:
                relations.narrower(pipeline.direction, assoc.direction)
            except ValueError as exc:
                problems.append(f"pipelines.{pipeline.name}.associations[{a_index}]: {exc}")
        problems += _key_widths(settings, pipeline)
        owned = [key for key, m in pipeline.fields.items() if m.owner]
        if owned and settings.owners is None:
            problems.append(
                f"pipelines.{pipeline.name}.fields.{owned[0]}: owner = true needs an [owners] "
                "section (the users table, its key and email columns)"
            )
    return problems


def _key_widths(settings: Settings, pipeline: PipelineSettings) -> list[str]:
    """Foreign-key columns as many as the key columns of the table they point at; a join
    table's columns each pointing at a one-column key (SQL tables only)."""
    keys = {p.name: p.sql.key_columns() for p in settings.pipelines if p.sql is not None}
    if pipeline.name not in keys:
        return []
    problems = []
    for index, assoc in enumerate(pipeline.associations):
        target = keys.get(assoc.to)
        if assoc.hubspot_property is None and target and len(target) != len(assoc.columns()):
            problems.append(
                f"pipelines.{pipeline.name}.associations[{index}].external: "
                f"{len(assoc.columns())} of {len(target)} columns named for the key of pipeline "
                f"{assoc.to!r}: {', '.join(target)}"
            )
    for index, join in enumerate(settings.associations):
        if pipeline.name in join.between and len(keys[pipeline.name]) != 1:
            problems.append(
                f"associations[{index}].columns: a join table column holds a one-column key; "
                f"pipeline {pipeline.name!r} has {len(keys[pipeline.name])} key columns"
            )
    return problems


def _duplicate_names(pipelines: list[PipelineSettings]) -> list[str]:
    first_seen: dict[str, int] = {}
    problems = []
    for index, pipeline in enumerate(pipelines):
        if pipeline.name in first_seen:
            problems.append(
                f"pipelines[{index}].name: duplicate pipeline name {pipeline.name!r} "
                f"(also pipelines[{first_seen[pipeline.name]}].name)"
            )
        first_seen.setdefault(pipeline.name, index)
    return problems


DEFAULT_CONFIG_PATH = Path("config/syncer.toml")


def secret_pairs() -> list[tuple[str, str]]:
    """(section, key) of every secret that may be given inline as `key` or in a file named by
    `key_file`: the ledger's, HubSpot's, the service's, and those of every kind of [external]."""
    sections: list[tuple[str, type[BaseModel]]] = [
        ("ledger", LedgerSettings),
        ("hubspot", HubSpotSettings),
        ("service", ServiceSettings),
    ]
    sections += [("external", model) for model in KINDS.values()]
    pairs = (
        (section, name)
        for section, model in sections
        for name in model.model_fields
        if f"{name}_file" in model.model_fields
    )
    return list(dict.fromkeys(pairs))


def config_path(path: Path | None, env: Mapping[str, str]) -> Path:
    """The file to load: `path`, else $SYNCER_CONFIG, else config/syncer.toml."""
    if path is not None:
        return path
    return Path(env["SYNCER_CONFIG"]) if env.get("SYNCER_CONFIG") else DEFAULT_CONFIG_PATH


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the TOML file, overridden by SYNCER_* variables of `env` (os.environ if None).

    Secrets named by `*_file` keys are read into their inline key. Relative paths (secret files,
    a SQLite ledger) are taken relative to the config file's directory. Every mistake is
    reported in one ConfigError, one line per problem naming the file or variable and the key.
    """
    environ = os.environ if env is None else env
    file = config_path(path, environ)
    base_dir = file.absolute().parent
    env_values = sources.read_environment(Settings, environ)
    secrets = secret_pairs()
    values = sources.merge_layers(sources.read_toml(file), env_values, secrets)
    problems = sources.read_secret_files(values, base_dir, secrets)
    try:
        settings = Settings.model_validate(values)
        problems += _secret_url_problems(settings.hubspot)
    except ValidationError as exc:
        problems += sources.describe_errors(exc)
    if problems:
        origins = sources.env_origins(env_values)
        raise ConfigError(sources.format_problems(problems, file, origins))
    settings.ledger.url = sources.anchor_sqlite(settings.ledger.url, base_dir)
    return settings


def _secret_url_problems(hubspot: HubSpotSettings) -> list[sources.Problem]:
    problems = []
    for key, url in hubspot.secret_urls().items():
        refusal = url_refusal(
            url,
            allow_private=hubspot.allow_private_network,
            allow_insecure=hubspot.allow_insecure_http,
        )
        if refusal:
            problems.append(sources.Problem(("hubspot", key), refusal))
    return problems
