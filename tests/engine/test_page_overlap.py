"""A streamed migration matches the next page while the previous page's last chunk is still being
written (execute.py, page_overlap.py): the keys that chunk takes must be held all the same, and
a page that meets its records must wait for its commit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from syncer.engine import context, match, stream
from syncer.engine.report import Mode
from syncer.records import Record, Side, Write, WriteResult
from tests.engine.conftest import World
from tests.engine.test_run import assert_agree

# A deadlock guard only (the engine before this change committed a page before matching the
# next one, so the held write would wait forever): the assertions are on order, not time.
GUARD_SECONDS = 30


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    """Pages of 3 external records: each page is one chunk, the page's last."""
    monkeypatch.setattr(stream, "STREAM_PAGE", 3)
    world.ext.page_size = 3


class HeldWrite:
    """HubSpot's first write waits until the next page has been matched, and notes whether
    that matching happened while the write was still in flight."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, world: World) -> None:
        self.matched_next = threading.Event()
        self.first_written = threading.Event()
        self.in_flight_at_next_match: bool | None = None
        self.calls = 0
        self._write: Callable[[Sequence[Write]], list[WriteResult]] = world.hub.write
        monkeypatch.setattr(world.hub, "write", self.write)
        original = match.Matcher.match

        def counting(matcher: match.Matcher, *args: Any, **kwargs: Any) -> match.Matched:
            matched = original(matcher, *args, **kwargs)
            self.calls += 1
            if self.calls == 2:
                self.in_flight_at_next_match = not self.first_written.is_set()
                self.matched_next.set()
            return matched

        monkeypatch.setattr(match.Matcher, "match", counting)

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        if not self.first_written.is_set():
            self.matched_next.wait(GUARD_SECONDS)
        try:
            return self._write(writes)
        finally:
            self.first_written.set()


def _ext(world: World, email: str, first: str = "E") -> Record:
    return world.ext.put({"email": email, "first_name": first, "last_name": "Ext", "status": "C"})


def test_a_key_taken_by_the_chunk_still_in_flight_is_held_for_the_next_page(
    monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    held = HeldWrite(monkeypatch, world)
    first = _ext(world, "same@example.com", "First")
    _ext(world, "e1@example.com")
    _ext(world, "e2@example.com")
    later = _ext(world, " SAME@example.com ", "Later")  # the next page: the same key
    _ext(world, "e4@example.com")
    report = world.run(Mode.MIGRATE)
    assert held.in_flight_at_next_match is True  # matched before the first page committed
    assert report.created == {"hubspot": 4, "external": 0}
    same = [r for r in world.hub.live() if "same" in r.properties["email"].lower()]
    assert [r.properties["firstname"] for r in same] == ["First"]  # no second record
    rejected = world.ledger.quarantined("contacts")
    assert [(r.source_side, r.record_id, r.category) for r in rejected] == [
        ("external", later.id, "DUPLICATE_MATCH_KEY")
    ]
    assert world.ledger.links_for("contacts", Side.EXTERNAL, [first.id])


def test_a_page_after_a_chunk_creating_external_records_waits_for_its_commit(
    monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    """HubSpot records no page claimed are created on the external side, last; such a chunk
    may add records a later listing shows, so the next page is matched once it is committed."""
    for i in range(3):
        _ext(world, f"e{i}@example.com")
    for i in range(4):  # no external twin: two pages of creates on the external side
        world.hub.put(
            {
                "email": f"h{i}@example.com",
                "firstname": "H",
                "lastname": "Hub",
                "lifecyclestage": "lead",
            }
        )
    calls: list[tuple[int, int]] = []  # (HubSpot records matched, plans in flight meanwhile)
    original = match.Matcher.match
    executors: list[Any] = []

    def watching(matcher: match.Matcher, *args: Any, **kwargs: Any) -> match.Matched:
        in_flight = sum(len(e.in_flight()) for e in executors)
        calls.append((len(args[0]), in_flight))
        return original(matcher, *args, **kwargs)

    made = context.RunState.executor

    def keeping(state: context.RunState) -> Any:
        executor = made(state)
        executors.append(executor)
        return executor

    monkeypatch.setattr(match.Matcher, "match", watching)
    monkeypatch.setattr(context.RunState, "executor", keeping)
    report = world.run(Mode.MIGRATE)
    assert report.created == {"hubspot": 3, "external": 4}
    # pages: 3 external records (their HubSpot creates: the next page overlaps them), an empty
    # last external page, then HubSpot's unclaimed records in pages of 3 and 1: the second
    # waits for the first's external creates to be committed
    assert calls == [(0, 0), (0, 3), (3, 0), (1, 0)]
    assert_agree(world)


def test_a_failure_while_the_next_page_is_matched_still_commits_what_was_sent(
    monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    """The previous page's last chunk was sent while the next page failed to match: its links
    are committed, as when a page was committed before the next one was read."""
    for i in range(4):
        _ext(world, f"e{i}@example.com")
    original = match.Matcher.match
    calls: list[int] = []

    def failing(matcher: match.Matcher, *args: Any, **kwargs: Any) -> match.Matched:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the next page could not be matched")
        return original(matcher, *args, **kwargs)

    monkeypatch.setattr(match.Matcher, "match", failing)
    with pytest.raises(RuntimeError, match="could not be matched"):
        world.run(Mode.MIGRATE)
    assert len(world.hub.live()) == 3
    linked = world.ledger.links_for("contacts", Side.HUBSPOT, [r.id for r in world.hub.live()])
    assert len(linked) == 3
    assert world.ledger.pending_intents("contacts") == []  # all three resolved with their links
