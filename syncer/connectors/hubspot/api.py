"""Typed calls to HubSpot's CRM v3 API, each sent through the retry loop and a rate budget.

Search has its own per-second budget and is exempt from the ten-secondly burst budget, which
every other call spends (reference/hubspot_api.md sections 4 and 6).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from syncer.errors import FatalError
from syncer.http import (
    BearerToken,
    Exchange,
    RetryingSender,
    RetryPolicy,
    RollingWindowBudget,
    build_client,
    read_secret,
)
from syncer.records import CallCounter
from syncer.settings import HubSpotSettings

from .outcomes import BURST_WINDOW_SECONDS, body_of, classify, rate_headers

JsonObject = dict[str, Any]


class HubSpotApi:
    def __init__(
        self,
        settings: HubSpotSettings,
        counter: CallCounter,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        token = read_secret(settings.token, settings.token_file, key="hubspot.token")
        self.burst_budget = RollingWindowBudget(
            settings.burst_limit, BURST_WINDOW_SECONDS, sleep=sleep
        )
        self.search_budget = RollingWindowBudget(settings.search_per_second, 1.0, sleep=sleep)
        self._client = build_client(
            settings.base_url,
            auth=BearerToken(token),
            timeout_seconds=settings.timeout_seconds,
            transport=transport,
            response_hooks=[self._observe_rate_headers],
        )
        self._sender = RetryingSender(
            self._client, classify, RetryPolicy(settings.max_retries), counter, sleep=sleep
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
        budget = self.search_budget if kind == "search" else self.burst_budget
        return self._sender.send(request, kind=kind, budget=budget, repeatable=repeatable)

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
        self._client.close()

    def _observe_rate_headers(self, response: httpx.Response) -> None:
        remaining, maximum = rate_headers(response)
        if remaining is not None or maximum is not None:
            self.burst_budget.observe(remaining, maximum)
