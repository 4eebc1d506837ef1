"""Unmapped enumeration values in the engine (the end-to-end cases are in
tests/integration/test_enumerations_e2e.py): what a refused or skipped value does to its pair."""

from __future__ import annotations

import pytest

from syncer.engine.report import Mode
from tests.engine.conftest import World, make_pipeline


@pytest.mark.parametrize("change", [{"status": "P"}, {"email": "broken"}])
def test_an_archived_record_whose_values_cannot_be_read_still_archives_its_twin(
    world: World, change: dict[str, str]
) -> None:
    """Found by the convergence machine: a linked row set to an unmapped status (or any value
    that cannot be read, a broken email) and then deleted was refused as unreadable, so with
    deletes = "archive" its twin stayed live. An archived record's values are never copied;
    only its being gone is."""
    world.pipeline = make_pipeline(deletes="archive")
    row = world.ext.put({"email": "gone@x.org", "first_name": "G", "status": "L"})
    assert world.run(Mode.MIGRATE).status == "ok"
    [contact] = world.hub.live()
    world.ext.put({**row.properties, **change}, record_id=row.id)
    world.ext.archive([row.id])
    report = world.run()
    assert report.status == "ok", report.render()
    assert world.hub.live() == [], f"{contact.id} should be archived with its twin"
    assert report.quarantined == 0


def test_a_skipped_field_neither_blanks_the_other_side_nor_holds_back_the_record(
    world: World,
) -> None:
    fields = dict(make_pipeline().model_dump()["fields"])
    fields["lifecyclestage"] = {**fields["lifecyclestage"], "unmapped": "skip_field"}
    world.pipeline = make_pipeline(fields=fields)
    row = world.ext.put({"email": "s@x.org", "first_name": "S", "status": "C"})
    assert world.run(Mode.MIGRATE).status == "ok"
    world.ext.put({**row.properties, "first_name": "T", "status": "?"}, record_id=row.id)
    report = world.run()
    assert report.status == "ok" and report.quarantined == 0, report.render()
    [contact] = world.hub.live()
    assert contact.properties["firstname"] == "T"
    assert contact.properties["lifecyclestage"] == "customer"  # not blanked
    assert world.run().writes == 0
