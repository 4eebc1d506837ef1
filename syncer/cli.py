"""The command line: parses arguments, loads settings once, calls into the package.

Exit codes: 0 ok; 1 failure; 2 bad configuration or usage; 3 another run holds the lease;
4 finished, but records were refused for the first time (or again since they changed).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from syncer import __version__
from syncer.errors import ConfigError, GuardRefused, LeaseHeld, SyncerError

_DESCRIPTION = (
    "Keep HubSpot and a legacy CRM in a SQL database in agreement, in both directions. "
    "Exit codes: 0 ok; 1 failure; 2 bad configuration or usage; 3 another run holds the "
    "pipeline's lease; 4 finished, but something new was quarantined."
)
EXIT_OK, EXIT_FAILURE, EXIT_CONFIG, EXIT_LEASE, EXIT_QUARANTINED = 0, 1, 2, 3, 4


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_CONFIG
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        _tell(f"syncer: configuration error:\n{exc}")
        return EXIT_CONFIG
    except LeaseHeld as exc:
        _tell(f"syncer: {exc}")
        return EXIT_LEASE
    except GuardRefused as exc:
        _tell(f"syncer: refused: {exc}")
        return EXIT_FAILURE
    except SyncerError as exc:
        _tell(f"syncer: {type(exc).__name__}: {exc}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except Exception as exc:  # a bug: its traceback is for a report, scrubbed like the logs
        _tell(traceback.format_exc() + f"syncer: internal error: {type(exc).__name__}: {exc}")
        return EXIT_FAILURE


def _tell(text: str) -> None:
    """Print to stderr with secrets masked, as every log line is."""
    from syncer.logs import redact_text

    print(redact_text(text), file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="syncer", description=_DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"syncer {__version__}")
    commands = parser.add_subparsers(title="commands")
    _add_run_commands(commands)
    _add_admin_commands(commands)
    _add_sandbox(commands)
    demo = commands.add_parser("demo", help="sandboxes + sample data: migrate, sync, report")
    demo.add_argument(
        "--dir",
        type=Path,
        default=Path("syncer-demo"),
        help="folder for the demo's config, ledger and legacy database",
    )
    demo.add_argument("--contacts", type=int, default=300, help="contacts per side")
    demo.set_defaults(handler=_lazy("syncer.demo", "command"))
    return parser


def _config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None,
        help="config file (default: $SYNCER_CONFIG, then config/syncer.toml)",
    )


def _add_run_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, text in (
        ("migrate", "one-shot migration: list both sides in full"),
        ("sync", "one incremental pass (for cron)"),
        ("plan", "print what a sync would do, without writing"),
    ):
        sub = commands.add_parser(name, help=text)
        _config_arg(sub)
        sub.add_argument("--pipeline", default=None, help="only this pipeline")
        sub.add_argument("--force", action="store_true", help="override the safety guards")
        if name == "migrate":
            sub.add_argument("--dry-run", action="store_true", help="plan the migration only")
        if name == "plan":
            sub.add_argument("--json", action="store_true", help="machine-readable output")
        sub.set_defaults(handler=_lazy("syncer.commands", name))
    daemon = commands.add_parser("run", help="the daemon: scheduled incremental passes")
    _config_arg(daemon)
    daemon.set_defaults(handler=_lazy("syncer.commands", "daemon"))


def _add_admin_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = commands.add_parser("status", help="links, cursors, recent runs, quarantine")
    _config_arg(status)
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_lazy("syncer.commands", "status"))
    errors = commands.add_parser("errors", help="list, retry or discard quarantined records")
    _config_arg(errors)
    errors.add_argument("action", nargs="?", default="list", choices=["list", "retry", "discard"])
    errors.add_argument("--pipeline", default=None, help="only this pipeline's records")
    errors.add_argument("--id", default=None, help="only the record with this id (either side)")
    errors.add_argument("--code", default=None, help="only records refused with this code")
    errors.set_defaults(handler=_lazy("syncer.commands", "errors"))
    _add_conflicts(commands)
    check = commands.add_parser("check", help="validate config, reach both sides, prepare them")
    _config_arg(check)
    check.set_defaults(handler=_lazy("syncer.commands", "check"))


def _add_conflicts(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    conflicts = commands.add_parser(
        "conflicts", help="conflicts the passes settled: list, show one, resolve one"
    )
    actions = conflicts.add_subparsers(title="actions", dest="action", required=True)
    listing = actions.add_parser("list", help="newest first, those not resolved yet")
    _config_arg(listing)
    listing.add_argument("--pipeline", default=None, help="only this pipeline's conflicts")
    listing.add_argument("--all", action="store_true", help="resolved ones too")
    listing.add_argument("--limit", type=int, default=100, help="at most this many")
    show = actions.add_parser("show", help="one conflict: both values, the winner and why")
    _config_arg(show)
    show.add_argument("id", type=int, help="the conflict's number, from the list")
    resolve = actions.add_parser("resolve", help="write one side's value to both records")
    _config_arg(resolve)
    resolve.add_argument("id", type=int, help="the conflict's number, from the list")
    resolve.add_argument(
        "--take", required=True, choices=["hubspot", "external"], help="whose value to keep"
    )
    conflicts.set_defaults(handler=_lazy("syncer.conflict_commands", "command"))


def _add_sandbox(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sandbox = commands.add_parser("sandbox", help="serve a HubSpot-compatible sandbox")
    sandbox.add_argument("kind", choices=["hubspot"], help="which service to imitate")
    flag = sandbox.add_argument
    flag("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    flag("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    flag(
        "--token",
        default=os.environ.get("SYNCER_SANDBOX_TOKEN", "sandbox-token"),
        help="the bearer token it accepts (default: $SYNCER_SANDBOX_TOKEN, else sandbox-token)",
    )
    flag("--burst-limit", type=int, default=190, help="requests per rolling 10 s (0 = unlimited)")
    flag("--daily-limit", type=int, default=625_000, help="requests per day (0 = unlimited)")
    flag("--latency-ms", type=int, default=0, help="added to every answer, in milliseconds")
    flag(
        "--fault-rate",
        type=float,
        default=0.0,
        help="chance, 0 to 1, that a request is answered 500, 502 or 503 before it applies",
    )
    flag("--search-lag-ms", type=int, default=0, help="how long a write takes to reach search")
    flag("--search-per-second", type=int, default=5, help="searches per second (0 = unlimited)")
    flag("--seed", type=int, default=0, help="seed of the fault draws, for repeatable runs")
    flag(
        "--engagement-unique-properties",
        action="store_true",
        help="let notes, tasks, calls, meetings and emails have unique properties (whether "
        "HubSpot does is unconfirmed; by default they are refused)",
    )
    sandbox.set_defaults(handler=_lazy("syncer.commands", "sandbox"))


def _lazy(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    """Import a command's module only when it runs, so `syncer --help` stays fast."""

    def call(args: argparse.Namespace) -> int:
        import gc
        import importlib

        # Imports make objects that live as long as the process: collecting cycles among them
        # is wasted work (~0.1-0.2 s of every start), and so is walking them again later.
        gc.disable()
        try:
            handler: Callable[[argparse.Namespace], int] = getattr(
                importlib.import_module(module), function
            )
        finally:
            gc.enable()
        gc.freeze()
        return handler(args)

    return call
