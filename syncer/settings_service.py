"""`[service]`: what `syncer run` serves besides its passes (health, readiness, metrics, the
status page), and where a one-shot `sync` pushes its figures.

Without `listen` the daemon serves nothing, as before; without `pushgateway` a `sync` pushes
nothing. `token` (or `token_file`) guards /metrics and /status with a bearer token; /healthz
and /readyz stay open, since orchestrators probe them without credentials. `webhook_secret`
(or `webhook_secret_file`) turns on /webhooks/hubspot, which HubSpot's signature guards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, SecretStr

from syncer import settings_rules as rules


def listen_address(value: str | None) -> str | None:
    """ "host:port" with a port from 0 (any free one) to 65535; IPv6 hosts in brackets."""
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f'expected "host:port", such as "0.0.0.0:8080"; got {value!r}')
    return value


class ServiceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listen: Annotated[str | None, AfterValidator(listen_address)] = None
    # A pipeline with no successful pass for this long makes /readyz answer 503.
    stale_after: Annotated[str, AfterValidator(rules.interval)] = "30m"
    token: Annotated[SecretStr | None, AfterValidator(rules.header_secret)] = None
    token_file: Path | None = None
    # HubSpot's app client secret: enables POST /webhooks/hubspot, whose requests it verifies.
    webhook_secret: SecretStr | None = None
    webhook_secret_file: Path | None = None
    # The URL HubSpot posts to, if the daemon is reached through a proxy that changes it (the
    # signature covers the URL); by default the URL as the request arrived.
    webhook_url: Annotated[str | None, AfterValidator(rules.optional_http_url)] = None
    # How long a webhook's early pass waits for more events: a burst makes one pass.
    webhook_debounce: Annotated[str, AfterValidator(rules.interval)] = "5s"
    # A Prometheus Pushgateway a one-shot `sync` pushes its figures to (for cron users).
    pushgateway: Annotated[str | None, AfterValidator(rules.optional_http_url)] = None

    def listen_host_port(self) -> tuple[str, int] | None:
        if self.listen is None:
            return None
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)

    def stale_after_seconds(self) -> float:
        return rules.interval_seconds(self.stale_after)

    def webhook_debounce_seconds(self) -> float:
        return rules.interval_seconds(self.webhook_debounce)
