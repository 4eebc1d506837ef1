"""HubSpotConnector at HubSpot's limits, against the sandbox: the 10,000-result search cap,
the burst and search rate limits, transient failures, and real HTTP over loopback."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from syncer.connectors.hubspot import HubSpotConnector
from syncer.errors import AuthError
from syncer.records import Cursor, Record
from syncer.sandbox.hubspot import HubSpotSandbox, serve_in_thread
from tests.connectors.hubspot_harness import (
    FROZEN_SECONDS,
    TOKEN,
    StepClock,
    connect,
    contact,
    pipeline,
    sandbox,
    schedule_fault,
    settings,
)


class SleepingClock(StepClock):
    """Epoch seconds that move only when the connector sleeps."""

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds


def collect(hubspot: HubSpotConnector, since_ms: int, until: datetime) -> list[Record]:
    return [
        r for page in hubspot.changes(Cursor(f'{{"t": {since_ms}}}'), until) for r in page.records
    ]


def test_more_than_10000_records_in_one_millisecond_are_all_collected_once() -> None:
    clock = StepClock()
    hubspot = connect(sandbox(clock=clock), clock=clock.now)
    hubspot.prepare()
    written = hubspot.write([contact(n) for n in range(10_050)])
    clock.seconds += 1
    records = collect(hubspot, int(FROZEN_SECONDS * 1000) - 5000, clock.now())
    assert Counter(r.id for r in records) == Counter(r.id for r in written if r.id)
    # 1 window query that finds the tie, 51 pages draining the instant, 1 query after it.
    assert hubspot.counter.by_kind["search"] == 53


def test_ties_between_spread_out_times_are_drained_and_collection_goes_on() -> None:
    clock = StepClock()
    hubspot = connect(sandbox(clock=clock), clock=clock.now)
    hubspot.prepare()
    expected: list[str | None] = []
    for batch, count in enumerate([250, 30, 420, 1]):
        writes = [contact(batch * 1000 + n) for n in range(count)]
        expected += [r.id for r in hubspot.write(writes)]
        clock.seconds += 0.001
    records = collect(hubspot, int(FROZEN_SECONDS * 1000) - 1, clock.now())
    assert Counter(r.id for r in records) == Counter(expected)
    assert [r.modified_at for r in records] == sorted(r.modified_at for r in records)  # type: ignore[type-var]


def test_the_burst_budget_learns_the_limit_from_headers_and_never_trips_it() -> None:
    clock = SleepingClock()  # the sandbox and the connector share it; waiting moves it
    app = sandbox(clock=clock, burst_limit=4)
    # Configured too high; the headers correct it.
    hubspot = HubSpotConnector(
        settings(burst_limit=190),
        pipeline(),
        transport=httpx.WSGITransport(app=app),
        clock=clock.now,
        sleep=clock.sleep,
        monotonic=clock,
    )
    hubspot.prepare()  # 3 calls (read properties, create group, create property)
    started = clock()
    for _ in range(3):
        hubspot.fetch(["1"])
    elapsed = clock() - started
    calls = hubspot.counter.calls
    assert app.stats().get("rate_limited", 0) == 0
    assert calls == app.stats()["requests"]  # no request was refused and retried
    assert calls == 6 and elapsed >= 9.0  # the fifth call waited for the window to roll


def test_search_rate_refusals_are_waited_out() -> None:
    app = sandbox(search_per_second=1)  # the real clock: the sandbox's second must roll
    hubspot = connect(app, search_per_second=5)  # more than the portal allows
    hubspot.prepare()
    since_ms = int(time.time() * 1000) - 1
    written = hubspot.write([contact(n) for n in range(450)])
    records = collect(hubspot, since_ms, datetime.now(UTC))
    assert {r.id for r in records} == {r.id for r in written}
    assert app.stats()["rate_limited"] >= 1
    assert hubspot.counter.by_kind["search"] > app.stats()["search"]  # refusals were retried


def test_server_errors_on_reads_are_retried() -> None:
    app = sandbox()
    hubspot = connect(app)
    hubspot.prepare()
    ids = [r.id for r in hubspot.write([contact(n) for n in range(3)])]
    schedule_fault(app, status=503, count=2, path_contains="/batch/read")
    assert len(hubspot.fetch(ids)) == 3  # type: ignore[arg-type]
    assert hubspot.counter.by_kind["batch/read"] == 3


def test_an_upsert_applied_before_a_server_error_is_safely_repeated() -> None:
    app = sandbox()
    hubspot = connect(app)
    hubspot.prepare()
    schedule_fault(app, status=502, count=1, path_contains="/batch/upsert", after_apply=True)
    result = hubspot.write([contact(1)])[0]
    assert result.ok
    assert len(app.records("contacts")) == 1
    assert hubspot.counter.by_kind["batch/upsert"] == 2


@pytest.fixture
def served() -> Iterator[tuple[HubSpotSandbox, str]]:
    app = sandbox()
    server = serve_in_thread(app)
    try:
        yield app, server.url
    finally:
        server.stop()


def test_over_real_http_with_the_token_from_a_file(
    served: tuple[HubSpotSandbox, str], tmp_path: Path
) -> None:
    app, url = served
    token_file = tmp_path / "hubspot_token"
    token_file.write_text(TOKEN + "\n")
    hubspot = HubSpotConnector(
        settings(url, token=None, token_file=token_file, allow_private_network=True), pipeline()
    )
    try:
        hubspot.prepare()
        written = hubspot.write([contact(n) for n in range(120)])
        pages = list(hubspot.changes(None, datetime.now(UTC)))
        assert sum(len(p.records) for p in pages) == 120 == len(app.records("contacts"))
        assert all(r.ok for r in written)
        assert hubspot.archive([written[0].id])[0].ok  # type: ignore[list-item]
    finally:
        hubspot.close()


def test_a_refused_token_is_an_auth_error(served: tuple[HubSpotSandbox, str]) -> None:
    _, url = served
    hubspot = HubSpotConnector(settings(url, token="wrong", allow_private_network=True), pipeline())
    with pytest.raises(AuthError, match="401"):
        hubspot.prepare()
    assert hubspot.counter.calls == 1
    hubspot.close()


def test_an_edit_during_collection_does_not_make_search_skip_a_record() -> None:
    """With offset paging, a record edited mid-collection leaves the result set and the next
    page starts one record too far; key-set paging cannot skip."""
    clock = StepClock()
    hubspot = connect(sandbox(clock=clock), clock=clock.now)
    hubspot.prepare()
    written: list[str | None] = []
    for batch in range(3):
        written += [r.id for r in hubspot.write([contact(batch * 1000 + n) for n in range(150)])]
        clock.seconds += 0.001
    until = clock.now()
    pages = hubspot.changes(Cursor(f'{{"t": {int(FROZEN_SECONDS * 1000) - 1}}}'), until)
    seen = [r.id for r in next(pages).records]
    clock.seconds += 1
    hubspot.write([contact(0, lastname="Edited")])  # now modified after `until`
    seen += [r.id for page in pages for r in page.records]
    assert set(seen) == set(written)


@pytest.mark.parametrize(("id_in_filters", "most_searches"), [(True, 10), (False, 21)])
def test_batches_sharing_a_millisecond_are_read_once_each(
    id_in_filters: bool, most_searches: int
) -> None:
    """2,000 contacts written 100 to a millisecond: a page of 200 ends inside a batch. Leaving
    out the ids already seen at that instant reads each record once (10 pages); a portal
    refusing NOT_IN on hs_object_id falls back to re-reading the instant (~2x the pages)."""
    clock = StepClock()
    hubspot = connect(sandbox(clock=clock, search_id_in_filters=id_in_filters), clock=clock.now)
    hubspot.prepare()
    written: list[str | None] = []
    for batch in range(20):
        written += [r.id for r in hubspot.write([contact(batch * 100 + n) for n in range(100)])]
        clock.seconds += 0.001
    before = hubspot.counter.by_kind.get("search", 0)
    records = collect(hubspot, int(FROZEN_SECONDS * 1000) - 1, clock.now())
    assert Counter(r.id for r in records) == Counter(written)
    searches = hubspot.counter.by_kind["search"] - before
    assert searches <= most_searches
    if not id_in_filters:
        assert searches > 11  # re-reads: the fallback really ran
