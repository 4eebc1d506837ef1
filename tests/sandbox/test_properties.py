"""Properties API: listing, reading, creating (with its validation), patching, groups."""

from __future__ import annotations

from typing import Any

import httpx

PROPS = "/crm/v3/properties/contacts"
PROPERTY_FIELDS = (
    "name", "label", "type", "fieldType", "description", "groupName", "options", "displayOrder",
    "calculated", "externalOptions", "hasUniqueValue", "hidden", "formField",
    "modificationMetadata", "createdAt", "updatedAt", "archived",
)  # fmt: skip


def definition(name: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "label": name.title(),
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
    }
    body.update(overrides)
    return body


def test_standard_contact_properties(client: httpx.Client) -> None:
    response = client.get(PROPS)
    assert response.status_code == 200
    names = {p["name"] for p in response.json()["results"]}
    expected = {
        "email", "firstname", "lastname", "phone", "company", "website", "city", "country",
        "jobtitle", "lifecyclestage", "hs_object_id", "createdate", "lastmodifieddate",
        "hs_merged_object_ids", "hs_additional_emails",
    }  # fmt: skip
    assert expected <= names
    stage = client.get(f"{PROPS}/lifecyclestage").json()
    assert stage["type"] == "enumeration"
    assert [o["value"] for o in stage["options"]] == [
        "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
        "customer", "evangelist", "other",
    ]  # fmt: skip
    created = client.get(f"{PROPS}/createdate").json()
    assert created["modificationMetadata"]["readOnlyValue"] is True
    assert created["type"] == "datetime"


def test_property_shape(client: httpx.Client) -> None:
    response = client.post(PROPS, json=definition("legacy_id", hasUniqueValue=True))
    assert response.status_code == 201
    body = response.json()
    assert set(PROPERTY_FIELDS) <= set(body)
    assert body["hasUniqueValue"] is True
    assert body["createdAt"] == "2024-08-15T17:09:13.648Z"
    assert client.get(f"{PROPS}/legacy_id").json() == body


def test_create_validation(client: httpx.Client) -> None:
    missing = client.post(PROPS, json={"name": "x1", "label": "X"})
    assert missing.status_code == 400
    assert "type, fieldType, groupName" in missing.json()["message"]
    bad_pair = client.post(PROPS, json=definition("x2", type="number", fieldType="text"))
    assert bad_pair.status_code == 400
    assert "fieldType 'text' is not valid for type 'number'" in bad_pair.json()["message"]
    bad_type = client.post(PROPS, json=definition("x3", type="json"))
    assert bad_type.status_code == 400
    no_group = client.post(PROPS, json=definition("x4", groupName="nope"))
    assert no_group.status_code == 400
    no_options = client.post(PROPS, json=definition("x5", type="enumeration", fieldType="select"))
    assert no_options.status_code == 400
    bad_name = client.post(PROPS, json=definition("Bad Name"))
    assert bad_name.status_code == 400


def test_duplicate_name_conflicts(client: httpx.Client) -> None:
    assert client.post(PROPS, json=definition("legacy_id")).status_code == 201
    again = client.post(PROPS, json=definition("legacy_id"))
    assert again.status_code == 409
    assert again.json()["category"] == "CONFLICT"
    assert client.post(PROPS, json=definition("email")).status_code == 409


def test_at_most_ten_unique_properties(client: httpx.Client) -> None:
    for i in range(10):
        response = client.post(PROPS, json=definition(f"key_{i}", hasUniqueValue=True))
        assert response.status_code == 201
    eleventh = client.post(PROPS, json=definition("key_10", hasUniqueValue=True))
    assert eleventh.status_code == 400
    assert eleventh.json()["category"] == "VALIDATION_ERROR"
    assert client.post(PROPS, json=definition("plain")).status_code == 201


def test_new_property_is_writable_and_typed(client: httpx.Client) -> None:
    options = [{"label": "Gold", "value": "gold"}, {"label": "Silver", "value": "silver"}]
    tier = definition("tier", type="enumeration", fieldType="select", options=options)
    assert client.post(PROPS, json=tier).status_code == 201
    score = definition("score", type="number", fieldType="number")
    assert client.post(PROPS, json=score).status_code == 201
    ok = client.post(
        "/crm/v3/objects/contacts", json={"properties": {"tier": "gold", "score": 12.5}}
    )
    assert ok.status_code == 201
    assert ok.json()["properties"]["score"] == "12.5"
    bad = client.post("/crm/v3/objects/contacts", json={"properties": {"tier": "bronze"}})
    assert bad.json()["errors"][0]["code"] == "INVALID_OPTION"
    nan = client.post("/crm/v3/objects/contacts", json={"properties": {"score": "many"}})
    assert nan.status_code == 400


