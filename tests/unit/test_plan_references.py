"""The planner's truth table for reference fields: an association whose target is not linked yet
is PENDING on that side, which the planner treats as unchanged; it is never written and never
hashed into a base, and the record gets its reference once the target links.

Canonical association values are the targets' external keys, sorted, one a line.
"""

from __future__ import annotations

from types import EllipsisType
from typing import NamedTuple

import pytest

from syncer.engine.plan import Pair, PairPlan, Policy, Version, plan_pair
from syncer.ledger.values import Link, value_hash
from syncer.mapping.apply import FieldSpec
from syncer.mapping.references import PENDING, AssociationRef
from syncer.policies import ConflictPolicy, DeletePolicy, Direction
from syncer.records import FieldType, Side

HUB, EXT = Side.HUBSPOT, Side.EXTERNAL
FIELD = "@companies"
POLICY = Policy(ConflictPolicy.NEWEST, DeletePolicy.IGNORE, frozenset(Side))


def spec(direction: Direction = Direction.BOTH) -> FieldSpec:
    return FieldSpec(
        FIELD,
        FIELD,
        direction,
        FieldType.TEXT,
        FieldType.TEXT,
        {},
        {},
        False,
        reference=AssociationRef(FIELD, "companies", ("companyId",)),
    )


def link(base: str | None) -> Link:
    return Link(7, "h1", "e1", None, {FIELD: value_hash(base)})


Seen = str | EllipsisType | None  # `...`: that side not read this run


def plan(pair_link: Link | None, hub: Seen, ext: Seen) -> PairPlan:
    h = None if isinstance(hub, EllipsisType) else Version("h1", {FIELD: hub})
    e = None if isinstance(ext, EllipsisType) else Version("e1", {FIELD: ext})
    return plan_pair(Pair(pair_link, h, e, None), [spec()], POLICY)


class Row(NamedTuple):
    base: str | None
    hub: str | None
    ext: str | None
    writes: dict[Side, dict[str, str | None]]
    new_base: str | None  # the value the base ends up hashing


TABLE = {
    # pending on one side: that side is unchanged; the other side's change still goes across
    "hub pending, ext unchanged": Row("c1", PENDING, "c1", {}, "c1"),
    "hub pending, ext moved": Row("c1", PENDING, "c2", {HUB: {FIELD: "c2"}}, "c2"),
    "ext pending, hub unchanged": Row("c1", "c1", PENDING, {}, "c1"),
    "ext pending, hub moved": Row("c1", "c1\nc2", PENDING, {EXT: {FIELD: "c1\nc2"}}, "c1\nc2"),
    "ext pending, hub cleared": Row("c1", None, PENDING, {EXT: {FIELD: None}}, None),
    "both pending": Row("c1", PENDING, PENDING, {}, "c1"),
    # resolved later: the pending side now differs from the base and is copied across
    "hub resolves later": Row(None, "c3", None, {EXT: {FIELD: "c3"}}, "c3"),
    "ext resolves later": Row(None, None, "c3", {HUB: {FIELD: "c3"}}, "c3"),
    # echoes of our own edge writes produce nothing
    "echo": Row("c1\nc2", "c1\nc2", "c1\nc2", {}, "c1\nc2"),
}


@pytest.mark.parametrize("row", TABLE.values(), ids=list(TABLE))
def test_a_pending_side_is_unchanged(row: Row) -> None:
    result = plan(link(row.base), row.hub, row.ext)
    assert result.writes == row.writes
    assert result.base[FIELD] == value_hash(row.new_base)
    assert value_hash(PENDING) not in result.base.values()
    assert not result.conflicts


def test_agreed_edges_are_the_value_both_sides_hold_after_the_plan() -> None:
    moved = plan(link("c1"), "c2", "c1")
    assert moved.agreed == {FIELD: "c2"}
    agreeing = plan(link("c1"), "c5", "c5")  # both moved alike: re-based, nothing written
    assert (agreeing.writes, agreeing.agreed) == ({}, {FIELD: "c5"})
    assert plan(link("c1"), PENDING, "c1").agreed == {}  # nothing agreed anew


