"""Fixtures: a sandbox on a controllable clock and an httpx client talking to it in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig

TOKEN = "sandbox-token"
START = 1_723_741_753.648  # 2024-08-15T17:09:13.648Z


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def client_for(app: HubSpotSandbox, token: str = TOKEN) -> httpx.Client:
    return httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="http://hubspot.sandbox",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_sandbox(clock: FakeClock) -> Callable[..., HubSpotSandbox]:
    """A sandbox with unlimited rates unless the test asks for limits."""

    def make(**overrides: object) -> HubSpotSandbox:
        settings: dict[str, object] = {"burst_limit": 0, "search_per_second": 0}
        settings.update(overrides)
        return HubSpotSandbox(SandboxConfig(**settings), clock=clock)  # type: ignore[arg-type]

    return make


@pytest.fixture
def sandbox(make_sandbox: Callable[..., HubSpotSandbox]) -> HubSpotSandbox:
    return make_sandbox()


@pytest.fixture
def client(sandbox: HubSpotSandbox) -> Iterator[httpx.Client]:
    with client_for(sandbox) as http:
        yield http


def create_contact(client: httpx.Client, **properties: object) -> dict[str, object]:
    response = client.post("/crm/v3/objects/contacts", json={"properties": properties})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body
