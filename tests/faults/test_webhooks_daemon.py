"""POST /webhooks/hubspot on a real `syncer run`, driven over loopback by the sandbox's own
webhook sender (signed as HubSpot signs them).

The daemon passes once at start; its next scheduled pass is an hour away. Forty contacts are
created in HubSpot in four API calls: the sandbox delivers their events (and those queued
before) in five signed requests, and the daemon makes one early pass of them, which copies all
forty to the legacy table. Badly signed and replayed requests get 401, are logged, and cause
no pass.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from syncer.sandbox.hubspot.webhooks import signed_headers
from tests.faults.ledger_harness import finish, kill_leftovers, syncer, wait_until
from tests.integration.harness import Deployment, deployment, seed

APP_SECRET = "hubspot-app-secret-4242"
DEBOUNCE_S = 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def port() -> int:
    return _free_port()


@pytest.fixture
def dep(tmp_path: Path, unique_name: str, port: int) -> Iterator[Deployment]:
    hook = f"http://127.0.0.1:{port}/webhooks/hubspot"
    sender = {
        "webhook_url": hook,
        "webhook_client_secret": APP_SECRET,
        "webhook_flush_ms": 0,  # delivered when the test flushes
        "webhook_batch_size": 10,
        "webhook_subscriptions": ("contact.creation",),
    }
    crm = f"sqlite:///{tmp_path}/crm.db"
    with deployment(tmp_path, crm, unique_name, **sender) as deployed:
        seed(deployed, hub_count=3, sql_count=3, shared=1)
        (tmp_path / "app_secret").write_text(APP_SECRET + "\n")
        with deployed.config.open("a") as config:
            config.write(
                f'\n[service]\nlisten = "127.0.0.1:{port}"\n'
                f'webhook_secret_file = "app_secret"\nwebhook_debounce = "{DEBOUNCE_S}s"\n'
            )
        text = deployed.config.read_text().replace(
            'conflict = "newest"', 'conflict = "newest"\ninterval = "1h"'
        )
        deployed.config.write_text(text)
        yield deployed
        kill_leftovers()


def _passes(dep: Deployment) -> int:
    with dep.ledger() as ledger:
        return sum(1 for run in ledger.recent_runs("contacts") if run.finished_at is not None)


def _create_contacts(dep: Deployment, count: int, per_call: int) -> None:
    with dep.hubspot() as client:
        for start in range(0, count, per_call):
            inputs = [
                {"properties": {"email": f"hooked{i}@example.com", "firstname": f"Hook{i}"}}
                for i in range(start, start + per_call)
            ]
            response = client.post("/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
            response.raise_for_status()


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    return httpx.post(url, content=body, headers=headers, timeout=10).status_code


def test_a_burst_of_signed_events_makes_one_pass_and_bad_signatures_none(
    dep: Deployment, port: int, tmp_path: Path
) -> None:
    log = tmp_path / "daemon.log"
    daemon = syncer(dep, "run", log=log)
    wait_until(lambda: _passes(dep) == 1, "the daemon's first pass")

    _create_contacts(dep, count=40, per_call=10)
    # Five signed requests, each answered 2xx: the forty, and five queued before (the three
    # seeded contacts, the two the first pass created: HubSpot tells of syncer's own writes).
    assert dep.sandbox.flush_webhooks() == 45
    wait_until(lambda: _passes(dep) == 2, "an early pass after the webhooks", timeout=30)
    hooked = [r for r in dep.sql_rows() if r.email.startswith("hooked")]
    assert len(hooked) == 40
    time.sleep(DEBOUNCE_S * 2)
    assert _passes(dep) == 2  # one pass for the burst, not one per request or event

    url = f"http://127.0.0.1:{port}/webhooks/hubspot"
    body = json.dumps([{"subscriptionType": "contact.creation", "objectId": 1}]).encode()
    now_ms = int(time.time() * 1000)
    forged = signed_headers("not-the-app-secret", url, body, now_ms)
    assert _post(url, body, forged) == 401
    replayed = signed_headers(APP_SECRET, url, body, now_ms - 6 * 60 * 1000)
    assert _post(url, body, replayed) == 401
    time.sleep(DEBOUNCE_S * 2)
    assert _passes(dep) == 2  # neither acted upon

    daemon.send_signal(signal.SIGTERM)
    code, _ = finish(daemon)
    assert code == 0
    text = log.read_text()
    assert text.count("webhook refused") == 2
    assert "signature does not match" in text and "5-minute window" in text
    assert APP_SECRET not in text
