"""The ledger's relation tables through its front door: pending references (replaced per record
read, first seen kept), references whose targets linked, agreed edges, revisits, sweep times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from syncer.errors import FencedError
from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, EdgeSet, Link, PendingRef
from syncer.records import Side

HUB, EXT = Side.HUBSPOT, Side.EXTERNAL
T0 = datetime(2026, 5, 1, tzinfo=UTC)
TTL = timedelta(minutes=5)


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    ledger = Ledger.open(ledger_url)
    yield ledger
    ledger.close()


def link(ledger: Ledger, pipeline: str, hub: str, ext: str) -> None:
    epoch = ledger.acquire_lease(pipeline, "t", TTL)
    ledger.commit(pipeline, epoch, Commit(links=[Link(None, hub, ext, None, {})]), "r")
    ledger.release_lease(pipeline, epoch)


def ref(record: str, target: str, side: Side = EXT) -> PendingRef:
    return PendingRef(side, record, "@companies", "companies", target)


def test_pending_references_are_replaced_per_record_and_keep_when_first_seen(
    ledger: Ledger,
) -> None:
    epoch = ledger.acquire_lease("contacts", "t", TTL)
    ledger.save_references("contacts", epoch, [(EXT, "e1"), (EXT, "e2")], [ref("e1", "c1")], T0)
    later = T0 + timedelta(hours=1)
    read = [(EXT, "e1"), (EXT, "e2")]
    ledger.save_references("contacts", epoch, read, [ref("e1", "c1"), ref("e2", "c2")], later)
    entries = {
        (e.ref.record_id, e.ref.target_id): e.first_seen
        for e in ledger.pending_references("contacts")
    }
    assert entries == {("e1", "c1"): T0, ("e2", "c2"): later}
    assert ledger.has_pending_references("contacts")
    ledger.save_references("contacts", epoch, [(EXT, "e1")], [], later)  # resolved
    assert [e.ref.record_id for e in ledger.pending_references("contacts")] == ["e2"]
    assert not ledger.has_pending_references("companies")


def test_a_stale_epoch_cannot_save_references(ledger: Ledger) -> None:
    epoch = ledger.acquire_lease("contacts", "t", TTL)
    ledger.release_lease("contacts", epoch)
    ledger.acquire_lease("contacts", "u", TTL)
    with pytest.raises(FencedError):
        ledger.save_references("contacts", epoch, [(EXT, "e1")], [ref("e1", "c1")], T0)


def test_references_whose_target_linked_name_their_records_link(ledger: Ledger) -> None:
    link(ledger, "contacts", "h1", "e1")
    link(ledger, "contacts", "h2", "e2")
    epoch = ledger.acquire_lease("contacts", "t", TTL)
    pending = [ref("e1", "c1"), ref("h2", "hc2", HUB)]
    ledger.save_references("contacts", epoch, [(EXT, "e1"), (HUB, "h2")], pending, T0)
    ledger.release_lease("contacts", epoch)
    assert ledger.resolved_references("contacts") == []
    link(ledger, "companies", "hc2", "c2")  # the HubSpot-side target links
    assert [lk.hubspot_id for lk in ledger.resolved_references("contacts")] == ["h2"]
    link(ledger, "companies", "hc1", "c1")
    assert sorted(lk.external_id for lk in ledger.resolved_references("contacts")) == ["e1", "e2"]


def test_a_reference_is_dangling_once_its_pipeline_ran_without_it(ledger: Ledger) -> None:
    epoch = ledger.acquire_lease("contacts", "t", TTL)
    ledger.save_references("contacts", epoch, [(EXT, "e1")], [ref("e1", "c9")], T0)
    [entry] = ledger.pending_references("contacts")
    assert not entry.dangling  # companies has not run since
    ledger.start_run("run-c", "companies", "sync")
    ledger.finish_run("run-c", status="ok", counts={}, api_calls=0)
    [entry] = ledger.pending_references("contacts")
    assert entry.dangling


def test_edges_are_replaced_per_record_and_field_and_queue_revisits(ledger: Ledger) -> None:
    link(ledger, "contacts", "h1", "e1")
    link(ledger, "contacts", "h2", "e2")
    epoch = ledger.acquire_lease("contacts", "t", TTL)
    edges = [
        EdgeSet("@companies", "companies", "e1", ("c1", "c2")),
        EdgeSet("@companies", "companies", "e2", ("c2",)),
    ]
    ledger.commit("contacts", epoch, Commit(edges=edges), "r")
    assert ledger.edge_count("contacts") == 3
    moved = [EdgeSet("@companies", "companies", "e1", ("c3",))]
    ledger.commit("contacts", epoch, Commit(edges=moved), "r")
    assert ledger.edge_count("contacts") == 2
    ledger.release_lease("contacts", epoch)
    epoch = ledger.acquire_lease("companies", "t", TTL)
    ledger.commit("companies", epoch, Commit(revisit_targets=["c2", "c9"]), "r")
    assert [lk.external_id for lk in ledger.queued_revisits("contacts")] == ["e2"]
    ledger.commit("companies", epoch, Commit(revisit_targets=["c2"]), "r")  # queued once
    assert len(ledger.queued_revisits("contacts")) == 1
    epoch = ledger.acquire_lease("contacts", "t", TTL)
    ledger.revisited("contacts", epoch, ["e2"])
    assert ledger.queued_revisits("contacts") == []


def test_the_last_sweep_is_remembered_per_pipeline(ledger: Ledger) -> None:
    assert ledger.last_sweep("contacts") is None
    epoch = ledger.acquire_lease("contacts", "t", TTL)
    ledger.swept("contacts", epoch, T0)
    ledger.swept("contacts", epoch, T0 + timedelta(days=1))
    assert ledger.last_sweep("contacts") == T0 + timedelta(days=1)
    assert ledger.last_sweep("deals") is None


def _companies(ledger: Ledger, archived: dict[str, str | None]) -> None:
    """Links of companies by external key, each archived where `archived` says."""
    epoch = ledger.acquire_lease("companies", "t", TTL)
    known = ledger.links_for("companies", EXT, list(archived))
    links = [
        Link(known[k].id if k in known else None, f"h{k}", k, None, {}, where)
        for k, where in archived.items()
    ]
    ledger.commit("companies", epoch, Commit(links=links), "r")
    ledger.release_lease("companies", epoch)


def _edges(ledger: Ledger, record: str, *targets: str) -> None:
    epoch = ledger.acquire_lease("contacts", "t", TTL)
    edges = [EdgeSet("@companies", "companies", record, targets)]
    ledger.commit("contacts", epoch, Commit(edges=edges), "r")
    ledger.release_lease("contacts", epoch)


def test_an_edge_lost_to_an_archived_target_stays_dormant_until_the_target_is_live(
    ledger: Ledger,
) -> None:
    link(ledger, "contacts", "h1", "e1")
    _companies(ledger, {"c1": None, "c2": None})
    _edges(ledger, "e1", "c1", "c2")
    _companies(ledger, {"c1": "both"})
    _edges(ledger, "e1", "c2")  # lost c1 only because it was archived
    assert ledger.edge_count("contacts") == 1  # a dormant edge is not an edge
    assert ledger.restorable_edges("contacts", ["e1"]) == {}  # its target is still archived
    _companies(ledger, {"c1": None})  # restored
    assert ledger.restorable_edges("contacts", ["e1"]) == {"e1": {"@companies": ("c1",)}}
    epoch = ledger.acquire_lease("companies", "t", TTL)
    ledger.commit("companies", epoch, Commit(revisit_targets=["c1"]), "r")
    ledger.release_lease("companies", epoch)
    assert [lk.external_id for lk in ledger.queued_revisits("contacts")] == ["e1"]
    _edges(ledger, "e1", "c1", "c2")  # given back
    assert ledger.edge_count("contacts") == 2
    assert ledger.restorable_edges("contacts", ["e1"]) == {}


@pytest.mark.parametrize(
    "after",
    [("c2", "c3"), ()],  # an edge added; an edge to a live target lost
    ids=["added", "live target lost"],
)
def test_any_other_change_of_the_field_drops_its_dormant_edges(
    ledger: Ledger, after: tuple[str, ...]
) -> None:
    _companies(ledger, {"c1": None, "c2": None, "c3": None})
    _edges(ledger, "e1", "c1", "c2")
    _companies(ledger, {"c1": "hubspot"})
    _edges(ledger, "e1", "c2")
    _edges(ledger, "e1", *after)  # the record's own newer word
    _companies(ledger, {"c1": None})
    assert ledger.restorable_edges("contacts", ["e1"]) == {}


def test_dormant_edges_add_up_while_only_archives_take_edges_away(ledger: Ledger) -> None:
    _companies(ledger, {"c1": None, "c2": None, "c3": None})
    _edges(ledger, "e1", "c1", "c2", "c3")
    _companies(ledger, {"c1": "both"})
    _edges(ledger, "e1", "c2", "c3")
    _companies(ledger, {"c2": "external"})
    _edges(ledger, "e1", "c3")
    _companies(ledger, {"c1": None, "c2": None})
    assert ledger.restorable_edges("contacts", ["e1"]) == {"e1": {"@companies": ("c1", "c2")}}
