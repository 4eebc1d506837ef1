"""A long run's progress for the operator who started it: per side, the records written of
those planned, the rate and the time left.

On a terminal the display is redrawn in place (at most a few times a second); elsewhere (cron,
a container's log) a "progress" log line is written every few seconds instead. It is a run
observer: it hears each page's plan (the totals) and each committed chunk (the counts).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import TextIO

from syncer.engine.observer import ChunkCommitted, PagePlanned, RunStarted
from syncer.engine.report import RunReport
from syncer.logs import get_logger
from syncer.records import Side

log = get_logger("syncer.progress")

SIDE_NAMES = {Side.HUBSPOT: "HubSpot", Side.EXTERNAL: "external"}
REDRAW_EVERY = 0.2  # seconds between redraws on a terminal
LOG_EVERY = 5.0  # seconds between progress log lines elsewhere
UP_AND_CLEAR = "\x1b[{lines}F"  # cursor to the start of the line `lines` up
CLEAR_LINE = "\x1b[2K"


class ProgressObserver:
    def __init__(
        self,
        out: TextIO,
        *,
        terminal: bool,
        clock: Callable[[], float] = time.monotonic,
        every: float | None = None,
    ) -> None:
        self.out = out
        self.terminal = terminal
        self.clock = clock
        self.every = every if every is not None else (REDRAW_EVERY if terminal else LOG_EVERY)
        self._reset(None)

    def run_started(self, run: RunStarted) -> None:
        self._reset(run)

    def page_planned(self, page: PagePlanned) -> None:
        for side, count in page.writes.items():
            self.planned[side] += count

    def chunk_committed(self, chunk: ChunkCommitted) -> None:
        for side, writes in chunk.writes.items():
            self.written[side] += writes.total
        if self.clock() - self.shown_at >= self.every:
            self._show()

    def run_finished(self, report: RunReport) -> None:
        if self.terminal and self.drawn:
            self._draw()  # the final counts stay on screen, above the report

    def _reset(self, run: RunStarted | None) -> None:
        self.run = run
        self.started = self.shown_at = self.clock()
        self.planned = {side: 0 for side in Side}
        self.written = {side: 0 for side in Side}
        self.drawn = False

    def _show(self) -> None:
        self.shown_at = self.clock()
        if self.terminal:
            self._draw()
            return
        rates = {side: self._rate(side) for side in Side}
        log.info(
            "progress",
            written={side.value: n for side, n in self.written.items()},
            planned={side.value: n for side, n in self.planned.items()},
            per_second={side.value: round(rate, 1) for side, rate in rates.items()},
            eta_seconds=max(self._eta(side) for side in Side),
        )

    def _draw(self) -> None:
        up = UP_AND_CLEAR.format(lines=len(Side)) if self.drawn else ""
        lines = [CLEAR_LINE + self._line(side) for side in Side]
        self.out.write(up + "\n".join(lines) + "\n")
        self.out.flush()
        self.drawn = True

    def _line(self, side: Side) -> str:
        run = self.run
        title = f"{run.pipeline} {run.mode.value}" if run is not None else ""
        done, planned = self.written[side], self.planned[side]
        share = f"({100 * done // planned}%)" if planned else ""
        eta = timedelta(seconds=self._eta(side))
        return (
            f"{title}  {SIDE_NAMES[side]:<9}{done:>5} / {planned} written {share:<5}"
            f"{self._rate(side):>7.1f}/s  ETA {eta}"
        )

    def _rate(self, side: Side) -> float:
        elapsed = self.clock() - self.started
        return self.written[side] / elapsed if elapsed > 0 else 0.0

    def _eta(self, side: Side) -> int:
        left = max(self.planned[side] - self.written[side], 0)
        rate = self._rate(side)
        return round(left / rate) if rate > 0 else 0
