"""HubSpotConnector's set-up calls: as few round trips one after another as the work allows
(issue 15: five serial set-up calls cost 1.5 s at 300 ms of latency)."""

from __future__ import annotations

import httpx
import pytest

from syncer.errors import FatalError
from syncer.sandbox.hubspot import HubSpotSandbox
from tests.connectors.hubspot_harness import TOKEN, connect, sandbox

GROUPS = "/crm/v3/properties/contacts/groups"


def admin(app: HubSpotSandbox) -> httpx.Client:
    return httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="http://sandbox.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


def test_a_fresh_portal_is_set_up_in_three_calls() -> None:
    """Read the catalogue, create syncer's group, create the property: the group is created
    without reading the groups first (a group already there is refused, and that is fine)."""
    app = sandbox()
    hubspot = connect(app)
    hubspot.prepare()
    assert dict(hubspot.counter.by_kind) == {
        "properties": 1,
        "properties/groups": 1,
        "properties/create": 1,
    }
    assert hubspot.field_types()["legacy_id"]


def test_a_group_already_there_costs_no_extra_call() -> None:
    app = sandbox()
    with admin(app) as http:
        http.post(GROUPS, json={"name": "syncer", "label": "syncer"}).raise_for_status()
    hubspot = connect(app)
    hubspot.prepare()  # the group's creation is refused as a duplicate; the property follows
    assert dict(hubspot.counter.by_kind) == {
        "properties": 1,
        "properties/groups": 1,
        "properties/create": 1,
    }
    assert hubspot.field_types()["legacy_id"]


def test_a_property_that_cannot_be_created_names_the_groups_refusal_too() -> None:
    app = sandbox()
    with admin(app) as http:
        for path in (GROUPS, "/crm/v3/properties/contacts"):
            fault = {"status": 400, "path_contains": path, "method": "POST", "count": 1}
            http.post("/_sandbox/faults", json=fault).raise_for_status()
    hubspot = connect(app)
    with pytest.raises(FatalError) as raised:
        hubspot.prepare()
    message = str(raised.value)
    assert "cannot create HubSpot property 'legacy_id'" in message
    assert "property group 'syncer'" in message
