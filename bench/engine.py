"""Benchmarks 3, 4 and 5 (and 8 with `--ledger postgresql`) on one 100,000-contact deployment.

3. Engine cost: migrate N contacts from SQL into an unlimited sandbox without latency;
   records per second and the syncer process's CPU seconds per 1,000 records.
   Target: >= 10,000 records per second per core of syncer CPU.
4. Quiet cost: then one `syncer sync` with nothing changed. Target: <= 2 API calls per side
   and < 2 s.
5. Incremental cost: then 1% of the contacts changed, half on each side, one `syncer sync`.
   Target: API calls <= 1.1 x (pages that must be read + batches that must be written).

    python -m bench.engine [--contacts 100000] [--ledger sqlite|postgresql] [--profile DIR]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.deploy import Deployment, deployment, edit_hubspot, edit_sql, hub_ids, seed_sql
from bench.procs import run_syncer, sandbox
from bench.results import show, verdict

HUBSPOT_BATCH, HUBSPOT_PAGE, SQL_BATCH = 100, 200, 500
UNLIMITED = {"burst_limit": 1_000_000, "daily_limit": 100_000_000, "search_per_second": 10_000}
# The default overlap (120 s) re-reads the last two minutes of changes on every pass; here the
# migration happened seconds ago, so a short overlap, waited out, stands for "some time later".
OVERLAP_SECONDS = 5.0


def engine_cost(dep: Deployment, contacts: int, profile: Path | None) -> dict[str, Any]:
    run = run_syncer("migrate", "-c", str(dep.config), profile=profile)
    if run.exit_code != 0:
        raise RuntimeError(f"migrate failed ({run.exit_code}):\n{run.output[-3000:]}")
    figures = {
        "contacts": contacts,
        "seconds": run.seconds,
        "records_per_second": contacts / run.seconds,
        "syncer_cpu_seconds": run.cpu_seconds,
        "cpu_seconds_per_1000": run.cpu_seconds * 1000 / contacts,
        "records_per_cpu_second": contacts / run.cpu_seconds,
        "peak_rss_mb": run.peak_rss_mb,
        "api_calls": run.report.get("api_calls"),
    }
    show("3 engine cost", figures)
    figures["verdict"] = verdict(
        "3 engine cost", figures["records_per_cpu_second"] >= 10_000,
        f"{figures['records_per_cpu_second']:,.0f} records per CPU second (target >= 10,000)")
    return figures


def settle(dep: Deployment) -> dict[str, Any]:
    """The first sync after a migration reads the migration's own writes back (echoes)."""
    time.sleep(OVERLAP_SECONDS + 1)  # so that the next window starts after the migration
    dep.sandbox.reset_stats()
    run = run_syncer("sync", "-c", str(dep.config))
    figures = {"seconds": run.seconds, "cpu_seconds": run.cpu_seconds,
               "read": run.report.get("read"), "api_calls": run.report.get("api_calls"),
               "sandbox_stats": dep.sandbox.stats()}
    show("first sync after the migration (echoes; not a target)", figures)
    time.sleep(OVERLAP_SECONDS + 1)
    return figures


def quiet_cost(dep: Deployment) -> dict[str, Any]:
    dep.sandbox.reset_stats()
    run = run_syncer("sync", "-c", str(dep.config))
    calls = run.report.get("api_calls", {})
    figures = {
        "seconds": run.seconds,
        "report_seconds": run.report.get("seconds"),
        "api_calls_hubspot": calls.get("hubspot"),
        "api_calls_external": calls.get("external"),
        "sandbox_requests": dep.sandbox.stats().get("requests"),
        "cpu_seconds": run.cpu_seconds,
    }
    show("4 quiet cost", figures)
    met = max(calls.values(), default=99) <= 2 and run.seconds < 2
    figures["verdict"] = verdict(
        "4 quiet cost", met,
        f"{calls} calls per side (target <= 2), {run.seconds:.2f} s (target < 2 s)")
    return figures


def incremental_cost(dep: Deployment, contacts: int) -> dict[str, Any]:
    changed = contacts // 100
    with dep.engine.connect() as conn:
        sql_ids = list(conn.execute(sa.select(dep.table.c.id).order_by(dep.table.c.id)
                                    .limit(changed // 2)).scalars())
    hub = hub_ids(dep)[-(changed - changed // 2):]  # other contacts than the SQL edits
    edit_sql(dep, sql_ids)
    edit_hubspot(dep, hub)
    dep.sandbox.reset_stats()
    run = run_syncer("sync", "-c", str(dep.config))
    calls = run.report.get("api_calls", {})
    # What must be done: read the changed pages on each side, write the changes across.
    hub_minimum = math.ceil(len(hub) / HUBSPOT_PAGE) + math.ceil(len(sql_ids) / HUBSPOT_BATCH)
    sql_minimum = math.ceil(len(sql_ids) / SQL_BATCH) + math.ceil(len(hub) / SQL_BATCH)
    used = calls.get("hubspot", 0) + calls.get("external", 0)
    figures = {
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
        "5 incremental cost", used <= 1.1 * (hub_minimum + sql_minimum),
        f"{used} calls for a minimum of {hub_minimum + sql_minimum} "
        f"({figures['ratio_to_minimum']:.2f} x, target <= 1.1 x)")
    return figures


def run(contacts: int, ledger: str, profile: Path | None, follow_up: bool = True
        ) -> dict[str, Any]:
    results: dict[str, Any] = {"ledger": ledger}
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp, sandbox() as box, \
            deployment(Path(tmp), box, ledger=ledger, overlap_seconds=OVERLAP_SECONDS,
                       **UNLIMITED) as dep:
        seed_sql(dep, contacts)
        results["engine_cost"] = engine_cost(dep, contacts, profile)
        if follow_up:
            results["settle"] = settle(dep)
            results["quiet_cost"] = quiet_cost(dep)
            results["incremental_cost"] = incremental_cost(dep, contacts)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--ledger", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write a pyinstrument text profile of the migration here")
    args = parser.parse_args()
    run(args.contacts, args.ledger, args.profile)


if __name__ == "__main__":
    main()
