"""The connector contract, run for the HubSpot connector against the sandbox over loopback."""

from __future__ import annotations

import pytest

from tests.contract.hubspot_harness import HubSpotHarness
from tests.contract.suite import ConnectorContract


class TestHubSpotConnectorContract(ConnectorContract):
    @pytest.fixture
    def harness(self, hubspot_harness: HubSpotHarness) -> HubSpotHarness:
        return hubspot_harness
