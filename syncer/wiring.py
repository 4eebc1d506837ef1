"""Build the parts of a run from settings: ledger, connectors, the run context. Edge code only."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from syncer.connectors.base import Connector
from syncer.connectors.catalogue_cache import CatalogueCache
from syncer.engine.run import PipelineRun
from syncer.errors import ConfigError
from syncer.ledger.store import Ledger
from syncer.records import Side
from syncer.settings import PipelineSettings, Settings

if TYPE_CHECKING:
    from syncer.connectors.hubspot import PortalBudgets


def owner_name() -> str:
    """Who holds a lease: host and process, so `syncer status` can say which replica runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def select_pipelines(settings: Settings, name: str | None) -> list[PipelineSettings]:
    if not settings.pipelines:
        raise ConfigError("pipelines: the configuration defines no pipeline")
    if name is None:
        return list(settings.pipelines)
    chosen = [p for p in settings.pipelines if p.name == name]
    if not chosen:
        known = ", ".join(p.name for p in settings.pipelines)
        raise ConfigError(f"--pipeline: no pipeline named {name!r} (configured: {known})")
    return chosen


def build_connectors(
    settings: Settings,
    pipeline: PipelineSettings,
    budgets: PortalBudgets | None = None,
    kept_schemas: CatalogueCache | None = None,
) -> dict[Side, Connector]:
    """`budgets`: one rate budget shared by every HubSpot connector of this process (the
    burst limit is per app and the daily limit per account, whatever the pipeline).
    `kept_schemas`: the ledger's copy of the property catalogue, read instead of HubSpot's."""
    from syncer.connectors.hubspot import HubSpotConnector

    if settings.external.kind != "sql":
        raise ConfigError(
            f'external.kind: {settings.external.kind!r} is not supported yet; use "sql"'
        )
    from syncer.connectors.sql import SqlConnector

    return {
        Side.HUBSPOT: HubSpotConnector(
            settings.hubspot, pipeline, budgets=budgets, kept_schemas=kept_schemas
        ),
        Side.EXTERNAL: SqlConnector(settings.external, pipeline),
    }


@contextmanager
def pipeline_run(
    settings: Settings,
    ledger: Ledger,
    pipeline: PipelineSettings,
    *,
    force: bool = False,
    dry_run: bool = False,
    budgets: PortalBudgets | None = None,
    stop: threading.Event | None = None,
    fresh_schemas: bool = False,
) -> Iterator[PipelineRun]:
    """`fresh_schemas`: read HubSpot's property catalogue, not the ledger's copy (`check`)."""
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
            stop=stop,
        )
    finally:
        for connector in connectors.values():
            connector.close()
