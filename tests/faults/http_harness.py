"""What the write and transport fault scenarios (T07-T16, T18) share on top of
tests/integration/harness.py: the real engine (`run_pipeline` with the real HubSpot and SQL
connectors, built from the deployment's config file) against the sandbox on loopback, and the
invariants every scenario ends on.

Only time is virtual: the HubSpot connector's back-off and rate-budget waits advance a
`VirtualTime` instead of sleeping, so a retry storm costs milliseconds and the test can read
every wait the engine chose. Everything else (HTTP, timeouts, SQL, the ledger) is real.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syncer.connectors.base import Connector
from syncer.connectors.hubspot import HubSpotConnector
from syncer.connectors.sql import SqlConnector
from syncer.engine.report import Mode, RunReport
from syncer.engine.run import PipelineRun, run_pipeline
from syncer.ledger.store import Ledger
from syncer.ledger.values import QuarantineEntry
from syncer.mapping.convert import normalise_email
from syncer.records import Cursor, Side
from syncer.settings import load_settings
from tests.integration.harness import Deployment


@dataclass
class VirtualTime:
    """Monotonic seconds that move only when the engine waits; every wait is recorded."""

    now: float = 1000.0
    waits: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += max(seconds, 0.0)


def run(
    dep: Deployment,
    mode: Mode = Mode.SYNC,
    *,
    time: VirtualTime | None = None,
    settings: Mapping[str, str] | None = None,
    external: Connector | None = None,
    clock: Callable[[], datetime] | None = None,
) -> RunReport:
    """One real pipeline run. `settings` are SYNCER_* overrides, e.g.
    {"SYNCER_HUBSPOT__TIMEOUT_SECONDS": "0.2"}, read as the command line would read them;
    `external` replaces the SQL table (an external CRM that refuses records); `clock` is the
    run's clock (quarantine back-off is read on it)."""
    time = time or VirtualTime()
    loaded = load_settings(dep.config, dict(settings or {}))
    pipeline = loaded.pipelines[0]
    hubspot = HubSpotConnector(loaded.hubspot, pipeline, sleep=time.sleep, monotonic=time.monotonic)
    other = external or SqlConnector(loaded.external, pipeline)
    ledger = Ledger.open(loaded.ledger.url)
    connectors: dict[Side, Connector] = {Side.HUBSPOT: hubspot, Side.EXTERNAL: other}
    ctx = PipelineRun(pipeline, ledger, connectors, owner="faults")
    if clock is not None:
        ctx.clock = clock
    try:
        return run_pipeline(ctx, mode)
    finally:
        hubspot.close()
        if external is None:
            other.close()
        ledger.close()


def cursors(dep: Deployment) -> dict[Side, Cursor | None]:
    with dep.ledger() as ledger:
        return {side: ledger.cursor("contacts", side) for side in Side}


def quarantined(dep: Deployment) -> list[QuarantineEntry]:
    """Open quarantine entries: source side, record id, operation, category, property, ..."""
    with dep.ledger() as ledger:
        return ledger.quarantined("contacts")


def hub_by_email(dep: Deployment) -> dict[str, dict[str, Any]]:
    return {c["properties"]["email"]: c for c in dep.hub_contacts()}


def sql_by_email(dep: Deployment) -> dict[str, Any]:
    return {normalise_email(r.email): r for r in dep.sql_rows()}


def assert_invariants(dep: Deployment) -> set[tuple[str, str]]:
    """I1 and I5 after a scenario: one record per email on each side, every link 1:1 between
    records that exist, no intent left pending. Returns the links as (hubspot id, row id)."""
    hub = Counter(normalise_email(c["properties"]["email"]) for c in dep.hub_contacts())
    sql = Counter(normalise_email(r.email) for r in dep.sql_rows())
    assert not [e for e, n in hub.items() if n > 1], "a HubSpot contact was duplicated"
    assert not [e for e, n in sql.items() if n > 1], "a SQL row was duplicated"
    with dep.ledger() as ledger:
        links = set(ledger.linked_ids("contacts"))
        pending = ledger.pending_intents("contacts")
    assert len({h for h, _ in links}) == len({e for _, e in links}) == len(links), "not 1:1"
    assert {h for h, _ in links} <= {c["id"] for c in dep.hub_contacts()}, "dangling link"
    assert {e for _, e in links} <= {str(r.id) for r in dep.sql_rows()}, "dangling link"
    assert pending == [], f"intents left pending: {pending}"
    return links
