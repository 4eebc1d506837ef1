"""First link (issue 12): two existing records paired for the first time are not in conflict
(there is no base to tell who changed); `first_link = "newest" | "hubspot" | "external"` says
who wins each field they disagree on, a blank never overwrites a value, and the differences are
counted apart from conflicts (a migration once logged 308 "conflicts" that were only this)."""

from __future__ import annotations

import pytest

from syncer.engine.report import Mode
from tests.engine.conftest import World, make_pipeline


def _seed(world: World) -> None:
    world.hub.put({"email": "a@x.org", "firstname": "Hub A", "lastname": "Same"})
    world.hub.put({"email": "b@x.org", "firstname": None, "lastname": "Hub B"})
    world.ext.put({"email": "a@x.org", "first_name": "Ext A", "last_name": "Same"})
    world.ext.put({"email": "b@x.org", "first_name": "Ext B", "last_name": None})


def _names(world: World) -> dict[str, tuple[str | None, str | None]]:
    hub = {
        r.properties["email"]: (r.properties.get("firstname"), r.properties.get("lastname"))
        for r in world.hub.live()
    }
    ext = {
        r.properties["email"]: (r.properties.get("first_name"), r.properties.get("last_name"))
        for r in world.ext.live()
    }
    assert hub == ext
    return hub


@pytest.mark.parametrize(
    ("first_link", "a_first"),
    [("newest", "Ext A"), ("hubspot", "Hub A"), ("external", "Ext A")],
)
def test_first_link_settles_differences_and_counts_them_apart_from_conflicts(
    world: World, first_link: str, a_first: str
) -> None:
    world.pipeline = make_pipeline(first_link=first_link, conflict="hubspot")
    _seed(world)  # the external records are the newer ones (written last)
    report = world.run(Mode.MIGRATE)
    assert report.status == "ok", report.render()
    assert _names(world) == {
        "a@x.org": (a_first, "Same"),
        "b@x.org": ("Ext B", "Hub B"),  # blanks filled in, never written over a value
    }
    assert (report.conflicts, report.first_link_differences, report.linked) == (0, 1, 2)
    assert "differed         1 fields at first link" in report.render()
    assert world.run().writes == 0
