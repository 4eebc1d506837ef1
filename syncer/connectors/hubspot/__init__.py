"""HubSpot CRM connector (CRM objects v3 over httpx)."""

from syncer.connectors.hubspot.connector import HubSpotConnector

__all__ = ["HubSpotConnector"]
