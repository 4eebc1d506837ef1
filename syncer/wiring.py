"""Build the parts of a run from settings: ledger, connectors, the run context. Edge code only."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from syncer import relations, settings_rules
from syncer.connectors.base import Connector
from syncer.connectors.catalogue_cache import CatalogueCache
from syncer.engine.observer import LoggingObserver, RunObserver
from syncer.engine.run import PipelineRun
from syncer.errors import ConfigError
from syncer.ledger.lazy import LazyLedger
from syncer.ledger.store import Ledger
from syncer.records import Side
from syncer.settings import Settings
from syncer.settings_external import ExternalSettings, SqlSettings
from syncer.settings_pipeline import PipelineSettings
from syncer.settings_relations import OwnersSettings

if TYPE_CHECKING:
    from syncer.connectors.hubspot import PortalBudgets
    from syncer.connectors.sql.engines import SqlEngines

Kind = TypeVar("Kind", bound=ExternalSettings)


@dataclass(frozen=True, slots=True)
class Relations:
    """What a pipeline's connectors are told of relations: the association fields of its
    records (`relations.association_fields`) and the `[owners]` users table (external side)."""

    fields: tuple[relations.AssociationField, ...] = ()
    owners: OwnersSettings | None = None

    @classmethod
    def of(cls, settings: Settings, pipeline: PipelineSettings) -> Relations:
        return cls(tuple(relations.association_fields(settings, pipeline)), settings.owners)


@dataclass(frozen=True, slots=True)
class ExternalConnector(Generic[Kind]):
    """How a kind of external CRM is connected: its settings model and the factory that builds
    its connector for one pipeline, given the pipeline's relations; `build_shared`, if the kind
    has one, builds it on what the runs of one process share (SharedBudgets: a daemon's
    connections, say)."""

    settings: type[Kind]
    build: Callable[[Kind, PipelineSettings, Relations], Connector]
    build_shared: Callable[[Kind, PipelineSettings, Relations, SharedBudgets], Connector] | None = (
        None
    )

    def connect(
        self,
        settings: ExternalSettings,
        pipeline: PipelineSettings,
        shared: SharedBudgets | None = None,
        relations: Relations = Relations(),
    ) -> Connector:
        if not isinstance(settings, self.settings):
            raise TypeError(f"{type(settings).__name__} given for {self.settings.__name__}")
        if shared is not None and self.build_shared is not None:
            return self.build_shared(settings, pipeline, relations, shared)
        return self.build(settings, pipeline, relations)


def _sql_connector(
    settings: SqlSettings, pipeline: PipelineSettings, relations: Relations
) -> Connector:
    # Imported here, like the HubSpot connector: commands that never connect (status, errors)
    # start without loading either.
    from syncer.connectors.sql import SqlConnector

    return SqlConnector(settings, pipeline, associations=relations.fields, owners=relations.owners)


def _shared_sql_connector(
    settings: SqlSettings, pipeline: PipelineSettings, relations: Relations, shared: SharedBudgets
) -> Connector:
    from syncer.connectors.sql import SqlConnector

    return SqlConnector(
        settings,
        pipeline,
        engines=shared.sql_engines,
        associations=relations.fields,
        owners=relations.owners,
    )


# The connector of each `external.kind` (settings_external.KINDS lists their settings models).
EXTERNAL_CONNECTORS: dict[str, ExternalConnector[Any]] = {
    "sql": ExternalConnector(SqlSettings, _sql_connector, _shared_sql_connector),
}


@dataclass(frozen=True, slots=True)
class SharedBudgets:
    """What every run of one process draws on together. The rate budgets: HubSpot's burst
    limit is per app and its daily limit per account, whatever the pipeline, so pipelines
    running at once (the daemon's) must spend from one budget. The SQL engines and reflected
    tables: built once per process, not once per pass (each pass's new engine left objects
    behind, and the daemon grew)."""

    hubspot: PortalBudgets
    sql_engines: SqlEngines

    @classmethod
    def of(cls, settings: Settings) -> SharedBudgets:
        from syncer.connectors.hubspot import PortalBudgets
        from syncer.connectors.sql.engines import SqlEngines

        return cls(PortalBudgets.from_settings(settings.hubspot), SqlEngines())

    def close(self) -> None:
        """Close the process's connections (when it stops)."""
        self.sql_engines.close()


def owner_name() -> str:
    """Who holds a lease: host and process, so `syncer status` can say which replica runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LedgerRateGate:
    """The HubSpot budgets kept with the other replicas of the same ledger (ledger/rate_grants):
    asked before each request, through a ledger connection of its own, opened on first use (a
    daemon started while the ledger is down still starts)."""

    def __init__(self, ledger_url: str) -> None:
        self._ledger = LazyLedger(lambda: Ledger.open(ledger_url))
        self._holder = owner_name()

    def __call__(self, budget: str, limit: int, window: float) -> float:
        return self._ledger.opened().take_rate(budget, self._holder, limit, window)

    def close(self) -> None:
        self._ledger.close()


def select_pipelines(settings: Settings, name: str | None) -> list[PipelineSettings]:
    if not settings.pipelines:
        raise ConfigError("pipelines: the configuration defines no pipeline")
    if name is None:  # each pipeline after those its records point at
        return settings.pipelines_in_order()
    chosen = [p for p in settings.pipelines if p.name == name]
    if not chosen:
        known = ", ".join(p.name for p in settings.pipelines)
        raise ConfigError(f"--pipeline: no pipeline named {name!r} (configured: {known})")
    return chosen


def build_connectors(
    settings: Settings,
    pipeline: PipelineSettings,
    budgets: SharedBudgets | None = None,
    kept_schemas: CatalogueCache | None = None,
) -> dict[Side, Connector]:
    """`budgets`: shared by every run of this process (see SharedBudgets); None: this run's
    own. `kept_schemas`: the ledger's copy of the property catalogue, read instead of HubSpot's."""
    from syncer.connectors.hubspot import HubSpotConnector

    related = Relations.of(settings, pipeline)
    external = external_connector(settings.external, pipeline, budgets, related)
    try:
        hubspot = HubSpotConnector(
            settings.hubspot,
            pipeline,
            budgets=budgets.hubspot if budgets is not None else None,
            kept_schemas=kept_schemas,
            associations=related.fields,
        )
    except BaseException:
        external.close()  # its connections are not left open behind a configuration error
        raise
    return {Side.HUBSPOT: hubspot, Side.EXTERNAL: external}


def external_connector(
    settings: ExternalSettings,
    pipeline: PipelineSettings,
    shared: SharedBudgets | None = None,
    relations: Relations = Relations(),
) -> Connector:
    """The connector of `settings.kind`, from the registry; on `shared`, the process's
    connections, if the kind keeps any; told the pipeline's `relations`."""
    registered = EXTERNAL_CONNECTORS.get(settings.kind)
    if registered is None:
        known = ", ".join(repr(kind) for kind in EXTERNAL_CONNECTORS)
        raise ConfigError(
            f"external.kind: no connector for {settings.kind!r} (known kinds: {known})"
        )
    return registered.connect(settings, pipeline, shared, relations)


@contextmanager
def pipeline_run(
    settings: Settings,
    ledger: Ledger,
    pipeline: PipelineSettings,
    *,
    force: bool = False,
    dry_run: bool = False,
    budgets: SharedBudgets | None = None,
    stop: threading.Event | None = None,
    fresh_schemas: bool = False,
    observer: RunObserver | None = None,
) -> Iterator[PipelineRun]:
    """`fresh_schemas`: read HubSpot's property catalogue, not the ledger's copy (`check`).
    `observer`: told what the run does; by default, its log lines."""
    max_age = 0.0 if fresh_schemas else settings.hubspot.properties_cache_seconds
    kept = ledger.kept_schemas(timedelta(seconds=max_age))
    connectors = build_connectors(settings, pipeline, budgets, kept)
    try:
        yield PipelineRun(
            pipeline,
            ledger,
            connectors,
            owner_name(),
            force=force,
            dry_run=dry_run,
            lease_ttl=timedelta(seconds=settings.ledger.lease_seconds),
            conflict_retention=timedelta(
                seconds=settings_rules.interval_seconds(settings.ledger.conflict_retention)
            ),
            stop=stop,
            observer=observer or LoggingObserver(),
            associations=relations.association_fields(settings, pipeline),
            owners=settings.owners,
            pointed_at=relations.pointed_at(settings, pipeline),
        )
    finally:
        for connector in connectors.values():
            connector.close()
