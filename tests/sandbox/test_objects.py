"""Single-record endpoints, listing, idProperty, value handling and their errors."""

from __future__ import annotations

import json

import httpx

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import FakeClock, client_for, create_contact

CONTACTS = "/crm/v3/objects/contacts"


def test_create_returns_201_with_stored_and_system_values(client: httpx.Client) -> None:
    response = client.post(CONTACTS, json={"properties": {"email": "Ann@Example.com "}})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    body = response.json()
    assert body["id"] == "1"
    assert body["properties"] == {
        "email": "ann@example.com",
        "hs_object_id": "1",
        "createdate": "2024-08-15T17:09:13.648Z",
        "lastmodifieddate": "2024-08-15T17:09:13.648Z",
    }
    assert body["createdAt"] == body["updatedAt"] == "2024-08-15T17:09:13.648Z"
    assert body["archived"] is False
    assert body["url"] == "https://app.hubspot.com/contacts/12345678/record/0-1/1"


def test_ids_are_increasing_strings(client: httpx.Client) -> None:
    ids = [create_contact(client, firstname=f"n{i}")["id"] for i in range(3)]
    assert ids == ["1", "2", "3"]


def test_object_type_id_0_1_is_contacts(client: httpx.Client) -> None:
    create_contact(client, email="a@x.com")
    assert client.get("/crm/v3/objects/0-1/1").json()["properties"]["email"] == "a@x.com"


def test_unknown_object_type_is_refused(client: httpx.Client) -> None:
    response = client.get("/crm/v3/objects/spaceships")
    assert response.status_code == 400
    assert response.json()["message"] == "Unable to infer object type from: spaceships"


def test_numbers_and_booleans_are_stringified(client: httpx.Client) -> None:
    body = create_contact(client, firstname=42, lastname=True, phone=1.5)
    assert body["properties"]["firstname"] == "42"  # type: ignore[index]
    assert body["properties"]["lastname"] == "true"  # type: ignore[index]
    assert body["properties"]["phone"] == "1.5"  # type: ignore[index]


def test_get_default_properties_with_nulls(client: httpx.Client) -> None:
    create_contact(client, email="a@x.com", city="Paris")
    body = client.get(f"{CONTACTS}/1").json()
    assert body["properties"] == {
        "createdate": "2024-08-15T17:09:13.648Z",
        "email": "a@x.com",
        "firstname": None,
        "hs_object_id": "1",
        "lastmodifieddate": "2024-08-15T17:09:13.648Z",
        "lastname": None,
    }


def test_properties_param_comma_repeated_and_mixed(client: httpx.Client) -> None:
    create_contact(client, email="a@x.com", city="Paris", country="FR", jobtitle="CEO")
    for query in (
        "properties=city,country&properties=jobtitle",
        "properties=city&properties=country&properties=jobtitle,nosuchprop",
    ):
        props = client.get(f"{CONTACTS}/1?{query}").json()["properties"]
        assert props == {
            "city": "Paris",
            "country": "FR",
            "jobtitle": "CEO",
            "createdate": "2024-08-15T17:09:13.648Z",
            "hs_object_id": "1",
            "lastmodifieddate": "2024-08-15T17:09:13.648Z",
        }


def test_get_by_email_id_property_is_case_insensitive(client: httpx.Client) -> None:
    create_contact(client, email="ann@example.com")
    response = client.get(f"{CONTACTS}/ANN@example.com", params={"idProperty": "email"})
    assert response.status_code == 200
    assert response.json()["id"] == "1"


def test_missing_record_bodies(client: httpx.Client) -> None:
    missing = client.get(f"{CONTACTS}/999")
    assert missing.status_code == 404
    body = missing.json()
    assert set(body) == {"status", "message", "correlationId"}
    assert body["message"] == "resource not found"
    assert missing.headers["x-hubspot-correlation-id"] == body["correlationId"]
    not_numeric = client.get(f"{CONTACTS}/abc")
    assert not_numeric.status_code == 404
    assert not_numeric.json()["message"] == "Object not found.  objectId are usually numeric."
    assert not_numeric.json()["context"] == {"id": ["abc"]}
    assert not_numeric.json()["category"] == "OBJECT_NOT_FOUND"
    by_email = client.get(f"{CONTACTS}/no@x.com", params={"idProperty": "email"})
    assert by_email.status_code == 404


