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
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    SerializeAsAny,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from syncer import relations
from syncer import settings_rules as rules
from syncer import settings_sources as sources
from syncer.addresses import url_refusal
from syncer.errors import ConfigError
from syncer.logs import mask_url_password
from syncer.mapping.targets import write_conflicts
from syncer.policies import ConflictPolicy, DeletePolicy, Direction, Unmapped
from syncer.records import FieldType, Side
from syncer.settings_external import (
    DEFAULT_KIND,
    KINDS,
    ExternalSettings,
    SqlSettings,
    SqlTableSettings,
)
from syncer.settings_relations import (
    AssociationSettings,
    AssociationSweep,
    JoinAssociationSettings,
    OwnersSettings,
)
from syncer.settings_rules import HubSpotName, HubSpotObject, PipelineName, SqlName
from syncer.settings_service import ServiceSettings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


MIN_KEY_SECRET = 16  # characters of match_key_secret: a short key would make emails guessable


class LedgerSettings(_Strict):
    url: Annotated[str, AfterValidator(rules.ledger_url)] = "sqlite:///syncer.db"
    # How long a run's lease outlives its last renewal: a replica that dies on another host
    # blocks its pipelines this long; a paused one is fenced once it has passed.
    lease_seconds: float = Field(600.0, gt=0, le=rules.MAX_DURATION_SECONDS)
    # The password apart from the URL (inline, SYNCER_LEDGER__PASSWORD or a mounted secret
    # file), so the URL can sit in a ConfigMap or a compose file; put into the URL to connect.
    password: SecretStr | None = None
    password_file: Path | None = None
    # Match keys (emails, unique ids) kept in links and intents as keyed hashes (HMAC-SHA256)
    # under match_key_secret, for those who must not keep emails at rest; see the README for
    # what it costs. Turning it on converts an existing ledger; there is no way back.
    hash_match_keys: bool = False
    match_key_secret: SecretStr | None = None
    match_key_secret_file: Path | None = None
    # How long a logged conflict keeps both sides' values (`syncer conflicts show`); then they
    # are cleared, and the conflict's row (its hashes, winner and time) stays.
    conflict_retention: Annotated[str, AfterValidator(rules.interval)] = "30d"

    def __repr_args__(self) -> Any:
        yield "url", mask_url_password(self.url)

    @model_validator(mode="after")
    def _hash_has_a_key(self) -> LedgerSettings:
        secret = self.match_key_secret
        if self.hash_match_keys and secret is None:
            raise ValueError(
                "hash_match_keys = true needs match_key_secret (or match_key_secret_file): "
                "the key of the hash"
            )
        if secret is not None and len(secret.get_secret_value()) < MIN_KEY_SECRET:
            raise ValueError(f"match_key_secret: expected at least {MIN_KEY_SECRET} characters")
        return self

    def match_key_secret_bytes(self) -> bytes | None:
        """The key match keys are hashed with, when they are; None: kept in clear."""
        if not self.hash_match_keys or self.match_key_secret is None:
            return None
        return self.match_key_secret.get_secret_value().encode("utf-8")

    def connect_url(self) -> str:
        """The URL to connect with: `password`, when set, in place of the URL's own."""
        if self.password is None:
            return self.url
        from sqlalchemy.engine import make_url  # settings load without importing SQLAlchemy

        url = make_url(self.url).set(password=self.password.get_secret_value())
        return url.render_as_string(hide_password=False)


class HubSpotSettings(_Strict):
    base_url: Annotated[str, AfterValidator(rules.http_url)] = "https://api.hubapi.com"
    # Checked by load_settings and on every connection: the URLs that receive a secret may
    # reach loopback or a private network, and plain http://, only if the file says so.
    allow_private_network: bool = False
    allow_insecure_http: bool = False
    token: Annotated[SecretStr | None, AfterValidator(rules.header_secret)] = None
    token_file: Path | None = None
    burst_limit: int = Field(190, gt=0, description="requests per 10 s for this app")
    daily_limit: int = Field(625_000, gt=0)
    search_per_second: int = Field(5, gt=0)
    # When a search counts against search_per_second, as we estimate it: from the "midpoint" of
    # its round trip, or its "completion" (strictest; see syncer/http/ratelimit.py). HubSpot
    # counts a request when it arrives; how long the way there takes is not documented. The
    # ten-second burst limit always counts from completion: a round trip is ~1 % of its window.
    search_stamp: Literal["midpoint", "completion"] = "midpoint"
    # How long a run may use the property catalogue kept in the ledger instead of reading it
    # (one API call); 0 reads it on every run. Deleted properties are caught either way.
    properties_cache_seconds: float = Field(900.0, ge=0, le=rules.MAX_DURATION_SECONDS)
    batch_size: int = Field(100, gt=0, le=100)
    timeout_seconds: float = Field(30.0, gt=0, le=rules.MAX_DURATION_SECONDS)
    max_retries: int = Field(6, ge=0)
    # Batches sent at once. Unset: sized from the burst limit and the measured round trip
    # (rate x round trip x 2, at least 4, at most 16), so a slow network still fills the budget.
    max_in_flight: int | None = Field(None, ge=1, le=32, description="batches sent at once")
    # Readers of a full listing (a first migration): 1 is the list endpoint's cursor alone; more
    # adds searches over hs_object_id ranges, which page independently on search's own budget.
    # At 300 ms a round trip one cursor reads 3.3 pages a second of the 10 the budget allows.
    listing_readers: int = Field(1, ge=1, le=8)
    # The daily limit resets at midnight in the portal's time zone.
    portal_timezone: Annotated[str, AfterValidator(rules.time_zone)] = "UTC"
    # OAuth 2 (instead of a private-app token): refreshed at base_url + /oauth/v1/token.
    client_id: str | None = None
    client_secret: Annotated[SecretStr | None, AfterValidator(rules.header_secret)] = None
    client_secret_file: Path | None = None
    refresh_token: Annotated[SecretStr | None, AfterValidator(rules.header_secret)] = None
    refresh_token_file: Path | None = None
    # default: base_url + /oauth/v1/token
    oauth_token_url: Annotated[str | None, AfterValidator(rules.optional_http_url)] = None

    def uses_oauth(self) -> bool:
        return bool(self.client_id)

    def secret_urls(self) -> dict[str, str]:
        """Every URL a secret is sent to, by its key."""
        urls = {"base_url": self.base_url}
        if self.oauth_token_url:
            urls["oauth_token_url"] = self.oauth_token_url
        return urls


class MatchRule(_Strict):
    hubspot: HubSpotName = "email"
    external: SqlName = "email"


class FieldMapping(_Strict):
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


class PipelineSettings(_Strict):
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