def test_patch_property(client: httpx.Client, clock: Any) -> None:
    client.post(PROPS, json=definition("legacy_id"))
    clock.advance(1)
    response = client.patch(f"{PROPS}/legacy_id", json={"label": "Legacy ID", "hidden": True})
    assert response.status_code == 200
    assert response.json()["label"] == "Legacy ID"
    assert response.json()["hidden"] is True
    assert response.json()["updatedAt"] == "2024-08-15T17:09:14.648Z"
    refused = client.patch(f"{PROPS}/legacy_id", json={"hasUniqueValue": True})
    assert refused.status_code == 400
    assert client.patch(f"{PROPS}/email", json={"label": "E"}).status_code == 400
    assert client.get(f"{PROPS}/nope").status_code == 404
    assert client.patch(f"{PROPS}/nope", json={"label": "x"}).status_code == 404


def test_groups(client: httpx.Client) -> None:
    groups = client.get(f"{PROPS}/groups").json()["results"]
    assert {"name": "contactinformation", "label": "Contact information", "displayOrder": 0,
            "archived": False} in groups  # fmt: skip
    created = client.post(f"{PROPS}/groups", json={"name": "legacy", "label": "Legacy CRM"})
    assert created.status_code == 201
    assert created.json() == {"name": "legacy", "label": "Legacy CRM", "displayOrder": -1,
                              "archived": False}  # fmt: skip
    assert client.post(f"{PROPS}/groups", json={"name": "legacy", "label": "x"}).status_code == 409
    assert client.post(f"{PROPS}/groups", json={"name": "nolabel"}).status_code == 400
    in_group = definition("old_id", groupName="legacy")
    assert client.post(PROPS, json=in_group).status_code == 201


def test_archive_property_hides_it_and_lists_it_as_archived(client: httpx.Client) -> None:
    client.post(PROPS, json=definition("shoe_size", hasUniqueValue=True))
    created = client.post(
        "/crm/v3/objects/contacts", json={"properties": {"email": "a@x.com", "shoe_size": "42"}}
    )
    contact = created.json()["id"]
    assert client.delete(f"{PROPS}/shoe_size").status_code == 204
    assert client.delete(f"{PROPS}/shoe_size").status_code == 204  # idempotent
    assert client.get(f"{PROPS}/shoe_size").status_code == 404
    archived = client.get(f"{PROPS}?archived=true").json()["results"]
    assert [(p["name"], p["archived"]) for p in archived] == [("shoe_size", True)]
    got = client.get(f"/crm/v3/objects/contacts/{contact}?properties=shoe_size").json()
    assert "shoe_size" not in got["properties"]
    refused = client.patch(
        f"/crm/v3/objects/contacts/{contact}", json={"properties": {"shoe_size": "43"}}
    )
    assert refused.json()["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
    assert client.delete(f"{PROPS}/email").status_code == 400  # HubSpot-defined


def test_property_batch_endpoints(client: httpx.Client) -> None:
    made = client.post(
        f"{PROPS}/batch/create", json={"inputs": [definition("a_one"), definition("a_two")]}
    )
    assert made.status_code == 201
    assert [p["name"] for p in made.json()["results"]] == ["a_one", "a_two"]
    read = client.post(
        f"{PROPS}/batch/read", json={"inputs": [{"name": "a_two"}, {"name": "nope"}]}
    )
    assert [p["name"] for p in read.json()["results"]] == ["a_two"]
    archive = {"inputs": [{"name": "a_one"}, {"name": "never_existed"}]}
    assert client.post(f"{PROPS}/batch/archive", json=archive).status_code == 204
    assert client.get(f"{PROPS}/a_one").status_code == 404


def test_group_get_update_archive(client: httpx.Client) -> None:
    client.post(f"{PROPS}/groups", json={"name": "extra", "label": "Extra"})
    assert client.get(f"{PROPS}/groups/extra").json()["label"] == "Extra"
    patched = client.patch(f"{PROPS}/groups/extra", json={"label": "More", "displayOrder": 3})
    assert (patched.json()["label"], patched.json()["displayOrder"]) == ("More", 3)
    client.post(PROPS, json=definition("in_extra", groupName="extra"))
    assert client.delete(f"{PROPS}/groups/extra").status_code == 400  # still holds a property
    client.delete(f"{PROPS}/in_extra")
    assert client.delete(f"{PROPS}/groups/extra").status_code == 204
    assert client.get(f"{PROPS}/groups/extra").status_code == 404
