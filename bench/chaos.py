"""Chaos soak: random mutations on both CRMs, faults, SIGKILLed syncs; then the checks.

A HubSpot sandbox and `syncer sync` run in processes of their own; the legacy CRM is a SQLite
file (`--sql-url` or `BENCH_SQL_URL` for PostgreSQL or MariaDB). Rounds repeat for `--seconds`:

  1. the driver makes random mutations through each side's own interface (HubSpot over HTTP,
     SQL through SQLAlchemy): name edits, creates on one side or both, email changes and swaps,
     soft-deletes (SQL flag) and archives (HubSpot), restores (the SQL flag cleared, with an
     edit; HubSpot's API cannot un-archive);
  2. faults are scheduled in the sandbox (5xx, 429, 423, 477, dropped connections, some after
     the request was carried out, some late);
  3. maybe a sync is started and SIGKILLed at a random moment;
  4. syncs run until one completes (exit 0), at most `--attempts`; then the driver looks at both
     sides and settles each person whose two records agree (see bench/chaos_world.py).

At the end the faults stop, syncs run until one is quiet, and the checks are made: the sides
agree field by field, no duplicate email on either side, every live record linked, every
person holds the last value written (conflicts resolved by "newest"), and one more sync writes
nothing. Figures and a VERDICT line are printed and kept under "chaos" in
bench/results/latest.json, one entry per variant (all mutations, without restores, ...).

    python -m bench.chaos [--seconds 300] [--seed N] [--no-restores] [--no-swaps]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.chaos_checks import EXAMPLES, Snapshot, final_checks, observe, summary
from bench.chaos_driver import Driver
from bench.chaos_runs import Runner, write_config
from bench.chaos_sides import HubSide, SqlSide, customers
from bench.chaos_world import World
from bench.procs import sandbox
from bench.results import machine, merge_section, show, verdict


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=300.0, help="how long rounds go on")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--people", type=int, default=60, help="contacts at the start")
    parser.add_argument("--mutations", type=int, default=12, help="most per round")
    parser.add_argument("--faults", type=int, default=3, help="most scheduled per round")
    parser.add_argument("--kill-rate", type=float, default=0.5, help="rounds with a SIGKILL")
    parser.add_argument("--attempts", type=int, default=4, help="syncs per round at most")
    parser.add_argument("--latency-ms", type=int, default=20, help="the sandbox's round trip")
    parser.add_argument("--no-restores", dest="restores", action="store_false")
    parser.add_argument("--no-swaps", dest="swaps", action="store_false")
    parser.add_argument("--sql-url", default=os.environ.get("BENCH_SQL_URL", ""))
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    figures = run(args)
    left_out = [name for name, on in (("restores", args.restores), ("swaps", args.swaps)) if not on]
    variant = "without_" + "_".join(left_out) if left_out else "all_mutations"
    merge_section("chaos", {variant: {"machine": machine(), **figures}}, keep_inner=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    name = f"chaos_{uuid.uuid4().hex[:8]}"
    with (
        tempfile.TemporaryDirectory(prefix="bench-chaos-") as tmp,
        sandbox(latency_ms=args.latency_ms) as box,
    ):
        work = Path(tmp)
        sql_url = args.sql_url or f"sqlite:///{work / (name + '.db')}"
        engine = sa.create_engine(sql_url)
        table = customers(name)
        table.create(engine)
        hub = HubSide(box.url)
        try:
            config = write_config(
                work / "chaos.toml",
                ledger=f"sqlite:///{work / 'ledger.db'}",
                url=box.url,
                sql_url=sql_url,
                table=name,
            )
            soak = Soak(args, rng, hub, SqlSide(engine, table), Runner(config, rng))
            return soak.run()
        finally:
            hub.close()
            table.drop(engine)
            engine.dispose()


class Soak:
    def __init__(
        self,
        args: argparse.Namespace,
        rng: random.Random,
        hub: HubSide,
        sql: SqlSide,
        runner: Runner,
    ) -> None:
        self.args, self.rng, self.hub, self.sql, self.runner = args, rng, hub, sql, runner
        self.world = World()
        self.driver = Driver(
            self.world, hub, sql, rng, args.seed, restores=args.restores, swaps=args.swaps
        )
        self.rounds = self.unsettled_rounds = 0
        self.lost: list[str] = []

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        self._set_up()
        deadline = time.monotonic() + self.args.seconds
        while time.monotonic() < deadline:
            self._round()
        soak_seconds = time.monotonic() - started
        self.hub.clear_faults()
        converge = self._converge()
        checks = final_checks(self.world, Snapshot.take(self.hub, self.sql))
        checks["quiet_pass_writes_nothing"] = self._quiet_pass()
        checks["no_write_lost_on_the_way"] = self.lost
        return self._figures(soak_seconds, converge, checks)

    def _set_up(self) -> None:
        check = self.runner.run("check")
        if check.exit_code != 0:
            raise RuntimeError(f"syncer check failed:\n{check.output[-2000:]}")
        self.driver.seed_people(self.args.people)
        if self.runner.run("migrate").exit_code != 0:
            raise RuntimeError(f"the first migration failed: {self.runner.failures[-1:]}")
        self._observe()

    def _round(self) -> None:
        self.rounds += 1
        self.driver.mutate(self.rng.randint(1, self.args.mutations))
        self.runner.schedule_faults(self.hub, self.rng.randint(0, self.args.faults))
        if self.rng.random() < self.args.kill_rate:
            self.runner.kill_one(latest=3.0)
        if self.runner.until_exit_zero(self.args.attempts) is None:
            self.unsettled_rounds += 1
        self.hub.clear_faults()  # the driver's own requests are not the ones under test
        self._observe()

    def _observe(self) -> None:
        self.lost += observe(self.world, Snapshot.take(self.hub, self.sql))

    def _converge(self) -> dict[str, Any]:
        """Syncs until one completes writing nothing (at most 8)."""
        for passes in range(1, 9):
            sync = self.runner.run()
            if sync.exit_code == 0 and sync.writes == 0:
                self._observe()
                return {"passes": passes, "quiet": True}
        self._observe()
        return {"passes": 8, "quiet": False}

    def _quiet_pass(self) -> list[str]:
        hub_writes, rows = self.hub.writes(), self.sql.rows()
        sync = self.runner.run()
        problems = []
        if sync.exit_code != 0 or sync.writes:
            problems.append(f"exit {sync.exit_code}, report {sync.report}")
        if self.hub.writes() != hub_writes:
            problems.append(f"{self.hub.writes() - hub_writes} writes reached HubSpot")
        changed = [i for i, r in self.sql.rows().items() if rows.get(i) != r]
        if changed:
            problems.append(f"SQL rows changed: {changed[:EXAMPLES]}")
        return problems

    def _figures(
        self, seconds: float, converge: dict[str, Any], checks: dict[str, list[str]]
    ) -> dict[str, Any]:
        snap, runner = Snapshot.take(self.hub, self.sql), self.runner
        figures: dict[str, Any] = {
            "seed": self.args.seed,
            "seconds": round(seconds, 1),
            "rounds": self.rounds,
            "restores": self.args.restores,
            "swaps": self.args.swaps,
            "mutations": sum(self.driver.done.values()),
            "mutations_by_kind": dict(sorted(self.driver.done.items())),
            "syncs": sum(runner.exits.values()),
            "exits": dict(sorted(runner.exits.items())),
            "kills": runner.kills,
            "kills_after_exit": runner.kills_too_late,
            "faults_scheduled": runner.faults_scheduled,
            "faults_met": self.hub.stat("faults"),
            "rounds_without_a_clean_sync": self.unsettled_rounds,
            "final_passes": converge["passes"],
            "converged": converge["quiet"],
            "people": len(self.world.people),
            "people_live": len(self.world.live()),
            "records_hubspot_live": len(snap.hub),
            "records_sql_live": len(snap.live_rows()),
            "failed_syncs_last_lines": runner.failures[-EXAMPLES:],
            "checks": summary(checks),
        }
        show("chaos soak", {k: v for k, v in figures.items() if k != "checks"})
        for check, result in figures["checks"].items():
            print(
                f"  check {check:<28} {'ok' if not result['problems'] else 'FAILED'} "
                f"({result['problems']} problems)",
                flush=True,
            )
            for example in result["examples"]:
                print(f"      {example}", flush=True)
        failed = [c for c, r in figures["checks"].items() if r["problems"]]
        figures["verdict"] = verdict(
            "chaos soak",
            not failed,
            f"{figures['mutations']} mutations, {runner.kills} SIGKILLs, {figures['syncs']} "
            f"syncs, {len(snap.live_rows())} live records; "
            + (f"failed: {', '.join(failed)}" if failed else "every check passed"),
        )
        return figures


if __name__ == "__main__":
    main()
