"""The run observer: what a real run over two in-memory CRMs tells it, chunk by chunk."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from structlog.testing import capture_logs

from syncer.engine import execute
from syncer.engine.observer import (
    ChunkCommitted,
    FanOut,
    LoggingObserver,
    RunObserver,
    RunStarted,
)
from syncer.engine.report import Mode, RunReport
from syncer.engine.run import PipelineRun, run_pipeline
from syncer.errors import RunStopped
from syncer.logs import configure_logging
from syncer.records import ChangePage, Cursor, Side, Write, WriteResult
from tests.engine.conftest import World, make_pipeline


@dataclass
class Recording:
    """Every event, in the order it came."""

    events: list[RunStarted | ChunkCommitted | RunReport] = field(default_factory=list)

    def run_started(self, run: RunStarted) -> None:
        self.events.append(run)

    def chunk_committed(self, chunk: ChunkCommitted) -> None:
        self.events.append(chunk)

    def run_finished(self, report: RunReport) -> None:
        self.events.append(report)

    def chunks(self) -> list[ChunkCommitted]:
        return [e for e in self.events if isinstance(e, ChunkCommitted)]


def observed(
    world: World, observer: RunObserver, mode: Mode = Mode.SYNC, *, dry_run: bool = False
) -> RunReport:
    sides = {Side.HUBSPOT: world.hub, Side.EXTERNAL: world.ext}
    ctx = PipelineRun(
        world.pipeline, world.ledger, sides, "test", dry_run=dry_run, clock=world.clock
    )
    ctx.observer = observer
    return run_pipeline(ctx, mode)


def seed(world: World) -> None:
    """25 contacts only in HubSpot, 25 only external, 5 on both, one external bad email."""
    for i in range(30):
        world.hub.put(
            {"email": f"c{i}@example.com", "firstname": f"H{i}", "lastname": "Hub",
             "lifecyclestage": "lead"}
        )  # fmt: skip
    for i in range(25, 55):
        world.ext.put(
            {"email": f"c{i}@example.com", "first_name": f"E{i}", "last_name": "Ext", "status": "C"}
        )
    world.ext.put({"email": "not-an-email", "first_name": "Bad", "last_name": "X", "status": "C"})


def assert_chunks_add_up_to(report: RunReport, chunks: Sequence[ChunkCommitted]) -> None:
    for side in Side:
        assert sum(c.writes[side].created for c in chunks) == report.created[side.value]
        assert sum(c.writes[side].updated for c in chunks) == report.updated[side.value]
        assert sum(c.writes[side].archived for c in chunks) == report.archived[side.value]
    assert sum(c.linked for c in chunks) == report.linked
    assert sum(c.conflicts for c in chunks) == report.conflicts
    assert sum(sum(c.quarantined.values()) for c in chunks) == report.quarantined
    assert {(c.run_id, c.pipeline) for c in chunks} == {(report.run_id, report.pipeline)}


def test_a_migration_is_told_chunk_by_chunk_and_the_chunks_add_up_to_the_report(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execute, "CHUNK", 7)
    seed(world)
    recording = Recording()
    report = observed(world, recording, Mode.MIGRATE)

    started, *chunks, finished = recording.events
    assert started == RunStarted(report.run_id, "contacts", Mode.MIGRATE, dry_run=False)
    assert finished is report and report.status == "quarantined"
    assert len(chunks) >= 8 and all(isinstance(c, ChunkCommitted) for c in chunks)
    assert_chunks_add_up_to(report, recording.chunks())
    assert (report.created, report.linked) == ({"hubspot": 25, "external": 25}, 55)
    quarantined = [c.quarantined for c in recording.chunks() if any(c.quarantined.values())]
    assert quarantined == [{Side.HUBSPOT: 0, Side.EXTERNAL: 1}]


def test_a_sync_tells_its_updates_archives_and_conflicts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execute, "CHUNK", 2)
    world.pipeline = make_pipeline(deletes="archive")
    seed(world)
    observed(world, Recording(), Mode.MIGRATE)
    hub = {r.properties["email"]: r.id for r in world.hub.live()}
    ext = {r.properties["email"]: r.id for r in world.ext.live()}
    world.hub.put({"firstname": "Older"}, hub["c26@example.com"])  # both edit one field:
    world.ext.put({"first_name": "Newer"}, ext["c26@example.com"])  # a conflict
    for i in range(3):
        world.hub.put({"lastname": "Edited"}, hub[f"c{i}@example.com"])
    world.ext.put({"status": "L"}, ext["c40@example.com"])
    world.hub.remove(hub["c10@example.com"])

    recording = Recording()
    report = observed(world, recording)

    assert report.conflicts == 1 and report.archived == {"hubspot": 0, "external": 1}
    assert report.updated == {"hubspot": 2, "external": 3}
    assert len(recording.chunks()) == 3  # five pairs to write, two a chunk
    assert_chunks_add_up_to(report, recording.chunks())
    assert sum(c.writes[Side.EXTERNAL].total for c in recording.chunks()) == 4


def test_a_dry_run_starts_and_finishes_without_chunks(world: World) -> None:
    seed(world)
    recording = Recording()
    report = observed(world, recording, Mode.MIGRATE, dry_run=True)
    assert recording.events == [
        RunStarted(report.run_id, "contacts", Mode.MIGRATE, dry_run=True),
        report,
    ]


def test_a_failed_run_is_finished_with_its_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(world)

    def refuse(writes: Sequence[Write]) -> list[WriteResult]:
        raise RuntimeError("the external database went away")

    monkeypatch.setattr(world.ext, "write", refuse)
    recording = Recording()
    with pytest.raises(RuntimeError):
        observed(world, recording, Mode.MIGRATE)
    started, *chunks, finished = recording.events
    assert isinstance(started, RunStarted) and isinstance(finished, RunReport)
    assert finished.status == "failed"
    assert finished.error == "RuntimeError: the external database went away"
    # The pages before the failure were committed, and told: they only wrote to HubSpot.
    assert all(isinstance(c, ChunkCommitted) and not c.writes[Side.EXTERNAL].total for c in chunks)


class Broken:
    def run_started(self, run: RunStarted) -> None:
        raise ValueError("metrics backend down")

    def chunk_committed(self, chunk: ChunkCommitted) -> None:
        raise ValueError("metrics backend down")

    def run_finished(self, report: RunReport) -> None:
        raise ValueError("metrics backend down")


def test_fan_out_tells_every_observer_even_when_one_fails(world: World) -> None:
    seed(world)
    first, last = Recording(), Recording()
    with capture_logs() as logs:
        report = observed(world, FanOut(first, Broken(), last), Mode.MIGRATE)
    assert report.status == "quarantined"  # the run went on as if unobserved
    assert first.events == last.events and last.events[-1] is report
    assert len(last.chunks()) == 2  # the external page, then the HubSpot records left over
    failures = [e["event_name"] for e in logs if e["event"] == "run observer failed"]
    assert failures == ["run_started", "chunk_committed", "chunk_committed", "run_finished"]


def test_the_logging_observer_writes_the_run_finished_line_with_the_reports_fields(
    world: World,
) -> None:
    stream = io.StringIO()
    configure_logging(json=True, level="info", stream=stream)
    seed(world)
    report = observed(world, LoggingObserver(), Mode.MIGRATE)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [finished] = [line for line in lines if line["event"] == "run finished"]
    assert finished["logger"] == "syncer.engine.run"
    assert {k: finished[k] for k in report.as_dict()} == json.loads(json.dumps(report.as_dict()))
    assert not [line for line in lines if line["event"] in ("run started", "chunk committed")]


def test_a_failed_run_counts_what_its_committed_chunks_did(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that fails half-way recorded "created 0, linked 0" although its committed chunks
    had created and linked records: its report and its row in the runs table count them."""
    monkeypatch.setattr(execute, "CHUNK", 7)
    seed(world)
    real_write = world.ext.write

    def fail_on_the_third_write(writes: Sequence[Write]) -> list[WriteResult]:
        calls.append(len(writes))
        if len(calls) == 3:
            raise RuntimeError("the external database went away")
        return real_write(writes)

    calls: list[int] = []
    monkeypatch.setattr(world.ext, "write", fail_on_the_third_write)
    recording = Recording()
    with pytest.raises(RuntimeError):
        observed(world, recording, Mode.MIGRATE)
    report = recording.events[-1]
    assert isinstance(report, RunReport) and report.status == "failed"
    assert report.created["external"] > 0 and report.linked > 0
    assert_chunks_add_up_to(report, recording.chunks())
    (row,) = world.ledger.recent_runs("contacts", limit=1)
    assert row.counts is not None
    assert row.counts["created"] == report.created and row.counts["linked"] == report.linked


