"""`syncer run`: schedule incremental passes per pipeline with APScheduler 3, until SIGTERM.

One job per pipeline, on its `interval` or `cron`; `max_instances=1` and `coalesce=True` so a
slow pass is never overlapped by the next one and missed firings collapse into one. The lease
in the ledger, not the scheduler, decides who runs when several replicas share a ledger.
"""

from __future__ import annotations

import argparse
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from syncer.engine.report import Mode
from syncer.errors import LeaseHeld, RateLimited, RunStopped
from syncer.logs import get_logger
from syncer.service.signals import stopped_by_signals
from syncer.settings import PipelineSettings, Settings

log = get_logger(__name__)


def command(args: argparse.Namespace) -> int:
    from syncer.commands import load

    settings = load(args)
    with stopped_by_signals() as stop:
        serve(settings, stop)
    return 0


def serve(settings: Settings, stop: threading.Event) -> None:
    """Run the schedule until `stop` is set; waits for running passes to finish."""
    scheduler = BackgroundScheduler(timezone="UTC")
    passes = Passes(settings, stop)
    for pipeline in settings.pipelines:
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
    scheduler.start()
    log.info("daemon started", pipelines=[p.name for p in settings.pipelines])
    stop.wait()
    scheduler.shutdown(wait=True)
    log.info("daemon stopped")


class Passes:
    """Runs one pass of a pipeline at a time; a pipeline out of daily quota is parked."""

    def __init__(self, settings: Settings, stop: threading.Event | None = None) -> None:
        from syncer.connectors.hubspot import PortalBudgets

        self.settings = settings
        self.stop = stop  # a pass in progress ends at its next chunk boundary once it is set
        self.parked_until: dict[str, datetime] = {}
        # Pipelines run in parallel here; they share the app's burst and the daily quota.
        self.budgets = PortalBudgets.from_settings(settings.hubspot)

    def run_once(self, pipeline: str) -> None:
        from syncer.commands import run_modes

        parked = self.parked_until.get(pipeline)
        if parked is not None and datetime.now(UTC) < parked:
            log.info("pass skipped", pipeline=pipeline, reason=f"parked until {parked.isoformat()}")
            return
        self.parked_until.pop(pipeline, None)
        try:
            reports = run_modes(
                self.settings, Mode.SYNC, pipeline, budgets=self.budgets, stop=self.stop
            )
            for report in reports:
                log.info(
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


def trigger_for(pipeline: PipelineSettings) -> BaseTrigger:
    if pipeline.cron:
        return CronTrigger.from_crontab(pipeline.cron, timezone="UTC")
    seconds = pipeline.interval_seconds() or 300.0
    return IntervalTrigger(seconds=seconds)
