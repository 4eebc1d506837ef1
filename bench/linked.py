"""Benchmarks 4 and 5 on N contacts already linked (as a finished migration leaves them).

Set-up (not measured): both sides seeded with the same N contacts (SQL rows whose updated_at
spans the past day; HubSpot twins carrying legacy_id), `syncer check` (creates the legacy_id
property), then `syncer migrate`, which only links. Waiting out the overlap stands for "some
time later"; see bench/README.md.

4. Quiet cost: one `syncer sync` with nothing changed.
   Target: <= 2 API calls per side and < 2 s.
5. Incremental cost: 1% of the contacts changed, half on each side, one `syncer sync`.
   Target: API calls <= 1.1 x (pages that must be read + batches that must be written).

    python -m bench.linked [--contacts 100000] [--ledger sqlite|postgresql]
"""

from __future__ import annotations

import math
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.deploy import (
    Deployment,
    deployment,
    edit_hubspot,
    edit_sql,
    hub_ids,
    seed_hubspot,
    seed_sql,
)
from bench.engine import OVERLAP_SECONDS, UNLIMITED
from bench.procs import run_syncer, sandbox, sized_run_args
from bench.results import show, verdict

HUBSPOT_BATCH, HUBSPOT_PAGE, SQL_BATCH = 100, 200, 500


def link_everything(dep: Deployment, contacts: int) -> dict[str, Any]:
    check = run_syncer("check", "-c", str(dep.config))
    if check.exit_code != 0:
        raise RuntimeError(f"check failed ({check.exit_code}):\n{check.output[-3000:]}")
    seed_sql(dep, contacts, history=timedelta(days=1))
    seed_hubspot(dep, contacts, twins=True)
    time.sleep(OVERLAP_SECONDS + 1)  # the seeding is history by the time the migration starts
    run = run_syncer("migrate", "-c", str(dep.config))
    if run.exit_code != 0:
        raise RuntimeError(f"migrate failed ({run.exit_code}):\n{run.output[-3000:]}")
    figures = {
        "seconds": run.seconds,
        "cpu_seconds": run.cpu_seconds,
        "peak_rss_mb": run.peak_rss_mb,
        "report": {k: run.report.get(k) for k in ("read", "created", "updated")},
        "api_calls": run.report.get("api_calls"),
    }
    show("set-up: link-only migration (not a target)", figures)
    time.sleep(OVERLAP_SECONDS + 1)
    return figures


def quiet_cost(dep: Deployment, profile: Path | None = None) -> dict[str, Any]:
    dep.sandbox.reset_stats()
    run = run_syncer("sync", "-c", str(dep.config), profile=profile)
    calls = run.report.get("api_calls", {})
    figures: dict[str, Any] = {
        "seconds": run.seconds,
        "report_seconds": run.report.get("seconds"),
        "api_calls_hubspot": calls.get("hubspot"),
        "api_calls_external": calls.get("external"),
        "read": run.report.get("read"),
        "sandbox_stats": dep.sandbox.stats(),
        "cpu_seconds": run.cpu_seconds,
    }
    show("4 quiet cost", figures)
    met = max(calls.values(), default=99) <= 2 and run.seconds < 2
    figures["verdict"] = verdict(
        "4 quiet cost",
        met,
        f"{calls} calls per side (target <= 2), {run.seconds:.2f} s (target < 2 s)",
    )
    return figures


def incremental_cost(dep: Deployment, contacts: int) -> dict[str, Any]:
    changed = contacts // 100
    sql_ids = list(range(1, changed // 2 + 1))
    hub = hub_ids(dep)[-(changed - changed // 2) :]  # other contacts than the SQL edits
    edit_sql(dep, sql_ids)
    edit_hubspot(dep, hub)
    dep.sandbox.reset_stats()
    run = run_syncer("sync", "-c", str(dep.config))
    calls = run.report.get("api_calls", {})
    # What must be done: read the changed pages on each side, write the changes across.
    hub_minimum = math.ceil(len(hub) / HUBSPOT_PAGE) + math.ceil(len(sql_ids) / HUBSPOT_BATCH)
    sql_minimum = math.ceil(len(sql_ids) / SQL_BATCH) + math.ceil(len(hub) / SQL_BATCH)
    used = calls.get("hubspot", 0) + calls.get("external", 0)
    figures: dict[str, Any] = {
        "changed_sql": len(sql_ids),
        "changed_hubspot": len(hub),
        "seconds": run.seconds,
        "api_calls_hubspot": calls.get("hubspot"),
        "api_calls_external": calls.get("external"),
        "minimum_hubspot": hub_minimum,
        "minimum_external": sql_minimum,
        "sandbox_stats": dep.sandbox.stats(),
        "updated": run.report.get("updated"),
        "ratio_to_minimum": used / (hub_minimum + sql_minimum),
    }
    show("5 incremental cost", figures)
    figures["verdict"] = verdict(
        "5 incremental cost",
        used <= 1.1 * (hub_minimum + sql_minimum),
        f"{used} calls for a minimum of {hub_minimum + sql_minimum} "
        f"({figures['ratio_to_minimum']:.2f} x, target <= 1.1 x)",
    )
    return figures


def run(contacts: int, ledger: str = "sqlite", profile: Path | None = None) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-linked-") as tmp,
        sandbox() as box,
        deployment(
            Path(tmp), box, ledger=ledger, overlap_seconds=OVERLAP_SECONDS, **UNLIMITED
        ) as dep,
    ):
        return {
            "ledger": ledger,
            "contacts": contacts,
            "setup": link_everything(dep, contacts),
            "quiet_cost": quiet_cost(dep, profile),
            "incremental_cost": incremental_cost(dep, contacts),
        }


def main() -> None:
    args = sized_run_args(__doc__, profiled="quiet sync")
    run(args.contacts, args.ledger, args.profile)


if __name__ == "__main__":
    main()
