"""Relations at scale (issue 11): a migration of companies, contacts each filed under one company,
and notes each on one contact, from the legacy sales schema (tests/integration/relations/) into
an unlimited sandbox (its own process), with the associations and without them.

Measured (each `syncer migrate` / `syncer sync` in its own process, as bench/procs.py does):
1. migration calls with relations against the minimum HubSpot's limits allow. The minimum:
   every record must be created, at most 100 per batch create, and a create carries its
   associations inline, so edges cost no call of their own; each pipeline must list its
   (empty) HubSpot object once. Minimum = sum over pipelines of ceil(records / 100) + 1.
   Target: <= 1.1 x.
2. peak memory of that migration against the same migration without relations (the config
   without its [[pipelines.associations]]). Target: <= 1.3 x.
3. a quiet incremental pass after the migration (nothing changed, the overlap waited out, one
   sync run before it to read back the migration's own creates): API calls per pipeline and
   side. Target: <= 3 per side, plus the association sweep when it
   is due (`association_sweep`, default 1d: not due right after the migration).
The edges are verified in HubSpot after the migration (v4 batch reads, not measured).

    python -m bench.relations [--companies 20000] [--contacts 50000] [--notes 50000] [--small]
"""

from __future__ import annotations

import argparse
import math
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.deploy import SQL_URL, UNLIMITED, config_head
from bench.engine import OVERLAP_SECONDS
from bench.procs import Measured, Sandbox, run_syncer, sandbox
from bench.results import merge_section, show, verdict
from tests.integration.relations.data import Sizes, generate, load
from tests.integration.relations.schema import SalesSchema, sales_schema

HUBSPOT_BATCH = 100  # records per batch create
ASSOCIATION_READ = 1_000  # ids per v4 batch read

PIPELINES = """
[[pipelines]]
name = "notes"
hubspot_object = "notes"
external_object = "{p}_notes"
external_id_property = "legacy_note_id"
direction = "to_hubspot"
overlap_seconds = {overlap}
[pipelines.sql]
primary_key = "noteId"
updated_at = "last_modified"
[pipelines.fields]
hs_note_body = "noteText"
hs_timestamp = "createdAt"
{notes_edges}
[[pipelines]]
name = "contacts"
hubspot_object = "contacts"
external_object = "{p}_contacts"
external_id_property = "legacy_contact_number"
match = {{ hubspot = "email", external = "email" }}
overlap_seconds = {overlap}
[pipelines.sql]
primary_key = "contactNumber"
updated_at = "last_modified"
[pipelines.fields]
email = "email"
firstname = "contactFirstName"
lastname = "contactLastName"
{contacts_edges}
[[pipelines]]
name = "companies"
hubspot_object = "companies"
external_object = "{p}_customers"
external_id_property = "legacy_customer_number"
create_in = ["hubspot"]
overlap_seconds = {overlap}
[pipelines.sql]
primary_key = "customerNumber"
updated_at = "last_modified"
[pipelines.fields]
name = "customerName"
city = "city"
country = "country"
"""

EDGES = {
    "notes_edges": '[[pipelines.associations]]\nto = "contacts"\nexternal = "contactNumber"\n',
    "contacts_edges": '[[pipelines.associations]]\nto = "companies"\nexternal = "customerNumber"\n',
}
# (pipeline, HubSpot object, table) in the order syncer runs them
OBJECTS = (("companies", "companies", "customers"), ("contacts", "contacts", "contacts"),
           ("notes", "notes", "notes"))  # fmt: skip


@dataclass
class Setup:
    sandbox: Sandbox
    schema: SalesSchema
    engine: sa.Engine
    config: Path
    counts: dict[str, int]  # pipeline -> records


@contextmanager
def setup(workdir: Path, sizes: Sizes, *, relations: bool) -> Iterator[Setup]:
    """A fresh sandbox process, the schema seeded at `sizes`, a ledger, the config, `check`."""
    prefix = f"bench_{uuid.uuid4().hex[:8]}"
    sql_url = SQL_URL or f"sqlite:///{workdir / (prefix + '.db')}"
    engine = sa.create_engine(sql_url)
    schema = sales_schema(prefix)
    schema.create(engine)
    rows = generate(sizes)
    load(engine, schema, rows)
    edges = EDGES if relations else {name: "" for name in EDGES}
    body = PIPELINES.format(p=prefix, overlap=OVERLAP_SECONDS, **edges)
    ledger = f"sqlite:///{workdir / (prefix + '-ledger.db')}"
    try:
        with sandbox() as box:
            config = workdir / f"{prefix}.toml"
            head = config_head(ledger, box.url, sql_url, UNLIMITED)
            config.write_text(head + body)
            _must(run_syncer("check", "-c", str(config)), "check")
            counts = {p: len(rows[table]) for p, _, table in OBJECTS}
            yield Setup(box, schema, engine, config, counts)
    finally:
        schema.drop(engine)
        engine.dispose()


def _must(run: Measured, what: str) -> Measured:
    if run.exit_code != 0:
        raise RuntimeError(f"{what} failed ({run.exit_code}):\n{run.output[-3000:]}")
    return run


_BLOCK = re.compile(
    r"^(?:migrate|sync) (\S+): .*?API calls\s+(\d+) HubSpot,\s+(\d+) external", re.M | re.S
)


