"""The connector contract, run for the SQL connector on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest

from tests.contract.sql_harness import SqlHarness
from tests.contract.suite import ConnectorContract


class TestSqlConnectorContract(ConnectorContract):
    @pytest.fixture
    def harness(self, sql_harness: SqlHarness) -> SqlHarness:
        return sql_harness
