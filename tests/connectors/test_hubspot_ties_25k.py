"""Issue 4's proof at full size, over real loopback HTTP: 25,000 contacts sharing one
last-modified millisecond are collected completely, once each, without looping."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import httpx

from syncer.connectors.hubspot import HubSpotConnector
from syncer.records import Cursor
from syncer.sandbox.hubspot import serve_in_thread
from tests.connectors.hubspot_harness import FROZEN_SECONDS, TOKEN, pipeline, sandbox, settings

COUNT = 25_000


def test_25000_contacts_in_one_millisecond_over_loopback() -> None:
    frozen = FROZEN_SECONDS
    app = sandbox(clock=lambda: frozen, search_per_second=0, burst_limit=0)
    with httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="http://sandbox.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as seeder:
        for start in range(0, COUNT, 100):  # seeded in-process: the collection is under test
            inputs = [
                {"properties": {"email": f"p{n}@example.com"}} for n in range(start, start + 100)
            ]
            seeder.post(
                "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs}
            ).raise_for_status()
    server = serve_in_thread(app)
    try:
        hubspot = HubSpotConnector(
            settings(server.url, allow_private_network=True),
            pipeline(),
            clock=lambda: datetime.fromtimestamp(frozen + 1, UTC),
        )
        since = Cursor(f'{{"t": {int(frozen * 1000) - 5000}}}')
        until = datetime.fromtimestamp(frozen + 1, UTC)
        seen = Counter(r.id for page in hubspot.changes(since, until) for r in page.records)
        hubspot.close()
    finally:
        server.stop()
    assert len(seen) == COUNT and max(seen.values()) == 1
    # one query finds the tie, 125 pages of 200 drain it by id, one more finds nothing after
    assert hubspot.counter.by_kind["search"] <= COUNT // 200 + 3
