"""Every object type through one path, against the sandbox: standard CRM objects, engagements
and custom objects (found through the schemas API), deletes seen through the archived listing,
and merges reported as {old id: survivor}."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from syncer.errors import ConfigError
from syncer.records import Cursor, Write
from tests.connectors.hubspot_harness import (
    FROZEN_SECONDS,
    StepClock,
    connect,
    contact,
    pipeline,
    portal_client,
    sandbox,
)


def keyed(object_type: str, **fields: str) -> object:
    return pipeline(
        name="objects",
        hubspot_object=object_type,
        fields=fields,
        match={"hubspot": "legacy_id", "external": "id"},
    )


def deal(n: int) -> Write:
    return Write(
        f"d{n}",
        {
            "dealname": f"Deal {n}",
            "dealstage": "appointmentscheduled",
            "pipeline": "default",
            "amount": str(100 * n),
        },
        unique_property="legacy_id",
        unique_value=f"L-{n}",
    )


def since_cursor(ms: int) -> Cursor:
    return Cursor(json.dumps({"t": ms}))


def test_deals_are_written_listed_searched_found_and_archived() -> None:
    clock = StepClock()
    app = sandbox(clock=clock)
    hubspot = connect(
        app,
        clock=clock.now,
        pipeline_settings=keyed(  # type: ignore[arg-type]
            "deals", dealname="name", dealstage="stage", pipeline="pipe", amount="amount"
        ),
    )
    hubspot.prepare()
    assert hubspot.object_type.modified_property == "hs_lastmodifieddate"
    written = hubspot.write([deal(n) for n in range(5)])
    assert all(r.ok and r.created for r in written)
    listed = [r for page in hubspot.changes(None, clock.now()) for r in page.records]
    assert sorted(r.properties["dealname"] for r in listed) == [f"Deal {n}" for n in range(5)]
    clock.seconds += 5
    hubspot.write([Write("edit", {"amount": "999"}, target_id=written[3].id)])
    changed = [
        r
        for page in hubspot.changes(since_cursor(int(clock.seconds * 1000) - 1), clock.now())
        for r in page.records
    ]
    assert changed[-1].id == written[3].id  # sorted by hs_lastmodifieddate: the edit is last
    assert changed[-1].properties["amount"] == "999"
    assert [r.id for r in hubspot.find("legacy_id", ["L-1", "L-404"])] == [written[1].id]
    with pytest.raises(ConfigError, match="deals up by 'email'"):
        hubspot.find("email", ["a@b.c"])
    assert hubspot.archive([written[0].id])[0].ok  # type: ignore[list-item]
    gone = hubspot.archived_since(clock.now() - timedelta(seconds=1))
    assert [(r.id, r.archived) for r in gone] == [(written[0].id, True)]
    assert gone[0].properties["dealname"] == "Deal 0"


def test_a_deal_without_its_required_properties_is_rejected_naming_them() -> None:
    hubspot = connect(sandbox(), pipeline_settings=keyed("deals", dealname="name"))  # type: ignore[arg-type]
    hubspot.prepare()
    result = hubspot.write(
        [Write("d", {"dealname": "x"}, unique_property="legacy_id", unique_value="L-1")]
    )[0]
    assert not result.ok and result.rejection is not None
    assert "dealstage" in result.rejection.message or result.rejection.property == "dealstage"


@pytest.mark.parametrize("object_type", ["notes", "tasks", "calls", "meetings"])
def test_engagements_go_through_the_same_path(object_type: str) -> None:
    clock = StepClock()
    hubspot = connect(
        sandbox(clock=clock),
        clock=clock.now,
        pipeline_settings=keyed(object_type, hs_timestamp="at"),
    )  # type: ignore[arg-type]
    hubspot.prepare()
    stamp = "2025-06-01T10:00:00.000Z"
    results = hubspot.write(
        [
            Write(
                f"e{n}", {"hs_timestamp": stamp}, unique_property="legacy_id", unique_value=f"E-{n}"
            )
            for n in range(3)
        ]
    )
    assert all(r.ok for r in results)
    found = [
        r
        for page in hubspot.changes(since_cursor(int(FROZEN_SECONDS * 1000) - 1), clock.now())
        for r in page.records
    ]
    assert sorted(r.id for r in found) == sorted(r.id for r in results)  # type: ignore[type-var]


def create_car_schema(app: object) -> dict[str, str]:
    body = {
        "name": "car",
        "labels": {"singular": "Car", "plural": "Cars"},
        "primaryDisplayProperty": "vin",
        "requiredProperties": ["vin"],
        "properties": [{"name": "vin", "label": "VIN"}, {"name": "model", "label": "Model"}],
    }
    with portal_client(app) as client:  # type: ignore[arg-type]
        response = client.post("/crm-object-schemas/v3/schemas", json=body)
        response.raise_for_status()
        schema: dict[str, str] = response.json()
        return schema


@pytest.mark.parametrize("naming", ["plural", "type_id", "fully_qualified"])
def test_a_custom_object_is_found_by_any_of_its_names(naming: str) -> None:
    clock = StepClock()
    app = sandbox(clock=clock)
    schema = create_car_schema(app)
    name = {
        "plural": "cars",
        "type_id": schema["objectTypeId"],
        "fully_qualified": schema["fullyQualifiedName"],
    }[naming]
    hubspot = connect(app, clock=clock.now, pipeline_settings=keyed(name, vin="vin", model="model"))  # type: ignore[arg-type]
    hubspot.prepare()
    assert hubspot.object_type.path_name == schema["objectTypeId"]
    assert hubspot.object_type.required == (("vin",),)
    results = hubspot.write(
        [
            Write(
                "c1", {"vin": "VIN1", "model": "T"}, unique_property="legacy_id", unique_value="C-1"
            )
        ]
    )
    assert results[0].ok
    assert hubspot.fetch([results[0].id])[0].properties["model"] == "T"  # type: ignore[list-item]
    found = [
        r
        for page in hubspot.changes(since_cursor(int(FROZEN_SECONDS * 1000) - 1), clock.now())
        for r in page.records
    ]
    assert [r.id for r in found] == [results[0].id]


def test_an_unknown_object_type_names_the_known_ones() -> None:
    app = sandbox()
    create_car_schema(app)
    hubspot = connect(app, pipeline_settings=keyed("boats"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"'boats'.*custom objects: car"):
        hubspot.prepare()


def test_merged_contacts_are_reported_as_old_id_to_survivor() -> None:
    clock = StepClock()
    app = sandbox(clock=clock)
    hubspot = connect(app, clock=clock.now)
    hubspot.prepare()
    a, b, c = (r.id for r in hubspot.write([contact(n) for n in range(3)]))
    clock.seconds += 1
    with portal_client(app) as client:
        first = client.post(
            "/crm/v3/objects/contacts/merge", json={"primaryObjectId": a, "objectIdToMerge": b}
        ).json()["id"]
        clock.seconds += 1
        last = client.post(
            "/crm/v3/objects/contacts/merge", json={"primaryObjectId": first, "objectIdToMerge": c}
        ).json()["id"]
    changed = [
        r
        for page in hubspot.changes(since_cursor(int(FROZEN_SECONDS * 1000) + 500), clock.now())
        for r in page.records
    ]
    merged = hubspot.merged_ids(changed)
    assert merged[a] == merged[b] == merged[c] == last
    assert last not in merged


def test_prepare_warns_when_creates_would_lack_required_properties() -> None:
    hubspot = connect(sandbox(), pipeline_settings=keyed("deals", dealname="name"))  # type: ignore[arg-type]
    with capture_logs() as logs:
        hubspot.prepare()
    warned = [e for e in logs if e["event"] == "hubspot.required_properties_unmapped"]
    assert [e["missing"] for e in warned] == [["dealstage", "pipeline"]]
    companies = connect(sandbox(), pipeline_settings=keyed("companies", domain="web"))  # type: ignore[arg-type]
    with capture_logs() as logs:
        companies.prepare()  # domain OR name is enough
    assert not [e for e in logs if e["event"] == "hubspot.required_properties_unmapped"]
