"""The daemon's Prometheus metrics, in a registry of their own (not the client's global one).

Three sources, each telling what it knows first-hand:
- `RunMetrics`, a run observer the engine calls: what this process's runs did (records read
  and written per side, quarantined, conflicts, API calls, durations, whether a pass runs);
- `LedgerMetrics`, a collector read at each scrape: the pipeline's state in the ledger
  (quarantine depth and lag, conflicts logged, last successful run, lease holder), the same
  figure on every replica sharing the ledger;
- `RateLimitMetrics`, read at each scrape from a side's rate budgets, which this process's
  passes share (so per side, not per pipeline): requests each budget allows now, and the
  server's rate-limit refusals by the policy it named. The budgets are seen through the small
  `RateLimits` protocol, so this module knows no connector.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from syncer.engine.observer import ChunkCommitted, RunStarted
from syncer.engine.report import RunReport
from syncer.ledger.values import utcnow
from syncer.logs import get_logger
from syncer.service.health import LedgerWatch

log = get_logger(__name__)

# Passes take from under a second to hours (a first migration); buckets cover both.
_DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, float("inf"))


class RunMetrics:
    """A `RunObserver` that counts what runs did. Counters grow as chunks commit, so a long
    pass shows its progress before it ends."""

    def __init__(self, registry: CollectorRegistry) -> None:
        def counter(name: str, help: str, *labels: str) -> Counter:
            return Counter(name, help, ("pipeline", *labels), registry=registry)

        self.read = counter("syncer_records_read_total", "Records read, by side.", "side")
        self.created = counter("syncer_records_created_total", "Records created, by side.", "side")
        self.updated = counter("syncer_records_updated_total", "Records updated, by side.", "side")
        self.archived = counter(
            "syncer_records_archived_total", "Records archived, by side.", "side"
        )
        self.quarantined = counter(
            "syncer_records_quarantined_total", "Records quarantined, by source side.", "side"
        )
        self.conflicts = counter(
            "syncer_conflicts_total", "Fields both sides changed, decided by the conflict policy."
        )
        self.api_calls = counter("syncer_api_calls_total", "API calls made, by side.", "side")
        self.runs = counter("syncer_runs_total", "Runs finished, by how they ended.", "status")
        self.duration = Histogram(
            "syncer_run_duration_seconds",
            "How long runs took.",
            ("pipeline",),
            buckets=_DURATION_BUCKETS,
            registry=registry,
        )
        self.running = Gauge(
            "syncer_pass_running",
            "1 while a pass of the pipeline runs.",
            ("pipeline",),
            registry=registry,
        )

    def run_started(self, run: RunStarted) -> None:
        self.running.labels(run.pipeline).set(1)

    def chunk_committed(self, chunk: ChunkCommitted) -> None:
        name = chunk.pipeline
        for side, writes in chunk.writes.items():
            self.created.labels(name, side.value).inc(writes.created)
            self.updated.labels(name, side.value).inc(writes.updated)
            self.archived.labels(name, side.value).inc(writes.archived)
        for side, count in chunk.quarantined.items():
            self.quarantined.labels(name, side.value).inc(count)
        self.conflicts.labels(name).inc(chunk.conflicts)

    def run_finished(self, report: RunReport) -> None:
        name = report.pipeline
        self.running.labels(name).set(0)
        for side, count in report.collected.items():
            self.read.labels(name, side).inc(count)
        for side, count in report.api_calls.items():
            self.api_calls.labels(name, side).inc(count)
        self.runs.labels(name, report.status.value).inc()
        self.duration.labels(name).observe(report.seconds)


class LedgerMetrics(Collector):
    """Read from the ledger at each scrape. An unreachable ledger is itself a figure
    (`syncer_ledger_up` 0), not a failed scrape: the run metrics are still served."""

    def __init__(self, watch: LedgerWatch) -> None:
        self.watch = watch

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("syncer_ledger_up", "1 if the ledger answered this scrape.")
        try:
            states = self.watch.health()
        except Exception as exc:
            log.warning("ledger unreachable for metrics", error=f"{type(exc).__name__}: {exc}")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily(
            "syncer_quarantine_depth", "Records waiting in quarantine.", labels=["pipeline"]
        )
        logged = CounterMetricFamily(
            "syncer_conflicts_logged",
            "Conflicts recorded in the ledger since the pipeline began.",
            labels=["pipeline"],
        )
        lag = GaugeMetricFamily(
            "syncer_lag_seconds",
            "Seconds since the oldest change seen but not synced (a record waiting in "
            "quarantine) was first seen; 0 when none waits.",
            labels=["pipeline"],
        )
        success = GaugeMetricFamily(
            "syncer_last_success_timestamp_seconds",
            "When the newest run that went through finished (Unix time).",
            labels=["pipeline"],
        )
        lease = InfoMetricFamily(
            "syncer_lease", "Who holds (or last held) the pipeline's lease.", labels=["pipeline"]
        )
        for state in states:
            depth.add_metric([state.pipeline], state.quarantine_depth)
            lag.add_metric([state.pipeline], _age(state.oldest_unsynced))
            logged.add_metric([state.pipeline], state.conflicts_logged)
            if state.last_success is not None:
                success.add_metric([state.pipeline], state.last_success.timestamp())
            if state.lease_owner is not None:
                holder = {"holder": state.lease_owner, "epoch": str(state.lease_epoch)}
                lease.add_metric([state.pipeline], holder)
        yield from (depth, lag, logged, success, lease)


def _age(moment: datetime | None) -> float:
    return max(0.0, (utcnow() - moment).total_seconds()) if moment is not None else 0.0


class RateLimits(Protocol):
    """A side's rate budgets as a metrics reader sees them."""

    def remaining(self) -> Mapping[str, float]:
        """Requests each budget (by name: "burst", "daily", ...) allows now."""
        ...

    def rate_limited(self) -> Mapping[str, int]:
        """Rate-limit refusals (HTTP 429) so far, by the policy the server named."""
        ...

    def results(self) -> Mapping[str, int]:
        """Requests sent so far, by result class (ok, rejected, retry, rate_limited, ...)."""
        ...


class RateLimitMetrics(Collector):
    def __init__(self, side: str, limits: RateLimits) -> None:
        self.side = side
        self.limits = limits

    def collect(self) -> Iterator[Metric]:
        remaining = GaugeMetricFamily(
            "syncer_budget_remaining",
            "Requests a rate budget allows now, as this process counts them.",
            labels=["side", "budget"],
        )
        for budget, value in sorted(self.limits.remaining().items()):
            remaining.add_metric([self.side, budget], value)
        refused = CounterMetricFamily(
            "syncer_rate_limited",
            "Requests the server refused for a rate limit (HTTP 429), by policy.",
            labels=["side", "policy"],
        )
        for policy, count in sorted(self.limits.rate_limited().items()):
            refused.add_metric([self.side, policy], count)
        results = CounterMetricFamily(
            "syncer_api_results",
            "Requests this process sent to the side's API (retries included), by result class: "
            "ok, rejected (records refused), retry (transient), rate_limited, auth, fatal.",
            labels=["side", "result"],
        )
        for result, count in sorted(self.limits.results().items()):
            results.add_metric([self.side, result], count)
        yield from (remaining, refused, results)
