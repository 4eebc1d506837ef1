"""Benchmark 6: scale. Peak resident memory of a large migration against a small one.

Migrates SMALL and LARGE contacts from SQL into an unlimited sandbox (its own process), each
`syncer migrate` in its own process; peak RSS from its own VmHWM at exit (bench/peak.py).
Target (issue 15): peak(1,000,000) <= 1.3 x peak(100,000), and under 300 MB; the verdict is MET
only at those sizes or larger (LARGE at least 1,000,000 and 10 x SMALL). Also reported (no
target): BOTH contacts split between the two sides, half already in HubSpot, half in SQL.

    python -m bench.scale [--small 100000] [--large 1000000] [--both 200000]
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

SMALL, LARGE, BOTH = 100_000, 1_000_000, 200_000  # issue 15's sizes; BOTH has no target


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


def run(small: int = SMALL, large: int = LARGE, both_sides: int = BOTH) -> dict[str, Any]:
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
    both = migrate(both_sides // 2, hubspot=both_sides // 2)
    figures["both_sides_contacts"] = both_sides
    figures["both_sides_peak_rss_mb"] = both.peak_rss_mb
    figures["both_sides_seconds"] = both.seconds
    show("6 scale", figures)
    sized = large >= LARGE and large >= 10 * small
    met = sized and figures["rss_ratio"] <= 1.3 and high.peak_rss_mb < 300
    figures["verdict"] = verdict(
        "6 scale",
        met,
        f"peak RSS {high.peak_rss_mb:.0f} MB at {large:,} vs {low.peak_rss_mb:.0f} MB at "
        f"{small:,}: {figures['rss_ratio']:.2f} x (target <= 1.3 x and < 300 MB"
        + (")" if sized else f", at {LARGE:,} vs {SMALL:,}: not these sizes)"),
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=SMALL)
    parser.add_argument("--large", type=int, default=LARGE)
    parser.add_argument("--both", type=int, default=BOTH, help="split between the sides")
    args = parser.parse_args()
    run(args.small, args.large, args.both)


if __name__ == "__main__":
    main()
