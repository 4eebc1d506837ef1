"""The planner's truth table: one field, every combination of what each side did since the base.

`plan_pair` is pure, so each row builds a Pair (link, HubSpot version, external version) and
checks the writes, conflicts, new base, creates, archives and stamps it plans.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.engine.plan import Pair, PairPlan, Policy, Version, plan_pair
from syncer.ledger.values import Link, value_hash
from syncer.mapping.apply import FieldSpec
from syncer.policies import ConflictPolicy, DeletePolicy, Direction
from syncer.records import FieldType, Side

HUB, EXT = Side.HUBSPOT, Side.EXTERNAL
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
EARLY, LATE = T0, T0 + timedelta(seconds=1)
BOTH = frozenset(Side)
NEWEST, HUB_WINS, EXT_WINS = ConflictPolicy.NEWEST, ConflictPolicy.HUBSPOT, ConflictPolicy.EXTERNAL
IGNORE, ARCHIVE = DeletePolicy.IGNORE, DeletePolicy.ARCHIVE
TO_HUB, TO_EXT = Direction.TO_HUBSPOT, Direction.TO_EXTERNAL


def spec(name: str = "firstname", direction: Direction = Direction.BOTH) -> FieldSpec:
    return FieldSpec(name, f"{name}_x", direction, FieldType.TEXT, FieldType.TEXT, {}, {}, False)


def policy(
    conflict: ConflictPolicy = NEWEST,
    deletes: DeletePolicy = IGNORE,
    creates: frozenset[Side] = BOTH,
    withheld: frozenset[Side] = frozenset(),
) -> Policy:
    return Policy(conflict, deletes, creates, withheld)


def hub(
    value: str | None,
    at: datetime | None = EARLY,
    *,
    archived: bool = False,
    carried: str | None = "e1",
) -> Version:
    return Version("h1", {"firstname": value}, at, archived, carried)


def ext(value: str | None, at: datetime | None = EARLY, *, archived: bool = False) -> Version:
    return Version("e1", {"firstname": value}, at, archived)


def link(base: str | None = "old", archived_on: str | None = None) -> Link:
    return Link(7, "h1", "e1", "ann@example.com", {"firstname": value_hash(base)}, archived_on)


def plan(
    pair_link: Link | None,
    h: Version | None,
    e: Version | None,
    pol: Policy | None = None,
    fields: list[FieldSpec] | None = None,
) -> PairPlan:
    pair = Pair(pair_link, h, e, "ann@example.com")
    return plan_pair(pair, fields or [spec()], pol or policy())


# -- a linked pair: three-way merge against the base ------------------------------------------


class Seen(NamedTuple):
    """What each side holds now, the conflict policy, and each side's modification time."""

    hub: str | None
    ext: str | None
    conflict: ConflictPolicy = NEWEST
    hub_at: datetime | None = EARLY
    ext_at: datetime | None = LATE


class Want(NamedTuple):
    """The writes planned per side, the conflict's winner if any, and the value agreed on."""

    writes: dict[Side, str | None]
    winner: Side | None
    agreed: str | None


def check(result: PairPlan, seen: Seen, want: Want) -> None:
    assert result.writes == {side: {"firstname": v} for side, v in want.writes.items()}
    assert [c.winner for c in result.conflicts] == ([want.winner] if want.winner else [])
    if want.winner:
        [c] = result.conflicts
        hashes = (c.field, c.hubspot_hash, c.external_hash)
        assert hashes == ("firstname", value_hash(seen.hub), value_hash(seen.ext))
    assert result.base == {"firstname": value_hash(want.agreed)}


