"""`syncer status` for people and as JSON: per pipeline, its linked pairs, quarantine and
conflicts, its cursors as times, its recent runs with what they did, who holds its lease, its
lag and the work it has pending. The daemon's /status page shows the same facts, gathered by
`pipeline_status` (with status_facts.py) for both.

Conflicts are settled by the pipeline's policy the moment they are found, so none is ever
pending: `status` counts those logged. Relations: the agreed edges, and the references still
pending (their target not linked yet) with the oldest one's age; a reference whose target the
pipeline it points at has since run without finding (a key that exists nowhere) is listed
with its record (the row) and the column that holds it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from syncer import status_facts as facts
from syncer.engine.side_events import archive_cursor
from syncer.ledger.store import Ledger
from syncer.ledger.values import PendingEntry, RunRecord, utcnow
from syncer.records import Side
from syncer.relations import AssociationField

DANGLING_SHOWN = 20  # dangling references listed by the readable view (JSON lists them all)

RUNS_SHOWN = 10


def association_columns(fields: Sequence[AssociationField]) -> dict[str, str]:
    """{association field: where the external side keeps it}, to name it in `status`."""
    out: dict[str, str] = {}
    for field in fields:
        if field.join is not None:
            out[field.name] = f"{field.join.table}.{field.join.to_column}"
        else:
            out[field.name] = ", ".join(field.columns) or field.name
    return out


def pipeline_status(
    ledger: Ledger,
    name: str,
    columns: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A pipeline's state as plain JSON values: what `syncer status` and /status show.
    `columns`: association_columns of its fields."""
    now = now or utcnow()
    quarantined = ledger.quarantined(name)
    return {
        "links": ledger.link_count(name),
        "quarantined": len(quarantined),
        "conflicts": ledger.conflict_count(name),
        "edges": ledger.edge_count(name),
        "pending": _pending(ledger.pending_references(name), columns or {}, now),
        **facts.health_facts(ledger.health(name), now),
        "pending_work": facts.pending_facts(ledger, name, now),
        "cursors": _cursors(ledger, name),
        "runs": [_run(run) for run in ledger.recent_runs(name, limit=RUNS_SHOWN)],
        "quarantine": facts.quarantine_facts(quarantined),
        "recent_conflicts": facts.conflict_facts(ledger, name),
        "lag_history": facts.lag_history(ledger, name, now),
    }


def _pending(
    entries: list[PendingEntry], columns: Mapping[str, str], now: datetime | None
) -> dict[str, Any]:
    oldest = min((e.first_seen for e in entries), default=None)
    age = ((now or datetime.now(UTC)) - oldest).total_seconds() if oldest else None
    return {
        "count": len(entries),
        "oldest_first_seen": _iso(oldest) if oldest else None,
        "oldest_age_seconds": round(age) if age is not None else None,
        "dangling": [
            {
                "side": e.ref.side.value,
                "row": e.ref.record_id,
                "field": e.ref.field,
                "column": columns.get(e.ref.field, e.ref.field)
                if e.ref.side is Side.EXTERNAL
                else e.ref.field,
                "target": e.ref.target_id,
                "to_pipeline": e.ref.to_pipeline,
            }
            for e in entries
            if e.dangling
        ],
    }


def render_status(info: Mapping[str, Mapping[str, Any]]) -> str:
    lines = []
    for name, item in info.items():
        lines.append(
            f"{name}: {item['links']} linked, {item['quarantined']} quarantined, "
            f"{item['conflicts']} conflicts logged"
        )
        lines += _relation_lines(item)
        lines += _state_lines(item)
        for cursor_name, cursor in item["cursors"].items():
            shown = _shown_time(cursor["time"]) if cursor["time"] else cursor["position"]
            lines.append(f"  cursor {cursor_name + ':':<16} {shown}")
        lines += [_run_line(run) for run in item["runs"]]
        lines += _quarantine_lines(item)
        lines += [_conflict_line(conflict) for conflict in item["recent_conflicts"]]
    return "\n".join(lines)


