"""A HubSpot CRM v3 stand-in (contacts first): in-memory, in-process or served on loopback.

    app = HubSpotSandbox(SandboxConfig(search_lag_ms=2000), clock=fake_clock)
    client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://hubspot",
                          headers={"Authorization": "Bearer sandbox-token"})
    server = serve_in_thread(app)          # or over real HTTP: server.url, then server.stop()

Behaviour follows shared/reference/hubspot_api.md; where HubSpot's behaviour is UNCONFIRMED the
choice is a SandboxConfig knob or noted where it is made. The admin path (not HubSpot's) is
described in `admin.py`.
"""

from syncer.sandbox.hubspot.app import HubSpotSandbox
from syncer.sandbox.hubspot.config import SandboxConfig
from syncer.sandbox.hubspot.server import RunningServer, serve_forever, serve_in_thread

__all__ = ["HubSpotSandbox", "RunningServer", "SandboxConfig", "serve_forever", "serve_in_thread"]
