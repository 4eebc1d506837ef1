"""The retry loop: what it repeats, how long it waits, what it raises, what it counts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from pydantic import SecretStr

from syncer.errors import AuthError, FatalError, RateLimited, RetryableError
from syncer.http import (
    Outcome,
    RetryingSender,
    RetryPolicy,
    RollingWindowBudget,
    Verdict,
    build_client,
)
from syncer.http.auth import BearerToken
from syncer.records import CallCounter

TABLE = {
    200: Outcome(Verdict.OK),
    400: Outcome(Verdict.REJECTED, "bad record"),
    401: Outcome(Verdict.AUTH, "no token"),
    418: Outcome(Verdict.FATAL, "teapot"),
    423: Outcome(Verdict.RETRY, "locked", wait=2.0),
    429: Outcome(Verdict.RATE_LIMITED, "slow down", wait=10.0, policy="TEN_SECONDLY_ROLLING"),
    430: Outcome(Verdict.RATE_LIMITED, "daily", policy="DAILY"),
    503: Outcome(Verdict.RETRY, "unavailable", applied_unknown=True),
}


def classify(response: httpx.Response) -> Outcome:
    return TABLE[response.status_code]


Reply = int | Exception


class FakeTime:
    """A clock that moves only when the code under test sleeps; sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Harness:
    sender: RetryingSender
    time: FakeTime
    counter: CallCounter
    requests: list[httpx.Request] = field(default_factory=list)

    @property
    def sleeps(self) -> list[float]:
        return self.time.sleeps

    def send(self, *, repeatable: bool = True) -> httpx.Response:
        request = httpx.Request("POST", "https://api.example.test/crm/v3/objects/x/batch/read")
        budget = RollingWindowBudget(100, 10.0, clock=lambda: self.time.now, sleep=self.time.sleep)
        exchange = self.sender.send(
            request, kind="batch/read", budget=budget, repeatable=repeatable
        )
        return exchange.response


def harness(replies: list[Reply], max_retries: int = 4, rate_limit_retries: int = 30) -> Harness:
    time = FakeTime()
    requests: list[httpx.Request] = []
    script: Iterator[Reply] = iter(replies)

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        reply = next(script)
        if isinstance(reply, Exception):
            raise reply
        return httpx.Response(reply, json={})

    client = build_client(
        "https://api.example.test",
        auth=BearerToken(SecretStr("s3cret")),
        timeout_seconds=5,
        transport=httpx.MockTransport(handler),
    )
    counter = CallCounter()
    sender = RetryingSender(
        client,
        classify,
        RetryPolicy(max_retries, base_delay=0.1, max_rate_limit_retries=rate_limit_retries),
        counter,
        sleep=time.sleep,
        rng=lambda: 0.5,
    )
    return Harness(sender, time, counter, requests)


def test_success_is_returned_and_counted_once() -> None:
    h = harness([200])
    assert h.send().status_code == 200
    assert h.counter.by_kind == {"batch/read": 1}
    assert h.requests[0].headers["Authorization"] == "Bearer s3cret"


def test_rejections_are_returned_for_the_caller_to_read() -> None:
    h = harness([400])
    assert h.send().status_code == 400
    assert h.sleeps == []


@pytest.mark.parametrize(("status", "error"), [(401, AuthError), (418, FatalError)])
def test_auth_and_fatal_outcomes_raise_without_retry(status: int, error: type[Exception]) -> None:
    h = harness([status])
    with pytest.raises(error):
        h.send()
    assert len(h.requests) == 1


def test_transient_failures_are_retried_with_growing_jittered_delays() -> None:
    h = harness([503, 503, 503, 200])
    assert h.send().status_code == 200
    assert h.sleeps == pytest.approx([0.075, 0.15, 0.3])
    assert h.counter.calls == 4  # retries are calls too


def test_the_server_wait_is_a_floor_for_the_delay() -> None:
    h = harness([423, 429, 200])
    h.send()
    assert h.sleeps == pytest.approx([2.0, 10.0])


def test_a_daily_limit_raises_at_once() -> None:
    h = harness([430, 200])
    with pytest.raises(RateLimited) as caught:
        h.send()
    assert caught.value.policy == "DAILY"
    assert h.sleeps == []


def test_giving_up_raises_retryable_with_the_reason() -> None:
    h = harness([503] * 3, max_retries=2)
    with pytest.raises(RetryableError, match=r"unavailable.*gave up after 2"):
        h.send()
    assert len(h.requests) == 3


def test_rate_limits_exhausting_retries_raise_rate_limited() -> None:
    h = harness([429] * 2, max_retries=4, rate_limit_retries=1)
    with pytest.raises(RateLimited) as caught:
        h.send()
    assert caught.value.policy == "TEN_SECONDLY_ROLLING"


def test_rate_limit_refusals_do_not_use_up_the_failure_retries() -> None:
    h = harness([429, 503, 429, 429, 503, 200], max_retries=2, rate_limit_retries=3)
    assert h.send().status_code == 200
    assert len(h.requests) == 6


def test_a_create_is_not_repeated_when_the_server_may_have_applied_it() -> None:
    h = harness([503, 200])
    with pytest.raises(RetryableError, match="outcome unknown"):
        h.send(repeatable=False)
    assert len(h.requests) == 1


def test_a_create_refused_before_processing_is_repeated() -> None:
    h = harness([429, 423, 200])
    assert h.send(repeatable=False).status_code == 200


def _errors() -> list[Callable[[], Exception]]:
    request = httpx.Request("GET", "https://api.example.test/")
    return [
        lambda: httpx.ConnectError("refused", request=request),
        lambda: httpx.ReadTimeout("slow", request=request),
    ]


def test_connect_errors_are_repeated_even_for_creates() -> None:
    connect, _ = _errors()
    h = harness([connect(), 200])
    assert h.send(repeatable=False).status_code == 200


def test_read_timeouts_are_repeated_only_when_safe() -> None:
    _, read_timeout = _errors()
    h = harness([read_timeout(), 200])
    assert h.send(repeatable=True).status_code == 200
    h = harness([read_timeout(), 200])
    with pytest.raises(RetryableError, match="ReadTimeout"):
        h.send(repeatable=False)


def test_the_token_is_not_in_the_auth_repr() -> None:
    assert "s3cret" not in repr(BearerToken(SecretStr("s3cret")))
