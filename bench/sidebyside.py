"""Benchmark 11: the same listing and the same batch upserts, by HubSpot's official clients.

HubSpot's Python client (`hubspot-api-client`) and its Node client (`@hubspot/api-client`,
installed into bench/node by `npm ci` on first use) each do by hand, against a sandbox with the
settings of benchmarks 1 and 10 (burst 100 / 10 s, `--latency-ms`):

- list: every contact of N, 100 a page, following `after` (benchmark 10 extracts the same N);
- upsert: N contacts by email, 100 a batch, one call after another (benchmark 1 migrates N).

Each tool's time over the ideal (N / 100 calls at 10 a second) is reported beside syncer's,
taken from benchmarks 1 and 10 of the same run when `python -m bench` runs them together.
The Python client retries 429s by urllib3's `Retry` (its README's recipe, POST allowed), the
Node client by its own `numberOfApiCallRetries`.

    python -m bench.sidebyside [--contacts 20000] [--latency-ms 100]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.extract import PAGE, RATE, WINDOW_SECONDS, seed_limited
from bench.procs import TOKEN, Sandbox, sandbox
from bench.results import show, verdict

NODE_DIR = Path(__file__).resolve().parent / "node"
BURST = 100


def node_command() -> list[str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise RuntimeError("the Node side needs node and npm on PATH (Node 20 or newer)")
    if not (NODE_DIR / "node_modules" / "@hubspot" / "api-client").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=NODE_DIR,
            check=True,
            timeout=600,
        )
    return [node, str(NODE_DIR / "sidebyside.mjs")]


def by_node(box: Sandbox, mode: str, count: int) -> float:
    env = {**os.environ, "SANDBOX_URL": box.url, "SANDBOX_TOKEN": TOKEN, "MODE": mode}
    env["COUNT"] = str(count)
    ran = subprocess.run(
        node_command(), env=env, capture_output=True, text=True, timeout=1800, check=True
    )
    answer = json.loads(ran.stdout.strip().splitlines()[-1])
    if answer["records"] != count:
        raise RuntimeError(f"the Node client {mode}ed {answer['records']} of {count}")
    return float(answer["seconds"])


def python_client(box: Sandbox) -> Any:
    from hubspot import HubSpot  # type: ignore[import-untyped]
    from urllib3.util.retry import Retry

    retry = Retry(total=10, backoff_factor=0.5, status_forcelist=(429,), allowed_methods=None)
    return HubSpot(access_token=TOKEN, retry=retry, host=box.url)


def by_python(box: Sandbox, mode: str, count: int) -> float:
    client = python_client(box)
    started = time.perf_counter()
    if mode == "list":
        after, records = None, 0
        while True:
            page = client.crm.contacts.basic_api.get_page(
                limit=PAGE, after=after, properties=["email", "firstname"]
            )
            records += len(page.results)
            after = page.paging.next.after if page.paging and page.paging.next else None
            if after is None:
                break
        if records != count:
            raise RuntimeError(f"the Python client listed {records} of {count}")
    else:
        upsert_by_hand(client, count)
    return time.perf_counter() - started


def upsert_by_hand(client: Any, count: int) -> None:
    from hubspot.crm.contacts import (  # type: ignore[import-untyped]
        BatchInputSimplePublicObjectBatchInputUpsert,
        SimplePublicObjectBatchInputUpsert,
    )

    for first in range(0, count, PAGE):
        inputs = [
            SimplePublicObjectBatchInputUpsert(
                id=f"row{i}@legacy.test",
                id_property="email",
                properties={
                    "email": f"row{i}@legacy.test",
                    "firstname": f"Sql{i}",
                    "lastname": "S",
                },
            )
            for i in range(first, min(first + PAGE, count))
        ]
        client.crm.contacts.batch_api.upsert(
            BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs)
        )


def limited(latency_ms: int) -> Any:
    return sandbox(burst_limit=BURST, latency_ms=latency_ms, daily_limit=0, search_per_second=5)


def run(contacts: int, latency_ms: int, ours: dict[str, float] | None = None) -> dict[str, Any]:
    """Each tool's seconds and time over ideal; `ours`: syncer's seconds by mode, if known."""
    ideal = -(-contacts // PAGE) / RATE
    figures: dict[str, Any] = {"contacts": contacts, "latency_ms": latency_ms, "ideal": ideal}
    tools = {"python": by_python, "node": by_node}
    with limited(latency_ms) as box:
        seed_limited(box.admin, contacts)
        for tool, measure in tools.items():
            time.sleep(WINDOW_SECONDS + 1)  # each starts with the whole burst budget
            figures[f"list_{tool}_seconds"] = measure(box, "list", contacts)
    for tool, measure in tools.items():
        with limited(latency_ms) as box:  # an empty portal for each: every upsert creates
            figures[f"upsert_{tool}_seconds"] = measure(box, "upsert", contacts)
    for mode in ("list", "upsert"):
        for tool in (*tools, "syncer"):
            seconds = figures.get(f"{mode}_{tool}_seconds") or (ours or {}).get(mode)
            if seconds:
                figures[f"{mode}_{tool}_seconds"] = seconds
                figures[f"{mode}_{tool}_over_ideal"] = seconds / ideal
    name = f"11 side by side ({contacts:,}, {latency_ms} ms)"
    show(name, figures)
    summary = ", ".join(
        f"{mode} {tool} {figures[f'{mode}_{tool}_over_ideal']:.2f} x"
        for mode in ("list", "upsert")
        for tool in (*tools, "syncer")
        if f"{mode}_{tool}_over_ideal" in figures
    )
    figures["verdict"] = verdict(name, True, f"time over ideal: {summary}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()
    run(args.contacts, args.latency_ms)


if __name__ == "__main__":
    main()
