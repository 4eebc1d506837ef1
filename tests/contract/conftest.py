"""Fixtures of the connector harnesses, shared with the connector-specific tests."""

from tests.contract.hubspot_harness import hubspot_harness
from tests.contract.sql_harness import sql_engine, sql_engines, sql_harness

__all__ = ["hubspot_harness", "sql_engine", "sql_engines", "sql_harness"]
