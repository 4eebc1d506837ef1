"""What each command does, given parsed arguments. Settings are loaded here, once."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from syncer.engine import failpoints
from syncer.engine.observer import FanOut, LoggingObserver, RunObserver
from syncer.engine.report import Mode, RunReport
from syncer.engine.run import run_pipeline
from syncer.errors import RunStopped
from syncer.ledger.store import Ledger
from syncer.ledger.values import RunRecord
from syncer.logs import configure_logging, register_secret
from syncer.records import Side
from syncer.service.signals import stopped_by_signals
from syncer.settings import Settings, load_settings
from syncer.wiring import SharedBudgets, pipeline_run, select_pipelines

if TYPE_CHECKING:
    from syncer.service.monitor import Monitor

EXIT_OK, EXIT_QUARANTINED = 0, 4


def load(args: argparse.Namespace) -> Settings:
    """Load settings and logging once, register secrets for redaction, arm failpoints."""
    settings = load_settings(args.config, os.environ)
    configure_logging(level=os.environ.get("SYNCER_LOG_LEVEL", "info"), stream=sys.stderr)
    for secret in settings.secret_values():
        register_secret(secret)
    failpoints.arm_from_env(os.environ)
    return settings


@contextmanager
def opened_ledger(settings: Settings) -> Iterator[Ledger]:
    ledger = Ledger.open(settings.ledger.connect_url())
    try:
        yield ledger
    finally:
        ledger.close()


def migrate(args: argparse.Namespace) -> int:
    return _run(args, Mode.MIGRATE, dry_run=args.dry_run)


def sync(args: argparse.Namespace) -> int:
    return _run(args, Mode.SYNC)


def plan(args: argparse.Namespace) -> int:
    return _run(args, Mode.SYNC, dry_run=True, as_json=args.json)


def run_modes(
    settings: Settings,
    mode: Mode,
    pipeline: str | None,
    *,
    force: bool = False,
    dry_run: bool = False,
    budgets: SharedBudgets | None = None,
    stop: threading.Event | None = None,
    observer: RunObserver | None = None,
) -> list[RunReport]:
    """Run every selected pipeline once, in order; the daemon and the demo call this too.
    `stop` (set by SIGTERM) ends a run at its next chunk boundary and starts no other.
    `observer`: told what each run does (by default, its log lines)."""
    reports = []
    with opened_ledger(settings) as ledger:
        for spec in select_pipelines(settings, pipeline):
            if stop is not None and stop.is_set():
                raise RunStopped(f"stopped before pipeline {spec.name!r} started")
            run = pipeline_run(
                settings,
                ledger,
                spec,
                force=force,
                dry_run=dry_run,
                budgets=budgets,
                stop=stop,
                observer=observer,
            )
            with run as ctx:
                reports.append(run_pipeline(ctx, mode))
    return reports


def daemon(args: argparse.Namespace) -> int:
    """`syncer run`: each pipeline's incremental passes on its schedule, until SIGTERM."""
    # Imported here so that only `syncer run` loads the scheduler, not every command.
    from syncer.service.daemon import serve

    settings = load(args)
    budgets = SharedBudgets.of(settings)
    monitor = monitor_for(settings)
    monitor.watch_rate_limits("hubspot", budgets.hubspot)
    try:
        with stopped_by_signals() as stop:
            observer = FanOut(LoggingObserver(), monitor.runs)
            run_pass = scheduled_pass(settings, stop, observer, budgets)
            serve(settings.pipelines, stop, run_pass, monitor)
    finally:
        monitor.close()
    return EXIT_OK


def monitor_for(settings: Settings) -> Monitor:
    """The metrics and probes of this process; the ledger they read is opened on first use."""
    # Imported here: only `syncer run`, and a `sync` that pushes, load the metrics client.
    from syncer.service.monitor import Monitor

    names = [p.name for p in settings.pipelines]
    return Monitor(settings.service, names, lambda: Ledger.open(settings.ledger.url))


def scheduled_pass(
    settings: Settings,
    stop: threading.Event | None = None,
    observer: RunObserver | None = None,
    budgets: SharedBudgets | None = None,
) -> Callable[[str], list[RunReport]]:
    """One incremental pass of a pipeline, as the daemon runs them: several at once, spending
    from one rate budget (`budgets`, or one made for these passes)."""
    shared = budgets or SharedBudgets.of(settings)

    def run_pass(pipeline: str) -> list[RunReport]:
        return run_modes(
            settings, Mode.SYNC, pipeline, budgets=shared, stop=stop, observer=observer
        )

    return run_pass


