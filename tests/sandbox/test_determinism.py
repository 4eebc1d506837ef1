"""Same seed, same clock, same requests: byte-identical answers (ids, correlation ids, faults,
custom type ids, owner ids, association type ids). A different seed changes what is random."""

from __future__ import annotations

from typing import Any

from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig
from tests.sandbox.conftest import FakeClock, client_for

SCRIPT: list[tuple[str, str, Any]] = [
    ("POST", "/crm/v3/schemas", {"name": "car", "labels": {"singular": "Car", "plural": "Cars"},
                                 "properties": [{"name": "model", "label": "Model"}]}),
    ("POST", "/crm/v3/objects/cars", {"properties": {"model": "T"}}),
    ("POST", "/crm/v3/objects/contacts", {"properties": {"email": "a@x.com"}}),
    ("POST", "/crm/v3/objects/contacts", {"properties": {"email": "b@x.com"}}),
    ("POST", "/crm/v4/associations/cars/contacts/labels", {"label": "Driver", "name": "driver"}),
    ("PUT", "/crm/v4/objects/cars/1/associations/default/contacts/1", None),
    ("POST", "/crm/v3/objects/contacts/merge", {"primaryObjectId": "1", "objectIdToMerge": "2"}),
    ("POST", "/_sandbox/owners", {"email": "o@x.com"}),
    *[("GET", f"/crm/v3/objects/contacts/{i}", None) for i in range(1, 8)],
    ("POST", "/crm/v3/objects/contacts/search", {"query": "a@x.com"}),
]  # fmt: skip


def _run(seed: int) -> list[tuple[int, str, str]]:
    sandbox = HubSpotSandbox(
        SandboxConfig(seed=seed, fault_rate=0.3, burst_limit=0, search_per_second=0),
        clock=FakeClock(),
    )
    answers = []
    with client_for(sandbox) as client:
        for method, path, body in SCRIPT:
            response = client.request(method, path, json=body)
            answers.append(
                (
                    response.status_code,
                    response.headers.get("x-hubspot-correlation-id", ""),
                    response.text,
                )
            )
    return answers


def test_same_seed_same_answers() -> None:
    first, second = _run(seed=7), _run(seed=7)
    assert first == second
    assert {status for status, _, _ in first} & {500, 502, 503}  # faults did happen


def test_another_seed_changes_the_random_parts() -> None:
    assert _run(seed=7) != _run(seed=8)
