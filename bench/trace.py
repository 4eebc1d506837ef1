"""A run's request timeline from the sandbox's trace (`GET /_sandbox/trace`): how long the
process took to its first request, the set-up calls before the first write (one after another,
or together), and the idle gaps once writing started (nothing in flight).

An idle gap is not necessarily time lost. Under a rolling-window limit (L requests in any W
seconds) a sender faster than L/W spends the window early and then must wait for its oldest
request to leave it: request n can be counted no earlier than W after request n-L. What bounds
the run is the chain of requests n, n-L, n-2L, ... ending at the last one: `budget_chain`
measures, along it, how much later than W each request was counted than the one L before
("lag"). A lag on the chain is time lost; elsewhere a lag only eats the slack its own chain
had (`most_behind_s`: the most any chain fell behind; drains at page or chunk boundaries show
there first, as the rate gate's waits shrink).

    summary(box.trace(), started=<time.time() when the process was started>, limit=100)
"""

from __future__ import annotations

import bisect
from typing import Any

WRITE_KINDS = ("batch/upsert", "batch/create", "batch/update")
GAP_MS = 50.0  # idle stretches shorter than this are the scheduler's noise, not a drain
_STEP_MS = 10.0


def summary(
    entries: list[dict[str, Any]], started: float, limit: int = 0, window_s: float = 10.0
) -> dict[str, Any]:
    """`started`: the wall time (seconds) the measured process was started; `limit` and
    `window_s`: the sandbox's rolling-window limit, for `budget_chain` (0: none)."""
    if not entries:
        return {}
    origin = started * 1000
    first_write = next((e for e in entries if e["kind"] in WRITE_KINDS), None)
    setup = entries if first_write is None else entries[: entries.index(first_write)]
    writing = [] if first_write is None else entries[entries.index(first_write) :]
    gaps = idle_gaps(writing)
    return {
        "first_request_s": round((entries[0]["start_ms"] - origin) / 1000, 3),
        "first_write_s": None
        if first_write is None
        else round((first_write["start_ms"] - origin) / 1000, 3),
        "setup_calls": [
            f"{e['method']} {e['kind']} {(e['start_ms'] - origin) / 1000:.3f}-"
            f"{(e['end_ms'] - origin) / 1000:.3f} s"
            for e in setup
        ],
        "idle_gaps_while_writing": len(gaps),
        "idle_seconds_while_writing": round(sum(g[1] for g in gaps) / 1000, 3),
        "longest_idle_gaps": [
            f"{(at - origin) / 1000:.3f} s for {length:.0f} ms"
            for at, length in sorted(gaps, key=lambda g: -g[1])[:5]
        ],
        "mean_in_flight_while_writing": round(mean_in_flight(writing), 2),
        **(
            {
                "idle_with_budget_s": round(
                    idle_with_budget(entries, writing, limit, window_s) / 1000, 3
                ),
                "budget_chain": budget_chain(entries, limit, window_s * 1000),
            }
            if limit
            else {}
        ),
    }


def idle_with_budget(
    entries: list[dict[str, Any]], writing: list[dict[str, Any]], limit: int, window_s: float
) -> float:
    """Milliseconds of the idle gaps while writing during which the budget had room, as the
    client counts it (a request holds its slot until a window after its answer): a drain, not
    the rate gate."""
    answered = sorted(e["end_ms"] for e in entries)
    room = 0.0
    for at, length in idle_gaps(writing):
        for step in range(int(length // _STEP_MS)):
            now = at + step * _STEP_MS
            held = bisect.bisect_right(answered, now) - bisect.bisect_right(
                answered, now - window_s * 1000
            )
            room += _STEP_MS if held < limit else 0.0
    return room


def budget_chain(entries: list[dict[str, Any]], limit: int, window_ms: float) -> dict[str, Any]:
    """Along the chain of requests that ends the run, each `limit` apart: where it starts and
    what each window lost (see the module docstring); and the most any chain fell behind. A
    request is taken as counted at the middle of its round trip, as the sandbox counts it after
    half its latency."""
    ordered = sorted(entries, key=lambda e: e["start_ms"])
    if len(ordered) <= limit:
        return {}
    counted = [(e["start_ms"] + e["end_ms"]) / 2 for e in ordered]
    lags = [counted[n] - counted[n - limit] - window_ms for n in range(limit, len(counted))]
    last = len(ordered) - 1
    head = last % limit
    chain = lags[head::limit]  # lags[i] is request i + limit's
    behind = [sum(lags[position::limit]) for position in range(limit)]
    return {
        "head_request": head,
        "head_start_s": round((ordered[head]["start_ms"] - ordered[0]["start_ms"]) / 1000, 3),
        "windows": len(chain),
        "lag_per_window_ms": round(sum(chain) / len(chain)),
        "lost_on_chain_s": round(sum(chain) / 1000, 3),
        "most_behind_s": round(max(behind) / 1000, 3),
    }


def idle_gaps(entries: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """(start ms, length ms) of each stretch of at least GAP_MS with nothing in flight,
    between the first request's start and the last one's end."""
    gaps: list[tuple[float, float]] = []
    busy_until: float | None = None
    for entry in sorted(entries, key=lambda e: e["start_ms"]):
        if busy_until is not None and entry["start_ms"] - busy_until >= GAP_MS:
            gaps.append((busy_until, entry["start_ms"] - busy_until))
        busy_until = max(busy_until or entry["end_ms"], entry["end_ms"])
    return gaps


def mean_in_flight(entries: list[dict[str, Any]]) -> float:
    """Requests in flight on average between the first start and the last end."""
    if not entries:
        return 0.0
    span = max(e["end_ms"] for e in entries) - min(e["start_ms"] for e in entries)
    busy = sum(e["end_ms"] - e["start_ms"] for e in entries)
    return busy / span if span > 0 else 0.0
