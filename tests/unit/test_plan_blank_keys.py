"""The planner never carries a blank match key (or unique id) across (hardening issue 13).

A record left without its key (a swap's giver whose re-key write was refused, a key cleared by
hand) reads as an edit against the link's base; copied across, it would overwrite its twin's good
key with nothing. Such a copy is refused instead: the blank record is quarantined, its twin keeps
its key, and the link's base for the key stays as it was, so it is planned again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest

from syncer.engine.plan import Pair, PairPlan, Policy, Version, plan_pair
from syncer.ledger.values import Link, value_hash
from syncer.mapping.apply import FieldSpec
from syncer.policies import ConflictPolicy, DeletePolicy, Direction
from syncer.records import FieldType, RejectionKind, Side

HUB, EXT = Side.HUBSPOT, Side.EXTERNAL
EARLY = datetime(2026, 3, 1, 12, tzinfo=UTC)
LATE = EARLY + timedelta(seconds=1)
NEWEST, HUB_WINS, EXT_WINS = ConflictPolicy.NEWEST, ConflictPolicy.HUBSPOT, ConflictPolicy.EXTERNAL
KEYS = frozenset({"email", "syncer_external_id"})
OLD = "ann@example.com"


def _spec(name: str) -> FieldSpec:
    return FieldSpec(name, name, Direction.BOTH, FieldType.TEXT, FieldType.TEXT, {}, {}, False)


FIELDS = [_spec("email"), _spec("firstname"), _spec("syncer_external_id")]


def _policy(conflict: ConflictPolicy = NEWEST) -> Policy:
    return Policy(conflict, DeletePolicy.IGNORE, frozenset(Side), keys=KEYS)


def _plan(
    hub_values: dict[str, str | None],
    ext_values: dict[str, str | None],
    *,
    conflict: ConflictPolicy = NEWEST,
    hub_at: datetime = EARLY,
    ext_at: datetime = LATE,
) -> PairPlan:
    base = {"email": OLD, "firstname": "Ann", "syncer_external_id": "e1"}
    link = Link(7, "h1", "e1", OLD, {k: value_hash(v) for k, v in base.items()})
    hub = Version("h1", {**base, **hub_values}, hub_at, carried_id="e1")
    ext = Version("e1", {**base, **ext_values}, ext_at)
    return plan_pair(Pair(link, hub, ext, OLD), FIELDS, _policy(conflict))


class Row(NamedTuple):
    hub: dict[str, str | None]
    ext: dict[str, str | None]
    conflict: ConflictPolicy
    hub_at: datetime
    refused_on: Side  # the side a blank would have been copied to
    blank_side_id: str
    key: str


BLANK_ROWS = [
    pytest.param(Row({"email": None}, {}, NEWEST, EARLY, EXT, "h1", "email"), id="hub-key-cleared"),
    pytest.param(Row({}, {"email": ""}, NEWEST, EARLY, HUB, "e1", "email"), id="ext-key-emptied"),
    pytest.param(
        Row({"email": None}, {"email": "new@example.com"}, NEWEST, LATE, EXT, "h1", "email"),
        id="blank-wins-newest",
    ),
    pytest.param(
        Row({"email": None}, {"email": "new@example.com"}, HUB_WINS, EARLY, EXT, "h1", "email"),
        id="blank-wins-by-policy",
    ),
    pytest.param(
        Row({}, {"syncer_external_id": None}, NEWEST, EARLY, HUB, "e1", "syncer_external_id"),
        id="unique-id-cleared",
    ),
]


@pytest.mark.parametrize("row", BLANK_ROWS)
def test_issue3_a_blank_match_key_is_refused_not_carried(row: Row) -> None:
    result = _plan(row.hub, row.ext, conflict=row.conflict, hub_at=row.hub_at)
    assert row.key not in result.writes.get(row.refused_on, {})
    assert result.base[row.key] == _plan({}, {}).base[row.key]  # the base is kept
    refusal = result.refused[row.refused_on]
    assert (refusal.kind, refusal.code, refusal.property) == (
        RejectionKind.REQUIRED_MISSING,
        "BLANK_MATCH_KEY",
        row.key,
    )
    assert row.blank_side_id in refusal.message and repr(row.key) in refusal.message
    assert not result.is_noop


def test_issue3_a_blank_key_losing_a_conflict_is_overwritten_with_the_good_key() -> None:
    result = _plan({"email": None}, {"email": "new@example.com"}, conflict=EXT_WINS)
    assert result.writes == {HUB: {"email": "new@example.com"}}
    assert result.refused == {}


def test_issue3_other_fields_of_a_blank_keyed_record_wait_with_it() -> None:
    """Its name edit is planned with the refusal: the executor sends nothing to that side."""
    result = _plan({"email": None, "firstname": "Annie"}, {})
    assert result.writes == {EXT: {"firstname": "Annie"}}
    assert set(result.refused) == {EXT}


def test_issue3_a_blank_ordinary_field_is_still_copied() -> None:
    result = _plan({"firstname": None}, {})
    assert result.writes == {EXT: {"firstname": None}}
    assert result.refused == {}


def test_issue3_without_keys_in_the_policy_a_blank_is_copied_as_before() -> None:
    base = {"email": value_hash(OLD)}
    link = Link(7, "h1", "e1", OLD, base)
    pair = Pair(link, Version("h1", {"email": None}), Version("e1", {"email": OLD}), OLD)
    policy = Policy(NEWEST, DeletePolicy.IGNORE, frozenset(Side))
    assert plan_pair(pair, [_spec("email")], policy).writes == {EXT: {"email": None}}
