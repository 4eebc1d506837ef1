"""Merges on the external side are handled as HubSpot's are: the engine asks the capability.

An external CRM that merges records (Salesforce does) names the ids a survivor absorbed; the
link that named an absorbed record follows the survivor instead of the survivor being created
in HubSpot as a second person.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from syncer.connectors.memory import MemoryConnector
from syncer.engine.report import Mode
from syncer.engine.side_events import archive_cursor
from syncer.records import Record, Side
from tests.engine.conftest import EXT_TYPES, World

MERGED = "merged_ids"  # where this CRM's survivor lists the records it absorbed


class MergingCrm(MemoryConnector):
    capabilities = dataclasses.replace(MemoryConnector.capabilities, merges=True)

    def merged_ids(self, records: Iterable[Record]) -> dict[str, str]:
        return {old: r.id for r in records for old in r.properties.get(MERGED, ())}

    def merge(self, survivor: str, absorbed: str) -> None:
        """As a user merging two records: the absorbed one is gone, the survivor names it."""
        del self.rows[absorbed]
        self.put({MERGED: [absorbed]}, survivor)


def with_merging_crm(world: World) -> MergingCrm:
    world.ext = MergingCrm(EXT_TYPES, clock=world.clock)
    return world.ext


def test_an_external_merge_repoints_the_link_and_creates_nothing_in_hubspot(world: World) -> None:
    crm = with_merging_crm(world)
    ann = world.hub.put({"email": "ann@example.com", "firstname": "Ann"})
    old = crm.put({"email": "ann@example.com", "first_name": "Ann"})
    assert world.run(Mode.MIGRATE).linked == 1
    survivor = crm.put({"email": "ann.smith@example.com", "first_name": "Ann"})
    crm.merge(survivor.id, old.id)
    report = world.run()
    link = world.ledger.links_for("contacts", Side.HUBSPOT, [ann.id])[ann.id]
    assert (link.external_id, link.archived_on) == (survivor.id, None)
    assert report.created == {"hubspot": 0, "external": 0}
    assert [r.properties["email"] for r in world.hub.live()] == ["ann.smith@example.com"]
    assert world.run().writes == 0


def test_an_external_merge_into_a_linked_record_retires_the_absorbed_link(world: World) -> None:
    crm = with_merging_crm(world)
    ann = world.hub.put({"email": "ann@example.com", "firstname": "Ann"})
    bob = world.hub.put({"email": "bob@example.com", "firstname": "Bob"})
    old = crm.put({"email": "ann@example.com", "first_name": "Ann"})
    kept = crm.put({"email": "bob@example.com", "first_name": "Bob"})
    assert world.run(Mode.MIGRATE).linked == 2
    crm.merge(kept.id, old.id)
    report = world.run()
    links = world.ledger.links_for("contacts", Side.HUBSPOT, [ann.id, bob.id])
    assert (links[ann.id].external_id, links[ann.id].archived_on) == (old.id, "external")
    assert (links[bob.id].external_id, links[bob.id].archived_on) == (kept.id, None)
    assert report.created == {"hubspot": 0, "external": 0} and not report.quarantined
    assert len(crm.live()) == 2 - 1 and len(world.hub.live()) == 2


def test_each_side_keeps_its_archive_listing_under_a_cursor_of_its_own() -> None:
    # "hubspot_archive" is stored in existing ledgers: renaming it would list the recycle bin
    # from scratch, so its archives since the last run would be missed.
    assert archive_cursor(Side.HUBSPOT) == "hubspot_archive"
    assert archive_cursor(Side.EXTERNAL) == "external_archive"