MERGE_TABLE = [
    pytest.param(Seen("new", "old"), Want({EXT: "new"}, None, "new"), id="hub-edit"),
    pytest.param(Seen("old", "new"), Want({HUB: "new"}, None, "new"), id="ext-edit"),
    pytest.param(Seen(None, "old"), Want({EXT: None}, None, None), id="hub-cleared"),
    pytest.param(Seen("old", None), Want({HUB: None}, None, None), id="ext-cleared"),
    pytest.param(Seen("same", "same"), Want({}, None, "same"), id="both-same-value"),
    pytest.param(
        Seen("a", "b", NEWEST, LATE, EARLY), Want({EXT: "a"}, HUB, "a"), id="newest-hub-later"
    ),
    pytest.param(
        Seen("a", "b", NEWEST, EARLY, LATE), Want({HUB: "b"}, EXT, "b"), id="newest-ext-later"
    ),
    pytest.param(Seen("a", "b", NEWEST, EARLY, EARLY), Want({EXT: "a"}, HUB, "a"), id="newest-tie"),
    pytest.param(
        Seen("a", "b", NEWEST, EARLY, None), Want({EXT: "a"}, HUB, "a"), id="newest-ext-unknown"
    ),
    pytest.param(
        Seen("a", "b", NEWEST, None, EARLY), Want({HUB: "b"}, EXT, "b"), id="newest-hub-unknown"
    ),
    pytest.param(
        Seen("a", "b", NEWEST, None, None), Want({EXT: "a"}, HUB, "a"), id="newest-both-unknown"
    ),
    pytest.param(
        Seen("a", "b", HUB_WINS, EARLY, LATE), Want({EXT: "a"}, HUB, "a"), id="hubspot-wins"
    ),
    pytest.param(
        Seen("a", "b", EXT_WINS, LATE, EARLY), Want({HUB: "b"}, EXT, "b"), id="external-wins"
    ),
    pytest.param(Seen(None, "b", HUB_WINS), Want({EXT: None}, HUB, None), id="clear-vs-edit"),
]


@pytest.mark.parametrize(("seen", "want"), MERGE_TABLE)
def test_linked_pair_merges_each_field_against_its_base(seen: Seen, want: Want) -> None:
    result = plan(
        link("old"), hub(seen.hub, seen.hub_at), ext(seen.ext, seen.ext_at), policy(seen.conflict)
    )
    check(result, seen, want)
    assert result.create_on is None and result.archive_on is None
    assert not result.is_noop


@pytest.mark.parametrize(
    ("h", "e"),
    [
        pytest.param(hub("old"), ext("old"), id="both-read-unchanged"),
        pytest.param(hub("old"), None, id="echo-on-hubspot"),
        pytest.param(None, ext("old"), id="echo-on-external"),
    ],
)
def test_a_value_equal_to_the_base_is_an_echo_and_plans_nothing(
    h: Version | None, e: Version | None
) -> None:
    result = plan(link("old"), h, e)
    assert result.writes == {} and result.conflicts == []
    assert result.base == link("old").base
    assert result.is_noop


def test_a_change_seen_on_one_side_only_is_copied_without_reading_the_other() -> None:
    assert plan(link("old"), hub("new"), None).writes == {EXT: {"firstname": "new"}}
    assert plan(link("old"), None, ext("new")).writes == {HUB: {"firstname": "new"}}


def test_fields_merge_independently() -> None:
    fields = [spec("firstname"), spec("lastname")]
    base = {"firstname": value_hash("f"), "lastname": value_hash("l")}
    pair_link = Link(7, "h1", "e1", None, base)
    h = Version("h1", {"firstname": "F2", "lastname": "l"}, EARLY, carried_id="e1")
    e = Version("e1", {"firstname": "f", "lastname": "L2"}, LATE)
    result = plan(pair_link, h, e, fields=fields)
    assert result.writes == {EXT: {"firstname": "F2"}, HUB: {"lastname": "L2"}}
    assert result.conflicts == []


# -- field directions ------------------------------------------------------------------------

# The side a one-way field comes from wins a conflict, even against the policy and the clock;
# and an edit on the side it flows to is overwritten by the source's value (issue 12: before,
# it was left different for ever).
DIRECTION_TABLE = [
    pytest.param(
        TO_HUB, Seen("new", "old"), Want({HUB: "old"}, None, "old"), id="to_hubspot-hub-edit"
    ),
    pytest.param(
        TO_HUB, Seen("old", "new"), Want({HUB: "new"}, None, "new"), id="to_hubspot-ext-edit"
    ),
    pytest.param(
        TO_EXT,
        Seen("new", "old"),
        Want({EXT: "new"}, None, "new"),
        id="to_external-hub-edit",
    ),
    pytest.param(
        TO_EXT, Seen("old", "new"), Want({EXT: "old"}, None, "old"), id="to_external-ext-edit"
    ),
    pytest.param(
        TO_HUB,
        Seen("a", "b", HUB_WINS, LATE, EARLY),
        Want({HUB: "b"}, EXT, "b"),
        id="to_hubspot-conflict",
    ),
    pytest.param(
        TO_EXT,
        Seen("a", "b", EXT_WINS, EARLY, LATE),
        Want({EXT: "a"}, HUB, "a"),
        id="to_external-conflict",
    ),
]


