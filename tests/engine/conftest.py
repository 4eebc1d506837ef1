"""Two in-memory CRMs, a SQLite ledger and a pipeline between them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from syncer.connectors.memory import MemoryConnector
from syncer.engine.report import Mode, RunReport
from syncer.engine.run import PipelineRun, run_pipeline
from syncer.ledger.store import Ledger
from syncer.records import FieldType, Rejection, RejectionKind, Side
from syncer.settings_pipeline import PipelineSettings

HUB_TYPES = {
    "email": FieldType.TEXT,
    "firstname": FieldType.TEXT,
    "lastname": FieldType.TEXT,
    "lifecyclestage": FieldType.ENUMERATION,
    "syncer_external_id": FieldType.TEXT,
}
EXT_TYPES = {
    "email": FieldType.TEXT,
    "first_name": FieldType.TEXT,
    "last_name": FieldType.TEXT,
    "status": FieldType.TEXT,
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def reject_bad_email(props: Any) -> Rejection | None:
    email = props.get("email")
    if email and "@" not in str(email):
        message = f"Email address {email} is invalid"
        return Rejection(RejectionKind.INVALID_VALUE, "INVALID_EMAIL", message, "email")
    return None


@dataclass
class World:
    hub: MemoryConnector
    ext: MemoryConnector
    ledger: Ledger
    pipeline: PipelineSettings
    clock: Clock
    ledger_url: str  # for a look at the ledger's tables (tests/ledger_tables.py)

    def run(
        self, mode: Mode = Mode.SYNC, *, force: bool = False, dry_run: bool = False
    ) -> RunReport:
        ctx = PipelineRun(
            self.pipeline,
            self.ledger,
            {Side.HUBSPOT: self.hub, Side.EXTERNAL: self.ext},
            owner="test",
            force=force,
            dry_run=dry_run,
            clock=self.clock,
        )
        return run_pipeline(ctx, mode)


def make_pipeline(**overrides: Any) -> PipelineSettings:
    data: dict[str, Any] = {
        "name": "contacts",
        "external_object": "customers",
        "match": {"hubspot": "email", "external": "email"},
        "fields": {
            "email": "email",
            "firstname": "first_name",
            "lastname": "last_name",
            "lifecyclestage": {"external": "status", "values": {"lead": "L", "customer": "C"}},
        },
    }
    data.update(overrides)
    return PipelineSettings.model_validate(data)


@pytest.fixture
def world(ledger_url: str) -> Iterator[World]:
    clock = Clock()
    ledger = Ledger.open(ledger_url)
    hub = MemoryConnector(HUB_TYPES, clock=clock, validate=reject_bad_email, ordered_versions=True)
    ext = MemoryConnector(EXT_TYPES, clock=clock)
    yield World(hub, ext, ledger, make_pipeline(), clock, ledger_url)
    ledger.close()
