"""Send one request with jittered exponential back-off, a rate budget and an outcome table.

The loop repeats a request only when that is safe: refusals the server made before doing
anything (429, 423, connect errors) are always retried; failures after which the server may
have applied the request (5xx, read timeouts) are retried only for requests marked repeatable
(reads, searches, upserts, updates, archives; never a plain create).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import structlog

from syncer.errors import AuthError, FatalError, RateLimited, RetryableError
from syncer.http import waits
from syncer.http.daily import DAILY, DailyBudget
from syncer.http.outcome import Classifier, Outcome, Verdict, classify_transport_error
from syncer.http.ratelimit import STARTED, RollingWindowBudget
from syncer.records import CallCounter

log = structlog.get_logger(__name__)

# Rate policies that no amount of waiting inside one run will lift.
NO_WAIT_POLICIES = frozenset({DAILY})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`max_retries` bounds retries after failures; rate-limit refusals have their own, larger
    bound: in a 429 storm one request can be refused many times in a row (refusals are instant,
    so the same thread keeps drawing them) and waiting is always safe."""

    max_retries: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_rate_limit_retries: int = 30

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Full-jitter exponential delay before retry number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + rng() / 2)


@dataclass(frozen=True, slots=True)
class Exchange:
    """A response the caller must read (verdict OK or REJECTED) and its outcome."""

    response: httpx.Response
    outcome: Outcome

    @property
    def ok(self) -> bool:
        return self.outcome.verdict is Verdict.OK


class RetryingSender:
    """Sends requests for one API: counts every attempt, spends the budget, retries, raises."""

    def __init__(
        self,
        client: httpx.Client,
        classify: Classifier,
        policy: RetryPolicy,
        counter: CallCounter,
        *,
        daily: DailyBudget | None = None,
        sleep: Callable[[float], None] = waits.sleep,
        rng: Callable[[], float] = random.random,
        on_rate_limited: Callable[[str], None] = lambda policy: None,
        on_result: Callable[[str], None] = lambda result: None,
        on_round_trip: Callable[[float], None] = lambda seconds: None,
    ) -> None:
        """`on_rate_limited`: told the policy of every 429 the server answers; `on_result`:
        the result class (the verdict: ok, rejected, retry, rate_limited, auth, fatal) of
        every request sent, a transport failure included; `on_round_trip`: how long every
        answered request took, in seconds."""
        self._client = client
        self._on_round_trip = on_round_trip
        self._on_rate_limited = on_rate_limited
        self._on_result = on_result
        self._daily = daily
        self._classify = classify
        self._policy = policy
        self._counter = counter
        self._sleep = sleep
        self._rng = rng
        self._count_lock = threading.Lock()  # batches may be sent from several threads

    def send(
        self, request: httpx.Request, *, kind: str, budget: RollingWindowBudget, repeatable: bool
    ) -> Exchange:
        attempt = failures = refusals = 0
        while True:
            response, outcome = self._attempt(request, kind, budget)
            self._on_result(outcome.verdict.value)
            if response is not None and outcome.verdict in (Verdict.OK, Verdict.REJECTED):
                return Exchange(response, outcome)
            rate_limited = outcome.verdict is Verdict.RATE_LIMITED
            if rate_limited:
                self._on_rate_limited(outcome.policy or "UNKNOWN")
            self._raise_unless_retryable(
                outcome, kind, repeatable, refusals if rate_limited else failures
            )
            refusals += rate_limited
            failures += not rate_limited
            attempt += 1
            delay = max(outcome.wait or 0.0, self._policy.backoff(attempt, self._rng))
            log.info(
                "http.retry",
                kind=kind,
                attempt=attempt,
                delay=round(delay, 3),
                reason=outcome.detail,
                policy=outcome.policy,
            )
            if outcome.verdict is Verdict.RATE_LIMITED:
                budget.pause(delay)  # every thread waits, in the next acquire()
            else:
                self._sleep(delay)

    def _attempt(
        self, request: httpx.Request, kind: str, budget: RollingWindowBudget
    ) -> tuple[httpx.Response | None, Outcome]:
        if self._daily is not None:
            self._daily.spend()  # raises before sending when today's quota is used up
        slot = budget.acquire()
        request.extensions[STARTED] = slot.at  # rate headers in the answer are read as of then
        with self._count_lock:
            self._counter.add(kind)
        sent = time.perf_counter()
        try:
            response = self._client.send(request)
            response.read()
            self._on_round_trip(time.perf_counter() - sent)
        except httpx.TransportError as exc:
            return None, classify_transport_error(exc)
        finally:
            budget.complete(slot)
        return response, self._classify(response)

    def _raise_unless_retryable(
        self, outcome: Outcome, kind: str, repeatable: bool, attempt: int
    ) -> None:
        message = f"{kind}: {outcome.detail}"
        if outcome.verdict is Verdict.AUTH:
            raise AuthError(message)
        if not outcome.retryable:
            raise FatalError(message)
        if outcome.verdict is Verdict.RATE_LIMITED and outcome.policy in NO_WAIT_POLICIES:
            retry_after = outcome.wait
            if self._daily is not None:
                self._daily.exhaust()
                retry_after = self._daily.seconds_until_reset()
            raise RateLimited(message, policy=outcome.policy or "", retry_after=retry_after)
        if outcome.applied_unknown and not repeatable:
            raise RetryableError(f"{message} (outcome unknown; not repeated)")
        if outcome.verdict is Verdict.RATE_LIMITED:
            if attempt >= self._policy.max_rate_limit_retries:
                raise RateLimited(
                    f"{message} (gave up after {attempt} retries)",
                    policy=outcome.policy or "",
                    retry_after=outcome.wait,
                )
        elif attempt >= self._policy.max_retries:
            raise RetryableError(
                f"{message} (gave up after {attempt} retries)", retry_after=outcome.wait
            )
