"""Soak: the daemon's resident memory over many incremental passes (hardening issue, item 9).

`syncer run` calls the same pass again and again for weeks; anything a pass leaves behind adds
up. This runs, in this process, the very pass the daemon schedules (`commands.scheduled_pass`)
N times against a PostgreSQL legacy table (SYNCER_TEST_POSTGRES_URL) and a HubSpot sandbox in
its own process, one SQL row edited before every pass so each pass reads and writes. It prints
the resident set size (VmRSS) every 100 passes.

Target: RSS flat within +-10 % from pass 100 (imports, pools and caches warmed) to the last.

    python -m bench.soak_memory                 # 300 passes, about a minute
    python -m bench.soak_memory --passes 1000 [--ledger postgresql]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import deploy
from bench.deploy import deployment, edit_sql, seed_sql
from bench.engine import UNLIMITED
from bench.procs import sandbox
from bench.results import show, verdict
from syncer.commands import scheduled_pass
from syncer.logs import configure_logging
from syncer.settings import load_settings

ROWS = 200
WARM = 100  # passes before the baseline: imports, connection pools and caches are warm


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def soak(passes: int, ledger: str = "sqlite", every: int = 100) -> dict[str, Any]:
    deploy.SQL_URL = deploy.POSTGRES_URL  # the legacy CRM on PostgreSQL, as in the issue
    configure_logging(level="warning", stream=sys.stderr)
    samples: dict[int, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp,
        sandbox() as box,
        deployment(Path(tmp), box, ledger=ledger, **UNLIMITED) as dep,
    ):
        seed_sql(dep, ROWS)
        run_pass = scheduled_pass(load_settings(dep.config, os.environ))
        _must_succeed(run_pass("contacts"), "the first pass (a migration of the table)")
        for done in range(1, passes + 1):
            edit_sql(dep, [done % ROWS + 1])
            _must_succeed(run_pass("contacts"), f"pass {done}")
            if done % every == 0:
                gc.collect()
                samples[done] = rss_mb()
                print(f"  pass {done:>5}: RSS {samples[done]:6.1f} MB", flush=True)
    return _figures(samples)


def _must_succeed(reports: Any, what: str) -> None:
    failed = [r for r in reports if r.status.value != "ok"]
    if failed:
        raise RuntimeError(f"{what} did not succeed: {failed[0].render()}")


def _figures(samples: dict[int, float]) -> dict[str, Any]:
    base_pass = WARM if WARM in samples else min(samples)
    last_pass = max(samples)
    base, last = samples[base_pass], samples[last_pass]
    return {
        "passes": last_pass,
        "baseline_pass": base_pass,
        "baseline_rss_mb": base,
        "last_rss_mb": last,
        "max_rss_mb": max(samples.values()),
        "growth_ratio": last / base,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=300)
    parser.add_argument("--ledger", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    figures = soak(args.passes, args.ledger)
    show("soak memory", figures)
    ratio = figures["growth_ratio"]
    verdict(
        "soak memory",
        0.9 <= ratio <= 1.1,
        f"RSS {figures['baseline_rss_mb']:.1f} MB at pass {figures['baseline_pass']} -> "
        f"{figures['last_rss_mb']:.1f} MB at pass {figures['passes']} ({ratio:.3f} x; "
        "target within +-10 %)",
    )


if __name__ == "__main__":
    main()
