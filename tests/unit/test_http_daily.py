"""DailyBudget: refuses before sending once the day's quota is used, until the portal's midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncer.errors import RateLimited
from syncer.http.daily import DailyBudget


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def test_the_quota_is_spent_then_refused_with_the_seconds_to_midnight_utc() -> None:
    clock = Clock(datetime(2026, 11, 26, 23, 0, tzinfo=UTC))
    budget = DailyBudget(3, now=clock)
    for _ in range(3):
        budget.spend()
    with pytest.raises(RateLimited) as refused:
        budget.spend()
    assert refused.value.policy == "DAILY"
    assert refused.value.retry_after == 3600.0


def test_midnight_is_the_portals_and_the_quota_comes_back_after_it() -> None:
    # 23:30 UTC is 00:30 in Paris (UTC+1 in November): 23.5 hours to the Paris midnight.
    clock = Clock(datetime(2026, 11, 26, 23, 30, tzinfo=UTC))
    budget = DailyBudget(1, "Europe/Paris", now=clock)
    budget.spend()
    with pytest.raises(RateLimited) as refused:
        budget.spend()
    assert refused.value.retry_after == timedelta(hours=23, minutes=30).total_seconds()
    clock.moment += timedelta(hours=23, minutes=30)
    budget.spend()
    assert budget.remaining == 0


def test_the_servers_count_corrects_ours() -> None:
    budget = DailyBudget(1000, now=Clock(datetime(2026, 11, 26, 12, tzinfo=UTC)))
    budget.observe(remaining=2, limit=500)
    assert (budget.remaining, budget.limit) == (2, 500)
    budget.spend()
    budget.spend()
    with pytest.raises(RateLimited):
        budget.spend()


def test_a_server_refusal_exhausts_the_budget_for_every_caller() -> None:
    budget = DailyBudget(1000, now=Clock(datetime(2026, 11, 26, 12, tzinfo=UTC)))
    budget.exhaust()
    with pytest.raises(RateLimited, match="resets at midnight UTC"):
        budget.spend()
