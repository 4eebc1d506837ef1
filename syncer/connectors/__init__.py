"""Connectors: one per kind of side. The engine sees them only through `base.Connector`."""
