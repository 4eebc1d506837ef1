"""HubSpot CRM connector (CRM objects v3, associations v4, owners, over httpx)."""

from syncer.connectors.hubspot.associations import Associations, AssociationType, Edge
from syncer.connectors.hubspot.budgets import PortalBudgets
from syncer.connectors.hubspot.connector import HubSpotConnector
from syncer.connectors.hubspot.object_types import ObjectType
from syncer.connectors.hubspot.owners import Owner

__all__ = [
    "AssociationType",
    "Associations",
    "Edge",
    "HubSpotConnector",
    "ObjectType",
    "Owner",
    "PortalBudgets",
]
