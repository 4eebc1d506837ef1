"""Engagements and unique-value properties: UNCONFIRMED for HubSpot, so the sandbox answers as
its knob says. By default it refuses (HubSpot documents unique properties for contacts,
companies, deals, tickets and custom objects, and no engagement); `engagement_unique_properties`
accepts them, and then idProperty reads and upserts work on them as on any object."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import client_for

ENGAGEMENTS = ("notes", "tasks", "calls", "meetings", "emails")


def unique(name: str) -> dict[str, object]:
    return {"name": name, "label": name, "type": "string", "fieldType": "text",
            "groupName": "syncer", "hasUniqueValue": True}  # fmt: skip


def group(http: httpx.Client, object_type: str) -> None:
    body = {"name": "syncer", "label": "syncer"}
    assert http.post(f"/crm/v3/properties/{object_type}/groups", json=body).status_code == 201


@pytest.mark.parametrize("object_type", ENGAGEMENTS)
def test_an_engagement_refuses_a_unique_property_by_default(
    make_sandbox: Callable[..., HubSpotSandbox], object_type: str
) -> None:
    with client_for(make_sandbox()) as http:
        group(http, object_type)
        group(http, "deals")
        refused = http.post(f"/crm/v3/properties/{object_type}", json=unique("legacy_id"))
        assert refused.status_code == 400
        assert refused.json()["category"] == "VALIDATION_ERROR"
        assert "unique" in refused.json()["message"].lower()
        plain = {**unique("legacy_id"), "hasUniqueValue": False}
        assert http.post(f"/crm/v3/properties/{object_type}", json=plain).status_code == 201
        read = http.post(
            f"/crm/v3/objects/{object_type}/batch/read",
            json={"idProperty": "legacy_id", "inputs": [{"id": "N-1"}]},
        )
        assert read.status_code == 400  # not a unique identifier property of the type
        assert http.post("/crm/v3/properties/deals", json=unique("legacy_id")).status_code == 201


def test_the_knob_lets_engagements_have_unique_properties(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    with client_for(make_sandbox(engagement_unique_properties=True)) as http:
        group(http, "notes")
        assert http.post("/crm/v3/properties/notes", json=unique("legacy_id")).status_code == 201
        properties = {"hs_timestamp": "2025-01-01T00:00:00Z", "hs_note_body": "hi"}
        note = {"id": "N-1", "idProperty": "legacy_id", "properties": properties}
        for _ in range(2):
            answer = http.post("/crm/v3/objects/notes/batch/upsert", json={"inputs": [note]})
            assert answer.status_code == 200
        assert len(http.get("/crm/v3/objects/notes").json()["results"]) == 1