def test_id_property_must_be_unique(client: httpx.Client) -> None:
    response = client.get(f"{CONTACTS}/Paris", params={"idProperty": "city"})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_patch_overwrites_clears_and_bumps_lastmodified(
    client: httpx.Client, clock: FakeClock
) -> None:
    create_contact(client, email="a@x.com", firstname="Ann", city="Paris")
    clock.advance(1)
    response = client.patch(f"{CONTACTS}/1", json={"properties": {"firstname": "Anna", "city": ""}})
    assert response.status_code == 200
    props = response.json()["properties"]
    assert props["firstname"] == "Anna"
    assert "city" not in props
    assert props["lastmodifieddate"] == "2024-08-15T17:09:14.648Z"
    assert response.json()["updatedAt"] == "2024-08-15T17:09:14.648Z"
    # An accepted update bumps the date even when nothing changes (HubSpot's behaviour).
    clock.advance(1)
    same = client.patch(f"{CONTACTS}/1", json={"properties": {"firstname": "Anna"}})
    assert same.json()["properties"]["lastmodifieddate"] == "2024-08-15T17:09:15.648Z"


def test_patch_by_email_id_property(client: httpx.Client) -> None:
    create_contact(client, email="a@x.com")
    response = client.patch(
        f"{CONTACTS}/a@x.com?idProperty=email", json={"properties": {"lastname": "Lee"}}
    )
    assert response.status_code == 200
    assert response.json()["properties"]["lastname"] == "Lee"
    assert client.patch(f"{CONTACTS}/77", json={"properties": {}}).status_code == 404


def test_unknown_property_error_body(client: httpx.Client) -> None:
    response = client.post(CONTACTS, json={"properties": {"testproperty": "x"}})
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["status", "message", "correlationId", "errors", "category"]
    assert body["category"] == "VALIDATION_ERROR"
    prefix = "Property values were not valid: "
    assert body["message"].startswith(prefix)
    details = json.loads(body["message"][len(prefix) :])
    assert details == [
        {
            "isValid": False,
            "message": 'Property "testproperty" does not exist',
            "error": "PROPERTY_DOESNT_EXIST",
            "name": "testproperty",
            "localizedErrorMessage": 'Property "testproperty" does not exist',
            "portalId": 12345678,
        }
    ]
    assert body["errors"] == [
        {
            "message": 'Property "testproperty" does not exist',
            "code": "PROPERTY_DOESNT_EXIST",
            "context": {"propertyName": ["testproperty"]},
        }
    ]


