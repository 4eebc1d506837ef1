"""How typed property values are checked and stored: dates, datetimes, booleans, checkboxes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from syncer.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.conftest import client_for

PROPS = "/crm/v3/properties/contacts"
CONTACTS = "/crm/v3/objects/contacts"


def _define(client: httpx.Client, name: str, type_: str, field_type: str, **extra: Any) -> None:
    body = {"name": name, "label": name, "type": type_, "fieldType": field_type,
            "groupName": "contactinformation", **extra}  # fmt: skip
    assert client.post(PROPS, json=body).status_code == 201


def _write(client: httpx.Client, **properties: Any) -> httpx.Response:
    return client.post(CONTACTS, json={"properties": properties})


def test_datetime_accepts_epoch_ms_and_iso(client: httpx.Client) -> None:
    _define(client, "seen_at", "datetime", "date")
    from_ms = _write(client, seen_at=1430438400123).json()["properties"]["seen_at"]
    from_iso = _write(client, seen_at="2015-05-01T00:00:00.123Z").json()["properties"]["seen_at"]
    assert from_ms == from_iso == "2015-05-01T00:00:00.123Z"
    assert _write(client, seen_at="yesterday").json()["errors"][0]["code"] == "INVALID_DATE"


def test_date_needs_midnight_utc(client: httpx.Client) -> None:
    _define(client, "born_on", "date", "date")
    assert _write(client, born_on="1430438400000").json()["properties"]["born_on"] == "2015-05-01"
    assert _write(client, born_on="2015-05-01").json()["properties"]["born_on"] == "2015-05-01"
    assert _write(client, born_on="1430438400001").status_code == 400


def test_booleans(client: httpx.Client) -> None:
    _define(client, "vip", "bool", "booleancheckbox", options=[
        {"label": "Yes", "value": "true"}, {"label": "No", "value": "false"},
    ])  # fmt: skip
    assert _write(client, vip=True).json()["properties"]["vip"] == "true"
    assert _write(client, vip="FALSE").json()["properties"]["vip"] == "false"
    assert _write(client, vip="maybe").json()["errors"][0]["code"] == "INVALID_BOOLEAN"


def test_checkbox_values_and_leading_semicolon_appends(client: httpx.Client) -> None:
    options = [{"label": v, "value": v} for v in ("BUDGET_HOLDER", "END_USER", "CHAMPION")]
    _define(client, "roles", "enumeration", "checkbox", options=options)
    created = _write(client, roles="BUDGET_HOLDER")
    record_id = created.json()["id"]
    appended = client.patch(
        f"{CONTACTS}/{record_id}", json={"properties": {"roles": ";END_USER;BUDGET_HOLDER"}}
    )
    assert appended.json()["properties"]["roles"] == "BUDGET_HOLDER;END_USER"
    replaced = client.patch(f"{CONTACTS}/{record_id}", json={"properties": {"roles": "CHAMPION"}})
    assert replaced.json()["properties"]["roles"] == "CHAMPION"
    bad = _write(client, roles="CHAMPION;KING")
    assert bad.json()["errors"][0]["code"] == "INVALID_OPTION"


def test_null_clears_and_objects_are_refused(client: httpx.Client) -> None:
    record_id = _write(client, city="Oslo").json()["id"]
    cleared = client.patch(f"{CONTACTS}/{record_id}", json={"properties": {"city": None}})
    assert "city" not in cleared.json()["properties"]
    nested = _write(client, city={"name": "Oslo"})
    assert nested.status_code == 400
    assert nested.json()["errors"][0]["context"] == {"propertyName": ["city"]}
    not_a_map = client.post(CONTACTS, json={"properties": ["city"]})
    assert not_a_map.status_code == 400


def test_lifecyclestage_only_moves_forward(client: httpx.Client) -> None:
    record_id = _write(client, lifecyclestage="customer").json()["id"]
    url = f"{CONTACTS}/{record_id}"
    back = client.patch(url, json={"properties": {"lifecyclestage": "lead"}})
    assert back.status_code == 200
    assert back.json()["properties"]["lifecyclestage"] == "customer"
    client.patch(url, json={"properties": {"lifecyclestage": ""}})
    again = client.patch(url, json={"properties": {"lifecyclestage": "lead"}})
    assert again.json()["properties"]["lifecyclestage"] == "lead"
    forward = client.patch(url, json={"properties": {"lifecyclestage": "opportunity"}})
    assert forward.json()["properties"]["lifecyclestage"] == "opportunity"


def test_lifecycle_rule_can_be_switched_off(make_sandbox: Callable[..., HubSpotSandbox]) -> None:
    with client_for(make_sandbox(lifecycle_forward_only=False)) as http:
        record_id = _write(http, lifecyclestage="customer").json()["id"]
        back = http.patch(
            f"{CONTACTS}/{record_id}", json={"properties": {"lifecyclestage": "lead"}}
        )
        assert back.json()["properties"]["lifecyclestage"] == "lead"


def test_issue10_a_value_may_have_65536_characters_and_no_more(client: httpx.Client) -> None:
    assert _write(client, email="long@x.com", firstname="x" * 65_536).status_code == 201
    refused = _write(client, email="longer@x.com", firstname="x" * 2_000_000)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "INVALID_PROPERTY_VALUE"
    assert refused.json()["errors"][0]["context"] == {"propertyName": ["firstname"]}
    assert len(refused.text) < 2_000  # the answer names the value's length, not the value


def test_issue10_email_syntax_is_checked_as_hubspot_checks_it(client: httpx.Client) -> None:
    good = ("ann@x.com", "a.b+tag@mail.example.co.uk", "o'brien@x.ie", "  Bob@X.com ")
    for email in good:
        assert _write(client, email=email).status_code == 201, email
    bad = ("ann\x01@x.com", "ann\x00@x.com", "ann@x.com\x7f", "a b@x.com", "ann@x", "ann@x.c",
           ".ann@x.com", "ann.@x.com", "a..b@x.com", "ann@-x.com", "ann@x..com", "a@b@x.com",
           "ann@x_y.com", f"{'a' * 250}@x.com")  # fmt: skip
    for email in bad:
        refused = _write(client, email=email)
        assert refused.status_code == 400, repr(email)
        assert refused.json()["errors"][0]["code"] == "INVALID_EMAIL", repr(email)


def test_a_batch_update_moving_lifecyclestage_back_is_accepted_and_not_applied(
    client: httpx.Client,
) -> None:
    """As a single PATCH: 200, the record as kept in the answer (what syncer reads back)."""
    record_id = _write(client, lifecyclestage="customer").json()["id"]
    inputs = [{"id": record_id, "properties": {"lifecyclestage": "lead", "firstname": "B"}}]
    answer = client.post(f"{CONTACTS}/batch/update", json={"inputs": inputs})
    assert answer.status_code == 200
    [result] = answer.json()["results"]
    assert result["properties"]["lifecyclestage"] == "customer"
    assert result["properties"]["firstname"] == "B"
