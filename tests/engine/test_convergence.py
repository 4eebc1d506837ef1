"""Two-way sync convergence, checked by a Hypothesis state machine over two in-memory CRMs.

Users create, edit and archive records on either side while syncs (and now and then a full
migrate) run between them, some of them under injected faults: a whole write call failing,
individual writes refused, or the run dying at one of the engine's named points. After every
step no side holds two live records with one email and the ledger pairs records one to one.
At the end, with faults off and the quarantine's back-off elapsed, two clean syncs must leave
every live pair agreeing on every mapped field, and a third sync must write nothing.

The oracle below normalises values itself (emails, empty text, the status value map) rather
than borrowing the engine's mapping code, so a bug there cannot hide its own symptom.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from syncer.connectors.memory import MemoryConnector
from syncer.engine import failpoints, stream
from syncer.engine.report import Mode, RunReport
from syncer.engine.run import PipelineRun, run_pipeline
from syncer.errors import GuardRefused, RetryableError
from syncer.ledger.schema import links
from syncer.ledger.store import Ledger
from syncer.records import Rejection, RejectionKind, Side, Write, WriteResult
from tests.engine.conftest import (
    EXT_TYPES,
    HUB_TYPES,
    Clock,
    World,
    make_pipeline,
    reject_bad_email,
)
from tests.ledger_tables import ledger_tables

HUB_FIELDS = {"firstname": "first_name", "lastname": "last_name", "lifecyclestage": "status"}
STATUS_TO_HUBSPOT = {"L": "lead", "C": "customer"}


class InjectedCrash(Exception):
    """Stands for the process dying at a failpoint."""


class FaultyConnector(MemoryConnector):
    """The reference connector with switchable faults, as a flaky CRM would show them."""

    outage = False  # every write call raises, as after exhausted retries
    refuse_every = 0  # refuse every n-th write (by position in the call), without applying it

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        if self.outage:
            self.counter.add("write")
            raise RetryableError("injected outage: 503 Service Unavailable")
        if not self.refuse_every:
            return super().write(writes)
        refused = [w for i, w in enumerate(writes) if i % self.refuse_every == 0]
        passed = [w for i, w in enumerate(writes) if i % self.refuse_every != 0]
        results = super().write(passed) if passed else []
        return results + [
            WriteResult(
                w.key,
                None,
                rejection=Rejection(RejectionKind.UNKNOWN, "INJECTED", "injected refusal", None),
            )
            for w in refused
        ]


def norm_email(value: object) -> str | None:
    text = unicodedata.normalize("NFKC", str(value)).strip().lower() if value is not None else ""
    return text or None


def norm_text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def hub_view(props: Mapping[str, Any]) -> dict[str, str | None]:
    out = {key: norm_text(props.get(key)) for key in HUB_FIELDS}
    return {"email": norm_email(props.get("email")), **out}


def ext_view(props: Mapping[str, Any]) -> dict[str, str | None]:
    out = {key: norm_text(props.get(column)) for key, column in HUB_FIELDS.items()}
    status = out["lifecyclestage"]
    out["lifecyclestage"] = STATUS_TO_HUBSPOT.get(status, status) if status else None
    return {"email": norm_email(props.get("email")), **out}


LOCALS = ["ann", "bob", "cy", "dee"]


@st.composite
def emails(draw: st.DrawFn) -> str:
    """A few addresses, written with different case and surrounding space."""
    address = f"{draw(st.sampled_from(LOCALS))}@example.com"
    spellings: list[Callable[[str], str]] = [str, str.upper, str.title, lambda s: f"  {s} "]
    return draw(st.sampled_from(spellings))(address)


TEXTS = st.one_of(
    st.none(),
    st.sampled_from(["", "Ann", "Zoë", "😀🚀 party", "مرحبا", "  padded  "]),
    st.integers(1000, 70_000).map(lambda n: "x" * n),
    st.text(max_size=12),
)
HUB_EMAILS = st.one_of(st.none(), emails())
EXT_EMAILS = st.one_of(st.none(), emails(), st.just("not-an-email"))
HUB_STAGES = st.sampled_from([None, "lead", "customer"])
# "P" has no mapping: the record is refused naming it (never sent untranslated)
EXT_STAGES = st.sampled_from([None, "L", "C", "P"])
SIDES = st.sampled_from(list(Side))
POINTS = st.sampled_from(list(failpoints.POINTS))


# Memory-backed scratch space where there is one: hundreds of small ledgers are made and dropped.
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") else None


@functools.cache
def empty_ledger() -> str:
    """A migrated, empty ledger file that each example copies instead of migrating again."""
    path = os.path.join(tempfile.mkdtemp(prefix="syncer-ledger-", dir=SCRATCH), "empty.db")
    Ledger.open(f"sqlite:///{path}").close()
    return path


class SyncMachine(RuleBasedStateMachine):
    deletes = "ignore"

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="syncer-convergence-", dir=SCRATCH)
        shutil.copy(empty_ledger(), f"{self.dir}/ledger.db")
        self.ledger = Ledger.open(f"sqlite:///{self.dir}/ledger.db")
        self.clock = Clock()
        self.clock.now = datetime.now(UTC)  # the quarantine's back-off runs on the wall clock
        self.hub = FaultyConnector(HUB_TYPES, clock=self.clock, validate=reject_bad_email)
        self.ext = FaultyConnector(EXT_TYPES, clock=self.clock)
        self.pipeline = make_pipeline(deletes=self.deletes)
        self.archived_twins: dict[tuple[Side, str], str] = {}

    # -- helpers -----------------------------------------------------------------------------

    def side(self, side: Side) -> FaultyConnector:
        return self.hub if side is Side.HUBSPOT else self.ext

    def run(self, mode: Mode = Mode.SYNC, *, force: bool = False) -> RunReport | None:
        connectors: dict[Side, Any] = {Side.HUBSPOT: self.hub, Side.EXTERNAL: self.ext}
        ctx = PipelineRun(
            self.pipeline, self.ledger, connectors, owner="test", force=force, clock=self.clock
        )
        try:
            return run_pipeline(ctx, mode)
        except GuardRefused:
            # Right when a side lists nothing although pairs are linked (a full listing: a
            # migrate, or a sync with no cursor yet); wrong otherwise.
            assert not self.hub.live() or not self.ext.live()
            event("a guard refused a run: one side is empty")
            return None

    def email_taken(self, side: Side, email: str | None, except_id: str | None = None) -> bool:
        """Users cannot give two live records of one side the same email (both CRMs refuse)."""
        key = norm_email(email)
        return key is not None and any(
            norm_email(r.properties.get("email")) == key
            for r in self.side(side).live()
            if r.id != except_id
        )

    def all_links(self) -> list[sa.Row[Any]]:
        with ledger_tables(f"sqlite:///{self.dir}/ledger.db") as conn:
            return list(conn.execute(sa.select(links)))

    # -- what users do -----------------------------------------------------------------------

    @rule(email=HUB_EMAILS, first=TEXTS, last=TEXTS, stage=HUB_STAGES)
    def create_in_hubspot(self, email: str | None, first: Any, last: Any, stage: Any) -> None:
        if not self.email_taken(Side.HUBSPOT, email):
            props = {"email": email, "firstname": first, "lastname": last}
            self.hub.put({**props, "lifecyclestage": stage})

    @rule(email=EXT_EMAILS, first=TEXTS, last=TEXTS, stage=EXT_STAGES)
    def create_externally(self, email: str | None, first: Any, last: Any, stage: Any) -> None:
        if not self.email_taken(Side.EXTERNAL, email):
            props = {"email": email, "first_name": first, "last_name": last}
            self.ext.put({**props, "status": stage})

    @rule(
        pick=st.integers(0, 99),
        first=TEXTS,
        stage=HUB_STAGES,
        new_email=st.booleans(),
        email=HUB_EMAILS,
    )
    def edit_in_hubspot(
        self, pick: int, first: Any, stage: Any, new_email: bool, email: str | None
    ) -> None:
        live = self.hub.live()
        if live:
            record = live[pick % len(live)]
            props = {"firstname": first, "lifecyclestage": stage}
            if new_email and not self.email_taken(Side.HUBSPOT, email, record.id):
                props["email"] = email
            self.hub.put(props, record.id)

    @rule(
        pick=st.integers(0, 99),
        last=TEXTS,
        stage=EXT_STAGES,
        new_email=st.booleans(),
        email=EXT_EMAILS,
    )
    def edit_externally(
        self, pick: int, last: Any, stage: Any, new_email: bool, email: str | None
    ) -> None:
        live = self.ext.live()
        if live:
            record = live[pick % len(live)]
            props = {"last_name": last, "status": stage}
            if new_email and not self.email_taken(Side.EXTERNAL, email, record.id):
                props["email"] = email
            self.ext.put(props, record.id)

    @rule(side=SIDES, pick=st.integers(0, 99))
    def swap_emails(self, side: Side, pick: int) -> None:
        """Two live records of one side trade emails (issue 3: a swap must converge)."""
        live = [r for r in self.side(side).live() if r.properties.get("email")]
        if len(live) < 2:
            return
        first, second = live[pick % len(live)], live[(pick + 1) % len(live)]
        emails = first.properties["email"], second.properties["email"]
        self.side(side).put({"email": emails[1]}, first.id)
        self.side(side).put({"email": emails[0]}, second.id)

    @rule(side=SIDES, pick=st.integers(0, 99))
    def archive(self, side: Side, pick: int) -> None:
        live = self.side(side).live()
        if not live:
            return
        record = live[pick % len(live)]
        link = self.ledger.links_for("contacts", side, [record.id]).get(record.id)
        if link is not None and link.archived_on is None:
            self.archived_twins[(side, record.id)] = link.id_on(side.other)
        self.side(side).remove(record.id)

    # -- what the engine does ----------------------------------------------------------------

    @rule()
    def sync(self) -> None:
        self.run()

    @rule()
    def migrate(self) -> None:
        self.run(Mode.MIGRATE)

    @rule()
    def operator_retries_the_quarantine(self) -> None:
        self.ledger.retry_quarantined("contacts")  # `syncer errors retry`
        self.run()

    @rule(side=SIDES)
    def sync_during_outage(self, side: Side) -> None:
        self.side(side).outage = True
        try:
            self.run()
        except RetryableError:
            event("a run died of an outage")  # only if the run had something to write there
        finally:
            self.side(side).outage = False

    @rule(side=SIDES, every=st.integers(1, 3))
    def sync_with_refusals(self, side: Side, every: int) -> None:
        self.side(side).refuse_every = every
        try:
            self.run()
        finally:
            self.side(side).refuse_every = 0

    @rule(point=POINTS)
    def sync_that_crashes(self, point: str) -> None:
        def crash(name: str) -> None:
            if name == point:
                raise InjectedCrash(name)

        original = failpoints.hit
        setattr(failpoints, "hit", crash)  # noqa: B010 -- as pytest's monkeypatch does
        try:
            self.run()
        except InjectedCrash:
            event(f"a run crashed at {point}")  # if it got that far: it may have had no work
        finally:
            setattr(failpoints, "hit", original)  # noqa: B010

    # -- what must always hold ---------------------------------------------------------------

    @invariant()
    def no_side_holds_one_email_twice(self) -> None:
        for side in Side:
            keys = [norm_email(r.properties.get("email")) for r in self.side(side).live()]
            present = [k for k in keys if k is not None]
            dupes = {k for k in present if present.count(k) > 1}
            assert not dupes, f"{side.value} has live duplicates {dupes}"

    @invariant()
    def links_are_one_to_one_and_point_at_real_records(self) -> None:
        rows = self.all_links()
        hub_ids = [r.hubspot_id for r in rows]
        ext_ids = [r.external_id for r in rows]
        assert len(set(hub_ids)) == len(hub_ids), hub_ids
        assert len(set(ext_ids)) == len(ext_ids), ext_ids
        assert set(hub_ids) <= self.hub.rows.keys()
        assert set(ext_ids) <= self.ext.rows.keys()

    # -- the end -----------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            self.converge()
        finally:
            self.ledger.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def converge(self) -> None:
        self.clock.now += timedelta(hours=25)  # every quarantined record is due for a retry
        self.run(force=True)  # as an operator would, past a guard that an empty side trips
        self.run(force=True)
        third = self.run(force=True)
        self.check_pairs_agree()
        self.check_archives_respected()
        assert third is not None and third.writes == 0, third and third.render()

    def rightly_refused(self) -> set[tuple[Side, str]]:
        """The records still quarantined at the end, each checked to deserve it: a fault that
        is over must have been retried away, and a refusal must match the record's data."""
        refused: set[tuple[Side, str]] = set()
        for entry in self.ledger.quarantined("contacts"):
            side, record_id = entry.source_side, entry.record_id
            record = self.side(side).rows[record_id]
            if record.archived:
                continue  # archived while quarantined: nothing left to sync
            email, category = record.properties.get("email"), entry.category
            where = f"{side.value} {record_id} ({email!r}) quarantined for {category}"
            if category == "INVALID_EMAIL":
                assert email and "@" not in str(email), where
            elif category in ("MISSING_MATCH_KEY", "BLANK_MATCH_KEY"):
                # BLANK: a linked record's email cleared; the blank is not copied to its twin.
                assert norm_email(email) is None, where
            elif category == "DUPLICATE_MATCH_KEY":
                assert self.someone_else_holds(side, record_id, norm_email(email)), where
            elif category == "INVALID_VALUE" and "'P' has no entry in values" in entry.message:
                assert side is Side.EXTERNAL and record.properties.get("status") == "P", where
            else:
                raise AssertionError(f"{where}, a fault that is over: {entry.message}")
            refused.add((side, record_id))
            event(f"left quarantined for {category}")
        return refused

    def someone_else_holds(self, side: Side, record_id: str, key: str | None) -> bool:
        """Another record has this email and is linked, or is live on the same side."""
        linked = {(Side.HUBSPOT, r.hubspot_id) for r in self.all_links()}
        linked |= {(Side.EXTERNAL, r.external_id) for r in self.all_links()}
        return key is not None and any(
            norm_email(other.properties.get("email")) == key
            and ((s, other.id) in linked or (s is side and not other.archived))
            for s in Side
            for other in self.side(s).rows.values()
            if (s, other.id) != (side, record_id)
        )

    def check_pairs_agree(self) -> None:
        excluded = self.rightly_refused()
        by_side = {Side.HUBSPOT: {r.hubspot_id: r for r in self.all_links()}}
        by_side[Side.EXTERNAL] = {r.external_id: r for r in self.all_links()}
        for side in Side:
            for record in self.side(side).live():
                link = by_side[side].get(record.id)
                if link is None:
                    assert (side, record.id) in excluded, f"{side.value} {record.id} is unpaired"
                    continue
                self.check_pair(link.hubspot_id, link.external_id, excluded)

    def check_pair(self, hub_id: str, ext_id: str, excluded: set[tuple[Side, str]]) -> None:
        hub, ext = self.hub.rows[hub_id], self.ext.rows[ext_id]
        if hub.archived or ext.archived:
            assert self.deletes == "ignore", f"pair {hub_id}/{ext_id} is archived on one side"
            return
        if {(Side.HUBSPOT, hub_id), (Side.EXTERNAL, ext_id)} & excluded:
            return  # a side refuses this record's data: it cannot agree, and it is on record
        assert hub_view(hub.properties) == ext_view(ext.properties), (hub, ext)
        assert hub.properties.get("syncer_external_id") == ext_id

    def check_archives_respected(self) -> None:
        """An archived record's twin is not re-paired with a re-created copy."""
        for (side, record_id), twin in self.archived_twins.items():
            link = self.ledger.links_for("contacts", side, [record_id]).get(record_id)
            assert link is not None, f"the link of archived {side.value} {record_id} vanished"
            assert link.id_on(side.other) == twin


