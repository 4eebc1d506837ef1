"""prepare() checks the mapping against HubSpot's property definitions (types, options,
read-only values), and long property lists never make a URL HubSpot refuses (414)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncer.errors import ConfigError
from tests.connectors.hubspot_harness import (
    connect,
    contact,
    pipeline,
    portal_client,
    sandbox,
)


def test_enumeration_values_must_be_options_and_are_named_when_not() -> None:
    fields = {
        "lifecyclestage": {
            "external": "status",
            "values": {"lead": "L", "customer": "C", "prospect": "P"},
        }
    }
    hubspot = connect(sandbox(), pipeline_settings=pipeline(fields=fields))
    with pytest.raises(ConfigError, match=r"'prospect' is not an option.*options: customer"):
        hubspot.prepare()


def test_known_options_and_compatible_types_pass() -> None:
    fields = {
        "lifecyclestage": {"external": "status", "values": {"lead": "L"}},
        "firstname": {"external": "first_name", "type": "number"},  # text holds anything
        "createdate": {"external": "created", "type": "date", "direction": "to_external"},
    }
    connect(sandbox(), pipeline_settings=pipeline(fields=fields)).prepare()


def test_a_type_the_property_cannot_hold_is_refused() -> None:
    fields = {"createdate": {"external": "created", "type": "boolean", "direction": "to_external"}}
    hubspot = connect(sandbox(), pipeline_settings=pipeline(fields=fields))
    with pytest.raises(ConfigError, match=r"'createdate' is a HubSpot datetime.*'boolean'"):
        hubspot.prepare()


def test_a_read_only_property_may_only_flow_out_of_hubspot() -> None:
    hubspot = connect(sandbox(), pipeline_settings=pipeline(fields={"hs_object_id": "hs_id"}))
    with pytest.raises(ConfigError, match=r"'hs_object_id' is read-only.*to_external"):
        hubspot.prepare()


def test_a_long_property_list_is_read_without_a_414() -> None:
    app = sandbox(max_url_length=2_500)
    names = [f"custom_property_with_a_rather_long_name_{n:03}" for n in range(80)]
    with portal_client(app) as client:
        for name in names:
            client.post(
                "/crm/v3/properties/contacts",
                json={
                    "name": name,
                    "label": name,
                    "type": "string",
                    "fieldType": "text",
                    "groupName": "contactinformation",
                },
            ).raise_for_status()
    hubspot = connect(app, pipeline_settings=pipeline(fields={n: n[-20:] for n in names}))
    hubspot.prepare()
    since = datetime.now(UTC) - timedelta(seconds=1)
    written = hubspot.write([contact(n, **{name: f"v{n}" for name in names}) for n in range(150)])
    listed = [r for page in hubspot.changes(None, datetime.now(UTC)) for r in page.records]
    assert len(listed) == 150
    assert sorted(r.properties[names[-1]] for r in listed) == sorted(f"v{n}" for n in range(150))
    hubspot.archive([written[0].id])  # type: ignore[list-item]
    archived = hubspot.archived_since(since)
    assert [r.id for r in archived] == [written[0].id]
    assert archived[0].properties[names[-1]] == "v0"
    assert app.stats().get("uri_too_long", 0) == 0
