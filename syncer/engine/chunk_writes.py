"""A chunk's writes, built from its plans: one Write per side per pair that sends anything,
and an intent for every create (committed before anything of the chunk is sent, so a crash
after the side accepted a create leaves the intent to reconcile). No I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from syncer.engine.pairs import PairPlan, external_id_of
from syncer.engine.settle import Outcome, source_id
from syncer.ledger.values import Intent, new_intent
from syncer.mapping.apply import FieldMap
from syncer.records import Rejection, RejectionKind, Side, Write


@dataclass(frozen=True, slots=True)
class WriteBuilder:
    fieldmap: FieldMap
    id_property: str  # the HubSpot property that carries the external id

    def writes(
        self,
        side: Side,
        plans: Sequence[PairPlan],
        outcomes: list[Outcome],
        intents: dict[int, Intent],
    ) -> list[Write]:
        out: list[Write] = []
        edge_fields = tuple(self.fieldmap.edge_targets())
        for index, plan in enumerate(plans):
            if side in plan.refused:  # a blank key the planner will not copy: nothing is sent
                outcomes[index].failed[side] = plan.refused[side]
                continue
            values = plan.writes.get(side)
            stamp = side is Side.HUBSPOT and plan.stamp_external_id
            if values is None and not stamp:
                continue
            write = self._write(side, index, plan, values or {})
            if isinstance(write, Rejection):
                outcomes[index].failed[side] = write
                continue
            if write.target_id is None:
                intents[index] = new_intent(
                    side,
                    "create",
                    source_id=source_id(plan, side),
                    unique_property=write.unique_property,
                    unique_value=write.unique_value,
                    associations=_sent_lists(write, edge_fields),
                )
            out.append(write)
        return out

    def _write(
        self, side: Side, index: int, plan: PairPlan, values: dict[str, str | None]
    ) -> Write | Rejection:
        try:
            properties = self.fieldmap.native(values, side)
        except ValueError as exc:  # a reference that has no id there (resolved when read)
            return Rejection(RejectionKind.INVALID_VALUE, "UNRESOLVED_REFERENCE", str(exc))
        pair = plan.pair
        target = pair.version(side)
        target_id = target.id if target else (pair.link.id_on(side) if pair.link else None)
        if plan.create_on is side:
            target_id = None  # a new record, even for a link (its archived twin is restored)
        if side is Side.HUBSPOT and (external_id := external_id_of(pair)) is not None:
            properties[self.id_property] = external_id
        if target_id is not None:
            return Write(str(index), properties, target_id=target_id)
        return self._create(side, index, plan, properties)

    def _create(
        self, side: Side, index: int, plan: PairPlan, properties: dict[str, object]
    ) -> Write | Rejection:
        key, match = plan.pair.match_key, self.fieldmap.match
        if side is Side.HUBSPOT:
            assert plan.pair.external is not None
            if key and match is not None and match.is_email:  # unique there too: upsert on it
                return Write(
                    str(index), properties, unique_property=match.hubspot, unique_value=key
                )
            return Write(
                str(index),
                properties,
                unique_property=self.id_property,
                unique_value=plan.pair.external.id,
            )
        if match is None:
            # No match key: the external side upserts on the record's own key (for SQL, the
            # primary key columns among the mapped values), or rejects the record naming it.
            return Write(str(index), properties)
        if not key:
            return Rejection(
                RejectionKind.REQUIRED_MISSING,
                "MISSING_MATCH_KEY",
                "the record has no "
                f"{match.hubspot!r}, so it cannot be created in the "
                "external CRM without risking a duplicate",
                match.hubspot,
            )
        return Write(str(index), properties, unique_property=match.column, unique_value=key)


def _sent_lists(create: Write, fields: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The association lists a create carries, kept with its intent: what a side whose look-up
    by key lags finds the created record through, after a crash."""
    if not fields:  # no association fields (most pipelines): nothing to build per create
        return {}
    lists = {name: create.properties.get(name) for name in fields}
    return {
        name: tuple(str(i) for i in ids)
        for name, ids in lists.items()
        if isinstance(ids, list | tuple) and ids
    }
