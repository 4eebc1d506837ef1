"""Shared set-up for the HubSpot connector tests: a sandbox and a connector pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import httpx
from pydantic import SecretStr

from syncer.connectors.hubspot import HubSpotConnector
from syncer.records import Record, Write
from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig
from syncer.settings import HubSpotSettings, PipelineSettings

TOKEN = "pat-na1-test-token"
FROZEN_SECONDS = 1_750_000_000.0  # a fixed sandbox time: every write gets the same millisecond


def sandbox(clock: Callable[[], float] | None = None, **config: object) -> HubSpotSandbox:
    options: dict[str, object] = {"token": TOKEN, "burst_limit": 0, "search_per_second": 0}
    options.update(config)
    if clock is None:
        return HubSpotSandbox(SandboxConfig(**options))  # type: ignore[arg-type]
    return HubSpotSandbox(SandboxConfig(**options), clock=clock)  # type: ignore[arg-type]


def pipeline(**overrides: object) -> PipelineSettings:
    values: dict[str, object] = {
        "name": "contacts",
        "external_object": "customers",
        "fields": {"firstname": "first_name", "lastname": "last_name"},
        "external_id_property": "legacy_id",
        "overlap_seconds": 60,
    }
    values.update(overrides)
    return PipelineSettings.model_validate(values)


def settings(base_url: str = "http://sandbox.test", **overrides: object) -> HubSpotSettings:
    values: dict[str, object] = {"base_url": base_url, "token": SecretStr(TOKEN),
                                 "burst_limit": 190, "search_per_second": 1000}
    values.update(overrides)
    return HubSpotSettings.model_validate(values)


def connect(app: HubSpotSandbox, *, pipeline_settings: PipelineSettings | None = None,
            clock: Callable[[], datetime] | None = None, **overrides: object) -> HubSpotConnector:
    return HubSpotConnector(settings(**overrides), pipeline_settings or pipeline(),
                            transport=httpx.WSGITransport(app=app),
                            clock=clock or (lambda: datetime.now(UTC)))


def contact(n: int, *, domain: str = "example.com", **extra: str) -> Write:
    email = f"person{n}@{domain}"
    return Write(key=f"w{n}", properties={"email": email, "firstname": f"First{n}", **extra},
                 unique_property="email", unique_value=email)


def ids_of(records: Sequence[Record]) -> list[str]:
    return [r.id for r in records]
