"""A run's request timeline from the sandbox's trace (`GET /_sandbox/trace`): how long the
process took to its first request, the set-up calls before the first write (one after another,
or together), and the idle gaps once writing started (nothing in flight: the sender drained).

    summary(box.trace(), started=<time.time() when the process was started>)
"""

from __future__ import annotations

from typing import Any

WRITE_KINDS = ("batch/upsert", "batch/create", "batch/update")
GAP_MS = 50.0  # idle stretches shorter than this are the scheduler's noise, not a drain


def summary(entries: list[dict[str, Any]], started: float) -> dict[str, Any]:
    """`started`: the wall time (seconds) the measured process was started."""
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
