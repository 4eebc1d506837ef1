"""What the daemon shows of itself, in one place: a metrics registry of its own, the run
observer that feeds it, the ledger as the endpoints read it, and the endpoints' server. A
one-shot `sync` uses the same pieces to push its figures to a Prometheus Pushgateway."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta

from prometheus_client import CollectorRegistry, push_to_gateway

from syncer.ledger.store import Ledger
from syncer.ledger.values import utcnow
from syncer.logs import get_logger
from syncer.service.health import LedgerWatch, Readiness, readiness
from syncer.service.http import Endpoints, EndpointServer
from syncer.service.metrics import LedgerMetrics, RateLimitMetrics, RateLimits, RunMetrics
from syncer.service.status_page import render_page
from syncer.service.webhooks import WebhookReceiver
from syncer.settings_service import ServiceSettings

log = get_logger(__name__)
PUSH_TIMEOUT_SECONDS = 10.0


class Monitor:
    """`runs` is the observer to hand to every run; `serve` starts the endpoints when
    `[service] listen` is set; `push` sends the figures to `[service] pushgateway`."""

    def __init__(
        self,
        settings: ServiceSettings,
        pipelines: Sequence[str],
        open_ledger: Callable[[], Ledger],
        columns: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """`columns`: each pipeline's association fields as the status names them."""
        self.settings = settings
        self.registry = CollectorRegistry()
        self.runs = RunMetrics(self.registry)
        self.watch = LedgerWatch(open_ledger, pipelines, columns)
        self.registry.register(LedgerMetrics(self.watch))
        self.started_at = utcnow()
        self.rate_limits: dict[str, RateLimits] = {}

    def watch_rate_limits(self, side: str, limits: RateLimits) -> None:
        """Also show what `side`'s rate limits allow now and how often the server refused."""
        self.registry.register(RateLimitMetrics(side, limits))
        self.rate_limits[side] = limits

    def status_page(self) -> str:
        """/status: the pipelines' facts from the ledger, and this replica's rate budgets."""
        now = utcnow()
        served_by = f"{socket.gethostname()}:{os.getpid()}"  # as a lease names its holder
        return render_page(self.watch.status(now), self.rate_limits, served_by, now)

    def ready(self) -> Readiness:
        stale_after = timedelta(seconds=self.settings.stale_after_seconds())
        return readiness(self.watch, stale_after, self.started_at)

    def serve(
        self,
        alive: Callable[[], bool],
        request_passes: Callable[[Iterable[str]], None] | None = None,
        hubspot_objects: Mapping[str, str] | None = None,
    ) -> EndpointServer | None:
        """Serve the endpoints, if `[service] listen` is set. With `[service] webhook_secret`
        and `request_passes`, HubSpot's webhooks ask for passes of the pipelines (by name:
        their HubSpot object) whose objects changed."""
        address = self.settings.listen_host_port()
        if address is None:
            return None
        self.watch.open_now()
        token = self.settings.token.get_secret_value() if self.settings.token else None
        app = Endpoints(
            alive,
            self.ready,
            self.registry,
            token,
            status_page=self.status_page,
            webhooks=self._webhooks(request_passes, hubspot_objects or {}),
        )
        return EndpointServer(app, *address)

    def _webhooks(
        self,
        request_passes: Callable[[Iterable[str]], None] | None,
        hubspot_objects: Mapping[str, str],
    ) -> WebhookReceiver | None:
        secret = self.settings.webhook_secret
        if secret is None or request_passes is None:
            return None
        return WebhookReceiver(
            secret.get_secret_value(), hubspot_objects, request_passes, self.settings.webhook_url
        )

    def push(self, selection: str | None) -> None:
        """Push every figure to the Pushgateway, if one is configured, grouped under job
        "syncer" and the pipelines run ("all" without --pipeline), replacing that group's
        previous push. A gateway that cannot be reached is logged, not fatal: the sync itself
        went as it went."""
        gateway = self.settings.pushgateway
        if gateway is None:
            return
        group = {"pipelines": selection or "all", "instance": socket.gethostname()}
        try:
            push_to_gateway(
                gateway,
                job="syncer",
                registry=self.registry,
                grouping_key=group,
                timeout=PUSH_TIMEOUT_SECONDS,
            )
        except Exception as exc:
            log.warning("metrics push failed", error=f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self.watch.close()
