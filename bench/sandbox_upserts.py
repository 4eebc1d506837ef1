"""The HubSpot sandbox's own speed: batch upserts of new contacts handled in-process (httpx's
WSGI transport, no socket), so the sandbox is never what limits the other benchmarks.

60 batches of 100 contacts (new emails, three properties each), one request a batch. Target:
>= 5,000 records a second. The figure the verdict is about is records per CPU second of this
process (`time.process_time`), which a busy machine does not lower; the wall-clock rate is
shown beside it with the load average.

    python -m bench.sandbox_upserts [--batches 60]
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import httpx

from bench.results import show, verdict
from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig

TARGET_PER_SECOND = 5_000
BATCH = 100
TOKEN = "pat-na1-bench-sandbox"


def batches(count: int) -> list[list[dict[str, Any]]]:
    return [
        [
            {
                "id": f"p{b}-{i}@x.com",
                "idProperty": "email",
                "properties": {"firstname": f"F{i}", "lastname": "L", "city": "Oslo"},
            }
            for i in range(BATCH)
        ]
        for b in range(count)
    ]


def run(count: int = 60) -> dict[str, Any]:
    app = HubSpotSandbox(SandboxConfig(token=TOKEN, burst_limit=0))
    work = batches(count)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    transport = httpx.WSGITransport(app=app)
    with httpx.Client(transport=transport, base_url="http://sandbox", headers=headers) as http:
        wall, cpu = time.perf_counter(), time.process_time()
        for inputs in work:
            response = http.post("/crm/v3/objects/contacts/batch/upsert", json={"inputs": inputs})
            response.raise_for_status()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    records = count * BATCH
    assert len(app.records("contacts")) == records, "every upsert must create its contact"
    figures: dict[str, Any] = {
        "records": records,
        "requests": count,
        "cpu_seconds": cpu,
        "records_per_cpu_second": records / cpu,
        "wall_seconds": wall,
        "records_per_second": records / wall,
        "load_average_1m": os.getloadavg()[0],
    }
    show("sandbox batch upserts, in-process", figures)
    figures["verdict"] = verdict(
        "sandbox upserts",
        figures["records_per_cpu_second"] >= TARGET_PER_SECOND,
        f"{figures['records_per_cpu_second']:,.0f} records per CPU second "
        f"({figures['records_per_second']:,.0f}/s by the wall clock at load "
        f"{figures['load_average_1m']:.1f}; target >= {TARGET_PER_SECOND:,}/s)",
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=60)
    run(parser.parse_args().batches)


if __name__ == "__main__":
    main()
