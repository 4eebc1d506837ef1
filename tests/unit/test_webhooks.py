"""HubSpot's webhooks: the v3 signature checked against the sandbox's own signer (written apart
from the verifier), the events mapped to the pipelines they concern, and a burst of requests
becoming one early pass on a real APScheduler."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from syncer.sandbox.hubspot.webhooks import signed_headers
from syncer.service.daemon import EarlyPasses, Passes
from syncer.service.webhooks import WebhookReceiver, changed_types, pipelines_for, refusal

SECRET = "app-client-secret-0123"
URL = "http://127.0.0.1:8080/webhooks/hubspot?portal=7"
BODY = json.dumps([{"subscriptionType": "contact.propertyChange", "objectId": 1}]).encode()
NOW_MS = 1_760_000_000_000


def _headers(body: bytes = BODY, at_ms: int = NOW_MS, secret: str = SECRET) -> dict[str, str]:
    signed = signed_headers(secret, URL, body, at_ms)
    return {key.lower(): value for key, value in signed.items()}


def test_a_request_signed_by_the_sandbox_is_accepted() -> None:
    assert refusal(SECRET, URL, BODY, _headers(), NOW_MS) is None
    four_minutes_later = NOW_MS + 4 * 60 * 1000
    assert refusal(SECRET, URL, BODY, _headers(), four_minutes_later) is None


@pytest.mark.parametrize(
    ("headers", "body", "url", "reason"),
    [
        (_headers(secret="another-secret"), BODY, URL, "signature does not match"),
        (_headers(), BODY + b" ", URL, "signature does not match"),  # body altered
        (_headers(), BODY, URL.replace("7", "8"), "signature does not match"),  # URL altered
        (_headers(at_ms=NOW_MS - 5 * 60 * 1000 - 1), BODY, URL, "5-minute window"),  # replayed
        (_headers(at_ms=NOW_MS + 6 * 60 * 1000), BODY, URL, "5-minute window"),
        ({"x-hubspot-request-timestamp": str(NOW_MS)}, BODY, URL, "no X-HubSpot-Signature-v3"),
        ({"x-hubspot-signature-v3": "x"}, BODY, URL, "no X-HubSpot-Request-Timestamp"),
    ],
)
def test_a_request_not_signed_by_hubspot_recently_is_refused(
    headers: dict[str, str], body: bytes, url: str, reason: str
) -> None:
    why = refusal(SECRET, url, body, headers, NOW_MS)
    assert why is not None and reason in why


def test_a_signature_over_a_timestamp_other_than_the_header_is_refused() -> None:
    """The timestamp is signed: moving it forward to get past the window breaks the signature."""
    old = _headers(at_ms=NOW_MS - 10 * 60 * 1000)
    old["x-hubspot-request-timestamp"] = str(NOW_MS)
    assert refusal(SECRET, URL, BODY, old, NOW_MS) == "signature does not match"


def test_events_ask_for_the_pipelines_syncing_the_types_that_changed() -> None:
    objects = {"people": "contacts", "firms": "0-2", "sales": "deals", "cars": "p_cars"}
    events = [
        {"subscriptionType": "contact.creation"},
        {"subscriptionType": "object.propertyChange", "objectTypeId": "0-3"},
    ]
    assert changed_types(events) == {"contacts", "deals"}
    assert pipelines_for(changed_types(events), objects) == ["people", "sales"]
    company = [{"subscriptionType": "company.merge"}]
    assert pipelines_for(changed_types(company), objects) == ["firms"]
    custom = [{"subscriptionType": "object.creation", "objectTypeId": "2-4711"}]
    assert pipelines_for(changed_types(custom), objects) == ["cars"]
    assert pipelines_for(changed_types([{"subscriptionType": "ticket.creation"}]), objects) == []


def test_the_receiver_asks_only_for_verified_requests() -> None:
    asked: list[list[str]] = []
    receiver = WebhookReceiver(SECRET, {"people": "contacts"}, lambda p: asked.append(list(p)))
    now = int(time.time() * 1000)
    refused = receiver.receive(URL, _headers(at_ms=now, secret="wrong"), BODY, now)
    assert refused.status.startswith("401") and asked == []
    accepted = receiver.receive(URL, _headers(at_ms=now), BODY, now)
    assert accepted.status == "200 OK" and asked == [["people"]]
    junk = b'{"not": "a list"}'
    assert receiver.receive(URL, _headers(junk, now), junk, now).status.startswith("400")


class _Counted:
    """A pass runner that counts its passes and can be held inside one."""

    def __init__(self) -> None:
        self.passes = 0
        self.inside = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def __call__(self, pipeline: str) -> list[object]:
        self.passes += 1
        self.inside.set()
        self.release.wait(10)
        return []


@pytest.fixture
def scheduled() -> Iterator[tuple[BackgroundScheduler, Passes, _Counted]]:
    runner = _Counted()
    passes = Passes(runner)  # type: ignore[arg-type]
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        passes.run_once, "interval", hours=1, args=["people"], id="people", max_instances=1
    )
    scheduler.start()
    yield scheduler, passes, runner
    runner.release.set()
    scheduler.shutdown(wait=True)


def test_a_burst_of_requests_makes_one_early_pass(
    scheduled: tuple[BackgroundScheduler, Passes, _Counted],
) -> None:
    scheduler, passes, runner = scheduled
    early = EarlyPasses(scheduler, passes, debounce=0.5)
    for _ in range(50):
        early.request(["people"])
        time.sleep(0.005)
    deadline = time.monotonic() + 10
    while runner.passes == 0:
        assert time.monotonic() < deadline, "no early pass"
        time.sleep(0.02)
    time.sleep(1.0)  # twice the debounce: nothing else comes
    assert runner.passes == 1
    job = scheduler.get_job("people")
    assert job is not None and job.next_run_time.timestamp() > time.time() + 3000  # back on time


def test_requests_during_a_pass_make_one_more_pass_right_after(
    scheduled: tuple[BackgroundScheduler, Passes, _Counted],
) -> None:
    scheduler, passes, runner = scheduled
    early = EarlyPasses(scheduler, passes, debounce=0.1)
    runner.release.clear()
    early.request(["people"])
    assert runner.inside.wait(10)
    for _ in range(20):
        early.request(["people"])  # the running pass may have listed before these changes
    runner.release.set()
    deadline = time.monotonic() + 10
    while runner.passes < 2:
        assert time.monotonic() < deadline, "no pass after the running one"
        time.sleep(0.02)
    time.sleep(0.5)
    assert runner.passes == 2
