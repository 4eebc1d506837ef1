"""A HubSpot CRM stand-in: in-memory, in-process or served on loopback; HubSpot's official
clients (`hubspot-api-client`, `hubspot-sdk`, Node's `@hubspot/api-client`) work against it
given only its base URL.

    app = HubSpotSandbox(SandboxConfig(search_lag_ms=2000), clock=fake_clock)
    client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://hubspot",
                          headers={"Authorization": "Bearer sandbox-token"})
    server = serve_in_thread(app)          # or over real HTTP: server.url, then server.stop()
    api = hubspot.HubSpot(access_token="sandbox-token", host=server.url)

It serves contacts, companies, deals, tickets, products, line items, notes, tasks, calls,
meetings, emails, communications, postal mail, quotes, leads, feedback submissions, goal targets
and custom objects (schemas API); single, list, batch, search, merge and GDPR endpoints, on the
v3/v4 paths and their date-versioned twins; properties, property groups, pipelines, owners,
users and teams; associations v4; HubSpot's errors,
rate limits and headers; and optional signed outbound webhooks. `FIDELITY.md` lists what it
reproduces of HubSpot's API and what it does not. Where HubSpot's behaviour is
UNCONFIRMED the choice is a SandboxConfig knob or noted where it is made. The admin path (not
HubSpot's) is described in `admin.py`.
"""

from syncer.sandbox.hubspot.app import HubSpotSandbox
from syncer.sandbox.hubspot.config import TIERS, SandboxConfig
from syncer.sandbox.hubspot.server import RunningServer, serve_forever, serve_in_thread

__all__ = [
    "TIERS",
    "HubSpotSandbox",
    "RunningServer",
    "SandboxConfig",
    "serve_forever",
    "serve_in_thread",
]
