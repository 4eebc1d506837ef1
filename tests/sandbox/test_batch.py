"""Batch read/create/update/upsert/archive: shapes, limits, partial success and conflicts."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import FakeClock, client_for, create_contact

BATCH = "/crm/v3/objects/contacts/batch"


def _keys(body: dict[str, object]) -> list[str]:
    return list(body)


def test_batch_create_201_shape(client: httpx.Client) -> None:
    inputs = [{"properties": {"email": f"p{i}@x.com"}, "associations": []} for i in range(3)]
    response = client.post(f"{BATCH}/create", json={"inputs": inputs})
    assert response.status_code == 201
    body = response.json()
    assert _keys(body) == ["status", "results", "startedAt", "completedAt"]
    assert body["status"] == "COMPLETE"
    assert body["startedAt"] == "2024-08-15T17:09:13.648Z"
    assert sorted(r["properties"]["email"] for r in body["results"]) == [
        "p0@x.com",
        "p1@x.com",
        "p2@x.com",
    ]


def test_more_than_100_inputs_is_refused(client: httpx.Client) -> None:
    for op in ("create", "read", "update", "upsert", "archive"):
        inputs = [{"id": str(i), "properties": {}} for i in range(101)]
        response = client.post(f"{BATCH}/{op}", json={"inputs": inputs})
        assert response.status_code == 400, op
        assert response.json()["message"] == (
            "The maximum number of inputs supported in a batch is 100. "
            "Please reduce the number of items and try again"
        )
        assert response.json()["category"] == "VALIDATION_ERROR"


def test_batch_create_existing_email_fails_whole_call(
    client: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    create_contact(client, email="a@x.com")
    create_contact(client, email="b@x.com")
    inputs = [{"properties": {"email": e}} for e in ("new@x.com", "B@x.com", "a@x.com")]
    response = client.post(f"{BATCH}/create", json={"inputs": inputs})
    assert response.status_code == 409
    assert response.json()["message"] == "Contact already exists. Existing ID: 2"
    assert len(sandbox.records()) == 2  # nothing from the failed batch was applied


def test_batch_create_with_trace_ids_reports_per_record(
    client: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    create_contact(client, email="a@x.com")
    inputs = [
        {"properties": {"email": "new@x.com"}, "objectWriteTraceId": "t1"},
        {"properties": {"email": "a@x.com"}, "objectWriteTraceId": "t2"},
        {"properties": {"email": "broken"}, "objectWriteTraceId": "t3"},
    ]
    response = client.post(f"{BATCH}/create", json={"inputs": inputs})
    assert response.status_code == 207
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert body["numErrors"] == 2
    assert [r["objectWriteTraceId"] for r in body["results"]] == ["t1"]
    conflict, invalid = body["errors"]
    assert conflict["category"] == "CONFLICT"
    assert conflict["message"] == "Contact already exists. Existing ID: 1"
    assert conflict["context"] == {"objectWriteTraceId": ["t2"]}
    assert invalid["category"] == "VALIDATION_ERROR"
    assert invalid["context"]["objectWriteTraceId"] == ["t3"]
    assert [r["properties"]["email"] for r in sandbox.records()] == ["a@x.com", "new@x.com"]


def test_batch_create_invalid_without_trace_ids_is_400(
    client: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    inputs = [{"properties": {"email": "ok@x.com"}}, {"properties": {"nope": "1"}}]
    response = client.post(f"{BATCH}/create", json={"inputs": inputs})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
    assert sandbox.records() == []


def test_batch_read_with_missing_ids_is_207(client: httpx.Client) -> None:
    create_contact(client, email="a@x.com", city="Paris")
    body = {"properties": ["city"], "inputs": [{"id": "1"}, {"id": "999"}]}
    response = client.post(f"{BATCH}/read", json=body)
    assert response.status_code == 207
    answer = response.json()
    assert answer["numErrors"] == 1
    assert answer["errors"] == [
        {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": "Could not get some CONTACT objects, they may be deleted or not exist. "
            "Check that ids are valid.",
            "context": {"ids": ["999"]},
            "errors": [],
            "links": {},
        }
    ]
    assert answer["results"][0]["properties"]["city"] == "Paris"


def test_batch_read_by_email(client: httpx.Client) -> None:
    create_contact(client, email="a@x.com")
    body = {"idProperty": "email", "inputs": [{"id": "A@x.com"}, {"id": "z@x.com"}]}
    response = client.post(f"{BATCH}/read", json=body)
    assert response.status_code == 207
    assert response.json()["results"][0]["id"] == "1"
    assert response.json()["errors"][0]["context"] == {"ids": ["z@x.com"]}
    full = client.post(f"{BATCH}/read", json={"inputs": [{"id": "1"}]})
    assert full.status_code == 200
    assert "errors" not in full.json()


def test_batch_update_missing_ids_207_and_duplicates_400(
    client: httpx.Client, clock: FakeClock
) -> None:
    create_contact(client, email="a@x.com")
    clock.advance(2)
    inputs = [{"id": "1", "properties": {"city": "Oslo"}}, {"id": "5", "properties": {}}]
    response = client.post(f"{BATCH}/update", json={"inputs": inputs})
    assert response.status_code == 207
    body = response.json()
    assert body["results"][0]["properties"]["city"] == "Oslo"
    assert body["results"][0]["updatedAt"] == "2024-08-15T17:09:15.648Z"
    assert body["errors"][0]["context"] == {"ids": ["5"]}
    duplicate = [{"id": "1", "properties": {}}, {"id": "1", "properties": {}}]
    refused = client.post(f"{BATCH}/update", json={"inputs": duplicate})
    assert refused.status_code == 400
    assert (
        refused.json()["message"] == "Duplicate IDs found in batch input: [1]. IDs must be unique"
    )
    assert refused.json()["context"] == {"ids": ["1"]}


def test_batch_upsert_by_email_creates_and_updates(client: httpx.Client) -> None:
    create_contact(client, email="a@x.com", firstname="Ann")
    inputs = [
        {"id": "A@x.com", "idProperty": "email", "properties": {"lastname": "Lee"}},
        {"id": "b@x.com", "idProperty": "email", "properties": {"firstname": "Bo"}},
    ]
    response = client.post(f"{BATCH}/upsert", json={"inputs": inputs})
    assert response.status_code == 200
    results = {r["id"]: r for r in response.json()["results"]}
    assert results["1"]["new"] is False
    assert results["1"]["properties"]["lastname"] == "Lee"
    assert results["1"]["properties"]["firstname"] == "Ann"
    assert results["2"]["new"] is True
    assert results["2"]["properties"]["email"] == "b@x.com"


def test_batch_upsert_duplicate_emails_refused_case_insensitively(client: httpx.Client) -> None:
    inputs = [
        {"id": "a@x.com", "idProperty": "email", "properties": {}},
        {"id": "A@X.com", "idProperty": "email", "properties": {}},
    ]
    response = client.post(f"{BATCH}/upsert", json={"inputs": inputs})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Duplicate IDs found in batch input: [")


def _make_unique_property(client: httpx.Client, name: str = "legacy_id") -> None:
    definition = {
        "name": name,
        "label": "Legacy id",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
        "hasUniqueValue": True,
    }
    assert client.post("/crm/v3/properties/contacts", json=definition).status_code == 201


def test_batch_upsert_by_unique_property(client: httpx.Client, sandbox: HubSpotSandbox) -> None:
    _make_unique_property(client)
    inputs = [{"id": "L-1", "idProperty": "legacy_id", "properties": {"email": "a@x.com"}}]
    first = client.post(f"{BATCH}/upsert", json={"inputs": inputs}).json()["results"][0]
    assert first["new"] is True
    assert first["properties"]["legacy_id"] == "L-1"
    inputs[0]["properties"] = {"city": "Rome"}
    second = client.post(f"{BATCH}/upsert", json={"inputs": inputs}).json()["results"][0]
    assert second["new"] is False
    assert second["id"] == first["id"]
    assert client.get("/crm/v3/objects/contacts/L-1?idProperty=legacy_id").json()["id"] == "1"
    assert len(sandbox.records()) == 1


def test_unique_value_violation_is_configurable(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    for status in (400, 409):
        with client_for(make_sandbox(unique_violation_status=status)) as http:
            _make_unique_property(http)
            create_contact(http, legacy_id="L-1")
            create_contact(http, legacy_id="L-2")
            clash = http.patch(
                "/crm/v3/objects/contacts/2", json={"properties": {"legacy_id": "L-1"}}
            )
            assert clash.status_code == status
            expected = "VALIDATION_ERROR" if status == 400 else "CONFLICT"
            assert clash.json()["category"] == expected


def test_batch_upsert_partial_success_with_trace_ids(client: httpx.Client) -> None:
    inputs = [
        {"id": "a@x.com", "idProperty": "email", "properties": {}, "objectWriteTraceId": "1"},
        {
            "id": "b@x.com",
            "idProperty": "email",
            "properties": {"lifecyclestage": "nope"},
            "objectWriteTraceId": "2",
        },
    ]
    response = client.post(f"{BATCH}/upsert", json={"inputs": inputs})
    assert response.status_code == 207
    assert [r["properties"]["email"] for r in response.json()["results"]] == ["a@x.com"]
    assert response.json()["errors"][0]["context"]["objectWriteTraceId"] == ["2"]


def test_batch_archive_204_idempotent(client: httpx.Client, sandbox: HubSpotSandbox) -> None:
    create_contact(client, email="a@x.com")
    create_contact(client, email="b@x.com")
    inputs = [{"id": "1"}, {"id": "404"}, {"id": "1"}]
    response = client.post(f"{BATCH}/archive", json={"inputs": inputs})
    assert response.status_code == 204
    assert response.content == b""
    assert [r["id"] for r in sandbox.records()] == ["2"]
    assert [r["id"] for r in sandbox.records(archived=True)] == ["1"]


def test_batch_update_partial_success_with_trace_ids(
    client: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    create_contact(client, email="a@x.com")
    create_contact(client, email="b@x.com")
    inputs = [
        {"id": "1", "properties": {"city": "Oslo"}, "objectWriteTraceId": "u1"},
        {"id": "2", "properties": {"email": "a@x.com"}, "objectWriteTraceId": "u2"},
        {"id": "3", "properties": {"city": "Rome"}, "objectWriteTraceId": "u3"},
    ]
    response = client.post(f"{BATCH}/update", json={"inputs": inputs})
    assert response.status_code == 207
    body = response.json()
    assert [r["objectWriteTraceId"] for r in body["results"]] == ["u1"]
    categories = sorted(e["category"] for e in body["errors"])
    assert categories == ["CONFLICT", "OBJECT_NOT_FOUND"]
    assert sandbox.records()[1]["properties"]["email"] == "b@x.com"
    without_traces = [{k: v for k, v in i.items() if k != "objectWriteTraceId"} for i in inputs]
    whole = client.post(f"{BATCH}/update", json={"inputs": without_traces})
    assert whole.status_code == 409
    assert sandbox.records()[0]["properties"]["city"] == "Oslo"
