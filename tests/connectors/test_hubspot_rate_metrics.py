"""What the HubSpot connector's shared budgets tell the daemon's metrics: the 429s HubSpot
answered, by policy, what each budget allows now, and every request by result class."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from prometheus_client import CollectorRegistry

from syncer.connectors.hubspot import HubSpotConnector, PortalBudgets
from syncer.service.metrics import RateLimitMetrics
from tests.connectors.hubspot_harness import contact, pipeline, sandbox, settings
from tests.connectors.test_hubspot_limits import schedule_fault


class Waited:
    """A monotonic clock that moves only when the budgets sleep."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def monotonic(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds


def test_429s_are_counted_by_policy_and_budgets_show_what_is_left() -> None:
    app = sandbox()
    waited = Waited()  # the 10 s a refusal asks for pass at once
    budgets = PortalBudgets.from_settings(
        settings(), sleep=waited.sleep, monotonic=waited.monotonic
    )
    hubspot = HubSpotConnector(
        settings(),
        pipeline(),
        transport=httpx.WSGITransport(app=app),
        clock=lambda: datetime.now(UTC),
        budgets=budgets,
    )
    hubspot.prepare()
    schedule_fault(app, status=429, count=2, path_contains="batch")
    written = hubspot.write([contact(n) for n in range(3)])
    assert all(result.ok for result in written)  # the refusals were waited out
    assert budgets.rate_limited() == {"TEN_SECONDLY_ROLLING": 2}
    remaining = budgets.remaining()
    calls = hubspot.counter.calls
    assert 190 - calls <= remaining["burst"] < 190  # the latest calls are in this window
    # Corrected from the sandbox's X-HubSpot-RateLimit-Daily-Remaining (its limit: 625,000).
    assert 625_000 - calls <= remaining["daily"] < 625_000
    assert 0 <= remaining["search"] <= 1000

    registry = CollectorRegistry()
    registry.register(RateLimitMetrics("hubspot", budgets))
    refused = {"side": "hubspot", "policy": "TEN_SECONDLY_ROLLING"}
    assert registry.get_sample_value("syncer_rate_limited_total", refused) == 2
    daily = {"side": "hubspot", "budget": "daily"}
    assert registry.get_sample_value("syncer_budget_remaining", daily) == remaining["daily"]
    # Every request sent, by result: the two refused, the rest answered.
    assert budgets.results() == {"rate_limited": 2, "ok": calls - 2}
    for result, count in (("rate_limited", 2), ("ok", calls - 2)):
        on = {"side": "hubspot", "result": result}
        assert registry.get_sample_value("syncer_api_results_total", on) == count
