"""Match keys that move between records (hardening issue 3): two linked records swapping
emails converge in one pass, and a record refused for a key another record held goes through
as soon as that holder lets the key go, without waiting out its back-off."""

from __future__ import annotations

from typing import Any

from syncer.records import Rejection, RejectionKind, Side
from tests.engine.conftest import World


def _linked_pair(world: World, email: str, name: str) -> tuple[str, str]:
    ext = world.ext.put({"email": email, "first_name": name, "status": "L"})
    world.run()
    hub_id = world.ledger.links_for("contacts", Side.EXTERNAL, [ext.id])[ext.id].hubspot_id
    return hub_id, ext.id


def _emails(world: World) -> dict[str, str]:
    return {r.properties["firstname"]: r.properties["email"] for r in world.hub.live()}


def test_issue3_two_records_swapping_emails_converge_in_one_pass(world: World) -> None:
    _, ann = _linked_pair(world, "ann@example.com", "Ann")
    _, bob = _linked_pair(world, "bob@example.com", "Bob")
    world.ext.put({"email": "bob@example.com"}, ann)
    world.ext.put({"email": "ann@example.com"}, bob)
    report = world.run()
    assert (report.status, report.quarantined) == ("ok", 0)
    assert world.ledger.quarantined("contacts") == []
    assert _emails(world) == {"Ann": "bob@example.com", "Bob": "ann@example.com"}
    links = world.ledger.links_for("contacts", Side.EXTERNAL, [ann, bob])
    assert (links[ann].match_key, links[bob].match_key) == ("bob@example.com", "ann@example.com")
    assert world.run().writes == 0


def test_issue3_a_duplicate_key_is_retried_once_its_holder_lets_it_go(world: World) -> None:
    hub_id, ann = _linked_pair(world, "ann@example.com", "Ann")
    second = world.ext.put({"email": "ANN@example.com", "first_name": "Annie", "status": "C"})
    assert world.run().status == "quarantined"
    [entry] = world.ledger.quarantined("contacts")
    assert (entry.record_id, entry.category) == (second.id, "DUPLICATE_MATCH_KEY")
    world.ext.put({"email": "ann.new@example.com"}, ann)  # the holder moves to another key
    world.run()
    world.run()  # long before the refused record's retry time
    assert world.ledger.quarantined("contacts") == []
    assert _emails(world) == {"Ann": "ann.new@example.com", "Annie": "ann@example.com"}
    assert world.hub.rows[hub_id].properties["email"] == "ann.new@example.com"


def test_a_giver_whose_own_write_is_refused_gets_its_twins_key_next_run(world: World) -> None:
    """Ann hands her email to Bob while her own write (a new email, a refused first name) is
    refused: she is left cleared. Her clear intent stays pending, and the next run gives her
    her row's new email instead of reading the blank as an edit and carrying it to the row."""
    ann_hub, ann = _linked_pair(world, "ann@example.com", "Ann")
    _, bob = _linked_pair(world, "bob@example.com", "Bob")
    validate = world.hub.validate

    def refuse_a_name(props: Any) -> Rejection | None:
        if props.get("firstname") == "Refused":
            return Rejection(RejectionKind.INVALID_VALUE, "INVALID", "refused", "firstname")
        return validate(props) if validate is not None else None

    world.hub.validate = refuse_a_name
    world.ext.put({"email": "ann.new@example.com", "first_name": "Refused"}, ann)
    world.ext.put({"email": "ann@example.com"}, bob)
    assert world.run().status == "quarantined"
    assert world.hub.rows[ann_hub].properties.get("email") in (None, "")
    assert [i.operation for i in world.ledger.pending_intents("contacts")] == ["clear_key"]

    world.run()
    assert world.hub.rows[ann_hub].properties["email"] == "ann.new@example.com"
    assert world.ext.rows[ann].properties["email"] == "ann.new@example.com"
    assert world.ledger.pending_intents("contacts") == []


def test_a_giver_whose_new_key_is_held_keeps_its_own_and_its_taker_is_refused(
    world: World,
) -> None:
    """Bob's row takes Ann's email while Ann's row takes Carol's, which Carol keeps: Ann's
    move is refused, so Ann must keep her email (not be cleared and left blank) and Bob's
    move is refused in turn, both quarantined as duplicates; nothing is left blank."""
    ann_hub, ann = _linked_pair(world, "ann@example.com", "Ann")
    bob_hub, bob = _linked_pair(world, "bob@example.com", "Bob")
    _linked_pair(world, "carol@example.com", "Carol")
    world.ext.put({"email": "carol@example.com"}, ann)
    world.ext.put({"email": "ann@example.com"}, bob)
    assert world.run().status == "quarantined"
    assert world.hub.rows[ann_hub].properties["email"] == "ann@example.com"
    assert world.hub.rows[bob_hub].properties["email"] == "bob@example.com"
    refused = {(e.record_id, e.category) for e in world.ledger.quarantined("contacts")}
    assert refused == {(ann, "DUPLICATE_MATCH_KEY"), (bob, "DUPLICATE_MATCH_KEY")}
    assert world.ledger.pending_intents("contacts") == []
    world.run()
    assert world.hub.rows[ann_hub].properties["email"] == "ann@example.com"
    assert world.ext.rows[ann].properties["email"] == "carol@example.com"  # its edit is kept
