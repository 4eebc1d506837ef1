"""A constant field, `fields.hs_folder = { value = "Classic cars" }`: a HubSpot property set from
no column, on the records the pipeline creates in HubSpot and those it links."""

from __future__ import annotations

import pytest

from syncer.connectors.memory import MemoryConnector
from syncer.engine.report import Mode
from syncer.records import FieldType
from syncer.settings_pipeline import PipelineSettings
from tests.engine.conftest import HUB_TYPES, World, make_pipeline

FIELDS = {
    "email": "email",
    "firstname": "first_name",
    "hs_folder": {"value": "Classic cars"},
}


def test_a_constant_sets_the_hubspot_property_and_then_stays_quiet(world: World) -> None:
    world.hub = MemoryConnector(
        {**HUB_TYPES, "hs_folder": FieldType.TEXT}, clock=world.clock, ordered_versions=True
    )
    world.pipeline = make_pipeline(fields=FIELDS)
    world.hub.put({"email": "shared@x.org", "firstname": "S"})
    world.hub.put({"email": "hub-only@x.org", "firstname": "H", "hs_folder": "Vans"})
    world.ext.put({"email": "shared@x.org", "first_name": "S"})
    world.ext.put({"email": "ext-only@x.org", "first_name": "E"})

    report = world.run(Mode.MIGRATE)
    assert report.status == "ok", report.render()
    folders = {r.properties["email"]: r.properties.get("hs_folder") for r in world.hub.live()}
    assert folders == {
        "shared@x.org": "Classic cars",  # filled in on linking
        "hub-only@x.org": "Vans",  # a constant is copied to HubSpot only, never from it
        "ext-only@x.org": "Classic cars",  # created with it
    }
    created = next(r for r in world.ext.live() if r.properties["email"] == "hub-only@x.org")
    assert "hs_folder" not in created.properties  # there is no column to write
    assert world.run().writes == 0
    assert world.run(Mode.MIGRATE).writes == 0


@pytest.mark.parametrize(
    ("fields", "direction", "message"),
    [
        ({"hs_folder": {}}, "both", "either external .* or value"),
        ({"hs_folder": {"value": "x", "external": "folder"}}, "both", "either external"),
        ({"hs_folder": {"value": "x", "direction": "both"}}, "both", "only sets HubSpot"),
        ({"hs_folder": {"value": "x"}}, "to_external", "is a constant, which only sets HubSpot"),
    ],
)
def test_a_constant_is_a_value_for_hubspot_and_nothing_else(
    fields: dict[str, object], direction: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        PipelineSettings.model_validate(
            {
                "name": "contacts",
                "external_object": "customers",
                "direction": direction,
                "fields": fields,
            }
        )
