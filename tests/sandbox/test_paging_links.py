"""`paging.next.link` as HubSpot gives it: the host the client asked and the request's whole
query. Following the links, exactly as given, reads the same records as paging with `after` and
the same query, for every paged GET endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import create_contact

BASE = "http://hubspot.sandbox"


@pytest.fixture
def world(sandbox: HubSpotSandbox, client: httpx.Client) -> httpx.Client:
    """23 contacts (3 archived, 2 phoneless), 7 linked to one company, 5 owners, edited twice."""
    company = client.post("/crm/v3/objects/companies", json={"properties": {"name": "Acme"}})
    company_id = company.json()["id"]
    for n in range(23):
        phone = {} if n % 10 == 4 else {"phone": f"555-{n:04d}"}
        made = create_contact(client, email=f"p{n}@x.com", firstname=f"P{n}", **phone)
        client.patch(
            f"/crm/v3/objects/contacts/{made['id']}", json={"properties": {"lastname": "L"}}
        )
        if n % 3 == 0:
            path = (
                f"/crm/v4/objects/contacts/{made['id']}/associations/default/companies/{company_id}"
            )
            assert client.put(path).status_code == 200
    for n in (20, 21, 22):
        client.delete(f"/crm/v3/objects/contacts/{n + 1}")
    for n in range(5):
        sandbox.add_owner(
            {"email": f"o{n}@x.com", "teams": [{"id": "7", "name": "Sales", "primary": True}]}
        )
    client.headers["X-Company-Id"] = company_id
    return client


def _by_links(client: httpx.Client, first: str) -> Iterator[dict[str, Any]]:
    url: str | None = first
    while url is not None:
        page = client.get(url)
        assert page.status_code == 200, page.text
        body = page.json()
        yield from body["results"]
        url = body.get("paging", {}).get("next", {}).get("link")
        if url is not None:
            assert url.startswith(BASE + "/"), url


def _by_after(client: httpx.Client, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
    after: str | None = None
    while True:
        page = client.get(path, params={**params, **({"after": after} if after else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        yield from body["results"]
        if "paging" not in body:
            return
        after = body["paging"]["next"]["after"]


def _endpoints(company_id: str) -> list[tuple[str, dict[str, str]]]:
    contacts = "/crm/v3/objects/contacts"
    return [
        (contacts, {}),
        (contacts, {"properties": "phone", "limit": "4"}),
        (contacts, {"properties": "phone,firstname", "archived": "true", "limit": "2"}),
        (contacts, {"propertiesWithHistory": "lastname", "limit": "3"}),
        (contacts, {"associations": "companies", "limit": "5"}),
        (contacts, {"properties": "", "limit": "6"}),
        ("/crm/objects/2026-03/contacts", {"properties": "email", "limit": "7"}),
        (f"/crm/v4/objects/companies/{company_id}/associations/contacts", {"limit": "2"}),
        (f"/crm/objects/2026-03/companies/{company_id}/associations/contacts", {"limit": "3"}),
        ("/crm/v3/owners", {"limit": "2"}),
        ("/crm/owners/2026-03", {"limit": "2", "email": ""}),
        ("/settings/v3/users", {"limit": "2"}),
    ]


def test_the_link_keeps_the_host_asked_and_the_query(world: httpx.Client) -> None:
    answer = world.get("/crm/v3/objects/contacts", params={"properties": "phone", "limit": "4"})
    link = answer.json()["paging"]["next"]["link"]
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    assert parts.path == "/crm/v3/objects/contacts"
    assert parse_qs(parts.query) == {"properties": ["phone"], "limit": ["4"], "after": ["5"]}
    assert answer.json()["paging"]["next"]["after"] == "5"


def test_the_link_replaces_after_rather_than_adding_a_second(world: httpx.Client) -> None:
    second = world.get("/crm/v3/objects/contacts", params={"limit": "5", "after": "6"}).json()
    query = parse_qs(urlsplit(second["paging"]["next"]["link"]).query)
    assert query == {"limit": ["5"], "after": ["11"]}


def test_following_links_reads_what_after_paging_reads(world: httpx.Client) -> None:
    company_id = world.headers["X-Company-Id"]
    for path, params in _endpoints(company_id):
        first = str(world.build_request("GET", path, params=params).url)
        linked = list(_by_links(world, first))
        paged = list(_by_after(world, path, params))
        assert linked == paged, (path, params)
        assert len(paged) > int(params.get("limit", "10")), (path, params)  # more than a page


def test_following_links_keeps_archived_and_properties(world: httpx.Client) -> None:
    first = f"{BASE}/crm/v3/objects/contacts?properties=phone&archived=true&limit=1"
    records = list(_by_links(world, first))
    assert [r["id"] for r in records] == ["21", "22", "23"]
    assert all(r["archived"] for r in records)
    assert all(
        set(r["properties"]) == {"phone", "createdate", "hs_object_id", "lastmodifieddate"}
        for r in records
    )
