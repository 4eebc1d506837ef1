"""`syncer plan` for people and as JSON: the run's summary, then each action with the fields it
changes (old -> new, in the canonical values both sides are compared in)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from syncer.engine.report import FieldChange, PlanAction, PlannedAction, RunReport

NO_VALUE = "-"
EDGE_ACTIONS = (PlanAction.ADD_EDGE, PlanAction.REMOVE_EDGE)


def render_plan(report: RunReport) -> str:
    lines = [report.render()]
    for action in report.planned:
        if action.action in EDGE_ACTIONS:
            lines.append(_edge_line(action))
            continue
        lines.append(
            f"    {action.action:<8} {action.side_name:<8} hubspot={action.hubspot_id or NO_VALUE} "
            f"external={action.external_id or NO_VALUE}{_conflict_field(action)}"
        )
        lines += [f"        {_change(c)}" for c in action.changes]
    return "\n".join(lines)


def plans_json(reports: Sequence[RunReport]) -> str:
    return json.dumps([plan_dict(r) for r in reports], indent=2)


def plan_dict(report: RunReport) -> dict[str, Any]:
    return {**report.as_dict(), "actions": [a.as_dict() for a in report.planned]}


def _edge_line(action: PlannedAction) -> str:
    """`add-edge hubspot hubspot=7 external=17 @companies:Billing -> 502`: the association
    (its field names the pipeline pointed at and the label) and the key of the record."""
    [change] = action.changes
    target = change.new if action.action is PlanAction.ADD_EDGE else change.old
    return (
        f"    {action.action:<11} {action.side_name:<8} hubspot={action.hubspot_id or NO_VALUE} "
        f"external={action.external_id or NO_VALUE} {change.field} -> {target}"
    )


def _conflict_field(action: PlannedAction) -> str:
    """A conflict names its field (its values are the winning write's, shown there)."""
    return f" {','.join(action.fields)}" if action.fields and not action.changes else ""


def _change(change: FieldChange) -> str:
    return f"{change.field}: {_shown(change.old)} -> {_shown(change.new)}"


def _shown(value: str | None) -> str:
    return NO_VALUE if value is None else json.dumps(value, ensure_ascii=False)