def _error_codes(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    return [error["code"] for error in response.json()["errors"]]


def test_read_only_email_and_option_errors(client: httpx.Client) -> None:
    for name in ("hs_object_id", "createdate", "lastmodifieddate"):
        response = client.post(CONTACTS, json={"properties": {name: "1"}})
        assert _error_codes(response) == ["READ_ONLY_VALUE"]
    bad_email = client.post(CONTACTS, json={"properties": {"email": "example.lcom"}})
    assert _error_codes(bad_email) == ["INVALID_EMAIL"]
    assert '"message":"Email address example.lcom is invalid"' in bad_email.json()["message"]
    bad_stage = client.post(CONTACTS, json={"properties": {"lifecyclestage": "prospect"}})
    assert _error_codes(bad_stage) == ["INVALID_OPTION"]
    good = client.post(CONTACTS, json={"properties": {"lifecyclestage": "salesqualifiedlead"}})
    assert good.status_code == 201
    assert client.get("/crm/v3/objects/contacts").json()["results"][0]["id"] == "1"


def test_all_invalid_properties_are_reported_together(client: httpx.Client) -> None:
    response = client.post(CONTACTS, json={"properties": {"nope": "1", "email": "bad"}})
    assert sorted(_error_codes(response)) == ["INVALID_EMAIL", "PROPERTY_DOESNT_EXIST"]


def test_create_with_existing_email_conflicts(client: httpx.Client) -> None:
    create_contact(client, email="ann@x.com")
    response = client.post(CONTACTS, json={"properties": {"email": "ANN@x.com"}})
    assert response.status_code == 409
    body = response.json()
    assert list(body) == ["status", "message", "correlationId", "category"]
    assert body["message"] == "Contact already exists. Existing ID: 1"
    assert body["category"] == "CONFLICT"


def test_update_to_another_contacts_email_conflicts(client: httpx.Client) -> None:
    create_contact(client, email="a@x.com")
    create_contact(client, email="b@x.com")
    response = client.patch(f"{CONTACTS}/2", json={"properties": {"email": "a@x.com"}})
    assert response.status_code == 409
    assert response.json()["message"] == "Contact already exists. Existing ID: 1"


def test_list_paging_in_id_order(client: httpx.Client) -> None:
    for i in range(25):
        create_contact(client, firstname=f"n{i}")
    first = client.get(CONTACTS).json()
    assert [r["id"] for r in first["results"]] == [str(i) for i in range(1, 11)]
    assert first["paging"]["next"]["after"] == "11"
    seen = []
    after = None
    while True:
        params = {"limit": 10, **({"after": after} if after else {})}
        page = client.get(CONTACTS, params=params).json()
        seen += [r["id"] for r in page["results"]]
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
    assert seen == [str(i) for i in range(1, 26)]
    assert len(client.get(CONTACTS, params={"limit": 500}).json()["results"]) == 25


def test_list_limit_is_clamped_to_100(client: httpx.Client, sandbox: HubSpotSandbox) -> None:
    rows = [{"properties": {"firstname": f"n{i}"}} for i in range(100)]
    for _ in range(2):
        assert client.post(f"{CONTACTS}/batch/create", json={"inputs": rows}).status_code == 201
    page = client.get(CONTACTS, params={"limit": 150}).json()
    assert len(page["results"]) == 100
    assert page["paging"]["next"]["after"] == "101"


def test_delete_is_idempotent_and_keeps_lastmodified(
    client: httpx.Client, clock: FakeClock
) -> None:
    create_contact(client, email="a@x.com")
    clock.advance(5)
    assert client.delete(f"{CONTACTS}/1").status_code == 204
    assert client.delete(f"{CONTACTS}/1").status_code == 204
    assert client.delete(f"{CONTACTS}/424242").status_code == 204
    assert client.get(f"{CONTACTS}/1").status_code == 404
    assert client.get(CONTACTS).json() == {"results": []}
    archived = client.get(CONTACTS, params={"archived": "true"}).json()["results"]
    assert len(archived) == 1
    assert archived[0]["archived"] is True
    assert archived[0]["archivedAt"] == "2024-08-15T17:09:18.648Z"
    assert archived[0]["updatedAt"] == "2024-08-15T17:09:13.648Z"
    assert archived[0]["properties"]["lastmodifieddate"] == "2024-08-15T17:09:13.648Z"
    single = client.get(f"{CONTACTS}/1", params={"archived": "true"})
    assert single.status_code == 200
    assert single.json()["archived"] is True


def test_archived_email_can_be_reused(client: httpx.Client) -> None:
    create_contact(client, email="a@x.com")
    client.delete(f"{CONTACTS}/1")
    assert create_contact(client, email="a@x.com")["id"] == "2"


def test_invalid_json_body(client: httpx.Client) -> None:
    response = client.post(CONTACTS, content=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_inspection_returns_full_records(sandbox: HubSpotSandbox) -> None:
    with client_for(sandbox) as http:
        create_contact(http, email="a@x.com", city="Paris")
        http.delete(f"{CONTACTS}/1")
        create_contact(http, email="b@x.com")
    active = sandbox.records()
    assert [r["id"] for r in active] == ["2"]
    assert active[0]["properties"]["email"] == "b@x.com"
    archived = sandbox.records("contacts", archived=True)
    assert archived[0]["properties"]["city"] == "Paris"
    assert archived[0]["archived"] is True