@pytest.mark.parametrize("source", [HUB, EXT])
def test_pending_on_create_sends_no_reference_and_bases_on_none(source: Side) -> None:
    created = plan(None, PENDING if source is HUB else ..., PENDING if source is EXT else ...)
    target = source.other
    assert created.create_on is target
    assert created.writes == {target: {}}  # the new record points nowhere yet
    assert created.base == {FIELD: value_hash(None)}  # what the new record holds
    assert created.agreed == {FIELD: None}


def test_a_create_whose_reference_resolves_later_gets_it_on_the_next_plan() -> None:
    created = plan(None, ..., PENDING)
    after = Link(7, "h1", "e1", None, created.base)
    later = plan(after, None, "c9")  # the target linked: the value resolves
    assert later.writes == {HUB: {FIELD: "c9"}}
    assert later.base[FIELD] == value_hash("c9")


def test_a_resolved_create_carries_its_associations() -> None:
    created = plan(None, ..., "c1\nc2")
    assert created.writes == {HUB: {FIELD: "c1\nc2"}}
    assert created.agreed == {FIELD: "c1\nc2"}


def test_a_one_way_association_never_flows_back() -> None:
    one_way = plan_pair(
        Pair(link("c1"), Version("h1", {FIELD: "c2"}), Version("e1", {FIELD: "c1"}), None),
        [spec(Direction.TO_HUBSPOT)],
        POLICY,
    )
    assert one_way.writes == {}


class GiveBack(NamedTuple):
    base: str | None
    hub: str | None
    ext: str | None
    writes: dict[Side, dict[str, str | None]]
    new_base: str | None


GIVE_BACK = {
    # neither side changed the field since the edge was lost: written back on both sides
    "lost its only edge": GiveBack(None, None, None, {HUB: {FIELD: "c1"}, EXT: {FIELD: "c1"}},
                                   "c1"),
    "lost one of two": GiveBack("c2", "c2", "c2", {HUB: {FIELD: "c1\nc2"}, EXT: {FIELD: "c1\nc2"}},
                                "c1\nc2"),
    # a side changed it since: that newer word wins, merged as any change; nothing given back
    "hub re-pointed since": GiveBack(None, "c3", None, {EXT: {FIELD: "c3"}}, "c3"),
    "ext re-pointed since": GiveBack(None, None, "c3", {HUB: {FIELD: "c3"}}, "c3"),
    "both re-pointed alike": GiveBack(None, "c3", "c3", {}, "c3"),
    # a side whose target is not linked yet says nothing: no give-back on half a picture
    "hub pending": GiveBack(None, PENDING, None, {}, None),
}  # fmt: skip


@pytest.mark.parametrize("row", GIVE_BACK.values(), ids=list(GIVE_BACK))
def test_edges_lost_to_an_archive_are_given_back_unless_changed_since(row: GiveBack) -> None:
    pair = Pair(link(row.base), Version("h1", {FIELD: row.hub}), Version("e1", {FIELD: row.ext}),
                None)  # fmt: skip
    result = plan_pair(pair, [spec()], POLICY, {FIELD: ("c1",)})
    assert result.writes == row.writes
    assert result.base[FIELD] == value_hash(row.new_base)
    assert not result.conflicts


def test_a_one_way_association_is_not_given_back_on_one_side_only() -> None:
    pair = Pair(link(None), Version("h1", {FIELD: None}), Version("e1", {FIELD: None}), None)
    result = plan_pair(pair, [spec(Direction.TO_HUBSPOT)], POLICY, {FIELD: ("c1",)})
    assert (result.writes, result.base[FIELD]) == ({}, value_hash(None))
