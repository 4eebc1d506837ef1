"""What a run tells whoever watches it: started, each chunk committed, finished.

The engine calls a `RunObserver` at three points: when a run holds its lease and is on record
(`run_started`), after each chunk of writes is committed to the ledger (`chunk_committed`), and
when the run ends, however it ends (`run_finished`, with the report). The events carry counts,
not records, in types a metrics exporter can turn into series without parsing anything:

- writes per side: created, updated, archived (counters, per chunk and per run);
- records quarantined and conflicts logged (counters, per chunk and per run);
- API calls per side, duration and status (per run, in the report).

How many records wait in quarantine is the ledger's state, not an event: a gauge reads it from
the ledger (as `syncer status` does), so every replica reports the same depth.

An observer may also hear what each page plans (`WatchesPlans.page_planned`), as a progress
display's totals. Observers are called on the run's own thread. `LoggingObserver` writes the
run's log lines; `FanOut` passes every event to several observers, so one that fails cannot
end the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, runtime_checkable

from syncer.engine.report import Mode, RunReport
from syncer.logs import get_logger
from syncer.records import Side

# The run's log lines keep the logger name they have always had, which log queries rely on.
log = get_logger("syncer.engine.run")


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_id: str
    pipeline: str
    mode: Mode
    dry_run: bool

    @classmethod
    def of(cls, report: RunReport) -> RunStarted:
        return cls(report.run_id, report.pipeline, report.mode, report.dry_run)


@dataclass(frozen=True, slots=True)
class SideWrites:
    """Records one side accepted: created, updated (a create that found its record already
    there counts as an update), archived."""

    created: int = 0
    updated: int = 0
    archived: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.archived


def _no_writes() -> dict[Side, SideWrites]:
    return {side: SideWrites() for side in Side}


@dataclass(frozen=True, slots=True)
class ChunkCommitted:
    """What one chunk of a run did, now that it is committed to the ledger. Summed over the
    run's chunks, the counts are the report's (a report also counts the quarantined records it
    left waiting for their retry time, which no chunk touched)."""

    run_id: str
    pipeline: str
    writes: Mapping[Side, SideWrites] = field(default_factory=_no_writes)
    linked: int = 0  # pairs linked or re-linked
    conflicts: int = 0  # fields both sides changed, decided by the conflict policy
    quarantined: Mapping[Side, int] = field(default_factory=lambda: {s: 0 for s in Side})
    """Records quarantined, by the side they came from."""


@dataclass(frozen=True, slots=True)
class PagePlanned:
    """The writes one page of a run plans, per side it writes to: a progress display's total
    (a whole run is one page; a streamed migration plans a page at a time)."""

    run_id: str
    pipeline: str
    writes: Mapping[Side, int]


@runtime_checkable
class WatchesPlans(Protocol):
    """An observer that also wants to hear what each page plans, before it is executed."""

    def page_planned(self, page: PagePlanned) -> None: ...


class RunObserver(Protocol):
    """Told what a run does; must not raise (wrap an observer that may in a `FanOut`)."""

    def run_started(self, run: RunStarted) -> None: ...

    def chunk_committed(self, chunk: ChunkCommitted) -> None: ...

    def run_finished(self, report: RunReport) -> None:
        """After the run's outcome is recorded and its lease released; `report.status` says
        how it ended (a failed run's report carries its error)."""


class LoggingObserver:
    """The run's structured log lines: "run finished" with the report's fields at info; the
    start and each chunk at debug."""

    def run_started(self, run: RunStarted) -> None:
        log.debug("run started", dry_run=run.dry_run)

    def chunk_committed(self, chunk: ChunkCommitted) -> None:
        log.debug(
            "chunk committed",
            created={s.value: w.created for s, w in chunk.writes.items()},
            updated={s.value: w.updated for s, w in chunk.writes.items()},
            archived={s.value: w.archived for s, w in chunk.writes.items()},
            linked=chunk.linked,
            conflicts=chunk.conflicts,
            quarantined={s.value: n for s, n in chunk.quarantined.items()},
        )

    def run_finished(self, report: RunReport) -> None:
        log.info("run finished", **report.as_dict())


class FanOut:
    """Every event to each observer in turn. One that raises is logged and skipped: watching a
    run must never change how it ends, nor keep the others from hearing of it."""

    def __init__(self, *observers: RunObserver) -> None:
        self.observers = observers

    def run_started(self, run: RunStarted) -> None:
        for observer in self.observers:
            _tell(observer, "run_started", observer.run_started, run)

    def chunk_committed(self, chunk: ChunkCommitted) -> None:
        for observer in self.observers:
            _tell(observer, "chunk_committed", observer.chunk_committed, chunk)

    def run_finished(self, report: RunReport) -> None:
        for observer in self.observers:
            _tell(observer, "run_finished", observer.run_finished, report)

    def page_planned(self, page: PagePlanned) -> None:
        for observer in self.observers:
            if isinstance(observer, WatchesPlans):
                _tell(observer, "page_planned", observer.page_planned, page)


Event = TypeVar("Event", RunStarted, ChunkCommitted, RunReport, PagePlanned)


def _tell(observer: RunObserver, event: str, call: Callable[[Event], None], data: Event) -> None:
    try:
        call(data)
    except Exception as exc:
        log.error(
            "run observer failed",
            observer=type(observer).__name__,
            event_name=event,
            error=f"{type(exc).__name__}: {exc}",
        )
