"""The connector contract, run for the in-memory reference connector."""

from __future__ import annotations

import pytest

from tests.contract.memory_harness import MemoryHarness
from tests.contract.suite import ConnectorContract


class TestMemoryConnectorContract(ConnectorContract):
    @pytest.fixture
    def harness(self) -> MemoryHarness:
        return MemoryHarness()
