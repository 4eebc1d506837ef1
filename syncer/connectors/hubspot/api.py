"""Typed calls to HubSpot's CRM v3 API, each sent through the retry loop and a rate budget.

Search has its own per-second budget and is exempt from the ten-secondly burst budget, which
every other call spends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from syncer.errors import AuthError, FatalError, RetryableError
from syncer.http import (
    BearerToken,
    Exchange,
    RetryingSender,
    RetryPolicy,
    build_client,
    read_secret,
    waits,
)
from syncer.http.inflight import InFlight
from syncer.http.oauth import OAuthRefresh
from syncer.http.ratelimit import STARTED
from syncer.http.window import CAP, RoundTrips, sized_by
from syncer.records import CallCounter
from syncer.settings_hubspot import HubSpotSettings

from .budgets import PortalBudgets
from .outcomes import body_of, classify, daily_headers, rate_headers
from .server_clock import ServerClock

JsonObject = dict[str, Any]
TOKEN_PATH = "/oauth/v1/token"


class HubSpotApi:
    """One portal's API: the client, its budgets (burst, search, daily; shareable between
    connectors on the same portal) and the batch pool."""

    def __init__(
        self,
        settings: HubSpotSettings,
        counter: CallCounter,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = waits.sleep,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        budgets: PortalBudgets | None = None,
    ) -> None:
        self.budgets = budgets or PortalBudgets.from_settings(
            settings, sleep=sleep, now=now, monotonic=monotonic
        )
        self._base_url = settings.base_url
        self._credentials = (
            "hubspot.client_id, hubspot.client_secret and hubspot.refresh_token"
            if settings.uses_oauth()
            else "hubspot.token"
        )
        self.round_trips = RoundTrips()
        self.in_flight = _in_flight(settings, self.budgets, self.round_trips)
        self.auth = _auth(settings, monotonic)
        self.server_clock = ServerClock(now or (lambda: datetime.now(UTC)))
        self._client = build_client(
            settings.base_url,
            auth=self.auth,
            timeout_seconds=settings.timeout_seconds,
            allow_private_network=settings.allow_private_network,
            transport=transport,
            response_hooks=[self._observe_rate_headers, self.server_clock.observe],
        )
        self._sender = RetryingSender(
            self._client,
            classify,
            RetryPolicy(settings.max_retries),
            counter,
            daily=self.budgets.daily,
            sleep=sleep,
            on_rate_limited=self.budgets.rate_limited_by.add,
            on_result=self.budgets.results_by.add,
            on_round_trip=self.round_trips.observe,
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        body: JsonObject | None = None,
        params: Sequence[tuple[str, str]] = (),
        repeatable: bool = True,
    ) -> Exchange:
        request = self._client.build_request(method, path, json=body, params=list(params))
        budget = self.budgets.search if kind == "search" else self.budgets.burst
        try:
            return self._sender.send(request, kind=kind, budget=budget, repeatable=repeatable)
        except AuthError as exc:  # the operator's next step: the key holding the credentials
            # (not "<key>: ...", which the log redaction would read as a secret's value)
            _amend(exc, f"HubSpot refused the credentials of {self._credentials};")
            raise
        except RetryableError as exc:  # which HubSpot did not answer (a typo, a proxy, DNS)
            _amend(exc, f"HubSpot at {self._base_url}:")
            raise

    def call_ok(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        body: JsonObject | None = None,
        params: Sequence[tuple[str, str]] = (),
    ) -> JsonObject:
        """A call whose refusal stops the run (listing, search, schema): the body on success."""
        exchange = self.call(method, path, kind=kind, body=body, params=params)
        if not exchange.ok:
            raise FatalError(f"HubSpot refused {kind}: {exchange.outcome.detail}")
        return body_of(exchange.response)

    def close(self) -> None:
        self.in_flight.close()
        self._client.close()
        if isinstance(self.auth, OAuthRefresh):
            self.auth.close()

    def _observe_rate_headers(self, response: httpx.Response) -> None:
        remaining, maximum = rate_headers(response)
        if remaining is not None or maximum is not None:
            as_of = response.request.extensions.get(STARTED)
            self.budgets.burst.observe(remaining, maximum, as_of=as_of)
        daily_remaining, daily_limit = daily_headers(response)
        if daily_remaining is not None or daily_limit is not None:
            self.budgets.daily.observe(daily_remaining, daily_limit)


def _amend(exc: Exception, context: str) -> None:
    """Put `context` before the error's message, keeping its type and attributes (a RateLimited
    keeps its policy and wait)."""
    exc.args = (f"{context} {exc}", *exc.args[1:])


def _in_flight(
    settings: HubSpotSettings, budgets: PortalBudgets, round_trips: RoundTrips
) -> InFlight:
    """A fixed number of batches in flight when configured; else sized from the burst
    budget's rate and the measured round trip (http/window.py)."""
    if settings.max_in_flight is not None:
        return InFlight(settings.max_in_flight)

    def rate() -> float:
        return budgets.burst.limit / budgets.burst.window

    return InFlight(CAP, width=sized_by(rate, round_trips))


def _auth(settings: HubSpotSettings, monotonic: Callable[[], float]) -> httpx.Auth:
    """A private-app token, or OAuth 2 with refresh when `client_id` is set.

    The token endpoint gets its own client, held to the same address rules: it is another
    service (and, in tests, a loopback server while the API may be an in-process sandbox)."""
    if not settings.uses_oauth():
        return BearerToken(read_secret(settings.token, settings.token_file, key="hubspot.token"))
    secret = read_secret(
        settings.client_secret, settings.client_secret_file, key="hubspot.client_secret"
    )
    refresh = read_secret(
        settings.refresh_token, settings.refresh_token_file, key="hubspot.refresh_token"
    )
    return OAuthRefresh(
        settings.oauth_token_url or settings.base_url.rstrip("/") + TOKEN_PATH,
        str(settings.client_id),
        secret,
        refresh,
        allow_private_network=settings.allow_private_network,
        timeout_seconds=settings.timeout_seconds,
        clock=monotonic,
    )
