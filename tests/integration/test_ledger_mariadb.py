"""The ledger on MariaDB: it can be created (its relation tables' keys fit InnoDB's 3,072-byte
limit under utf8mb4) and its edges and pending references round-trip at their longest."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from syncer.ledger.store import Ledger
from syncer.ledger.values import Commit, EdgeSet, Link, PendingRef
from syncer.records import Side

TTL = timedelta(minutes=5)
LONG_ID = "ü" * 254 + "1"  # 255 characters, none of them ASCII: four bytes' room each
LONG_FIELD = "@companies:" + "é" * 100  # a label at its longest (settings_relations)


@pytest.fixture
def ledger(mysql_url: str) -> Iterator[Ledger]:
    """A ledger in a fresh utf8mb4 database of its own on the MariaDB server."""
    name = "ledger_" + uuid.uuid4().hex[:10]
    server = sa.create_engine(mysql_url)
    with server.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    ledger = Ledger.open(sa.engine.make_url(mysql_url).set(database=name).render_as_string(False))
    try:
        yield ledger
    finally:
        ledger.close()
        with server.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE {name}"))
        server.dispose()


def _link(ledger: Ledger, pipeline: str, hub: str, ext: str, archived: str | None = None) -> None:
    epoch = ledger.acquire_lease(pipeline, "t", TTL)
    known = ledger.links_for(pipeline, Side.EXTERNAL, [ext])
    link_id = known[ext].id if ext in known else None
    ledger.commit(pipeline, epoch, Commit(links=[Link(link_id, hub, ext, None, {}, archived)]), "r")
    ledger.release_lease(pipeline, epoch)


def _edges(ledger: Ledger, record: str, *targets: str) -> None:
    epoch = ledger.acquire_lease("contacts", "t", TTL)
    edges = [EdgeSet(LONG_FIELD, "companies", record, targets)]
    ledger.commit("contacts", epoch, Commit(edges=edges), "r")
    ledger.release_lease("contacts", epoch)


def test_edges_round_trip_at_their_longest_through_archive_and_restore(ledger: Ledger) -> None:
    _link(ledger, "contacts", "1", LONG_ID)
    _link(ledger, "companies", "2", "c1")
    _link(ledger, "companies", "3", LONG_ID)
    _edges(ledger, LONG_ID, "c1", LONG_ID)
    assert ledger.edge_count("contacts") == 2
    _link(ledger, "companies", "3", LONG_ID, archived="both")
    held = ledger.edges_to_archived("contacts", [LONG_ID])
    assert held == {LONG_ID: {LONG_FIELD: [(LONG_ID, "both")]}}
    _edges(ledger, LONG_ID, "c1")  # lost only to the archive: kept dormant
    _link(ledger, "companies", "3", LONG_ID)  # restored
    assert ledger.restorable_edges("contacts", [LONG_ID]) == {LONG_ID: {LONG_FIELD: (LONG_ID,)}}
    epoch = ledger.acquire_lease("companies", "t", TTL)
    ledger.commit("companies", epoch, Commit(revisit_targets=["c1"]), "r")
    ledger.release_lease("companies", epoch)
    assert [link.external_id for link in ledger.queued_revisits("contacts")] == [LONG_ID]


def test_pending_references_round_trip_at_their_longest(ledger: Ledger) -> None:
    _link(ledger, "contacts", "1", LONG_ID)
    epoch = ledger.acquire_lease("contacts", "t", TTL)
    ref = PendingRef(Side.EXTERNAL, LONG_ID, LONG_FIELD, "companies", LONG_ID)
    now = datetime(2026, 5, 1, tzinfo=UTC)
    ledger.save_references("contacts", epoch, [(Side.EXTERNAL, LONG_ID)], [ref], now)
    ledger.release_lease("contacts", epoch)
    [entry] = ledger.pending_references("contacts")
    assert entry.ref == ref
    _link(ledger, "companies", "3", LONG_ID)
    assert [link.external_id for link in ledger.resolved_references("contacts")] == [LONG_ID]


def test_ids_differing_only_in_case_are_two_records(ledger: Ledger) -> None:
    """Salesforce's 15-character ids and many legacy keys are case-sensitive: 'a1' and 'A1' are
    two records, so two links (MariaDB's default collation would call them one key)."""
    _link(ledger, "contacts", "1", "00Q5e000001AbCd")
    _link(ledger, "contacts", "2", "00Q5e000001aBcD")
    links = ledger.links_for("contacts", Side.EXTERNAL, ["00Q5e000001AbCd", "00Q5e000001aBcD"])
    assert {ext: link.hubspot_id for ext, link in links.items()} == {
        "00Q5e000001AbCd": "1",
        "00Q5e000001aBcD": "2",
    }
    _edges(ledger, "00Q5e000001AbCd", "c1", "C1")
    assert ledger.edge_count("contacts") == 2