@pytest.mark.parametrize(("direction", "seen", "want"), DIRECTION_TABLE)
def test_a_one_way_field_flows_only_its_way_and_its_source_wins_conflicts(
    direction: Direction, seen: Seen, want: Want
) -> None:
    fields = [spec("firstname", direction)]
    versions = hub(seen.hub, seen.hub_at), ext(seen.ext, seen.ext_at)
    check(plan(link("old"), *versions, policy(seen.conflict), fields), seen, want)


# -- a new pair: both sides seen, no link yet ------------------------------------------------
# With no base, a difference is not a conflict (nobody can tell which side changed): `first_link`
# settles it (newest by default), and it is counted apart (issue 12: a migration once logged 308
# "conflicts" that were only two records meeting). The conflict policy plays no part.


@pytest.mark.parametrize(
    ("seen", "first_link", "want", "differences"),
    [
        pytest.param(Seen("Ann", "Ann"), NEWEST, Want({}, None, "Ann"), 0, id="equal"),
        pytest.param(Seen(None, None), NEWEST, Want({}, None, None), 0, id="both-empty"),
        pytest.param(
            Seen("Ann", "Anne"), NEWEST, Want({HUB: "Anne"}, None, "Anne"), 1, id="newest"
        ),
        pytest.param(
            Seen("Ann", "Anne", EXT_WINS),
            NEWEST,
            Want({HUB: "Anne"}, None, "Anne"),
            1,
            id="conflict-policy-ignored",
        ),
        pytest.param(
            Seen("Ann", "Anne", EXT_WINS),
            HUB_WINS,
            Want({EXT: "Ann"}, None, "Ann"),
            1,
            id="first-link-hubspot",
        ),
        pytest.param(
            Seen("Ann", "Anne", HUB_WINS, LATE, EARLY),
            EXT_WINS,
            Want({HUB: "Anne"}, None, "Anne"),
            1,
            id="first-link-external",
        ),
    ],
)
def test_a_new_pair_agrees_on_a_first_base(
    seen: Seen, first_link: ConflictPolicy, want: Want, differences: int
) -> None:
    versions = hub(seen.hub, seen.hub_at, carried=None), ext(seen.ext, seen.ext_at)
    rules = Policy(seen.conflict, IGNORE, BOTH, first_link=first_link)
    result = plan(None, *versions, rules)
    check(result, seen, want)
    assert result.first_link_differences == differences
    assert result.create_on is None
    assert not result.is_noop  # the new link itself must be remembered


@pytest.mark.parametrize(
    ("h", "e", "conflict", "writes"),
    [
        pytest.param("Ann", None, EXT_WINS, {EXT: "Ann"}, id="hubspot-fills-in"),
        pytest.param(None, "Ann", HUB_WINS, {HUB: "Ann"}, id="external-fills-in"),
    ],
)
def test_on_a_first_link_a_value_fills_in_an_empty_one_whatever_the_policy(
    h: str | None, e: str | None, conflict: ConflictPolicy, writes: dict[Side, str]
) -> None:
    result = plan(None, hub(h, LATE, carried=None), ext(e, LATE), policy(conflict))
    assert result.writes == {side: {"firstname": v} for side, v in writes.items()}
    assert result.base == {"firstname": value_hash("Ann")}


def test_a_first_link_fill_in_is_not_logged_as_a_conflict() -> None:
    result = plan(None, hub("Ann", carried=None), ext(None))
    assert result.conflicts == []


# -- the external-id stamp --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("carried", "expected"),
    [pytest.param(None, True, id="none"), ("e1", False), ("e9", True)],
)
def test_hubspot_is_stamped_with_the_external_id_it_does_not_carry_yet(
    carried: str | None, expected: bool
) -> None:
    assert plan(link("old"), hub("old", carried=carried), ext("old")).stamp_external_id is expected
    assert plan(None, hub("x", carried=carried), ext("x")).stamp_external_id is expected


