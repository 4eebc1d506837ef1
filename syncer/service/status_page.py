"""The /status page: every pipeline's state as one server-rendered HTML document, with no script
and no asset from elsewhere (styles inline, the lag chart inline SVG), refreshed by the browser
every `REFRESH_SECONDS`.

It draws the facts `syncer status` prints (status_view.pipeline_status), plus what only the
serving process knows: its HubSpot rate budgets. Every value passes through `_text` on its way
into the page: record values reach it in quarantine messages, and may look like HTML.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from syncer.service.metrics import RateLimits
from syncer.status_facts import LAG_HISTORY, iso
from syncer.status_view import lease_text, pending_text, references_text

REFRESH_SECONDS = 30
_CHART_WIDTH, _CHART_HEIGHT, _MARGIN = 640, 140, 36

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d232a;background:#fafbfc}
h1{margin:0 0 .2em}h2{margin:1.6em 0 .4em;border-bottom:2px solid #d4dae0}
h3{margin:1.2em 0 .3em;font-size:1em}
table{border-collapse:collapse;margin:.3em 0;background:#fff}
th,td{border:1px solid #d4dae0;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eef1f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;margin:.4em 0}
dt{font-weight:600}dd{margin:0}.muted{color:#5b6672}
.ok{color:#116329}.bad{color:#b3261e}svg{background:#fff;border:1px solid #d4dae0}
"""


