"""syncer: keeps HubSpot and another CRM in agreement, in both directions."""

__version__ = "0.1.0"