def test_a_hubspot_record_read_alone_is_stamped_with_its_links_external_id() -> None:
    assert plan(link("old"), hub("new", carried=None), None).stamp_external_id
    assert not plan(link("old"), hub("new", carried="e1"), None).stamp_external_id
    assert not plan(link("old"), None, ext("new")).stamp_external_id


def test_an_unstamped_extraction_plans_no_stamp_and_so_no_write_to_hubspot() -> None:
    unstamped = Policy(NEWEST, IGNORE, frozenset({EXT}), stamps_external_id=False)
    for pair_link, h, e in [
        (link("old"), hub("old", carried=None), ext("old")),  # linked, never stamped
        (None, hub("x", carried=None), ext("x")),  # a new link by match key
        (link("old"), hub("new", carried="e9"), None),
    ]:
        planned = plan(pair_link, h, e, unstamped, [spec(direction=TO_EXT)])
        assert not planned.stamp_external_id and HUB not in planned.writes


# -- creates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), [(HUB, EXT), (EXT, HUB)])
def test_a_record_without_counterpart_is_created_on_the_other_side(
    source: Side, target: Side
) -> None:
    h, e = (hub("Ann"), None) if source is HUB else (None, ext("Ann"))
    result = plan(None, h, e)
    assert result.create_on is target
    assert result.writes == {target: {"firstname": "Ann"}}
    assert result.base == {"firstname": value_hash("Ann")}
    assert result.conflicts == [] and not result.stamp_external_id
    assert not result.is_noop


@pytest.mark.parametrize(
    ("creates", "source", "created"),
    [
        (frozenset({HUB}), HUB, False),
        (frozenset({HUB}), EXT, True),
        (frozenset({EXT}), HUB, True),
        (frozenset({EXT}), EXT, False),
    ],
)
def test_creates_go_only_to_the_sides_the_policy_allows(
    creates: frozenset[Side], source: Side, created: bool
) -> None:
    h, e = (hub("Ann"), None) if source is HUB else (None, ext("Ann"))
    result = plan(None, h, e, policy(creates=creates))
    assert (result.create_on is source.other) is created
    assert bool(result.writes) is created


def test_a_create_the_direction_forbids_is_a_noop() -> None:
    result = plan(None, hub("Ann"), None, policy(creates=frozenset({HUB})))
    assert result.is_noop and result.create_withheld is None


@pytest.mark.parametrize(
    ("creates", "withheld", "source", "create_on", "kept_from"),
    [
        # create_in = ["hubspot"] with direction = "both": external records go to HubSpot only
        (frozenset({HUB}), frozenset({EXT}), EXT, HUB, None),
        (frozenset({HUB}), frozenset({EXT}), HUB, None, EXT),
        # create_in = ["external"]
        (frozenset({EXT}), frozenset({HUB}), HUB, EXT, None),
        (frozenset({EXT}), frozenset({HUB}), EXT, None, HUB),
    ],
)
def test_a_create_create_in_keeps_out_is_reported_not_sent(
    creates: frozenset[Side],
    withheld: frozenset[Side],
    source: Side,
    create_on: Side | None,
    kept_from: Side | None,
) -> None:
    h, e = (hub("Ann"), None) if source is HUB else (None, ext("Ann"))
    result = plan(None, h, e, policy(creates=creates, withheld=withheld))
    assert (result.create_on, result.create_withheld) == (create_on, kept_from)
    assert bool(result.writes) is (create_on is not None)
    assert result.is_noop is (create_on is None)  # nothing sent, nothing remembered


def constant(value: str = "Classic cars") -> FieldSpec:
    return FieldSpec(
        "hs_folder", None, TO_HUB, FieldType.TEXT, FieldType.TEXT, {}, {}, False, constant=value
    )


def test_a_create_in_hubspot_carries_the_constant() -> None:
    # The mapping reads the constant as the external record's value (FieldMap.canonical).
    e = Version("e1", {"firstname": "Ann", "hs_folder": "Classic cars"}, EARLY, False)
    result = plan(None, None, e, fields=[spec(), constant()])
    assert result.writes == {HUB: {"firstname": "Ann", "hs_folder": "Classic cars"}}
    assert result.base["hs_folder"] == value_hash("Classic cars")


