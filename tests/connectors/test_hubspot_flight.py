"""HubSpotConnector with batches in flight, against the sandbox: overlap hides latency; a 429
storm is waited out without any 10 s window exceeding the budget; the daily limit parks the run
and resumes after midnight; 423 and 477 waits; an OAuth token expiring mid-run is refreshed once."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from syncer.connectors.hubspot import HubSpotConnector, PortalBudgets
from syncer.errors import RateLimited
from syncer.http.window import CAP
from syncer.sandbox.hubspot import HubSpotSandbox
from syncer.settings import load_settings
from tests.connectors.hubspot_harness import (
    FROZEN_SECONDS,
    TOKEN,
    StepClock,
    TokenEndpoint,
    connect,
    contact,
    pipeline,
    sandbox,
    schedule_fault,
    settings,
)


class FakeTime:
    """A monotonic clock that moves only when the connector sleeps (thread-safe)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.seconds += seconds


class Recording(httpx.BaseTransport):
    """Passes requests to the sandbox, noting when (by `clock`) each one was sent."""

    def __init__(
        self,
        app: HubSpotSandbox,
        clock: Callable[[], float],
        on_request: Callable[[int], None] = lambda n: None,
    ) -> None:
        self._inner = httpx.WSGITransport(app=app)
        self._clock = clock
        self._on_request = on_request
        self._lock = threading.Lock()
        self.sent: list[tuple[float, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.sent.append((self._clock(), request.url.path))
            self._on_request(len(self.sent))
        return self._inner.handle_request(request)


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(
        (sum(1 for t in times[i:] if t < start + window) for i, start in enumerate(times)),
        default=0,
    )


class Overlap(httpx.BaseTransport):
    """Passes requests to the sandbox, noting the most that were ever in flight at once."""

    def __init__(self, app: HubSpotSandbox) -> None:
        self._inner = httpx.WSGITransport(app=app)
        self._lock = threading.Lock()
        self._open = 0
        self.peak = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self._open += 1
            self.peak = max(self.peak, self._open)
        try:
            return self._inner.handle_request(request)
        finally:
            with self._lock:
                self._open -= 1


def test_batches_in_flight_hide_latency() -> None:
    elapsed, peaks = {}, {}
    for in_flight in (1, 4):
        transport = Overlap(sandbox(latency_ms=100))
        hubspot = HubSpotConnector(
            settings(max_in_flight=in_flight), pipeline(), transport=transport
        )
        hubspot.prepare()
        started = time.monotonic()
        results = hubspot.write([contact(n) for n in range(400)])
        fetched = hubspot.fetch([r.id for r in results if r.id])
        elapsed[in_flight], peaks[in_flight] = time.monotonic() - started, transport.peak
        assert len(fetched) == 400 and all(r.ok for r in results)
        hubspot.close()
    assert peaks == {1: 1, 4: 4}  # four round trips overlapped: their latency is hidden
    # 8 calls of >= 100 ms each: one at a time >= 0.8 s. How much less four at a time take is
    # not asserted: on a loaded machine the ratio failed (0.71 s against 0.97 s); the overlap
    # above is what hides latency, and the benchmarks measure the time.
    assert elapsed[1] >= 0.8


def test_unset_max_in_flight_sizes_the_window_from_latency_and_budget() -> None:
    # 190 per 10 s at >= 300 ms a round trip: Little's law wants 5.7 in flight, with headroom
    # 12 or more (the round trip measured includes the server's work), never above the cap;
    # a fixed 4 would send at most 13 a second and fall behind at every drain.
    transport = Overlap(sandbox(latency_ms=300))
    hubspot = HubSpotConnector(settings(), pipeline(), transport=transport)
    hubspot.prepare()  # the round trips measured here size the window of the writes
    results = hubspot.write([contact(n) for n in range(2400)])
    assert all(r.ok for r in results)
    assert 4 < transport.peak <= CAP
    hubspot.close()


def test_a_429_storm_is_waited_out_and_no_window_exceeds_the_budget() -> None:
    app = sandbox()
    fake = FakeTime()
    transport = Recording(app, fake)
    hubspot = HubSpotConnector(
        settings(burst_limit=20, max_in_flight=4),
        pipeline(),
        transport=transport,
        sleep=fake.sleep,
        monotonic=fake,
    )
    hubspot.prepare()
    schedule_fault(app, status=429, count=8, path_contains="/batch/upsert")
    results = hubspot.write([contact(n) for n in range(3000)])
    assert all(r.ok for r in results)
    assert len(app.records("contacts")) == 3000
    assert hubspot.counter.by_kind["batch/upsert"] == 30 + 8  # every refusal retried once
    assert most_in_any_window([t for t, _ in transport.sent], 10.0) <= 20
    assert max(fake.sleeps) >= 10.0  # the storm paused everyone for the window


SECONDS_TO_UTC_MIDNIGHT = 86_400 - FROZEN_SECONDS % 86_400


def test_the_daily_budget_refuses_before_sending_once_the_server_says_none_is_left() -> None:
    clock = StepClock()
    app = sandbox(clock=clock, daily_limit=6)
    hubspot = connect(app, clock=clock.now, daily_limit=625_000)  # headers correct it
    hubspot.prepare()  # 3 calls: 3 left
    for _ in range(3):
        hubspot.fetch(["1"])
    with pytest.raises(RateLimited) as refused:
        hubspot.fetch(["1"])
    assert refused.value.policy == "DAILY"
    assert refused.value.retry_after == SECONDS_TO_UTC_MIDNIGHT
    assert app.stats()["requests"] == hubspot.counter.calls == 6  # nothing sent in vain


def spend_the_day_elsewhere(app: HubSpotSandbox, requests: int) -> None:
    """Another app on the same account spends `requests` of today's quota."""
    with httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="http://sandbox.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as other_app:
        for _ in range(requests):
            other_app.get("/crm/v3/properties/contacts").raise_for_status()


class Together(httpx.BaseTransport):
    """Holds each batch upsert until `together` of them are in flight, then lets them all
    reach the server: what a loaded machine does at random, made certain."""

    def __init__(self, app: HubSpotSandbox, together: int) -> None:
        self._inner = httpx.WSGITransport(app=app)
        self._barrier = threading.Barrier(together)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/batch/upsert"):
            # A broken barrier: the rest were never sent, so this one goes through alone.
            with contextlib.suppress(threading.BrokenBarrierError):
                self._barrier.wait(timeout=5)
        return self._inner.handle_request(request)


def test_a_daily_429_parks_at_once_and_the_run_resumes_after_midnight() -> None:
    # One batch at a time, so the second is refused before it is sent. With batches in
    # flight, whether the second had left before the first's 429 came back was down to the
    # thread scheduler: this test failed under load (two 429s); the case is the next test's.
    clock = StepClock()
    app = sandbox(clock=clock, daily_limit=5)
    hubspot = connect(app, clock=clock.now, max_in_flight=1)
    hubspot.prepare()  # 3 calls; the headers say 2 are left
    spend_the_day_elsewhere(app, 2)
    writes = [contact(n) for n in range(150)]
    with pytest.raises(RateLimited) as refused:
        hubspot.write(writes)
    assert refused.value.policy == "DAILY"
    assert refused.value.retry_after == SECONDS_TO_UTC_MIDNIGHT
    assert app.stats()["rate_limited"] == 1  # refused once by the server, then not sent again
    assert hubspot.counter.by_kind["batch/upsert"] == 1
    clock.seconds += refused.value.retry_after  # the engine parks the pipeline until then
    results = hubspot.write(writes)
    assert all(r.ok for r in results) and len(app.records("contacts")) == 150


def test_a_daily_429_on_batches_in_flight_together_sends_nothing_after_them() -> None:
    # Both batches left before either answer came back: both are refused by the server (we
    # believed 4 were left), and the third, which our count still allowed, is never sent.
    clock = StepClock()
    app = sandbox(clock=clock, daily_limit=7)
    hubspot = HubSpotConnector(
        settings(max_in_flight=2), pipeline(), transport=Together(app, 2), clock=clock.now
    )
    hubspot.prepare()  # 3 calls; the headers say 4 are left
    spend_the_day_elsewhere(app, 4)
    with pytest.raises(RateLimited) as refused:
        hubspot.write([contact(n) for n in range(250)])
    assert refused.value.policy == "DAILY"
    assert app.stats()["rate_limited"] == 2
    assert hubspot.counter.by_kind["batch/upsert"] == 2
    hubspot.close()


@pytest.mark.parametrize(("status", "least_wait"), [(423, 2.0), (477, 1.0)])
def test_locked_and_migrating_portals_are_waited_for(status: int, least_wait: float) -> None:
    app = sandbox()
    sleeps: list[float] = []
    hubspot = connect(app)
    hubspot._api._sender._sleep = sleeps.append  # type: ignore[attr-defined]  # record, don't wait
    hubspot.prepare()
    schedule_fault(app, status=status, count=2, path_contains="/batch/upsert")
    assert all(r.ok for r in hubspot.write([contact(n) for n in range(10)]))
    assert len(sleeps) == 2 and min(sleeps) >= least_wait
    assert hubspot.counter.by_kind["batch/upsert"] == 3


@pytest.fixture
def token_endpoint() -> Iterator[TokenEndpoint]:
    endpoint = TokenEndpoint(expires_in=1800)
    yield endpoint
    endpoint.stop()


def test_an_oauth_token_expiring_mid_run_is_refreshed_exactly_once(
    token_endpoint: TokenEndpoint,
) -> None:
    app = sandbox()
    fake = FakeTime()

    def expire_at_the_eighth_request(sent: int) -> None:
        if sent == 8:
            fake.seconds += 1800  # the access token is now stale

    oauth = settings(
        token=None,
        client_id="app-1",
        client_secret=SecretStr("cs-1"),
        refresh_token=SecretStr(token_endpoint.refresh_token),
        oauth_token_url=token_endpoint.url,
        max_in_flight=4,
        allow_private_network=True,
    )  # the token endpoint listens on loopback
    hubspot = HubSpotConnector(
        oauth,
        pipeline(),
        monotonic=fake,
        transport=Recording(app, fake, expire_at_the_eighth_request),
    )
    hubspot.prepare()  # 4 requests, one grant
    results = hubspot.write([contact(n) for n in range(1000)])  # 10 batches, 4 in flight
    assert all(r.ok for r in results) and len(app.records("contacts")) == 1000
    assert len(token_endpoint.grants) == 2  # the first token and exactly one refresh
    assert app.stats().get("unauthorized", 0) == 0
    hubspot.close()


def test_oauth_secrets_come_from_files_and_are_registered_for_redaction(
    token_endpoint: TokenEndpoint, tmp_path: Path
) -> None:
    (tmp_path / "client_secret").write_text("cs-from-file\n")
    (tmp_path / "refresh_token").write_text(token_endpoint.refresh_token + "\n")
    config = tmp_path / "syncer.toml"
    config.write_text(f"""
[hubspot]
base_url = "http://sandbox.test"
client_id = "app-1"
client_secret_file = "client_secret"
refresh_token_file = "refresh_token"
oauth_token_url = "{token_endpoint.url}"
allow_private_network = true

[external]
url = "sqlite:///x.db"
""")
    loaded = load_settings(config, env={})
    assert {"cs-from-file", token_endpoint.refresh_token} <= set(loaded.secret_values())
    hubspot = HubSpotConnector(
        loaded.hubspot, pipeline(), transport=httpx.WSGITransport(app=sandbox())
    )
    hubspot.prepare()
    assert token_endpoint.grants[0]["client_secret"] == "cs-from-file"
    hubspot.close()


def test_connectors_on_one_portal_share_its_budgets() -> None:
    clock = StepClock()
    app = sandbox(clock=clock, daily_limit=5)
    shared = PortalBudgets.from_settings(settings(burst_limit=50), now=clock.now)
    first, second = (
        HubSpotConnector(
            settings(),
            pipeline(),
            transport=httpx.WSGITransport(app=app),
            clock=clock.now,
            budgets=shared,
        )
        for _ in range(2)
    )
    first.prepare()  # 3 calls: the headers say 2 are left today
    second.fetch(["1"])
    second.fetch(["1"])
    assert shared.burst.in_window() == 5 and shared.burst.limit == 50
    with pytest.raises(RateLimited):
        first.fetch(["1"])  # refused before sending: the other connector used the last ones
    assert app.stats().get("rate_limited", 0) == 0
