"""Batch splitting: repeated keys in separate calls, and a batch HubSpot refuses whole (400 with
no per-record detail) halved until the bad record is alone. The sandbox answers such batches
with 207s, so this uses a MockTransport handler that answers the way older HubSpot bodies do."""

from __future__ import annotations

import json
from typing import Any

import httpx

from syncer.connectors.hubspot import HubSpotConnector
from syncer.connectors.hubspot.writes import split_batches
from syncer.records import Write
from tests.connectors.hubspot_harness import contact, pipeline, settings


def whole_batch_refusal(bad_email: str) -> dict[str, Any]:
    detail = [
        {
            "isValid": False,
            "message": f"Email address {bad_email} is invalid",
            "error": "INVALID_EMAIL",
            "name": "email",
        }
    ]
    return {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "correlationId": "c0ffee",
        "message": f"Property values were not valid: {json.dumps(detail)}",
    }


class StrictUpserts:
    """Refuses a whole upsert batch if any email lacks an @; otherwise creates every input."""

    def __init__(self) -> None:
        self.batch_sizes: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/crm/v3/objects/contacts/batch/upsert"
        inputs = json.loads(request.content)["inputs"]
        self.batch_sizes.append(len(inputs))
        bad = [i["id"] for i in inputs if "@" not in i["id"]]
        if bad:
            return httpx.Response(400, json=whole_batch_refusal(bad[0]))
        results = [
            {"id": str(1000 + n), "new": True, "properties": {"email": i["id"]}}
            for n, i in enumerate(inputs)
        ]  # no trace ids echoed: match by email
        return httpx.Response(200, json={"status": "COMPLETE", "results": results})


def test_a_batch_refused_whole_is_halved_until_the_bad_record_is_alone() -> None:
    handler = StrictUpserts()
    hubspot = HubSpotConnector(settings(), pipeline(), transport=httpx.MockTransport(handler))
    writes = [contact(n) for n in range(8)]
    writes[5] = Write("bad", {"email": "nope"}, unique_property="email", unique_value="nope")
    results = hubspot.write(writes)
    assert [r.key for r in results if r.ok] == [w.key for w in writes if w.key != "bad"]
    rejection = results[5].rejection
    assert rejection is not None
    assert (rejection.code, rejection.property) == ("INVALID_EMAIL", "email")
    assert handler.batch_sizes == [8, 4, 4, 2, 1, 1, 2]  # depth first: 8 -> 4 ok, 4 -> 2 -> 1


def test_repeated_keys_go_to_later_calls_in_order() -> None:
    items = ["a", "b", "A", "c", "a", "d"]
    assert split_batches(items, str.lower, 2) == [["a", "b"], ["c", "d"], ["A"], ["a"]]


def test_batches_respect_the_size() -> None:
    assert [len(b) for b in split_batches(list(range(250)), lambda n: n, 100)] == [100, 100, 50]


class SmallBatches:
    """A portal that accepts at most 10 inputs a batch and says so, in HubSpot's words."""

    def __init__(self) -> None:
        self.batch_sizes: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        inputs = json.loads(request.content)["inputs"]
        self.batch_sizes.append(len(inputs))
        if len(inputs) > 10:
            message = (
                "The maximum number of inputs supported in a batch is 10. Please reduce "
                "the number of items and try again"
            )
            return httpx.Response(
                400,
                json={
                    "status": "error",
                    "message": message,
                    "correlationId": "c0ffee",
                    "category": "VALIDATION_ERROR",
                },
            )
        results = [
            {
                "id": str(1000 + n),
                "new": True,
                "objectWriteTraceId": i["objectWriteTraceId"],
                "properties": {"email": i["id"]},
            }
            for n, i in enumerate(inputs)
        ]
        return httpx.Response(200, json={"status": "COMPLETE", "results": results})


def test_the_batch_size_adapts_to_the_maximum_hubspot_states() -> None:
    handler = SmallBatches()
    hubspot = HubSpotConnector(
        settings(max_in_flight=1), pipeline(), transport=httpx.MockTransport(handler)
    )
    first = hubspot.write([contact(n) for n in range(25)])
    later = hubspot.write([contact(n) for n in range(100, 125)])
    assert all(r.ok for r in first + later)
    assert handler.batch_sizes == [25, 10, 10, 5, 10, 10, 5]  # refused once, then sized to fit