def test_a_create_from_hubspot_takes_the_constant_as_what_the_table_holds() -> None:
    h = Version("h1", {"firstname": "Ann", "hs_folder": "Vans"}, EARLY, False, None)
    result = plan(None, h, None, fields=[spec(), constant()])
    assert result.writes == {EXT: {"firstname": "Ann"}}  # no column to write it to
    assert result.base["hs_folder"] == value_hash("Classic cars")


def test_create_in_does_not_touch_linked_records() -> None:
    only_hub = policy(creates=frozenset({HUB}), withheld=frozenset({EXT}))
    result = plan(link("old"), hub("new"), ext("old"), only_hub)
    assert result.writes == {EXT: {"firstname": "new"}} and result.create_withheld is None


def test_a_create_sends_only_the_fields_that_flow_to_the_target() -> None:
    fields = [spec("firstname"), spec("lastname", TO_HUB)]
    h = Version("h1", {"firstname": "Ann", "lastname": "Lee"}, EARLY)
    result = plan_pair(Pair(None, h, None, "ann@example.com"), fields, policy())
    assert result.writes == {EXT: {"firstname": "Ann"}}
    assert result.base == {"firstname": value_hash("Ann"), "lastname": value_hash(None)}


# -- archives --------------------------------------------------------------------------------


@pytest.mark.parametrize("gone", [HUB, EXT])
def test_with_deletes_ignored_an_archive_is_remembered_and_nothing_is_sent(gone: Side) -> None:
    h = hub("new", archived=gone is HUB)
    e = ext("other", archived=gone is EXT)
    result = plan(link("old"), h, e, policy(deletes=IGNORE))
    assert result.writes == {} and result.archive_on is None
    assert result.archived == frozenset({gone})
    assert result.base == link("old").base
    assert not result.is_noop  # the link must learn about the archive


@pytest.mark.parametrize("gone", [HUB, EXT])
def test_with_deletes_archived_the_twin_is_archived(gone: Side) -> None:
    h = hub("old", archived=gone is HUB)
    e = ext("old", archived=gone is EXT) if gone is EXT else None
    result = plan(link("old"), h, e, policy(deletes=ARCHIVE))
    assert result.archive_on is gone.other
    assert result.archived == BOTH
    assert result.writes == {}


def test_both_sides_archived_at_once_archive_nothing_more() -> None:
    result = plan(
        link("old"), hub("old", archived=True), ext("old", archived=True), policy(deletes=ARCHIVE)
    )
    assert result.archive_on is None and result.archived == BOTH


def test_a_remembered_archive_holds_back_writes_to_that_side() -> None:
    result = plan(link("old", archived_on="external"), hub("new"), None, policy(deletes=IGNORE))
    assert result.writes == {} and result.archive_on is None
    assert result.base == link("old").base
    assert result.is_noop


def test_with_deletes_archive_a_remembered_one_sided_archive_archives_the_twin() -> None:
    # e.g. an update found the external record gone: the archive policy is owed to HubSpot
    result = plan(link("old", archived_on="external"), hub("new"), None, policy(deletes=ARCHIVE))
    assert result.writes == {} and result.archive_on == HUB and result.archived == BOTH


def test_a_record_seen_live_again_is_restored_and_merged() -> None:
    result = plan(link("old", archived_on="external"), hub("old"), ext("new"))
    assert result.archived == frozenset()
    assert result.writes == {HUB: {"firstname": "new"}}
    assert not result.is_noop


@pytest.mark.parametrize("deletes", list(DeletePolicy))
def test_an_unlinked_archived_record_is_neither_paired_nor_created(deletes: DeletePolicy) -> None:
    result = plan(None, hub("Ann", archived=True), None, policy(deletes=deletes))
    assert result.writes == {} and result.create_on is None and result.archive_on is None


# -- is_noop ---------------------------------------------------------------------------------