def lease_text(lease: Mapping[str, Any]) -> str:
    """Who runs the pipeline's passes: the page and the terminal say it in the same words."""
    holder = f"{lease['holder']} (epoch {lease['epoch']})"
    if lease["state"] == "none":
        return "no replica has run it yet"
    if lease["state"] == "released":
        return f"free: released by {holder} after its pass"
    until = _shown_time(lease["expires_at"])
    if lease["state"] == "held":
        return f"held by {holder} until {until}"
    return f"free: {holder} stopped renewing it, lapsed {until}"


def lag_text(item: Mapping[str, Any]) -> str:
    history = item["lag_history"]
    worst = max((point["lag_seconds"] for point in history), default=0.0)
    return (
        f"{item['lag_seconds']:.0f} s now, at most {worst:.0f} s after the "
        f"{len(history)} passes of the last 24 h"
    )


def pending_text(pending: Mapping[str, int]) -> str:
    return (
        f"{pending['intents']} unconfirmed writes, "
        f"{pending['retries_due']} quarantined records due for retry"
    )


def _state_lines(item: Mapping[str, Any]) -> list[str]:
    success = item["last_success"]
    return [
        f"  lease:   {lease_text(item['lease'])}",
        f"  lag:     {lag_text(item)}",
        f"  success: {_shown_time(success) if success else 'none yet'}",
        f"  pending: {pending_text(item['pending_work'])}",
    ]


def _quarantine_lines(item: Mapping[str, Any]) -> list[str]:
    shown = item["quarantine"]
    lines = [
        f"  quarantined {entry['side']}:{entry['record_id']} {entry['operation']} "
        f"{entry['code']} {entry['property'] or '-'} attempts={entry['attempts']}: "
        f"{entry['message']}"
        for entry in shown
    ]
    if item["quarantined"] > len(shown):
        lines.append(f"  ... and {item['quarantined'] - len(shown)} more (syncer errors list)")
    return lines


def _conflict_line(conflict: Mapping[str, Any]) -> str:
    return (
        f"  conflict {_shown_time(conflict['at'])} {conflict['field']} "
        f"hubspot:{conflict['hubspot_id']} external:{conflict['external_id']}: "
        f"{conflict['winner']} won ({conflict['policy']})"
    )


def references_text(item: Mapping[str, Any]) -> str:
    """Edges and pending references, in the words the page and the terminal share."""
    pending = item.get("pending") or {}
    line = f"edges: {item['edges']}; pending references: {pending.get('count', 0)}"
    if pending.get("oldest_age_seconds") is not None:
        line += f" (oldest {_age(pending['oldest_age_seconds'])})"
    dangling = len(pending.get("dangling", []))
    return line + (f"; {dangling} dangling" if dangling else "")


def _relation_lines(item: Mapping[str, Any]) -> list[str]:
    pending = item.get("pending") or {}
    if not item.get("edges") and not pending.get("count"):
        return []
    line = f"  edges: {item['edges']}; pending references: {pending['count']}"
    if pending.get("oldest_age_seconds") is not None:
        line += f" (oldest {_age(pending['oldest_age_seconds'])})"
    lines = [line]
    dangling = pending.get("dangling", [])
    for ref in dangling[:DANGLING_SHOWN]:
        lines.append(
            f"  dangling: {ref['side']} row {ref['row']}, column {ref['column']}: "
            f"{ref['target']} exists nowhere in {ref['to_pipeline']}"
        )
    if len(dangling) > DANGLING_SHOWN:
        lines.append(f"  ... and {len(dangling) - DANGLING_SHOWN} more dangling (--json lists all)")
    return lines


def _age(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


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
    seconds = run.seconds()
    return {
        "id": run.id,
        "mode": run.mode,
        "dry_run": dry_run,
        "status": run.status,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at) if run.finished_at else None,
        "seconds": round(seconds, 1) if seconds is not None else None,
        "lag_seconds": run.lag_seconds,
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
    if run["seconds"] is not None:
        line += f"; {run['seconds']:.1f} s"
    return line + (f"\n    error: {run['error']}" if run["error"] else "")


_iso = facts.iso


def _shown_time(iso: str) -> str:
    return iso.replace("T", " ").replace("Z", " UTC")