def render_page(
    info: Mapping[str, Mapping[str, Any]],
    budgets: Mapping[str, RateLimits],
    served_by: str,
    now: datetime,
) -> str:
    """The whole page: a header, the rate budgets, then one section per pipeline."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">',
        "<title>syncer status</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<header><h1>syncer status</h1>",
        f'<p class="muted">Served by {_text(served_by)} at {_text(_when(iso(now)))}; '
        f"this page refreshes itself every {REFRESH_SECONDS} s.</p></header>",
        _budgets(budgets),
        *(_pipeline(name, item, now) for name, item in info.items()),
        "</body></html>",
    ]
    return "\n".join(parts)


def _budgets(budgets: Mapping[str, RateLimits]) -> str:
    rows = []
    for side, limits in budgets.items():
        refused = limits.rate_limited()
        for budget, remaining in sorted(limits.remaining().items()):
            rows.append([side, budget, f"{remaining:.0f}"])
        rows += [[side, f"429 ({policy})", str(count)] for policy, count in sorted(refused.items())]
    table = _table(["side", "budget", "requests allowed now / refusals"], rows, numeric={2})
    return (
        '<section id="budgets"><h2>Rate budgets</h2>'
        '<p class="muted">As this replica counts them; its passes share them.</p>'
        f"{table}</section>"
    )


def _pipeline(name: str, item: Mapping[str, Any], now: datetime) -> str:
    anchor = _text(name)
    return "\n".join(
        [
            f'<section class="pipeline" id="pipeline-{anchor}"><h2>{anchor}</h2>',
            _summary(item),
            "<h3>Lag over the last 24 h</h3>",
            lag_chart(name, item["lag_history"], now),
            "<h3>Recent passes</h3>",
            _runs(item["runs"]),
            f"<h3>Quarantine ({item['quarantined']:d})</h3>",
            _quarantine(item),
            f"<h3>Recent conflicts ({item['conflicts']:d} logged)</h3>",
            _conflicts(item["recent_conflicts"]),
            "<h3>Cursors</h3>",
            _cursors(item["cursors"]),
            "</section>",
        ]
    )


def _summary(item: Mapping[str, Any]) -> str:
    last = item["runs"][0]["status"] if item["runs"] else "no pass yet"
    success = item["last_success"]
    facts = [
        ("last pass", last),
        ("lease", lease_text(item["lease"])),
        ("lag now", f"{item['lag_seconds']:.0f} s"),
        ("last success", _when(success) if success else "none yet"),
        ("linked pairs", str(item["links"])),
        ("quarantined", str(item["quarantined"])),
        ("conflicts logged", str(item["conflicts"])),
        ("pending work", pending_text(item["pending_work"])),
        ("relations", references_text(item)),
    ]
    rows = "".join(f"<dt>{_text(k)}</dt><dd>{_text(v)}</dd>" for k, v in facts)
    return f'<dl class="summary">{rows}</dl>'


def lag_chart(name: str, points: Sequence[Mapping[str, Any]], now: datetime) -> str:
    """An inline SVG: the lag each pass of the last 24 h left (y) at the time it finished (x)."""
    if not points:
        return '<p class="muted">No pass finished in the last 24 h.</p>'
    start = now - LAG_HISTORY
    top = max(1.0, *(float(p["lag_seconds"]) for p in points))
    width, height = _CHART_WIDTH - 2 * _MARGIN, _CHART_HEIGHT - 2 * _MARGIN

    def x(at: str) -> float:
        elapsed = datetime.fromisoformat(at) - start
        return _MARGIN + width * max(0.0, min(1.0, elapsed / LAG_HISTORY))

    def y(lag: float) -> float:
        return _MARGIN + height * (1 - lag / top)

    xy = [(x(p["at"]), y(float(p["lag_seconds"]))) for p in points]
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py in xy)
    dots = "".join(
        f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5"><title>{_text(_when(p["at"]))}: '
        f"{float(p['lag_seconds']):.0f} s</title></circle>"
        for (px, py), p in zip(xy, points, strict=True)
    )
    base = _MARGIN + height
    return (
        f'<svg class="lag-chart" id="lag-{_text(name)}" role="img" width="{_CHART_WIDTH}" '
        f'height="{_CHART_HEIGHT}" viewBox="0 0 {_CHART_WIDTH} {_CHART_HEIGHT}">'
        f"<title>Lag of {_text(name)} after each pass, last 24 h (max {top:.0f} s)</title>"
        f'<line x1="{_MARGIN}" y1="{base}" x2="{_MARGIN + width}" y2="{base}" stroke="#888"/>'
        f'<line x1="{_MARGIN}" y1="{_MARGIN}" x2="{_MARGIN}" y2="{base}" stroke="#888"/>'
        f'<text x="4" y="{_MARGIN + 4}" font-size="11">{top:.0f} s</text>'
        f'<text x="4" y="{base + 4}" font-size="11">0</text>'
        f'<text x="{_MARGIN}" y="{base + 16}" font-size="11">{_text(_hour(start))}</text>'
        f'<text x="{_MARGIN + width - 40}" y="{base + 16}" font-size="11">now</text>'
        f'<polyline fill="none" stroke="#2f6fb3" stroke-width="1.5" points="{line}"/>'
        f'<g fill="#2f6fb3">{dots}</g></svg>'
    )


def _runs(runs: Sequence[Mapping[str, Any]]) -> str:
    head = ["started", "mode", "status", "seconds", "created h/e", "updated h/e", "linked"]
    head += ["quarantined", "API calls", "error"]
    rows = []
    for run in runs:
        counts = run["counts"] or {}
        created, updated = counts.get("created", {}), counts.get("updated", {})
        mode = f"{run['mode']}{' (dry run)' if run['dry_run'] else ''}"
        seconds = f"{run['seconds']:.1f}" if run["seconds"] is not None else "running"
        rows.append(
            [
                _when(run["started_at"]),
                mode,
                run["status"],
                seconds,
                _pair(created),
                _pair(updated),
                str(counts.get("linked", "")),
                str(counts.get("quarantined", "")),
                str(run["api_calls"] or 0),
                run["error"] or "",
            ]
        )
    return _table(head, rows, numeric={3, 6, 7, 8}, empty="No pass yet.")


def _quarantine(item: Mapping[str, Any]) -> str:
    head = ["record", "operation", "code", "property", "attempts", "first seen", "next retry"]
    rows = [
        [
            f"{e['side']}:{e['record_id']}",
            e["operation"],
            e["code"],
            e["property"] or "-",
            str(e["attempts"]),
            _when(e["first_seen"]),
            _when(e["next_retry_at"]),
            e["message"],
        ]
        for e in item["quarantine"]
    ]
    table = _table([*head, "reason"], rows, numeric={4}, empty="Nothing waits in quarantine.")
    more = item["quarantined"] - len(item["quarantine"])
    tail = f'<p class="muted">... and {more} more: syncer errors list.</p>' if more > 0 else ""
    return f'<div class="quarantine">{table}{tail}</div>'


def _conflicts(conflicts: Sequence[Mapping[str, Any]]) -> str:
    head = ["when", "field", "HubSpot id", "external id", "winner", "policy"]
    rows = [
        [_when(c["at"]), c["field"], c["hubspot_id"], c["external_id"], c["winner"], c["policy"]]
        for c in conflicts
    ]
    return f'<div class="conflicts">{_table(head, rows, empty="No conflict logged.")}</div>'


def _cursors(cursors: Mapping[str, Mapping[str, str | None]]) -> str:
    rows = [
        [name, _when(c["time"]) if c["time"] else c["position"] or "not yet"]
        for name, c in cursors.items()
    ]
    return _table(["listing", "read up to"], rows)


def _table(
    head: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: set[int] | frozenset[int] = frozenset(),
    empty: str = "None.",
) -> str:
    body = [
        "<tr>" + "".join(_cell(cell, i in numeric) for i, cell in enumerate(row)) + "</tr>"
        for row in rows
    ]
    if not body:
        return f'<p class="muted">{_text(empty)}</p>'
    header = "".join(f"<th>{_text(h)}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _cell(value: str, numeric: bool) -> str:
    return f'<td class="n">{_text(value)}</td>' if numeric else f"<td>{_text(value)}</td>"


def _pair(by_side: Mapping[str, int]) -> str:
    return f"{by_side.get('hubspot', 0)}/{by_side.get('external', 0)}" if by_side else ""


def _when(iso_time: str) -> str:
    return iso_time.replace("T", " ").replace("Z", " UTC")


def _hour(at: datetime) -> str:
    """ "MM-DD HH:MM" of a chart's left edge."""
    return _when(iso(at))[5:16]


def _text(value: object) -> str:
    """Every value on the page, escaped: quarantine messages quote record values."""
    return html.escape(str(value), quote=True)