def test_is_noop_only_when_nothing_is_sent_and_nothing_new_is_remembered() -> None:
    quiet = plan(link("old"), hub("old"), ext("old"))
    assert quiet.is_noop
    rebased = PairPlan(quiet.pair, base={"firstname": value_hash("x")})
    stamping = PairPlan(quiet.pair, base=dict(quiet.base), stamp_external_id=True)
    writing = PairPlan(quiet.pair, base=dict(quiet.base), writes={HUB: {"firstname": "x"}})
    archiving = PairPlan(quiet.pair, base=dict(quiet.base), archive_on=EXT)
    for not_quiet in (rebased, stamping, writing, archiving):
        assert not not_quiet.is_noop


# -- restores: a record seen live again after deletes=archive archived both -----------------


class Restore(NamedTuple):
    restored: Side
    twin_seen_archived: bool  # the twin read archived this run, or not read at all
    creates: frozenset[Side]
    create_on: Side | None
    archived: frozenset[Side]


RESTORES = [
    Restore(EXT, False, BOTH, HUB, frozenset()),  # restored on HubSpot too, made anew, relinked
    Restore(EXT, True, BOTH, HUB, frozenset()),
    Restore(HUB, False, BOTH, EXT, frozenset()),
    Restore(HUB, True, BOTH, EXT, frozenset()),
    Restore(EXT, False, frozenset({EXT}), None, BOTH),  # no creates there: alone, not undone
    Restore(HUB, True, frozenset({HUB}), None, BOTH),
]


@pytest.mark.parametrize("row", RESTORES)
def test_issue2_with_deletes_archive_a_restore_restores_its_twin_with_the_edit(
    row: Restore,
) -> None:
    live = hub("new") if row.restored is HUB else ext("new")
    gone_twin = ext("old", archived=True) if row.restored is HUB else hub("old", archived=True)
    twin = gone_twin if row.twin_seen_archived else None
    h, e = (live, twin) if row.restored is HUB else (twin, live)
    pol = policy(deletes=ARCHIVE, creates=row.creates)
    result = plan(link("old", archived_on="both"), h, e, pol)
    assert result.archive_on is None
    assert (result.create_on, result.archived) == (row.create_on, row.archived)
    if row.create_on is None:
        assert result.writes == {} and result.is_noop
    else:
        assert result.writes == {row.create_on: {"firstname": "new"}}
        assert result.base == {"firstname": value_hash("new")}


def test_with_deletes_ignore_a_restore_after_both_were_archived_stays_alone() -> None:
    result = plan(link("old", archived_on="both"), None, ext("new"), policy(deletes=IGNORE))
    assert result.archive_on is None and result.create_on is None and result.writes == {}
    assert result.archived == frozenset({HUB})


# -- a plan, once carried out, is quiet ------------------------------------------------------

VALUES = st.sampled_from([None, "a", "b", "c"])
TIMES = st.sampled_from([None, EARLY, LATE])


@settings(max_examples=300)
@given(
    base=st.one_of(st.none(), VALUES),
    hub_value=VALUES,
    ext_value=VALUES,
    times=st.tuples(TIMES, TIMES),
    conflict=st.sampled_from(ConflictPolicy),
    direction=st.sampled_from(Direction),
)
def test_a_plan_carried_out_leaves_nothing_to_do(
    *,
    base: str | None,
    hub_value: str | None,
    ext_value: str | None,
    times: tuple[datetime | None, datetime | None],
    conflict: ConflictPolicy,
    direction: Direction,
) -> None:
    """Echo suppression as a property: apply the writes, remember the new base, plan again."""
    fields = [spec("firstname", direction)]
    pair_link = link(base) if base is not None else None
    first = plan(
        pair_link, hub(hub_value, times[0]), ext(ext_value, times[1]), policy(conflict), fields
    )
    after = {HUB: hub_value, EXT: ext_value}
    for side, values in first.writes.items():
        after[side] = values["firstname"]
    if direction is Direction.BOTH:
        assert after[HUB] == after[EXT]  # both directions: the pair agrees after one plan
    relinked = Link(7, "h1", "e1", "ann@example.com", first.base)
    again = plan(relinked, hub(after[HUB], LATE), ext(after[EXT], LATE), policy(conflict), fields)
    assert again.writes == {} and again.conflicts == []
    assert again.base == first.base
