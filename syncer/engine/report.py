"""What a run did: counts, calls, time; rendered for people and as a structured event."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from syncer.records import Side


class Mode(enum.StrEnum):
    MIGRATE = "migrate"
    SYNC = "sync"


class RunStatus(enum.StrEnum):
    """How a run ended (the `runs` table keeps these words)."""

    RUNNING = "running"
    OK = "ok"
    QUARANTINED = "quarantined"  # it went through, and some records wait in the quarantine
    FAILED = "failed"
    STOPPED = "stopped"  # a stop was asked for: ended at a chunk boundary, cursors not moved


class PlanAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    LINK = "link"  # two existing records paired
    CONFLICT = "conflict"  # both sides changed a field; `side` is the one written to
    # An association the write adds or removes on `side` (its field names the association and
    # label; the change's new or old value the key of the record pointed at). Carried by the
    # create or update of the same record: counted with it.
    ADD_EDGE = "add-edge"
    REMOVE_EDGE = "remove-edge"


BOTH_SIDES = "both"  # how a planned action written to both sides (a link) names its side


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field a planned write changes, in canonical values (None: no value)."""

    field: str
    old: str | None
    new: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass(slots=True)
class PlannedAction:
    action: PlanAction
    side: Side | None  # the side written to; None for a link, which concerns both
    hubspot_id: str | None
    external_id: str | None
    fields: list[str]
    changes: list[FieldChange] = field(default_factory=list)  # a create's or update's values

    @property
    def side_name(self) -> str:
        return self.side.value if self.side is not None else BOTH_SIDES

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "side": self.side_name,
            "hubspot_id": self.hubspot_id,
            "external_id": self.external_id,
            "fields": self.fields,
            "changes": [c.as_dict() for c in self.changes],
        }


@dataclass(slots=True)
class RunReport:
    run_id: str
    pipeline: str
    mode: Mode
    dry_run: bool = False  # planned only: nothing was written
    status: RunStatus = RunStatus.RUNNING
    created: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Side})
    updated: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Side})
    archived: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Side})
    linked: int = 0
    conflicts: int = 0
    first_link_differences: int = 0  # fields records disagreed on when first linked
    quarantined: int = 0  # records waiting in the quarantine after the run, held back included
    new_quarantined: int = 0  # of those, refused for the first time or since they changed
    # Unmatched records left uncreated because `create_in` excludes the side (by that side).
    not_created: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Side})
    collected: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Side})
    api_calls: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Side})
    seconds: float = 0.0
    error: str | None = None
    planned: list[PlannedAction] = field(default_factory=list)

    def count_planned(self, actions: list[PlannedAction]) -> None:
        """A dry run's summary: what its run would count, from the actions it plans. Every
        create pairs a record with its new copy, so it links as a matched pair does."""
        self.planned = actions
        for action in actions:
            side = action.side_name
            if action.action is PlanAction.CREATE:
                self.created[side] += 1
                self.linked += 1
            elif action.action is PlanAction.UPDATE:
                self.updated[side] += 1
            elif action.action is PlanAction.ARCHIVE:
                self.archived[side] += 1
            elif action.action is PlanAction.LINK:
                self.linked += 1
            elif action.action is PlanAction.CONFLICT:
                self.conflicts += 1

    @property
    def writes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.archived.values())

    def counts(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "archived": self.archived,
            "linked": self.linked,
            "conflicts": self.conflicts,
            "first_link_differences": self.first_link_differences,
            "quarantined": self.quarantined,
            "new_quarantined": self.new_quarantined,
            "not_created": self.not_created,
            "collected": self.collected,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "pipeline": self.pipeline,
            "mode": self.mode.value,
            "dry_run": self.dry_run,
            "status": self.status.value,
            **self.counts(),
            "api_calls": self.api_calls,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }

    def render(self) -> str:
        h, e = Side.HUBSPOT.value, Side.EXTERNAL.value
        lines = [
            f"{self.mode.value}{' (dry run)' if self.dry_run else ''} {self.pipeline}: "
            f"{self.status} in {self.seconds:.1f} s",
            f"  read       {self.collected[h]:>7} from HubSpot, {self.collected[e]:>7} external",
            f"  linked     {self.linked:>7} pairs matched or created",
            f"  created    {self.created[h]:>7} in HubSpot, {self.created[e]:>7} external",
            f"  updated    {self.updated[h]:>7} in HubSpot, {self.updated[e]:>7} external",
            f"  archived   {self.archived[h]:>7} in HubSpot, {self.archived[e]:>7} external",
            f"  conflicts  {self.conflicts:>7}",
            f"  quarantined{self.quarantined:>7}",
            f"  API calls  {self.api_calls[h]:>7} HubSpot, {self.api_calls[e]:>7} external",
        ]
        if self.first_link_differences:
            lines.insert(
                7,
                f"  differed   {self.first_link_differences:>7} fields at first link "
                "(settled by first_link)",
            )
        if any(self.not_created.values()):
            lines.insert(
                -1,
                f"  not created{self.not_created[h]:>7} in HubSpot, "
                f"{self.not_created[e]:>7} external (not in create_in)",
            )
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)
