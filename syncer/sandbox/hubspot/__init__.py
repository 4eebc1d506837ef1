"""A HubSpot CRM v3 stand-in (contacts first): in-memory, in-process or served on loopback."""

from syncer.sandbox.hubspot.app import HubSpotSandbox
from syncer.sandbox.hubspot.config import SandboxConfig
from syncer.sandbox.hubspot.server import RunningServer, serve_forever, serve_in_thread

__all__ = ["HubSpotSandbox", "RunningServer", "SandboxConfig", "serve_forever", "serve_in_thread"]