def calls_per_pipeline(output: str) -> dict[str, dict[str, int]]:
    """{pipeline: {"hubspot": n, "external": m}} from the run reports `syncer` prints."""
    return {m[1]: {"hubspot": int(m[2]), "external": int(m[3])} for m in _BLOCK.finditer(output)}


def minimum_calls(counts: dict[str, int]) -> int:
    """Creates at 100 per batch with their edges inline, plus one listing per pipeline."""
    return sum(math.ceil(n / HUBSPOT_BATCH) + 1 for n in counts.values())


def edges_in_hubspot(box: Sandbox, from_object: str, to_object: str) -> int:
    """How many records of `from_object` have at least one `to_object` association."""
    with box.admin() as client:
        response = client.get(f"/_sandbox/records/{from_object}")
        response.raise_for_status()
        ids = [str(r["id"]) for r in response.json()["results"]]
        linked = 0
        for start in range(0, len(ids), ASSOCIATION_READ):
            inputs = [{"id": i} for i in ids[start : start + ASSOCIATION_READ]]
            path = f"/crm/v4/associations/{from_object}/{to_object}/batch/read"
            response = client.post(path, json={"inputs": inputs})
            response.raise_for_status()
            linked += sum(1 for r in response.json()["results"] if r["to"])
        return linked


def migrate(sizes: Sizes, *, relations: bool) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-relations-") as tmp,
        setup(Path(tmp), sizes, relations=relations) as dep,
    ):
        return measure(dep, relations=relations)


def measure(dep: Setup, *, relations: bool) -> dict[str, Any]:
    """The migration's figures; with relations, its edges counted and a quiet pass after it."""
    dep.sandbox.reset_stats()
    run = _must(run_syncer("migrate", "-c", str(dep.config)), "migrate")
    calls = calls_per_pipeline(run.output)
    figures: dict[str, Any] = {
        "seconds": run.seconds,
        "cpu_seconds": run.cpu_seconds,
        "peak_rss_mb": run.peak_rss_mb,
        "calls": calls,
        "hubspot_calls": sum(c["hubspot"] for c in calls.values()),
        "minimum_hubspot_calls": minimum_calls(dep.counts),
        "sandbox_stats": dep.sandbox.stats(),
    }
    if relations:
        figures["contacts_with_a_company"] = edges_in_hubspot(dep.sandbox, "contacts", "companies")
        figures["notes_with_a_contact"] = edges_in_hubspot(dep.sandbox, "notes", "contacts")
        figures["quiet_pass"] = quiet_pass(dep)
    return figures


def quiet_pass(dep: Setup) -> dict[str, Any]:
    """The first sync after a migration reads back what the migration created (its own writes,
    dropped as echoes; bench/README.md); the pass measured is the one after it."""
    settle = _must(run_syncer("sync", "-c", str(dep.config)), "sync")
    time.sleep(OVERLAP_SECONDS + 1)  # the writes are history, out of the overlap
    dep.sandbox.reset_stats()
    run = _must(run_syncer("sync", "-c", str(dep.config)), "sync")
    return {
        "settling_sync_calls": calls_per_pipeline(settle.output),
        "seconds": run.seconds,
        "calls": calls_per_pipeline(run.output),
        "sandbox_stats": dep.sandbox.stats(),
    }


def run(sizes: Sizes) -> dict[str, Any]:
    plain = migrate(sizes, relations=False)
    with_edges = migrate(sizes, relations=True)
    minimum = with_edges["minimum_hubspot_calls"]
    figures: dict[str, Any] = {
        "companies": sizes.customers,
        "contacts": sizes.contacts,
        "notes": sizes.notes,
        "without_relations": plain,
        "with_relations": with_edges,
        "calls_ratio": with_edges["hubspot_calls"] / minimum,
        "rss_ratio": with_edges["peak_rss_mb"] / plain["peak_rss_mb"],
    }
    show("relations", figures)
    quiet = with_edges["quiet_pass"]["calls"]
    worst_quiet = max((max(c.values()) for c in quiet.values()), default=0)
    complete = (
        with_edges["contacts_with_a_company"] == sizes.contacts
        and with_edges["notes_with_a_contact"] == sizes.notes
    )
    figures["verdict"] = verdict(
        "relations",
        complete
        and figures["calls_ratio"] <= 1.1
        and figures["rss_ratio"] <= 1.3
        and worst_quiet <= 3,
        f"edges {'all' if complete else 'NOT all'} in HubSpot; {with_edges['hubspot_calls']} "
        f"HubSpot calls for a minimum of {minimum} ({figures['calls_ratio']:.2f} x, target "
        f"<= 1.1 x); peak {with_edges['peak_rss_mb']:.0f} MB vs {plain['peak_rss_mb']:.0f} MB "
        f"without relations ({figures['rss_ratio']:.2f} x, target <= 1.3 x); quiet pass at "
        f"most {worst_quiet} calls per pipeline and side (target <= 3)",
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--companies", type=int, default=20_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--notes", type=int, default=50_000)
    parser.add_argument("--small", action="store_true", help="every size / 10: a quick check")
    args = parser.parse_args()
    divisor = 10 if args.small else 1
    sizes = Sizes(
        employees=2,
        customers=args.companies // divisor,
        contacts=args.contacts // divisor,
        extra_accounts=0,
        products=0,
        orders=0,
        notes=args.notes // divisor,
        tasks=0,
    )
    figures = run(sizes)
    if not args.small:
        merge_section("relations", figures)


if __name__ == "__main__":
    main()
