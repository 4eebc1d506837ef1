"""The conflicts a settled pair leaves on record: those the planner settled by the conflict
policy, and those a side settled itself (a write it accepted and did not apply: its kept value
stands, and the operator is told). With `[ledger] hash_match_keys`, a conflict on the match key
is logged without its values: a redacted value could not be written back by `syncer conflicts
resolve`, and a plain one would keep an email at rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import structlog

from syncer.engine.read_back import NOT_APPLIED
from syncer.ledger.values import ConflictRecord, MatchKeyForm, value_hash
from syncer.policies import ConflictPolicy
from syncer.records import Side

if TYPE_CHECKING:
    from syncer.engine.pairs import PairPlan
    from syncer.engine.settle import Outcome

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ConflictLog:
    policy: ConflictPolicy
    match_property: str | None  # the match field by its canonical name, if there is one
    keys: MatchKeyForm  # how the ledger keeps match keys

    def planned(self, plan: PairPlan, hub_id: str, ext_id: str) -> list[ConflictRecord]:
        """The conflicts the plan settled by the policy."""
        return [
            self._kept(
                ConflictRecord(
                    hub_id,
                    ext_id,
                    c.field,
                    c.hubspot_hash,
                    c.external_hash,
                    c.winner,
                    self.policy.value,
                    c.hubspot_value,
                    c.external_value,
                )
            )
            for c in plan.conflicts
        ]

    def not_applied(self, outcome: Outcome, hub_id: str, ext_id: str) -> list[ConflictRecord]:
        """A write the side accepted and did not apply is a conflict it decided itself: its
        kept value stands (the next pass copies it back), and the operator is told."""
        out: list[ConflictRecord] = []
        for side, fields in outcome.not_applied.items():
            for item in fields:
                values = {side: item.kept, side.other: item.sent}
                hub, ext = values[Side.HUBSPOT], values[Side.EXTERNAL]
                hashes = value_hash(hub), value_hash(ext)
                out.append(
                    self._kept(
                        ConflictRecord(
                            hub_id, ext_id, item.field, *hashes, side, NOT_APPLIED, hub, ext
                        )
                    )
                )
                log.warning(
                    "write not applied",
                    side=side.value,
                    record=hub_id if side is Side.HUBSPOT else ext_id,
                    field=item.field,
                    reason=f"{side.value} accepted the value and kept its own; its value stands",
                )
        return out

    def _kept(self, conflict: ConflictRecord) -> ConflictRecord:
        """The conflict as the ledger logs it: a match key's values dropped when keys are hashed."""
        if not self.keys.hashed or conflict.field != self.match_property:
            return conflict
        return replace(conflict, hubspot_value=None, external_value=None, values_kept=False)
