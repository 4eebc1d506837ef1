"""Which chunk in flight the next page may be matched beside, and the keys it holds meanwhile."""

from __future__ import annotations

from syncer.engine.page_overlap import held_in_flight
from syncer.engine.pairs import Pair, PairPlan, Version
from syncer.ledger.link_values import Link
from syncer.records import Record, Side


def _version(record_id: str) -> Version:
    return Version(record_id, {})


def _create_on_hubspot(ext_id: str, key: str) -> PairPlan:
    return PairPlan(Pair(None, None, _version(ext_id), key), create_on=Side.HUBSPOT)


def test_keys_of_new_pairs_in_flight_are_held_for_the_next_page() -> None:
    plans = [_create_on_hubspot("1", "a@example.com"), _create_on_hubspot("2", "b@example.com")]
    held = held_in_flight(plans, [], [Record("3", {})])
    assert held == {
        "a@example.com": "external record 1, in a chunk still being written",
        "b@example.com": "external record 2, in a chunk still being written",
    }


def test_a_page_listing_a_record_in_flight_again_waits_for_its_commit() -> None:
    plans = [_create_on_hubspot("1", "a@example.com")]
    assert held_in_flight(plans, [], [Record("1", {})]) is None


def test_creates_on_the_external_side_in_flight_make_the_next_page_wait() -> None:
    plan = PairPlan(Pair(None, _version("h1"), None, "a@example.com"), create_on=Side.EXTERNAL)
    assert held_in_flight([plan], [], [Record("9", {})]) is None


def test_linked_pairs_or_archives_in_flight_make_the_next_page_wait() -> None:
    link = Link(1, "h1", "1", "a@example.com", {})
    linked = PairPlan(Pair(link, _version("h1"), _version("1"), "a@example.com"))
    archive = PairPlan(Pair(None, _version("h2"), None, "b@example.com"), archive_on=Side.HUBSPOT)
    assert held_in_flight([linked], [], []) is None
    assert held_in_flight([archive], [], []) is None
