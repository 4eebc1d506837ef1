"""Standard object types beyond contacts, and custom objects made through the schemas API."""

from __future__ import annotations

import httpx
import pytest

STAMP = "2024-08-15T17:09:13.648Z"
CAR_SCHEMA = {
    "name": "car",
    "labels": {"singular": "Car", "plural": "Cars"},
    "primaryDisplayProperty": "model",
    "requiredProperties": ["model"],
    "searchableProperties": ["model"],
    "properties": [
        {"name": "model", "label": "Model"},
        {"name": "vin", "label": "VIN", "hasUniqueValue": True},
        {"name": "year", "label": "Year", "type": "number", "fieldType": "number"},
    ],
    "associatedObjects": ["0-1"],
}


def test_company_uses_hs_lastmodifieddate_and_its_defaults(client: httpx.Client) -> None:
    created = client.post("/crm/v3/objects/companies", json={"properties": {"name": "Acme"}})
    assert created.status_code == 201, created.text
    assert created.json()["properties"] == {
        "name": "Acme",
        "hs_object_id": "1",
        "createdate": STAMP,
        "hs_lastmodifieddate": STAMP,
    }
    got = client.get("/crm/v3/objects/0-2/1").json()
    assert got["properties"] == {
        "name": "Acme",
        "domain": None,
        "createdate": STAMP,
        "hs_lastmodifieddate": STAMP,
        "hs_object_id": "1",
    }
    assert got["url"].endswith("/record/0-2/1")


def test_company_needs_a_name_or_a_domain(client: httpx.Client) -> None:
    refused = client.post("/crm/v3/objects/companies", json={"properties": {"city": "Paris"}})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "REQUIRED_PROPERTY"
    assert "[domain, name]" in refused.json()["message"]
    ok = client.post("/crm/v3/objects/companies", json={"properties": {"domain": "acme.io"}})
    assert ok.status_code == 201


def test_deal_required_properties_and_stage_options(client: httpx.Client) -> None:
    missing = client.post("/crm/v3/objects/deals", json={"properties": {"dealname": "Big"}})
    assert missing.status_code == 400
    names = [e["context"]["propertyName"][0] for e in missing.json()["errors"]]
    assert names == ["dealstage", "pipeline"]
    bad_stage = {"dealname": "Big", "pipeline": "default", "dealstage": "nope"}
    refused = client.post("/crm/v3/objects/0-3", json={"properties": bad_stage})
    assert refused.json()["errors"][0]["code"] == "INVALID_OPTION"
    good = {**bad_stage, "dealstage": "closedwon", "amount": 12.5}
    created = client.post("/crm/v3/objects/deals", json={"properties": good})
    assert created.status_code == 201
    assert created.json()["properties"]["amount"] == "12.5"


@pytest.mark.parametrize(
    ("path", "properties"),
    [
        ("notes", {"hs_timestamp": "2024-08-15T00:00:00Z", "hs_note_body": "hi"}),
        ("tasks", {"hs_timestamp": "1723680000000", "hs_task_subject": "call back"}),
        ("0-48", {"hs_timestamp": "1723680000000", "hs_call_title": "intro"}),
        ("meetings", {"hs_timestamp": "1723680000000", "hs_meeting_title": "demo"}),
        ("emails", {"hs_timestamp": "1723680000000", "hs_email_direction": "EMAIL"}),
    ],
)
def test_engagements_are_created_at_hs_createdate(
    client: httpx.Client, path: str, properties: dict[str, str]
) -> None:
    created = client.post(f"/crm/v3/objects/{path}", json={"properties": properties})
    assert created.status_code == 201, created.text
    got = client.get(f"/crm/v3/objects/{path}/{created.json()['id']}").json()
    assert got["properties"] == {
        "hs_createdate": STAMP,
        "hs_lastmodifieddate": STAMP,
        "hs_object_id": "1",
    }


