"""The SQL connector (a legacy CRM in a SQL database)."""

from syncer.connectors.sql.connector import SqlConnector
from syncer.connectors.sql.values import FULL_SCAN

__all__ = ["FULL_SCAN", "SqlConnector"]
