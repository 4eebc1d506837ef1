"""Benchmark 6: scale. Peak resident memory of a large migration against a small one.

Migrates SMALL and LARGE contacts from SQL into an unlimited sandbox (its own process), each
`syncer migrate` in its own process; peak RSS from its own VmHWM at exit (bench/peak.py).
Target: peak(LARGE) <= 1.3 x peak(SMALL), and under 300 MB. Also reported (no target): LARGE
split between the two sides, half already in HubSpot, half in SQL.

    python -m bench.scale [--small 20000] [--large 200000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from bench.deploy import deployment, seed_hubspot, seed_sql
from bench.engine import UNLIMITED
from bench.procs import Measured, run_syncer, sandbox
from bench.results import show, verdict


def migrate(contacts: int, profile: Path | None = None, *, hubspot: int = 0) -> Measured:
    """`contacts` SQL rows into a sandbox already holding `hubspot` contacts of its own (each
    side's records are then created on the other)."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp,
        sandbox() as box,
        deployment(Path(tmp), box, **UNLIMITED) as dep,
    ):
        seed_sql(dep, contacts)
        seed_hubspot(dep, hubspot)
        run = run_syncer("migrate", "-c", str(dep.config), profile=profile)
    if run.exit_code != 0:
        raise RuntimeError(f"migrate failed ({run.exit_code}):\n{run.output[-3000:]}")
    return run


def run(small: int, large: int) -> dict[str, Any]:
    low, high = migrate(small), migrate(large)
    figures: dict[str, Any] = {
        "small_contacts": small,
        "small_peak_rss_mb": low.peak_rss_mb,
        "small_seconds": low.seconds,
        "large_contacts": large,
        "large_peak_rss_mb": high.peak_rss_mb,
        "large_seconds": high.seconds,
        "large_records_per_second": large / high.seconds,
        "rss_ratio": high.peak_rss_mb / low.peak_rss_mb,
    }
    # Not a target: the same size split between the two sides, HubSpot's records waiting on
    # disk for the pages that claim them (engine/spool.py).
    both = migrate(large // 2, hubspot=large // 2)
    figures["both_sides_contacts"] = large
    figures["both_sides_peak_rss_mb"] = both.peak_rss_mb
    figures["both_sides_seconds"] = both.seconds
    show("6 scale", figures)
    met = figures["rss_ratio"] <= 1.3 and high.peak_rss_mb < 300
    figures["verdict"] = verdict(
        "6 scale",
        met,
        f"peak RSS {high.peak_rss_mb:.0f} MB at {large:,} vs {low.peak_rss_mb:.0f} MB at "
        f"{small:,}: {figures['rss_ratio']:.2f} x (target <= 1.3 x and < 300 MB)",
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=200_000)
    args = parser.parse_args()
    run(args.small, args.large)


if __name__ == "__main__":
    main()