def test_email_engagement_needs_a_direction(client: httpx.Client) -> None:
    refused = client.post(
        "/crm/v3/objects/emails", json={"properties": {"hs_timestamp": "1723680000000"}}
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["context"]["propertyName"] == ["hs_email_direction"]


def test_ticket_product_and_line_item_types_exist(client: httpx.Client) -> None:
    ticket = {"subject": "Broken", "hs_pipeline": "0", "hs_pipeline_stage": "1"}
    assert client.post("/crm/v3/objects/tickets", json={"properties": ticket}).status_code == 201
    product = {"name": "W", "description": "d", "price": "3", "hs_sku": "W1", "hs_folder": "f"}
    assert client.post("/crm/v3/objects/0-7", json={"properties": product}).status_code == 201
    item = client.post("/crm/v3/objects/line_items", json={"properties": {"quantity": "2"}})
    assert item.status_code == 201
    assert item.json()["properties"]["hs_lastmodifieddate"] == STAMP


def test_owner_fields_take_numeric_owner_ids(client: httpx.Client) -> None:
    deal = {"dealname": "D", "pipeline": "default", "dealstage": "qualifiedtobuy"}
    refused = client.post(
        "/crm/v3/objects/deals", json={"properties": {**deal, "hubspot_owner_id": "x@y.z"}}
    )
    assert refused.json()["errors"][0]["code"] == "INVALID_OWNER_ID"
    ok = client.post("/crm/v3/objects/deals", json={"properties": {**deal, "hubspot_owner_id": 7}})
    assert ok.json()["properties"]["hubspot_owner_id"] == "7"


@pytest.mark.parametrize("base", ["/crm/v3/schemas", "/crm-object-schemas/v3/schemas"])
def test_custom_object_by_every_name(client: httpx.Client, base: str) -> None:
    schema = client.post(base, json=CAR_SCHEMA)
    assert schema.status_code == 201, schema.text
    body = schema.json()
    assert body["objectTypeId"] == "2-1001"
    assert body["fullyQualifiedName"] == "p12345678_car"
    assert {"model", "vin", "hs_object_id"} <= {p["name"] for p in body["properties"]}
    created = client.post("/crm/v3/objects/cars", json={"properties": {"model": "T", "vin": "V1"}})
    assert created.status_code == 201, created.text
    for name in ("cars", "car", "2-1001", "p12345678_car"):
        got = client.get(f"/crm/v3/objects/{name}/V1?idProperty=vin&properties=model")
        assert got.json()["properties"]["model"] == "T", name
    assert client.get(f"{base}/p12345678_car").json()["name"] == "car"
    assert [s["name"] for s in client.get(base).json()["results"]] == ["car"]


def test_custom_object_rules(client: httpx.Client) -> None:
    assert client.post("/crm/v3/schemas", json=CAR_SCHEMA).status_code == 201
    assert client.post("/crm/v3/schemas", json=CAR_SCHEMA).status_code == 409
    missing = client.post("/crm/v3/objects/2-1001", json={"properties": {"vin": "V"}})
    assert missing.json()["errors"][0]["code"] == "REQUIRED_PROPERTY"
    client.post("/crm/v3/objects/cars", json={"properties": {"model": "A", "vin": "V"}})
    duplicate = client.post("/crm/v3/objects/cars", json={"properties": {"model": "B", "vin": "V"}})
    assert duplicate.status_code == 400
    assert client.delete("/crm/v3/schemas/cars").status_code == 400  # records remain
    patched = client.patch("/crm/v3/schemas/cars", json={"requiredProperties": []})
    assert patched.json()["requiredProperties"] == []
    assert client.post("/crm/v3/objects/cars", json={"properties": {}}).status_code == 201


def test_schema_validation_names_the_problem(client: httpx.Client) -> None:
    bad = {**CAR_SCHEMA, "requiredProperties": ["colour"]}
    refused = client.post("/crm/v3/schemas", json=bad)
    assert refused.status_code == 400
    assert "colour" in refused.json()["message"]
    assert client.get("/crm/v3/objects/cars").status_code == 400  # not left half-made


def test_pipelines_match_the_stage_options(client: httpx.Client) -> None:
    deals = client.get("/crm/v3/pipelines/deals").json()["results"]
    assert [p["id"] for p in deals] == ["default"]
    stages = {s["id"]: s["metadata"] for s in deals[0]["stages"]}
    assert stages["closedwon"] == {"isClosed": "true", "probability": "1.0"}
    assert stages["qualifiedtobuy"]["probability"] == "0.4"
    tickets = client.get("/crm/v3/pipelines/tickets/0/stages").json()["results"]
    assert [(s["id"], s["metadata"]["ticketState"]) for s in tickets][-1] == ("4", "CLOSED")
    assert client.get("/crm/v3/pipelines/deals/nope").status_code == 404
    assert client.get("/crm/v3/pipelines/contacts").status_code == 400


def test_schema_association_definition(client: httpx.Client) -> None:
    client.post("/crm/v3/schemas", json=CAR_SCHEMA)
    body = {"fromObjectTypeId": "2-1001", "toObjectTypeId": "0-3", "name": "car_to_deal"}
    made = client.post("/crm-object-schemas/v3/schemas/cars/associations", json=body)
    assert made.status_code == 200, made.text
    assert made.json()["name"] == "car_to_deal"
    schema = client.get("/crm/v3/schemas/cars").json()
    assert {"0-1", "0-3"} <= {a["toObjectTypeId"] for a in schema["associations"]}
    wrong = {"fromObjectTypeId": "0-1", "toObjectTypeId": "0-3"}
    assert client.post("/crm/v3/schemas/cars/associations", json=wrong).status_code == 400


def test_date_versioned_paths_answer_like_v3_and_v4(client: httpx.Client) -> None:
    created = client.post(
        "/crm/objects/2026-03/contacts", json={"properties": {"email": "a@x.com"}}
    )
    assert created.status_code == 201
    assert client.get("/crm/objects/2026-03/0-1/1").json()["properties"]["email"] == "a@x.com"
    assert client.get("/crm/properties/2026-03/contacts/email").json()["name"] == "email"
    company = client.post("/crm/objects/2026-03/companies", json={"properties": {"name": "A"}})
    url = f"/crm/objects/2026-03/contacts/1/associations/default/companies/{company.json()['id']}"
    assert client.put(url).status_code == 200
    read = client.post(
        "/crm/associations/2026-03/contacts/companies/batch/read", json={"inputs": [{"id": "1"}]}
    )
    assert read.json()["results"][0]["to"][0]["toObjectId"] == 1
