"""Date-versioned paths (`/crm/objects/2026-03/...`): released versions answer as their v3/v4
twins, any other version answers 404; and what a blank `properties=` asks for."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import client_for, create_contact


@pytest.mark.parametrize("version", ["2025-09", "2026-03", "2026-09"])
def test_released_versions_answer(client: httpx.Client, version: str) -> None:
    create_contact(client, email="ann@x.com")
    listed = client.get(f"/crm/objects/{version}/contacts")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == ["1"]
    assert client.get(f"/crm/properties/{version}/contacts/email").status_code == 200
    assert client.get(f"/crm-object-schemas/{version}/schemas").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/crm/objects/2099-01/contacts", "/crm/objects/2026-04/contacts/1",
     "/crm/properties/2024-01/contacts", "/crm/owners/2099-01", "/settings/users/2099-01",
     "/crm/associations/2099-01/contacts/companies/labels", "/crm-object-schemas/2099-01/schemas"],
)  # fmt: skip
def test_an_unreleased_version_answers_404(client: httpx.Client, path: str) -> None:
    create_contact(client, email="ann@x.com")
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.json()["category"] == "OBJECT_NOT_FOUND"
    assert "does not exist" in answer.json()["message"]


def test_the_released_versions_are_a_knob(make_sandbox: Callable[..., HubSpotSandbox]) -> None:
    with client_for(make_sandbox(api_versions=("2099-01",))) as client:
        assert client.get("/crm/objects/2099-01/contacts").status_code == 200
        assert client.get("/crm/objects/2026-03/contacts").status_code == 404


def test_a_blank_properties_parameter_reads_as_absent(client: httpx.Client) -> None:
    create_contact(client, email="ann@x.com", phone="555")
    defaults = client.get("/crm/v3/objects/contacts/1").json()["properties"]
    assert client.get("/crm/v3/objects/contacts/1?properties=").json()["properties"] == defaults
    listed = client.get("/crm/v3/objects/contacts?properties=&properties=").json()
    assert listed["results"][0]["properties"] == defaults
    assert "email" in defaults


def test_a_blank_properties_parameter_can_mean_none(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    with client_for(make_sandbox(blank_properties_mean_defaults=False)) as client:
        create_contact(client, email="ann@x.com")
        got = client.get("/crm/v3/objects/contacts/1?properties=").json()["properties"]
        assert set(got) == {"createdate", "hs_object_id", "lastmodifieddate"}
