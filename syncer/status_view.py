"""`syncer status` for people and as JSON: per pipeline, its linked pairs, quarantine and
conflicts, its cursors as times, and its recent runs with what they did.

Conflicts are settled by the pipeline's policy the moment they are found, so none is ever
pending: `status` counts those logged. Relations between objects (edges) are not synced yet,
so there are no pending edges to count.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from syncer.engine.side_events import archive_cursor
from syncer.ledger.store import Ledger
from syncer.ledger.values import RunRecord
from syncer.records import Side


def pipeline_status(ledger: Ledger, name: str) -> dict[str, Any]:
    """A pipeline's state as plain JSON values."""
    return {
        "links": ledger.link_count(name),
        "quarantined": len(ledger.quarantined(name)),
        "conflicts": ledger.conflict_count(name),
        "cursors": _cursors(ledger, name),
        "runs": [_run(run) for run in ledger.recent_runs(name, limit=5)],
    }


def render_status(info: Mapping[str, Mapping[str, Any]]) -> str:
    lines = []
    for name, item in info.items():
        lines.append(
            f"{name}: {item['links']} linked, {item['quarantined']} quarantined, "
            f"{item['conflicts']} conflicts logged"
        )
        for cursor_name, cursor in item["cursors"].items():
            shown = _shown_time(cursor["time"]) if cursor["time"] else cursor["position"]
            lines.append(f"  cursor {cursor_name + ':':<16} {shown}")
        lines += [_run_line(run) for run in item["runs"]]
    return "\n".join(lines)


def cursor_time(position: str) -> datetime | None:
    """When a cursor stands, if its position tells: an ISO time (SQL watermarks, archive
    signposts) or {"t": ...} in milliseconds or ISO (HubSpot's, the memory connector's)."""
    try:
        value: object = json.loads(position)
    except ValueError:
        value = position
    if isinstance(value, dict):
        value = value.get("t")
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _cursors(ledger: Ledger, name: str) -> dict[str, dict[str, str | None]]:
    names = [side.value for side in Side] + [archive_cursor(side) for side in Side]
    out: dict[str, dict[str, str | None]] = {}
    for cursor_name in names:
        cursor = ledger.cursor(name, cursor_name)
        if cursor is None and cursor_name not in {side.value for side in Side}:
            continue  # an archive listing the pipeline does not read
        position = cursor.position if cursor is not None else None
        at = cursor_time(position) if position is not None else None
        out[cursor_name] = {"position": position, "time": _iso(at) if at else None}
    return out


def _run(run: RunRecord) -> dict[str, Any]:
    counts = dict(run.counts) if run.counts is not None else None
    dry_run = bool(counts.pop("dry_run", False)) if counts is not None else False
    return {
        "id": run.id,
        "mode": run.mode,
        "dry_run": dry_run,
        "status": run.status,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at) if run.finished_at else None,
        "api_calls": run.api_calls,
        "counts": counts,
        "error": run.error,
    }


def _run_line(run: Mapping[str, Any]) -> str:
    mode = f"{run['mode']}{' (dry run)' if run['dry_run'] else ''}"
    line = f"  {_shown_time(run['started_at'])}  {mode:<16} {run['status']:<12}"
    counts = run["counts"]
    if counts:
        created, updated = counts["created"], counts["updated"]
        line += (
            f" created {created['hubspot']} in HubSpot, {created['external']} external;"
            f" updated {updated['hubspot']}/{updated['external']}; linked {counts['linked']};"
            f" quarantined {counts['quarantined']}"
        )
    line += f"; {run['api_calls'] or 0} API calls"
    return line + (f"\n    error: {run['error']}" if run["error"] else "")


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _shown_time(iso: str) -> str:
    return iso.replace("T", " ").replace("Z", " UTC")
