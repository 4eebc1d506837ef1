"""The progress display of a long run: per side, records written of those planned, the rate and
the time left; redrawn in place on a terminal, a log line every few seconds elsewhere."""

from __future__ import annotations

import io

from structlog.testing import capture_logs

from syncer.engine.observer import ChunkCommitted, PagePlanned, RunStarted, SideWrites
from syncer.engine.report import Mode, RunReport
from syncer.progress import ProgressObserver
from syncer.records import Side


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _chunk(hubspot: int, external: int) -> ChunkCommitted:
    writes = {
        Side.HUBSPOT: SideWrites(created=hubspot),
        Side.EXTERNAL: SideWrites(updated=external),
    }
    return ChunkCommitted("r1", "contacts", writes=writes, linked=hubspot + external)


def _run(observer: ProgressObserver, clock: Clock) -> None:
    observer.run_started(RunStarted("r1", "contacts", Mode.MIGRATE, dry_run=False))
    observer.page_planned(PagePlanned("r1", "contacts", {Side.HUBSPOT: 400, Side.EXTERNAL: 200}))
    for _ in range(2):
        clock.now += 10
        observer.chunk_committed(_chunk(100, 50))


def test_a_terminal_sees_each_side_redrawn_with_counts_rate_and_time_left() -> None:
    screen, clock = io.StringIO(), Clock()
    observer = ProgressObserver(screen, terminal=True, clock=clock)
    _run(observer, clock)
    last = screen.getvalue().split("\x1b[2F")[-1]  # the last drawing: two lines, moved up over
    lines = [line.removeprefix("\x1b[2K") for line in last.splitlines()]
    assert lines == [
        "contacts migrate  HubSpot    200 / 400 written (50%)   10.0/s  ETA 0:00:20",
        "contacts migrate  external   100 / 200 written (50%)    5.0/s  ETA 0:00:20",
    ]
    report = RunReport("r1", "contacts", Mode.MIGRATE)
    observer.run_finished(report)
    assert screen.getvalue().endswith("\n")  # the report prints below, not over, the display


def test_off_a_terminal_a_progress_log_line_every_few_seconds() -> None:
    screen, clock = io.StringIO(), Clock()
    observer = ProgressObserver(screen, terminal=False, clock=clock, every=15.0)
    with capture_logs() as logs:
        _run(observer, clock)  # chunks at +10 s and +20 s: one line, at +20 s
    assert screen.getvalue() == ""
    [line] = [e for e in logs if e["event"] == "progress"]
    assert line["written"] == {"hubspot": 200, "external": 100}
    assert line["planned"] == {"hubspot": 400, "external": 200}
    assert line["per_second"] == {"hubspot": 10.0, "external": 5.0}
    assert line["eta_seconds"] == 20