@pytest.mark.parametrize("mode", [Mode.SYNC, Mode.MIGRATE])  # whole and streamed listings
def test_a_stop_asked_for_while_listing_ends_the_run_before_the_next_page(
    world: World, monkeypatch: pytest.MonkeyPatch, mode: Mode
) -> None:
    """Ctrl-C during a long listing waited for the first chunk boundary, which came only once
    both sides were listed (tens of seconds on a large migration)."""
    seed(world)
    stop = threading.Event()
    real_changes = world.ext.changes
    listed: list[int] = []

    def slow_listing(since: Cursor | None, until: datetime) -> Iterator[ChangePage]:
        for page in real_changes(since, until):
            for record in page.records:  # one page a record: a long listing
                listed.append(1)
                stop.set()  # Ctrl-C, while the first page is fetched
                yield ChangePage([record], page.cursor)

    monkeypatch.setattr(world.ext, "changes", slow_listing)
    sides = {Side.HUBSPOT: world.hub, Side.EXTERNAL: world.ext}
    ctx = PipelineRun(world.pipeline, world.ledger, sides, "test", clock=world.clock, stop=stop)
    with pytest.raises(RunStopped):
        run_pipeline(ctx, mode)
    assert len(listed) == 1
    assert world.hub.counter.by_kind.get("write", 0) == 0
    (row,) = world.ledger.recent_runs("contacts", limit=1)
    assert row.status == "stopped"
