"""Object types beyond the CRM's core (communications, postal mail, quotes, leads, feedback
submissions, goal targets), properties clients commonly write, and the users and teams API."""

from __future__ import annotations

import httpx
import pytest

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import create_contact

STAMP = "2024-08-15T17:09:13.648Z"
SAMPLES = {
    "communications": ("0-18", {"hs_communication_channel_type": "SMS",
                                "hs_communication_logged_from": "CRM",
                                "hs_communication_body": "Texted Linda", "hs_timestamp": STAMP}),
    "postal_mail": ("0-116", {"hs_postal_mail_body": "Sent the contract", "hs_timestamp": STAMP}),
    "quotes": ("0-14", {"hs_title": "Q-1", "hs_expiration_date": "2024-09-30",
                        "hs_status": "DRAFT"}),
    "leads": ("0-136", {"hs_lead_name": "Ann", "hs_lead_type": "NEW_BUSINESS",
                        "hs_pipeline": "lead-pipeline-id", "hs_pipeline_stage": "new-stage-id"}),
    "feedback_submissions": ("0-19", {"hs_content": "Great", "hs_value": "9",
                                      "hs_survey_type": "NPS"}),
    "goal_targets": ("0-74", {"hs_goal_name": "Q3", "hs_target_amount": "100000",
                              "hs_start_datetime": STAMP}),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_type_is_served_by_name_and_type_id(client: httpx.Client, name: str) -> None:
    type_id, properties = SAMPLES[name]
    made = client.post(f"/crm/v3/objects/{name}", json={"properties": properties})
    assert made.status_code == 201, made.text
    record_id = made.json()["id"]
    wanted = ",".join(properties)
    got = client.get(f"/crm/objects/2026-03/{type_id}/{record_id}?properties={wanted}").json()
    assert {k: got["properties"][k] for k in properties} == {
        **properties,
        **({"hs_expiration_date": "2024-09-30"} if name == "quotes" else {}),
    }
    assert set(client.get(f"/crm/v3/objects/{name}/{record_id}").json()["properties"]) == {
        "hs_createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    }
    assert client.get(f"/crm/v3/properties/{name}").status_code == 200
    found = client.post(f"/crm/v3/objects/{name}/search", json={}).json()
    assert found["total"] == 1


def test_required_properties_of_the_new_types(client: httpx.Client) -> None:
    refused = client.post("/crm/v3/objects/quotes", json={"properties": {"hs_title": "Q"}})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "REQUIRED_PROPERTY"
    sms = {"hs_communication_body": "hi"}
    assert (
        client.post("/crm/v3/objects/communications", json={"properties": sms}).status_code == 400
    )


def test_communications_and_postal_mail_associate_with_their_type_ids(client: httpx.Client) -> None:
    contact = create_contact(client, email="ann@x.com")["id"]
    _, sms = SAMPLES["communications"]
    made = client.post(
        "/crm/v3/objects/communications",
        json={"properties": sms, "associations": [{"to": {"id": contact}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 81}]}]},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    back = client.get(f"/crm/v4/objects/contacts/{contact}/associations/communications").json()
    assert back["results"][0]["associationTypes"][0]["typeId"] == 82
    _, letter = SAMPLES["postal_mail"]
    mail = client.post("/crm/v3/objects/postal_mail", json={"properties": letter}).json()["id"]
    path = f"/crm/v4/objects/postal_mail/{mail}/associations/default/contacts/{contact}"
    assert client.put(path).json()["results"][0]["associationSpec"]["associationTypeId"] == 453


def test_documented_writable_properties_are_accepted(client: httpx.Client) -> None:
    headers = '{"from":{"email":"a@x.com"}}'
    email = {"hs_timestamp": STAMP, "hs_email_direction": "EMAIL", "hs_email_subject": "Hi",
             "hs_email_headers": headers, "hs_attachment_ids": "1;2"}  # fmt: skip
    assert client.post("/crm/v3/objects/emails", json={"properties": email}).status_code == 201
    note = {"hs_timestamp": STAMP, "hs_note_body": "n", "hs_attachment_ids": "3"}
    assert client.post("/crm/v3/objects/notes", json={"properties": note}).status_code == 201
    person = {"email": "bob@x.com", "hs_lead_status": "NEW", "salutation": "Dr"}
    assert client.post("/crm/v3/objects/contacts", json={"properties": person}).status_code == 201
    firm = {"name": "Acme", "type": "PARTNER", "zip": "12345", "address": "1 Main St"}
    assert client.post("/crm/v3/objects/companies", json={"properties": firm}).status_code == 201


def test_users_and_teams_come_from_the_owners(
    sandbox: HubSpotSandbox, client: httpx.Client
) -> None:
    sales = {"id": "7", "name": "Sales", "primary": True}
    support = {"id": "8", "name": "Support", "primary": False}
    ann = sandbox.add_owner({"email": "ann@x.com", "firstName": "Ann", "teams": [sales, support]})
    sandbox.add_owner({"email": "queue@x.com", "type": "QUEUE"})
    sandbox.add_owner({"email": "gone@x.com", "archived": True})
    users = client.get("/settings/v3/users").json()["results"]
    assert users == [{
        "id": str(ann["userId"]), "email": "ann@x.com", "firstName": "Ann", "lastName": "",
        "roleIds": [], "superAdmin": False, "secondaryTeamIds": ["8"], "primaryTeamId": "7",
    }]  # fmt: skip
    by_email = client.get("/settings/v3/users/ANN@x.com?idProperty=EMAIL").json()
    assert by_email["id"] == str(ann["userId"])
    assert client.get(f"/settings/users/2026-03/{ann['userId']}").status_code == 200
    assert client.get("/settings/v3/users/1").status_code == 404
    teams = client.get("/settings/v3/users/teams").json()["results"]
    assert teams == [
        {"id": "7", "name": "Sales", "userIds": [str(ann["userId"])], "secondaryUserIds": []},
        {"id": "8", "name": "Support", "userIds": [], "secondaryUserIds": [str(ann["userId"])]},
    ]