def _run(
    args: argparse.Namespace, mode: Mode, *, dry_run: bool = False, as_json: bool = False
) -> int:
    settings = load(args)
    reports = _run_and_push(settings, mode, args, dry_run)
    if as_json:
        print(json.dumps([_plan_json(r) for r in reports], indent=2))
    else:
        for report in reports:
            print(report.render())
            for action in report.planned:
                print(
                    f"    {action.action:<8} {action.side_name:<8} hubspot={action.hubspot_id} "
                    f"external={action.external_id} {','.join(action.fields)}"
                )
    return EXIT_QUARANTINED if any(r.quarantined for r in reports) else EXIT_OK


def _run_and_push(
    settings: Settings, mode: Mode, args: argparse.Namespace, dry_run: bool
) -> list[RunReport]:
    """Run the selected pipelines; unless it is a dry run, push what they did to the
    Pushgateway when `[service] pushgateway` is set, however the runs ended."""
    pushing = settings.service.pushgateway is not None and not dry_run
    monitor = monitor_for(settings) if pushing else None
    observer = FanOut(LoggingObserver(), monitor.runs) if monitor else None
    try:
        with stopped_by_signals() as stop:
            return run_modes(
                settings,
                mode,
                args.pipeline,
                force=args.force,
                dry_run=dry_run,
                stop=stop,
                observer=observer,
            )
    finally:
        if monitor is not None:
            monitor.push(args.pipeline)
            monitor.close()


def _plan_json(report: RunReport) -> dict[str, Any]:
    return {**report.as_dict(), "actions": [a.as_dict() for a in report.planned]}


def status(args: argparse.Namespace) -> int:
    settings = load(args)
    with opened_ledger(settings) as ledger:
        info = {p.name: _pipeline_status(ledger, p.name) for p in settings.pipelines}
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return EXIT_OK
    for name, item in info.items():
        print(
            f"{name}: {item['links']} links, {item['quarantined']} quarantined, "
            f"{item['conflicts']} conflicts logged"
        )
        for side, cursor in item["cursors"].items():
            print(f"  cursor {side}: {cursor}")
        for run in item["runs"]:
            print(
                f"  {run['started_at']} {run['mode']:<8} {run['status']:<12} "
                f"api_calls={run['api_calls']} counts={run['counts']}"
            )
    return EXIT_OK


def _pipeline_status(ledger: Ledger, name: str) -> dict[str, Any]:
    cursors = {s.value: (c.position if (c := ledger.cursor(name, s)) else None) for s in Side}
    return {
        "links": ledger.link_count(name),
        "cursors": cursors,
        "quarantined": len(ledger.quarantined(name)),
        "conflicts": ledger.conflict_count(name),
        "runs": [_run_status(run) for run in ledger.recent_runs(name, limit=5)],
    }


def _run_status(run: RunRecord) -> dict[str, Any]:
    """A run as `status` shows it; its counts as the JSON text the runs table keeps."""
    shown = dataclasses.asdict(run)
    shown["counts"] = json.dumps(run.counts) if run.counts is not None else None
    return shown


def errors(args: argparse.Namespace) -> int:
    settings = load(args)
    with opened_ledger(settings) as ledger:
        if args.action == "retry":
            count = ledger.retry_quarantined(args.pipeline)
            print(f"{count} records will be retried on the next run")
        elif args.action == "discard":
            print(f"{ledger.discard_quarantined(args.pipeline)} records discarded")
        else:
            for e in ledger.quarantined(args.pipeline):
                print(
                    f"{e.pipeline} {e.source_side}:{e.record_id} {e.operation} "
                    f"{e.category} {e.property or '-'} attempts={e.attempts}: {e.message}"
                )
    return EXIT_OK


def check(args: argparse.Namespace) -> int:
    from syncer.connectors.base import VerifiesKeys
    from syncer.mapping.compile import compile_mapping

    settings = load(args)
    with opened_ledger(settings) as ledger:
        for spec in settings.pipelines:
            with pipeline_run(settings, ledger, spec, fresh_schemas=True) as ctx:
                for connector in ctx.connectors.values():
                    connector.prepare()
                    if isinstance(connector, VerifiesKeys):
                        connector.verify_unique_keys()
                hubspot, external = ctx.connectors[Side.HUBSPOT], ctx.connectors[Side.EXTERNAL]
                compile_mapping(
                    spec, hubspot.field_types(), external.field_types(), external.time_zone
                )
            print(
                f"{spec.name}: ok (both sides reachable, fields mapped, keys unique, "
                f"{spec.external_id_property!r} ready)"
            )
    return EXIT_OK


def sandbox(args: argparse.Namespace) -> int:
    from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig, serve_forever

    config = SandboxConfig(
        token=args.token,
        burst_limit=args.burst_limit,
        daily_limit=args.daily_limit,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        seed=args.seed,
        search_lag_ms=args.search_lag_ms,
        search_per_second=args.search_per_second,
    )
    print(f"HubSpot sandbox on http://{args.host}:{args.port}", file=sys.stderr)
    serve_forever(HubSpotSandbox(config), args.host, args.port)
    return EXIT_OK
