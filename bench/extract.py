"""Benchmark 10: extraction, HubSpot -> SQL, against the rate ideal.

`syncer migrate` with `direction = "to_external"`, `stamp_external_id = false` (`--stamp`:
true, the former behaviour) and `listing_readers = 3` (`--readers N`) of N HubSpot contacts
into an empty SQL table, the sandbox limited to 100 requests per 10 s with `--latency-ms` per
round trip. The ideal is the listing alone at the budget's rate: N / 100 list pages at 10 a
second. Reported: time over ideal (target <= 1.1 for every size and latency), HubSpot calls by
kind (the sandbox's count), 429s, syncer's CPU seconds and the machine's load.

    python -m bench.extract [--contacts 20000] [--latency-ms 100] [--profile FILE]
    python -m bench.extract --all     # 20,000 and 100,000 at 100 and 300 ms, into latest.json
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.deploy import deployment
from bench.procs import run_syncer, sandbox
from bench.results import machine, merge_section, show, verdict

BURST, WINDOW_SECONDS, PAGE = 100, 10, 100
RATE = BURST / WINDOW_SECONDS
TARGET = 1.1  # x the rate ideal, at every size and latency
READERS = 3  # the list cursor and two range searches (search allows 5 a second)
CASES = [(20_000, 100), (20_000, 300), (100_000, 100), (100_000, 300)]  # (contacts, latency)


def seed_limited(client: Callable[[], httpx.Client], count: int, threads: int = 8) -> None:
    """`count` contacts by batch create, waiting out 429s if the sandbox is limited (not
    measured: `run` seeds it unlimited and limits it after)."""

    def create(first: int) -> None:
        inputs = [
            {"properties": {"email": f"hub{i}@example.com", "firstname": f"Hub{i}"}}
            for i in range(first, min(first + PAGE, count))
        ]
        with client() as hub:
            while True:
                answer = hub.post("/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
                if answer.status_code != 429:
                    answer.raise_for_status()
                    return
                time.sleep(1.0)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(create, range(0, count, PAGE)))


def run(
    contacts: int,
    latency_ms: int,
    profile: Path | None = None,
    *,
    stamp: bool = False,
    readers: int = READERS,
) -> dict[str, Any]:
    stamped = ", stamped" if stamp else ""
    name = f"10 extraction ({contacts:,}, {latency_ms} ms, {readers} readers{stamped})"
    with (
        tempfile.TemporaryDirectory(prefix="bench-extract-") as tmp,
        sandbox() as box,  # unlimited while it is seeded; limited before the measured run
        deployment(
            Path(tmp),
            box,
            burst_limit=BURST,
            direction="to_external",
            stamp_external_id=stamp,
            listing_readers=readers,
        ) as dep,
    ):
        seed_limited(dep.hub_client, contacts)
        box.set_limits(burst_limit=BURST, latency_ms=latency_ms, daily_limit=0, search_per_second=5)
        box.reset_stats()
        run = run_syncer("migrate", "-c", str(dep.config), profile=profile)
        stats = box.stats()
        with dep.engine.connect() as conn:
            rows = conn.execute(sa.select(sa.func.count()).select_from(dep.table)).scalar_one()
    if run.exit_code != 0:
        raise RuntimeError(f"migrate failed ({run.exit_code}):\n{run.output[-3000:]}")
    pages = math.ceil(contacts / PAGE)
    ideal = pages / RATE
    figures: dict[str, Any] = {
        "contacts": contacts,
        "latency_ms": latency_ms,
        "stamp_external_id": stamp,
        "listing_readers": readers,
        "rows_written": rows,
        "seconds": run.seconds,
        "ideal_seconds": ideal,
        "over_ideal": run.seconds / ideal,
        "hubspot_requests": stats.get("requests", 0),
        "rate_limited_429": stats.get("rate_limited", 0),
        "sandbox_stats": stats,
        "syncer_cpu_seconds": run.cpu_seconds,
        "load_average_1m": os.getloadavg()[0],  # wall times on a shared machine stretch with it
    }
    show(name, figures)
    figures["verdict"] = verdict(
        name,
        figures["over_ideal"] <= TARGET and rows == contacts,
        f"{figures['over_ideal']:.2f} x ideal (target <= {TARGET}), "
        f"{figures['hubspot_requests']} calls for {pages} pages, "
        f"{figures['rate_limited_429']} x 429, {rows} of {contacts} rows",
    )
    return figures


def every_case(divisor: int = 1) -> dict[str, Any]:
    """Every size and latency of the target, keyed like `20k_100ms`."""
    return {
        case_name(contacts, latency): run(contacts // divisor, latency)
        for contacts, latency in CASES
    }


def case_name(contacts: int, latency_ms: int) -> str:
    return f"{contacts // 1000}k_{latency_ms}ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument(
        "--stamp", action="store_true", help="stamp_external_id = true (the former behaviour)"
    )
    parser.add_argument("--readers", type=int, default=READERS, help="[hubspot] listing_readers")
    parser.add_argument(
        "--all",
        action="store_true",
        help="every case of the target, written to the extraction section of latest.json",
    )
    args = parser.parse_args()
    if args.all:  # each case written as it ends: a long run cut short keeps what it measured
        for contacts, latency in CASES:
            figures = {case_name(contacts, latency): run(contacts, latency), "machine": machine()}
            merge_section("extraction", figures, keep_inner=True)
        return
    run(args.contacts, args.latency_ms, args.profile, stamp=args.stamp, readers=args.readers)


if __name__ == "__main__":
    main()
