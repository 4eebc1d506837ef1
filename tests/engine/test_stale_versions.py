"""T23 at the engine level: a version older than one a link was settled with is no change.

HubSpot's search lags behind its writes, so a run can be served a version of a contact older
than the one the previous run settled the pair with (read fresh by id or email). Links remember,
per side, the source's own modification time of that newest version; on the HubSpot side an
older version is dropped from the run. The external side's times are stamped by each writer on
its own clock (a SQL updated_at), so an older time there is still a real edit and is applied.
Run on both ledger backends: the remembered times must round-trip exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from syncer.connectors.memory import MemoryConnector
from syncer.engine.report import Mode
from syncer.ledger.values import Link, version_stamp
from syncer.records import ChangePage, Cursor, Record, Side
from tests.engine.conftest import EXT_TYPES, HUB_TYPES, World, reject_bad_email


class Lagging(MemoryConnector):
    """A CRM whose change listing also serves `lagging`: versions its index shows only now."""

    lagging: Sequence[Record] = ()

    def changes(self, since: Cursor | None, until: datetime) -> Iterator[ChangePage]:
        served, self.lagging = self.lagging, ()
        if served:
            yield ChangePage(list(served), None)
        yield from super().changes(since, until)


def _link(world: World, hub_id: str) -> Link:
    return world.ledger.links_for("contacts", Side.HUBSPOT, [hub_id])[hub_id]


def _ext(world: World) -> Record:
    [record] = world.ext.live()
    return record


def test_t23_older_hubspot_version_after_a_newer_settled_one_does_not_regress(
    world: World,
) -> None:
    """V1 is synced, then V2; a lagging listing serves V1 again. Nothing is written back over
    V2 and the link is untouched, while an external edit of the same pair in that run still
    reaches HubSpot; a later V3 is applied as usual."""
    hub = world.hub = Lagging(
        HUB_TYPES, clock=world.clock, validate=reject_bad_email, ordered_versions=True
    )
    v1 = hub.put({"email": "ann@example.com", "firstname": "V1", "lastname": "L"})
    world.run(Mode.MIGRATE)
    hub.put({"firstname": "V2"}, v1.id)
    assert world.run().updated == {"hubspot": 0, "external": 1}
    settled = _link(world, v1.id)
    assert settled.hubspot_seen_us == version_stamp(hub.rows[v1.id].modified_at)

    hub.lagging = [v1]
    world.ext.put({"last_name": "Ext"}, _ext(world).id)
    stale = world.run()
    assert stale.collected["hubspot"] == 1, "the stale version was not served"
    assert stale.updated == {"hubspot": 1, "external": 0}
    assert _ext(world).properties["first_name"] == "V2"
    assert hub.rows[v1.id].properties["lastname"] == "Ext"
    assert _link(world, v1.id).hubspot_seen_us == settled.hubspot_seen_us

    hub.put({"firstname": "V3"}, v1.id)
    assert world.run().updated == {"hubspot": 0, "external": 1}
    assert _ext(world).properties["first_name"] == "V3"
    assert world.run().writes == 0


def test_t23_external_edit_stamped_before_the_settled_version_is_still_applied(
    world: World,
) -> None:
    """An external writer whose clock is behind stamps an edit earlier than the version the
    link was settled with. The external side's times do not order its versions: the edit is
    applied, not dropped as stale."""
    ext = world.ext = Lagging(EXT_TYPES, clock=world.clock)
    row = ext.put({"email": "bob@example.com", "first_name": "Bob", "last_name": "B"})
    world.run(Mode.MIGRATE)
    ext.put({"first_name": "Robert"}, row.id)
    assert world.run().updated == {"hubspot": 1, "external": 0}
    [contact] = world.hub.live()
    settled = ext.rows[row.id]
    assert _link(world, contact.id).external_seen_us == version_stamp(settled.modified_at)

    assert settled.modified_at is not None
    earlier = settled.modified_at - timedelta(minutes=10)
    behind = Record(row.id, {**settled.properties, "first_name": "Rob"}, earlier)
    ext.rows[row.id] = behind
    ext.lagging = [behind]
    assert world.run().updated == {"hubspot": 1, "external": 0}
    assert world.hub.rows[contact.id].properties["firstname"] == "Rob"
