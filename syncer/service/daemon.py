"""`syncer run`: schedule incremental passes per pipeline with APScheduler 3, until SIGTERM.

One job per pipeline, on its `interval` or `cron`; `max_instances=1` and `coalesce=True` so a
slow pass is never overlapped by the next one and missed firings collapse into one. The lease
in the ledger, not the scheduler, decides who runs when several replicas share a ledger.
HubSpot's webhooks bring a pipeline's next pass forward (EarlyPasses), never multiply it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from syncer.engine.report import RunReport
from syncer.errors import LeaseHeld, RateLimited, RunStopped
from syncer.logs import get_logger
from syncer.settings_pipeline import PipelineSettings

if TYPE_CHECKING:
    from syncer.service.monitor import Monitor

log = get_logger(__name__)

# How often the main thread wakes while it waits for a stop. A signal may be taken by another
# thread (one being started unblocks signals, and passes start threads all the time); CPython
# runs its handler only once the main thread runs Python code again, which a main thread parked
# in an untimed wait never did: the daemon missed SIGTERM and ran on.
STOP_CHECK_SECONDS = 0.5

# One incremental pass of the named pipeline; its runs' reports. Built by the caller, which
# knows the settings, the connectors and the budgets the passes share.
PassRunner = Callable[[str], Sequence[RunReport]]


def serve(
    pipelines: Sequence[PipelineSettings],
    stop: threading.Event,
    run_pass: PassRunner,
    monitor: Monitor | None = None,
) -> None:
    """Run the schedule until `stop` is set; waits for running passes to finish. `monitor`
    serves the endpoints meanwhile, if it has an address to listen on; they answer until the
    last pass has finished."""
    scheduler = BackgroundScheduler(timezone="UTC")
    passes = Passes(run_pass)
    for pipeline in pipelines:
        scheduler.add_job(
            passes.run_once,
            trigger=trigger_for(pipeline),
            args=[pipeline.name],
            id=pipeline.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),  # the first pass starts at once
        )
    endpoints = None
    if monitor is not None:  # listening first: an address in use ends the daemon at once
        early = EarlyPasses(scheduler, passes, monitor.settings.webhook_debounce_seconds())
        objects = {p.name: p.hubspot_object for p in pipelines}
        endpoints = monitor.serve(lambda: scheduler.running, early.request, objects)
    try:
        scheduler.start()
        log.info("daemon started", pipelines=[p.name for p in pipelines])
        while not stop.wait(STOP_CHECK_SECONDS):
            pass  # each wake-up runs a signal handler another thread's signal left pending
        scheduler.shutdown(wait=True)
    finally:
        if endpoints is not None:
            endpoints.stop()
    log.info("daemon stopped")


class Passes:
    """Runs one pass of a pipeline at a time; a pipeline out of daily quota is parked. A pass
    in progress ends at its next chunk boundary once the stop `run_pass` was given is set. A
    pass asked for again while one runs (`again`) follows it at once, however often asked."""

    def __init__(self, run_pass: PassRunner) -> None:
        self.run_pass = run_pass
        self.parked_until: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._wanted_again: set[str] = set()

    def again(self, pipeline: str) -> bool:
        """If a pass of `pipeline` runs now, one more will follow it; False if none runs."""
        with self._lock:
            if pipeline not in self._running:
                return False
            self._wanted_again.add(pipeline)
            return True

    def run_once(self, pipeline: str) -> None:
        with self._lock:
            self._running.add(pipeline)
        try:
            while True:
                self._run(pipeline)
                with self._lock:
                    if pipeline not in self._wanted_again:
                        return
                    self._wanted_again.discard(pipeline)
        finally:
            with self._lock:
                self._running.discard(pipeline)

    def _run(self, pipeline: str) -> None:
        parked = self.parked_until.get(pipeline)
        if parked is not None and datetime.now(UTC) < parked:
            log.info("pass skipped", pipeline=pipeline, reason=f"parked until {parked.isoformat()}")
            return
        self.parked_until.pop(pipeline, None)
        try:
            for report in self.run_pass(pipeline):
                # Debug: the run's own "run finished" line is the one info line per pass.
                log.debug(
                    "pass done", pipeline=pipeline, status=report.status.value, writes=report.writes
                )
        except RunStopped as exc:
            log.info("pass stopped", pipeline=pipeline, reason=str(exc))
        except LeaseHeld as exc:
            log.info("pass skipped", pipeline=pipeline, reason=str(exc))
        except RateLimited as exc:
            self._park(pipeline, exc)
        except Exception as exc:  # one failed pass must not stop the daemon; the next retries
            log.error("pass failed", pipeline=pipeline, error=f"{type(exc).__name__}: {exc}")

    def _park(self, pipeline: str, exc: RateLimited) -> None:
        """Out of quota: stop calling until it resets; cursors and links are already saved."""
        wait = exc.retry_after if exc.retry_after is not None else 60.0
        until = datetime.now(UTC) + timedelta(seconds=wait)
        self.parked_until[pipeline] = until
        log.warning(
            "pipeline parked", pipeline=pipeline, policy=exc.policy, until=until.isoformat()
        )


class EarlyPasses:
    """Brings pipelines' next passes forward to `debounce` seconds from the first request, and
    never later than they were: every event of a burst within that time lands in one pass.
    Requests while a pass runs ask for one more right after it (its listing may have begun
    before the change); the regular schedule resumes after."""

    def __init__(self, scheduler: BackgroundScheduler, passes: Passes, debounce: float) -> None:
        self.scheduler = scheduler
        self.passes = passes
        self.debounce = timedelta(seconds=debounce)

    def request(self, pipelines: Iterable[str]) -> None:
        if not self.scheduler.running:
            return  # stopping (or not yet started: every pipeline's first pass is due at once)
        for pipeline in pipelines:
            if self.passes.again(pipeline):
                continue
            job = self.scheduler.get_job(pipeline)
            soon = datetime.now(UTC) + self.debounce
            if job is not None and (job.next_run_time is None or job.next_run_time > soon):
                job.modify(next_run_time=soon)
                log.debug("early pass", pipeline=pipeline, at=soon.isoformat())


def trigger_for(pipeline: PipelineSettings) -> BaseTrigger:
    if pipeline.cron:
        return CronTrigger.from_crontab(pipeline.cron, timezone="UTC")
    seconds = pipeline.interval_seconds() or 300.0
    return IntervalTrigger(seconds=seconds)
