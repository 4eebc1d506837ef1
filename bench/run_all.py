"""Run the whole suite, one benchmark at a time, and write `bench/results/latest.json`.

    python -m bench            # or: python -m bench.run_all [--quick]

`--quick` divides every size by 10 (a smoke run of the machinery, not a measurement).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from bench import engine, linked, reads, scale, writes
from bench.results import RESULTS, machine, write


def suite(divisor: int) -> list[tuple[str, Callable[[], dict[str, Any]]]]:
    def n(count: int) -> int:
        return count // divisor

    return [
        ("writes", lambda: writes.run(n(20_000))),
        ("reads", lambda: reads.run(n(50_000))),
        ("engine_sqlite_ledger", lambda: engine.run(n(100_000), "sqlite")),
        ("linked", lambda: linked.run(n(100_000))),
        ("engine_postgresql_ledger", lambda: engine.run(n(100_000), "postgresql")),
        ("scale", lambda: scale.run(n(20_000), n(200_000))),
    ]


KEPT = ("chaos", "relations")  # written by benchmarks outside this suite (bench.chaos, ...)


def kept_sections() -> dict[str, Any]:
    """The sections of the previous results file that this suite does not produce."""
    path = RESULTS / "latest.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    return {name: previous[name] for name in KEPT if name in previous}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--only",
        action="append",
        default=None,
        help="run only these parts (writes, reads, engine_sqlite_ledger, ...)",
    )
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": machine(), "quick": args.quick}
    started = time.perf_counter()
    for name, benchmark in suite(10 if args.quick else 1):
        if args.only and name not in args.only:
            continue
        print(f"=== {name}", flush=True)
        part_start = time.perf_counter()
        try:
            results[name] = benchmark()
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"ERROR in {name}: {exc}", flush=True)
        results[name]["wall_seconds"] = time.perf_counter() - part_start
    results["suite_seconds"] = time.perf_counter() - started
    results["verdicts"] = [
        figures["verdict"]
        for part in results.values()
        if isinstance(part, dict)
        for figures in part.values()
        if isinstance(figures, dict) and "verdict" in figures
    ]
    path = write({**kept_sections(), **results})
    print(f"suite finished in {results['suite_seconds']:.0f} s; results in {path}")
    for line in results["verdicts"]:
        print(line)


if __name__ == "__main__":
    main()
