"""HubSpotSandbox: the WSGI application that answers like HubSpot's CRM v3 API."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any

from syncer.sandbox.hubspot import admin
from syncer.sandbox.hubspot.config import SandboxConfig
from syncer.sandbox.hubspot.errors import (
    ApiError,
    invalid_authentication,
    route_not_found,
)
from syncer.sandbox.hubspot.faults import (
    ConnectionDropped,
    FaultPlan,
    ScheduledFault,
    fault_error,
)
from syncer.sandbox.hubspot.gate import app_of, request_refusal, token_refusal
from syncer.sandbox.hubspot.limits import RateLimiter
from syncer.sandbox.hubspot.oauth import PREFIX as OAUTH_PREFIX
from syncer.sandbox.hubspot.oauth import OAuthTokens
from syncer.sandbox.hubspot.owners import seed_owner
from syncer.sandbox.hubspot.portal import Call, Portal
from syncer.sandbox.hubspot.render import record_json
from syncer.sandbox.hubspot.router import RECORD_WRITES, Route, find_route, read_as_hubspot
from syncer.sandbox.hubspot.schema import ObjectTypeSpec
from syncer.sandbox.hubspot.trace import RequestTrace, TracedRequest
from syncer.sandbox.hubspot.webhooks import WebhookQueue, deliver
from syncer.sandbox.hubspot.wire import (
    Request,
    Response,
    StartResponse,
    read_request,
    write_response,
)

CORRELATION_HEADER = "X-HubSpot-Correlation-Id"


class HubSpotSandbox:
    """In-memory HubSpot. One lock guards all state; latency and fault delays sleep outside it."""

    def __init__(
        self, config: SandboxConfig | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config or SandboxConfig()
        self._clock = clock
        self._offset_ms = 0
        self._lock = threading.RLock()
        self._ids = random.Random(self.config.seed)
        self._stats: Counter[str] = Counter()
        self._trace = RequestTrace()
        self._limiter = RateLimiter(self.config)
        self._faults = FaultPlan(self.config.seed, self.config.fault_rate)
        self.portal = Portal(self.config, self.now_ms())
        self._webhooks = WebhookQueue(self.config)
        self._listen_for_webhooks()
        self._oauth = (
            OAuthTokens(self.config, self.config.seed) if self.config.oauth_client_id else None
        )
        self._stop_delivery = threading.Event()
        if self.config.webhook_url and self.config.webhook_flush_ms > 0:
            threading.Thread(
                target=self._deliver_periodically, name="hubspot-sandbox-webhooks", daemon=True
            ).start()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = read_request(environ)
        response: Response | None
        if request.path.startswith(admin.PREFIX):
            response = self._admin(request)
        elif request.path.startswith(OAUTH_PREFIX) and self._oauth is not None:
            response = self._oauth_call(self._oauth, request)
        else:
            response = self._traced_api(request)
        if response is None:  # a `drop` fault: the server closes the connection unanswered
            raise ConnectionDropped(f"{request.method} {request.path}: dropped without an answer")
        # Like any HTTP origin, HubSpot dates its answers; the sandbox's date is its own clock.
        response.headers.setdefault("Date", formatdate(self.now_ms() / 1000, usegmt=True))
        return write_response(start_response, response)

    # -- inspection and control (the admin HTTP path calls these too) -------------------------

    def now_ms(self) -> int:
        return int(self._clock() * 1000) + self._offset_ms

    def advance_clock(self, milliseconds: int) -> int:
        with self._lock:
            self._offset_ms += milliseconds
            return self.now_ms()

    def records(
        self, object_type: str = "contacts", archived: bool = False
    ) -> list[dict[str, Any]]:
        with self._lock:
            collection = self.portal.collection(object_type)
            source = collection.archived if archived else collection.active
            stored = [source[i] for i in collection.ids_in_order(archived)]
            return [
                {**record_json(collection, record, None), "properties": dict(record.properties)}
                for record in stored
            ]

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self._stats)

    def reset_stats(self) -> None:
        with self._lock:
            self._stats.clear()
        self._trace.clear()

    def set_limits(self, limits: dict[str, Any]) -> None:
        """New rate limits or latency (config field names); the rate windows start empty."""
        with self._lock:
            for name, value in limits.items():
                setattr(self.config, name, value)
            self._limiter.reset()

    def trace(self) -> list[TracedRequest]:
        """The API requests served (trace.py), oldest first; `reset_stats` clears it too."""
        return self._trace.entries()

    def add_owner(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Seed an owner (HubSpot's owners API is read-only); returns it as the API shows it."""
        with self._lock:
            return seed_owner(self.portal, spec, self.now_ms()).to_json()

    def flush_webhooks(self) -> int:
        """Deliver queued webhook events now; returns how many were delivered (a failed batch
        stays queued for the next flush)."""
        with self._lock:
            batches = self._webhooks.take()
            now = self.now_ms()
        delivered = 0
        for batch in batches:
            if deliver(self.config, batch, now):
                delivered += len(batch.events)
            else:
                with self._lock:
                    self._webhooks.give_back(batch)
        return delivered

    def close(self) -> None:
        """Stop the background webhook delivery, if any."""
        self._stop_delivery.set()

    def schedule_fault(self, spec: dict[str, Any]) -> ScheduledFault:
        with self._lock:
            return self._faults.schedule(spec)

    def scheduled_faults(self) -> list[ScheduledFault]:
        with self._lock:
            return list(self._faults.scheduled)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        """Forget all records, custom properties, stats, rate windows and scheduled faults.
        The clock offset stays: time never runs backwards."""
        with self._lock:
            self.portal = Portal(self.config, self.now_ms())
            self._webhooks = WebhookQueue(self.config)
            self._listen_for_webhooks()
            self._stats.clear()
            self._trace.clear()
            self._limiter.reset()
            self._faults.clear()

    def _listen_for_webhooks(self) -> None:
        if not self.config.webhook_url:
            return
        queue = self._webhooks

        def heard(kind: str, spec: ObjectTypeSpec, object_id: int, fields: dict[str, Any]) -> None:
            queue.record(kind, spec, object_id, fields, self.now_ms())

        self.portal.listen(heard)

    def _deliver_periodically(self) -> None:
        while not self._stop_delivery.wait(self.config.webhook_flush_ms / 1000):
            self.flush_webhooks()

    # -- request handling --------------------------------------------------------------------

    def _traced_api(self, request: Request) -> Response | None:
        start = self._clock() * 1000
        read_as_hubspot(request, self.config)
        routed = find_route(request.method, request.path)
        response = self._api(request, routed)
        kind = routed[0].kind if routed else "unrouted"
        status = response.status if response is not None else None
        end = self._clock() * 1000
        self._trace.record(TracedRequest(start, end, request.method, request.path, kind, status))
        return response

    def _api(
        self, request: Request, routed: tuple[Route, dict[str, str]] | None
    ) -> Response | None:
        """The answer, or None when a scheduled fault drops the connection instead."""
        refused = self._refusal(request, routed)
        if refused is not None:
            stat, error = refused
            with self._lock:
                self._stats[stat] += 1
                return self._error(error)
        # latency_ms is a network round trip: half on the way in, before the request is
        # admitted and counted against the limits, half on the way back.
        self._travel()
        with self._lock:
            response, fault = self._api_locked(request, routed)
        if fault is not None and fault.delay_ms:
            time.sleep(fault.delay_ms / 1000)
        self._travel()
        return None if fault is not None and fault.drop else response

    def _travel(self) -> None:
        if self.config.latency_ms:
            time.sleep(self.config.latency_ms / 2000)

    def _refusal(
        self, request: Request, routed: tuple[Route, dict[str, str]] | None
    ) -> tuple[str, ApiError] | None:
        """(stats key, error) when HubSpot would refuse the request before handling it."""
        error = token_refusal(self.config, self._oauth, request, self.now_ms())
        if error is not None:
            return "unauthorized", error
        with self._lock:
            return request_refusal(self.config, self.portal, request, routed[1] if routed else None)

    def _api_locked(
        self, request: Request, routed: tuple[Route, dict[str, str]] | None
    ) -> tuple[Response, ScheduledFault | None]:
        kind = routed[0].kind if routed else "unrouted"
        now = self.now_ms()
        self._stats["requests"] += 1
        try:
            exempt = kind.startswith("associations/") and "/batch/" in request.path
            rate_headers = self._limiter.admit(
                now, kind == "search", burst_exempt=exempt, app=app_of(self.config, request)
            )
        except ApiError as refusal:
            self._stats["rate_limited"] += 1
            return self._error(refusal), None
        self._count(kind)
        fault = self._faults.take(request.method, request.path, request.raw_body)
        if fault is None:
            random_status = self._faults.random_status()  # always before the request applies
            if random_status is None:
                response = self._dispatch(request, routed, now)
            else:
                response = self._fault_response(random_status)
        else:
            if fault.after_apply:  # the write happens; the caller hears an error, or nothing
                self._dispatch(request, routed, now)
            response = self._fault_response(fault.status)
        if self._oauth is not None and self._oauth.knows(request.authorization):
            # OAuth calls carry no daily figures (the daily quota is the account's)
            rate_headers = {k: v for k, v in rate_headers.items() if "-Daily" not in k}
        response.headers.update(rate_headers)
        return response, fault

    def _dispatch(
        self, request: Request, routed: tuple[Route, dict[str, str]] | None, now: int
    ) -> Response:
        try:
            if routed is None:
                raise route_not_found(request.method, request.path)
            route, params = routed
            response = route.handler(Call(request, params, self.portal, self.config, now))
        except ApiError as error:
            return self._error(error)
        response.headers.setdefault(CORRELATION_HEADER, self._correlation_id())
        return response

    def _fault_response(self, status: int | None) -> Response:
        """The injected error; for a dropped connection (no status) a stand-in never sent."""
        self._stats["faults"] += 1
        if status is None:
            return Response(503)
        return self._error(fault_error(status))

    def _count(self, kind: str) -> None:
        self._stats[kind] += 1
        if kind in RECORD_WRITES:
            self._stats["writes"] += 1

    def _error(self, error: ApiError) -> Response:
        correlation_id = self._correlation_id()
        headers = {**error.headers, CORRELATION_HEADER: correlation_id}
        return Response(error.status, error.body(correlation_id), headers)

    def _correlation_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def _oauth_call(self, tokens: OAuthTokens, request: Request) -> Response:
        with self._lock:
            self._stats["oauth"] += 1
            try:
                response = tokens.handle(request, self.now_ms())
            except ApiError as error:
                return self._error(error)
            response.headers.setdefault(CORRELATION_HEADER, self._correlation_id())
            return response

    def _admin(self, request: Request) -> Response:
        if request.authorization != f"Bearer {self.config.token}":
            with self._lock:
                return self._error(invalid_authentication())
        try:
            return admin.handle(self, request)
        except ApiError as error:
            with self._lock:
                return self._error(error)