class ArchivingSyncMachine(SyncMachine):
    deletes = "archive"


class SmallPagesSyncMachine(SyncMachine):
    """Migrations streamed two records a page (engine/stream.py), listed one at a time: twins,
    keys and duplicates fall in different pages."""

    def __init__(self) -> None:
        super().__init__()
        self._page = stream.STREAM_PAGE
        stream.STREAM_PAGE = 2
        self.hub.page_size = self.ext.page_size = 1

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            stream.STREAM_PAGE = self._page


FAST = settings(
    max_examples=25,
    stateful_step_count=12,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no slow tracing
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestConvergenceDeletesIgnored = SyncMachine.TestCase
TestConvergenceDeletesIgnored.settings = FAST
TestConvergenceDeletesArchived = ArchivingSyncMachine.TestCase
TestConvergenceDeletesArchived.settings = FAST
TestConvergenceStreamedInSmallPages = SmallPagesSyncMachine.TestCase
TestConvergenceStreamedInSmallPages.settings = FAST


# -- bugs the machine found, pinned as small examples ------------------------------------------


def _refuse_external_id(props: Mapping[str, Any]) -> Rejection | None:
    if "syncer_external_id" in props:
        return Rejection(
            RejectionKind.UNKNOWN, "INJECTED", "injected refusal of the external-id stamp"
        )
    return reject_bad_email(props)


def test_a_refused_external_id_stamp_is_sent_again(world: World) -> None:
    hub = world.hub.put({"email": "ann@example.com", "firstname": "Ann"})
    world.hub.validate = _refuse_external_id
    world.run()
    [ext] = world.ext.live()
    world.hub.validate = reject_bad_email
    world.clock.now = datetime.now(UTC) + timedelta(hours=25)  # the quarantine back-off is over
    world.run()
    world.run()
    assert world.hub.rows[hub.id].properties.get("syncer_external_id") == ext.id


def _two_pairs(world: World) -> tuple[str, str]:
    """Two linked pairs; returns the ids of the first. The second keeps both sides non-empty,
    so the migrate guard has no reason to refuse."""
    for name in ("ann", "bob"):
        world.hub.put({"email": f"{name}@example.com", "firstname": name.title()})
    world.run(Mode.MIGRATE)
    hub_id = next(r.id for r in world.hub.live() if r.properties["email"] == "ann@example.com")
    return hub_id, world.ledger.links_for("contacts", Side.HUBSPOT, [hub_id])[hub_id].external_id


def test_an_archive_made_just_before_a_migrate_still_archives_the_twin(world: World) -> None:
    world.pipeline = make_pipeline(deletes="archive")
    hub_id, ext_id = _two_pairs(world)
    world.hub.remove(hub_id)
    world.run(Mode.MIGRATE)
    world.run()
    world.run()
    assert world.ext.rows[ext_id].archived


def test_a_record_found_gone_by_an_update_archives_its_twin(world: World) -> None:
    world.pipeline = make_pipeline(deletes="archive")
    hub_id, ext_id = _two_pairs(world)
    del world.hub.rows[hub_id]  # deleted behind our back: no archive was ever listed
    world.ext.put({"last_name": "Edited"}, ext_id)
    world.run()
    assert world.ledger.links_for("contacts", Side.HUBSPOT, [hub_id])[hub_id].archived_on
    world.ext.put({"last_name": "Edited again"}, ext_id)
    world.run()
    assert world.ext.rows[ext_id].archived


def test_issue3_clearing_a_linked_email_is_quarantined_never_copied(world: World) -> None:
    """A blank match key is never carried across (it was, and erased the twin's email): the
    cleared record is quarantined naming it and the key, its twin keeps the email, and a new
    email given to it later goes through."""
    hub = world.hub.put({"email": "ann@example.com", "firstname": "Ann"})
    world.run()
    world.hub.put({"email": None, "firstname": "Annie"}, hub.id)
    report = world.run()
    [ext] = world.ext.live()
    assert (ext.properties["email"], ext.properties["first_name"]) == ("ann@example.com", "Ann")
    assert (report.status, report.quarantined) == ("quarantined", 1)
    [entry] = world.ledger.quarantined("contacts")
    assert (entry.record_id, entry.category, entry.property) == (hub.id, "BLANK_MATCH_KEY", "email")
    assert world.run().writes == 0  # it waits for its retry time, or for an edit
    world.hub.put({"email": "ann.new@example.com"}, hub.id)
    assert world.run().status == "ok"
    [ext] = world.ext.live()
    assert (ext.properties["email"], ext.properties["first_name"]) == (
        "ann.new@example.com",
        "Annie",
    )
    assert world.ledger.quarantined("contacts") == []


def test_an_archive_before_the_first_committed_sync_archives_the_twin(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.pipeline = make_pipeline(deletes="archive")
    for name in ("ann", "bob"):
        world.ext.put({"email": f"{name}@example.com", "first_name": name.title()})

    def crash_at(wanted: str) -> Callable[[str], None]:
        def crash(point: str) -> None:
            if point == wanted:
                raise InjectedCrash(point)

        return crash

    monkeypatch.setattr(failpoints, "hit", crash_at("after_remote_accept"))
    with pytest.raises(InjectedCrash):
        world.run()  # both contacts were created in HubSpot; the ledger knows only the intents
    monkeypatch.setattr(failpoints, "hit", crash_at("after_intents"))
    with pytest.raises(InjectedCrash):
        world.run()  # the intents were reconciled into links; still no cursor
    monkeypatch.undo()
    ann = next(r for r in world.hub.live() if r.properties["email"] == "ann@example.com")
    world.hub.remove(ann.id)
    world.run()  # no cursor yet: a full listing, which shows no archive
    world.run()
    twin = world.ledger.links_for("contacts", Side.HUBSPOT, [ann.id])[ann.id].external_id
    assert world.ext.rows[twin].archived


def _refuse_everything(props: Mapping[str, Any]) -> Rejection | None:
    return Rejection(RejectionKind.UNKNOWN, "INJECTED", "injected refusal")


def test_a_delivered_change_leaves_the_quarantine_though_its_twin_is_refused(
    world: World,
) -> None:
    hub = world.hub.put({"email": "ann@example.com", "firstname": "Ann"})
    world.run()
    [ext] = world.ext.live()
    world.hub.put({"firstname": "Anna"}, hub.id)
    world.ext.put({"email": "not-an-email"}, ext.id)  # HubSpot refuses it, for good
    world.ext.validate = _refuse_everything  # a passing fault: HubSpot's change is refused once
    world.run()
    world.ext.validate = None
    world.clock.now = datetime.now(UTC) + timedelta(hours=25)  # the quarantine back-off is over
    world.run()
    world.run()
    assert world.ext.rows[ext.id].properties["first_name"] == "Anna"  # delivered
    entries = world.ledger.quarantined("contacts")
    assert [(e.source_side, e.category) for e in entries] == [("external", "INVALID_EMAIL")]


def test_a_copied_email_never_duplicates_one_on_the_other_side(world: World) -> None:
    world.hub.put({"email": "bob@example.com", "firstname": "Bob"})
    world.ext.validate = _refuse_everything
    world.run()  # Bob's copy is refused: he stays unlinked, quarantined
    world.ext.validate = None
    ann = world.hub.put({"email": "ann@example.com", "firstname": "Ann"})
    world.run()
    [twin] = world.ext.live()
    world.ext.put({"email": "bob@example.com"}, twin.id)
    world.run()
    emails = [str(r.properties.get("email")) for r in world.hub.live()]
    assert sorted(emails) == ["ann@example.com", "bob@example.com"], emails
    assert world.hub.rows[ann.id].properties["email"] == "ann@example.com"


def test_an_email_cleared_on_both_sides_frees_the_address(world: World) -> None:
    hub = world.hub.put({"email": "ann@example.com", "firstname": "Ann"})
    world.run()
    [ext] = world.ext.live()
    world.hub.put({"email": None}, hub.id)
    world.ext.put({"email": None}, ext.id)
    world.run()
    world.ext.put({"email": "ann@example.com", "first_name": "Another Ann"})
    report = world.run()
    assert report.quarantined == 0 and report.created["hubspot"] == 1
