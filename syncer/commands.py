"""What each command does, given parsed arguments. Settings are loaded here, once."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from syncer.engine import failpoints
from syncer.engine.observer import FanOut, LoggingObserver, RunObserver
from syncer.engine.report import Mode, RunReport
from syncer.engine.run import run_pipeline
from syncer.errors import RunStopped
from syncer.http.client import ignored_proxy_variables
from syncer.ledger.store import Ledger
from syncer.ledger.values import CLEAR_KEYS, MatchKeyForm, QuarantineSelector
from syncer.logs import configure_logging, get_logger, register_secret
from syncer.plan_view import plans_json, render_plan
from syncer.progress import ProgressObserver
from syncer.records import Side
from syncer.relations import association_fields
from syncer.service.signals import stopped_by_signals
from syncer.settings import Settings, load_settings
from syncer.wiring import LedgerRateGate, SharedBudgets, pipeline_run, select_pipelines

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
    if proxies := ignored_proxy_variables(os.environ):  # names only: a value may hold a password
        get_logger(__name__).warning(
            "proxy variables not used: syncer connects to HubSpot directly, to addresses it "
            "checked (a proxy would hide where the token goes)",
            variables=proxies,
        )
    return settings


@contextmanager
def opened_ledger(settings: Settings) -> Iterator[Ledger]:
    secret = settings.ledger.match_key_secret_bytes()
    keys = MatchKeyForm(secret) if secret is not None else CLEAR_KEYS
    ledger = Ledger.open(settings.ledger.connect_url(), keys)
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
    shared_rates = LedgerRateGate(settings.ledger.connect_url())  # with the other replicas
    budgets.hubspot.share_through(shared_rates)
    monitor = monitor_for(settings)
    monitor.watch_rate_limits("hubspot", budgets.hubspot)
    try:
        with stopped_by_signals() as stop:
            observer = FanOut(LoggingObserver(), monitor.runs)
            run_pass = scheduled_pass(settings, stop, observer, budgets)
            serve(settings.pipelines, stop, run_pass, monitor)
    finally:
        monitor.close()
        shared_rates.close()
    return EXIT_OK


def monitor_for(settings: Settings) -> Monitor:
    """The metrics and probes of this process; the ledger they read is opened on first use."""
    # Imported here: only `syncer run`, and a `sync` that pushes, load the metrics client.
    from syncer.service.monitor import Monitor
    from syncer.status_view import association_columns

    names = [p.name for p in settings.pipelines]
    # Each pipeline's association fields, named on /status as `syncer status` names them.
    columns = {
        p.name: association_columns(association_fields(settings, p)) for p in settings.pipelines
    }
    return Monitor(settings.service, names, lambda: Ledger.open(settings.ledger.url), columns)


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


def watched_run(dry_run: bool, *others: RunObserver) -> RunObserver:
    """A one-shot run's observers: its progress for the operator (redrawn on a terminal, a log
    line every few seconds elsewhere; a dry run writes nothing to follow), its log lines, and
    `others` (the Pushgateway's)."""
    progress = [] if dry_run else [ProgressObserver(sys.stderr, terminal=sys.stderr.isatty())]
    return FanOut(*progress, LoggingObserver(), *others)  # the display's last drawing first


def _run(
    args: argparse.Namespace, mode: Mode, *, dry_run: bool = False, as_json: bool = False
) -> int:
    settings = load(args)
    reports = _run_and_push(settings, mode, args, dry_run)
    if as_json:
        print(plans_json(reports))
    else:
        for report in reports:
            print(render_plan(report))
    return exit_code(reports)


def exit_code(reports: list[RunReport]) -> int:
    """4 when something new needs a look: a record refused for the first time, or refused
    again since it changed. Old, unchanged refusals already on record do not alert again."""
    return EXIT_QUARANTINED if any(r.new_quarantined for r in reports) else EXIT_OK


def _run_and_push(
    settings: Settings, mode: Mode, args: argparse.Namespace, dry_run: bool
) -> list[RunReport]:
    """Run the selected pipelines; unless it is a dry run, push what they did to the
    Pushgateway when `[service] pushgateway` is set, however the runs ended."""
    pushing = settings.service.pushgateway is not None and not dry_run
    monitor = monitor_for(settings) if pushing else None
    observer = watched_run(dry_run, *([monitor.runs] if monitor else []))
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


def status(args: argparse.Namespace) -> int:
    from syncer.status_view import association_columns, pipeline_status, render_status

    settings = load(args)
    with opened_ledger(settings) as ledger:
        info = {
            p.name: pipeline_status(
                ledger, p.name, association_columns(association_fields(settings, p))
            )
            for p in settings.pipelines
        }
    print(json.dumps(info, indent=2) if args.json else render_status(info))
    return EXIT_OK


def errors(args: argparse.Namespace) -> int:
    """List, retry or discard the quarantined records `--pipeline`, `--id`, `--code` select."""
    settings = load(args)
    selector = QuarantineSelector(args.pipeline, args.id, args.code)
    with opened_ledger(settings) as ledger:
        if args.action == "retry":
            count = ledger.retry_quarantined(selector=selector)
            print(f"{count} records will be retried on the next run")
        elif args.action == "discard":
            count = ledger.discard_quarantined(selector=selector)
            print(f"{count} records discarded (until they change)")
        else:
            for e in ledger.quarantined(selector=selector):
                print(
                    f"{e.pipeline} {e.source_side}:{e.record_id} {e.operation} "
                    f"{e.category} {e.property or '-'} attempts={e.attempts}: {e.message}"
                )
    return EXIT_OK


def check(args: argparse.Namespace) -> int:
    from syncer.connectors.base import VerifiesKeys
    from syncer.engine.compiled import compiled_mapping
    from syncer.engine.value_audit import unmapped_values

    settings = load(args)
    with opened_ledger(settings) as ledger:
        for spec in settings.pipelines:
            with pipeline_run(settings, ledger, spec, fresh_schemas=True) as ctx:
                for connector in ctx.connectors.values():
                    connector.prepare()
                    if isinstance(connector, VerifiesKeys):
                        connector.verify_unique_keys()
                fieldmap = compiled_mapping(spec, ctx.connectors)
                for line in unmapped_values(fieldmap, ctx.connectors[Side.EXTERNAL]):
                    print(f"{spec.name}: warning: {line}")
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
        engagement_unique_properties=args.engagement_unique_properties,
    )
    print(f"HubSpot sandbox on http://{args.host}:{args.port}", file=sys.stderr)
    serve_forever(HubSpotSandbox(config), args.host, args.port)
    return EXIT_OK
