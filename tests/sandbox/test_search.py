"""Search: operators, sorting, paging, the 10,000 cap, filter limits, lag and archived records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import FakeClock, client_for, create_contact

SEARCH = "/crm/v3/objects/contacts/search"


def search(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post(SEARCH, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def ids_where(client: httpx.Client, *filters: dict[str, Any]) -> list[str]:
    answer = search(client, filterGroups=[{"filters": list(filters)}], limit=200)
    return [r["id"] for r in answer["results"]]


@pytest.fixture
def people(client: httpx.Client, clock: FakeClock) -> httpx.Client:
    rows = [
        {"email": "ann@hubspot.com", "firstname": "Ann", "city": "Paris"},
        {"email": "bob@example.com", "firstname": "Bob", "lifecyclestage": "lead"},
        {"email": "cid@hubspot.com", "firstname": "cid", "city": "paris"},
        {"email": "dee@example.org", "firstname": "Dee Dee", "lifecyclestage": "customer"},
    ]
    for row in rows:
        create_contact(client, **row)
        clock.advance(1)
    return client


def f(name: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    flt: dict[str, Any] = {"propertyName": name, "operator": op, **extra}
    if value is not None:
        flt["value"] = value
    return flt


def test_string_operators(people: httpx.Client) -> None:
    assert ids_where(people, f("city", "EQ", "PARIS")) == ["1", "3"]
    assert ids_where(people, f("city", "NEQ", "paris")) == ["2", "4"]
    assert ids_where(people, f("firstname", "IN", values=["bob", "cid"])) == ["2", "3"]
    # IN values must be lower-case: HubSpot compares them with the lower-cased stored value.
    assert ids_where(people, f("firstname", "IN", values=["Bob"])) == []
    assert ids_where(people, f("firstname", "NOT_IN", values=["bob", "cid"])) == ["1", "4"]
    assert ids_where(people, f("city", "HAS_PROPERTY")) == ["1", "3"]
    assert ids_where(people, f("city", "NOT_HAS_PROPERTY")) == ["2", "4"]
    assert ids_where(people, f("email", "CONTAINS_TOKEN", "*@hubspot.com")) == ["1", "3"]
    assert ids_where(people, f("firstname", "CONTAINS_TOKEN", "dee")) == ["4"]
    assert ids_where(people, f("email", "NOT_CONTAINS_TOKEN", "*@hubspot.com")) == ["2", "4"]


def test_enumerations_compare_case_sensitively(people: httpx.Client) -> None:
    assert ids_where(people, f("lifecyclestage", "EQ", "lead")) == ["2"]
    assert ids_where(people, f("lifecyclestage", "EQ", "LEAD")) == []


def test_numeric_and_date_operators(people: httpx.Client) -> None:
    assert ids_where(people, f("hs_object_id", "GT", "2")) == ["3", "4"]
    assert ids_where(people, f("hs_object_id", "LTE", "2")) == ["1", "2"]
    assert ids_where(people, f("hs_object_id", "BETWEEN", "2", highValue="3")) == ["2", "3"]
    second = "1723741754648"  # createdate of record 2, as epoch ms
    assert ids_where(people, f("createdate", "GTE", second)) == ["2", "3", "4"]
    assert ids_where(people, f("createdate", "LT", "2024-08-15T17:09:14.648Z")) == ["1"]
    assert ids_where(people, f("lastmodifieddate", "EQ", second)) == ["2"]
    assert ids_where(
        people, f("lastmodifieddate", "BETWEEN", second, highValue="1723741755648")
    ) == ["2", "3"]
    # Numbers compare as numbers, not text ("10" > "9").
    assert ids_where(people, f("hs_object_id", "LT", "10")) == ["1", "2", "3", "4"]


def test_filter_groups_are_or_of_ands(people: httpx.Client) -> None:
    groups = [
        {"filters": [f("city", "EQ", "paris"), f("firstname", "EQ", "ann")]},
        {"filters": [f("lifecyclestage", "EQ", "customer")]},
    ]
    answer = search(people, filterGroups=groups)
    assert [r["id"] for r in answer["results"]] == ["1", "4"]
    top_level = search(people, filters=[f("city", "EQ", "paris")])
    assert top_level["total"] == 2


def test_sorting_with_ties_broken_by_id(people: httpx.Client) -> None:
    people.patch("/crm/v3/objects/contacts/4", json={"properties": {"city": "Paris"}})
    ascending = search(people, sorts=[{"propertyName": "city", "direction": "ASCENDING"}])
    assert [r["id"] for r in ascending["results"]] == ["1", "3", "4", "2"]  # missing last
    descending = search(people, sorts=[{"propertyName": "createdate", "direction": "DESCENDING"}])
    assert [r["id"] for r in descending["results"]] == ["4", "3", "2", "1"]
    by_string = search(people, sorts=["-hs_object_id"])
    assert [r["id"] for r in by_string["results"]] == ["4", "3", "2", "1"]


def test_result_shape_and_properties(people: httpx.Client) -> None:
    answer = search(people, properties=["city"], limit=1)
    assert answer["total"] == 4
    assert answer["paging"] == {"next": {"after": "1"}}
    hit = answer["results"][0]
    assert list(hit) == ["id", "properties", "createdAt", "updatedAt", "archived"]
    assert hit["properties"] == {
        "city": "Paris",
        "createdate": "2024-08-15T17:09:13.648Z",
        "hs_object_id": "1",
        "lastmodifieddate": "2024-08-15T17:09:13.648Z",
    }


def test_paging_by_offset(people: httpx.Client) -> None:
    seen, after = [], "0"
    while True:
        page = search(people, limit=3, after=after)
        seen += [r["id"] for r in page["results"]]
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
    assert seen == ["1", "2", "3", "4"]
    refused = people.post(SEARCH, json={"after": "abc"})
    assert refused.status_code == 400


def test_free_text_query(people: httpx.Client) -> None:
    assert [r["id"] for r in search(people, query="hubspot.com")["results"]] == ["1", "3"]


def test_archived_never_appear(people: httpx.Client) -> None:
    people.delete("/crm/v3/objects/contacts/1")
    assert ids_where(people, f("city", "HAS_PROPERTY")) == ["3"]


def _check_refused(client: httpx.Client, body: dict[str, Any]) -> str:
    response = client.post(SEARCH, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["category"] == "VALIDATION_ERROR"
    message: str = response.json()["message"]
    return message


def test_filter_limits(client: httpx.Client) -> None:
    one = {"filters": [f("email", "HAS_PROPERTY")]}
    search(client, filterGroups=[one] * 5)
    assert "filterGroups" in _check_refused(client, {"filterGroups": [one] * 6})
    six = {"filters": [f("email", "HAS_PROPERTY")] * 6}
    search(client, filterGroups=[six] * 3)
    seven = {"filters": [f("email", "HAS_PROPERTY")] * 7}
    assert "filterGroup" in _check_refused(client, {"filterGroups": [seven]})
    assert "18" in _check_refused(client, {"filterGroups": [six] * 3 + [one]})
    assert "operator" in _check_refused(client, {"filters": [f("email", "LIKE", "x")]})


def test_limit_bounds(client: httpx.Client) -> None:
    search(client, limit=200)
    _check_refused(client, {"limit": 201})


def test_ten_thousand_cap(client: httpx.Client, sandbox: HubSpotSandbox) -> None:
    for block in range(101):
        rows = [{"properties": {"firstname": f"n{block}-{i}"}} for i in range(100)]
        response = client.post("/crm/v3/objects/contacts/batch/create", json={"inputs": rows})
        assert response.status_code == 201
    last_allowed = search(client, after="9800", limit=200)
    assert last_allowed["total"] == 10_100
    assert last_allowed["paging"]["next"]["after"] == "10000"
    assert "10000" in _check_refused(client, {"after": "10000", "limit": 10})
    _check_refused(client, {"after": "9900", "limit": 200})
    narrowed = search(client, filters=[f("hs_object_id", "GT", "10000")], limit=200)
    assert narrowed["total"] == 100


def test_search_lag(make_sandbox: Callable[..., HubSpotSandbox], clock: FakeClock) -> None:
    with client_for(make_sandbox(search_lag_ms=2000)) as client:
        create_contact(client, email="a@x.com", city="Paris")
        assert search(client)["total"] == 0
        clock.advance(2)
        assert search(client)["total"] == 1
        client.patch("/crm/v3/objects/contacts/1", json={"properties": {"city": "Rome"}})
        stale = search(client, properties=["city"])["results"][0]
        assert stale["properties"]["city"] == "Paris"  # the index still has the old copy
        assert ids_where(client, f("city", "EQ", "rome")) == []
        clock.advance(2.5)
        assert ids_where(client, f("city", "EQ", "rome")) == ["1"]


def test_search_lag_with_admin_clock(make_sandbox: Callable[..., HubSpotSandbox]) -> None:
    with client_for(make_sandbox(search_lag_ms=30_000)) as client:
        create_contact(client, email="a@x.com")
        assert search(client)["total"] == 0
        moved = client.post("/_sandbox/clock", json={"advance_ms": 30_000})
        assert moved.status_code == 200
        assert moved.json()["now"] == "2024-08-15T17:09:43.648Z"
        assert search(client)["total"] == 1


def test_archive_leaves_a_lagging_index_at_once(
    make_sandbox: Callable[..., HubSpotSandbox], clock: FakeClock
) -> None:
    with client_for(make_sandbox(search_lag_ms=1000)) as client:
        create_contact(client, email="indexed@x.com")
        clock.advance(1)
        create_contact(client, email="pending@x.com")
        client.post("/crm/v3/objects/contacts/batch/archive", json={"inputs": [{"id": "1"}]})
        client.delete("/crm/v3/objects/contacts/2")
        assert search(client)["total"] == 0
        clock.advance(5)
        assert search(client)["total"] == 0
