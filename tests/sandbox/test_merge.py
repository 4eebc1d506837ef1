"""Merging records (new id by default, old behaviour switchable) and GDPR deletion."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import FakeClock, client_for, create_contact

CONTACTS = "/crm/v3/objects/contacts"


def _merge(client: httpx.Client, path: str, primary: object, other: object) -> httpx.Response:
    body = {"primaryObjectId": str(primary), "objectIdToMerge": str(other)}
    return client.post(f"{path}/merge", json=body)


def test_merge_makes_a_new_record_that_old_ids_resolve_to(
    client: httpx.Client, clock: FakeClock
) -> None:
    first = create_contact(client, email="a@x.com", firstname="Ann")["id"]
    clock.advance(1)
    second = create_contact(client, email="b@x.com", lastname="Lee", firstname="Bea")["id"]
    clock.advance(1)
    merged = _merge(client, CONTACTS, first, second)
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["id"] == "3"
    props = body["properties"]
    assert (props["email"], props["firstname"], props["lastname"]) == ("a@x.com", "Ann", "Lee")
    assert props["hs_merged_object_ids"] == "1;2"
    assert props["hs_additional_emails"] == "b@x.com"
    assert body["createdAt"] == "2024-08-15T17:09:13.648Z"  # the older record's creation
    assert body["updatedAt"] == "2024-08-15T17:09:15.648Z"
    for old in (first, second):
        got = client.get(f"{CONTACTS}/{old}?properties=hs_merged_object_ids").json()
        assert got["id"] == "3"
    patched = client.patch(f"{CONTACTS}/{second}", json={"properties": {"city": "Oslo"}})
    assert patched.json()["id"] == "3"
    batch = client.post(
        f"{CONTACTS}/batch/update", json={"inputs": [{"id": first, "properties": {"city": "X"}}]}
    )
    assert batch.status_code == 207  # batch update does not follow merged ids
    assert [r["id"] for r in client.get(CONTACTS).json()["results"]] == ["3"]
    assert client.get(f"{CONTACTS}?archived=true").json()["results"] == []
    by_email = client.get(f"{CONTACTS}/a@x.com?idProperty=email").json()
    assert by_email["id"] == "3"


def test_old_merge_behaviour_keeps_the_primary_id(
    make_sandbox: Callable[..., HubSpotSandbox],
) -> None:
    with client_for(make_sandbox(merge_creates_new_id=False)) as client:
        first = create_contact(client, email="a@x.com")["id"]
        second = create_contact(client, email="b@x.com")["id"]
        body = _merge(client, CONTACTS, first, second).json()
        assert body["id"] == first
        assert body["properties"]["hs_merged_object_ids"] == second
        assert client.get(f"{CONTACTS}/{second}").json()["id"] == first


def test_merge_carries_associations_and_chains(client: httpx.Client) -> None:
    company = client.post("/crm/v3/objects/companies", json={"properties": {"name": "A"}})
    company_id = company.json()["id"]
    ids = [create_contact(client, email=f"{i}@x.com")["id"] for i in range(3)]
    url = f"/crm/v4/objects/contacts/{ids[1]}/associations/default/companies/{company_id}"
    assert client.put(url).status_code == 200
    first = _merge(client, CONTACTS, ids[0], ids[1]).json()["id"]
    second = _merge(client, CONTACTS, ids[2], first).json()
    assert second["properties"]["hs_merged_object_ids"] == f"1;2;3;{first}"
    links = client.get(f"/crm/v4/objects/companies/{company_id}/associations/contacts").json()
    assert [r["toObjectId"] for r in links["results"]] == [int(second["id"])]


def test_merge_refusals(client: httpx.Client) -> None:
    first = create_contact(client, email="a@x.com")["id"]
    assert _merge(client, CONTACTS, first, first).status_code == 400
    assert _merge(client, CONTACTS, first, 99).status_code == 404
    product = {"name": "W", "description": "d", "price": "3", "hs_sku": "W1", "hs_folder": "f"}
    made = client.post("/crm/v3/objects/products", json={"properties": product}).json()["id"]
    refused = _merge(client, "/crm/v3/objects/products", made, made)
    assert refused.status_code == 400
    assert "cannot be merged" in refused.json()["message"]


def test_deals_tickets_and_companies_merge(client: httpx.Client) -> None:
    deal = {"dealname": "D", "pipeline": "default", "dealstage": "qualifiedtobuy"}
    ids = [
        client.post("/crm/v3/objects/deals", json={"properties": deal}).json()["id"]
        for _ in range(2)
    ]
    merged = _merge(client, "/crm/v3/objects/deals", *ids).json()
    assert merged["properties"]["hs_merged_object_ids"] == "1;2"
    assert "hs_lastmodifieddate" in merged["properties"]


def test_gdpr_delete_is_permanent(client: httpx.Client) -> None:
    contact = create_contact(client, email="a@x.com")["id"]
    gone = client.post(f"{CONTACTS}/gdpr-delete", json={"objectId": contact})
    assert gone.status_code == 204
    assert client.get(f"{CONTACTS}/{contact}").status_code == 404
    assert client.get(f"{CONTACTS}/{contact}?archived=true").status_code == 404
    assert client.get(f"{CONTACTS}?archived=true").json()["results"] == []
    again = create_contact(client, email="a@x.com")  # the email is free again
    by_email = {"objectId": "A@x.com", "idProperty": "email"}
    assert client.post(f"{CONTACTS}/gdpr-delete", json=by_email).status_code == 204
    assert client.get(f"{CONTACTS}/{again['id']}").status_code == 404
    assert client.post(f"{CONTACTS}/gdpr-delete", json={"objectId": "77"}).status_code == 404
    assert client.post(f"{CONTACTS}/gdpr-delete", json=by_email).status_code == 204


def test_merge_and_gdpr_count_as_record_writes(
    sandbox: HubSpotSandbox, client: httpx.Client
) -> None:
    first = create_contact(client, email="a@x.com")["id"]
    second = create_contact(client, email="b@x.com")["id"]
    sandbox.reset_stats()
    _merge(client, CONTACTS, first, second)
    client.post(f"{CONTACTS}/gdpr-delete", json={"objectId": "3"})
    assert sandbox.stats()["writes"] == 2


def test_a_merged_contacts_old_email_stays_taken(client: httpx.Client) -> None:
    first = create_contact(client, email="a@x.com")["id"]
    second = create_contact(client, email="b@x.com")["id"]
    survivor = _merge(client, CONTACTS, first, second).json()["id"]
    taken = client.post(CONTACTS, json={"properties": {"email": "B@x.com"}})
    assert taken.status_code == 409
    assert taken.json()["message"] == f"Contact already exists. Existing ID: {survivor}"
    by_old_email = client.get(f"{CONTACTS}/b@x.com?idProperty=email").json()
    assert by_old_email["id"] == survivor
    client.patch(f"{CONTACTS}/{survivor}", json={"properties": {"email": "c@x.com"}})
    assert client.get(f"{CONTACTS}/a@x.com?idProperty=email").status_code == 404
    assert client.get(f"{CONTACTS}/b@x.com?idProperty=email").json()["id"] == survivor


def test_recycle_bin_keeps_archived_records_90_days(client: httpx.Client, clock: FakeClock) -> None:
    first = create_contact(client, email="a@x.com")["id"]
    client.delete(f"{CONTACTS}/{first}")
    clock.advance(10 * 86_400)
    second = create_contact(client, email="b@x.com")["id"]
    client.delete(f"{CONTACTS}/{second}")
    clock.advance(80 * 86_400 + 1)
    listed = client.get(f"{CONTACTS}?archived=true").json()["results"]
    assert [r["id"] for r in listed] == [second]
    assert client.get(f"{CONTACTS}/{first}?archived=true").status_code == 404
    assert client.get(f"{CONTACTS}/{second}?archived=true").status_code == 200
