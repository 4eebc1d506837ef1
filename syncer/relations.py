"""Relations between pipelines, as connectors and the engine see them.

Each association of a pipeline's records becomes an *association field*: a field of the record
both connectors read and write under one name (`AssociationField.name`, such as
"@companies" or "@companies:Billing company"), whose native value is the list of the side's own
ids of the records it points at (HubSpot: record ids of the other object; external side: the
other record's key, a composite key joined with ":"). A record pointing nowhere holds []. A write
sets the whole list: the connector adds what is missing and removes what is no longer there.

The order pipelines run in follows their associations: a record is linked before records that
point at it, so their references resolve in the same run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from syncer.policies import DeletePolicy, Direction

if TYPE_CHECKING:  # settings import this module's checks; the types are only annotations here
    from syncer.settings import Settings
    from syncer.settings_pipeline import PipelineSettings
    from syncer.settings_relations import JoinAssociationSettings


@dataclass(frozen=True, slots=True)
class JoinTable:
    """A many-to-many association kept as rows of a join table: (from key, to key)."""

    table: str
    from_column: str
    to_column: str


@dataclass(frozen=True, slots=True)
class AssociationField:
    """One association of a pipeline's records to the records of pipeline `to_pipeline`."""

    name: str  # the field both connectors read and write
    to_pipeline: str
    to_hubspot_object: str  # HubSpot's name of the other object ("companies")
    to_external_object: str  # the external side's name of it (table, sObject)
    label: str | None  # a HubSpot association label; None: the default (unlabelled) type
    direction: Direction
    columns: tuple[str, ...] = ()  # the external columns holding the other record's key
    join: JoinTable | None = None  # or: a join table holds the pairs
    hubspot_property: str | None = None  # HubSpot keeps the link as this property instead
    # The pipeline pointed at has deletes = "ignore": a side that cannot hold an edge because
    # its target is archived there has not changed it (the edge is kept, not copied away).
    keeps_archived: bool = False

    @property
    def many(self) -> bool:
        """Whether a record may point at several records (a join table; HubSpot always may)."""
        return self.join is not None


def field_name(to_pipeline: str, label: str | None) -> str:
    return f"@{to_pipeline}" if label is None else f"@{to_pipeline}:{label}"


def association_fields(settings: Settings, pipeline: PipelineSettings) -> list[AssociationField]:
    """Every association of `pipeline`'s records: its own, and the join tables it is first in."""
    by_name = {p.name: p for p in settings.pipelines}
    fields = [
        AssociationField(
            name=field_name(a.to, a.label),
            to_pipeline=a.to,
            to_hubspot_object=by_name[a.to].hubspot_object,
            to_external_object=by_name[a.to].external_object,
            label=a.label,
            direction=narrower(pipeline.direction, a.direction),
            columns=tuple(a.columns()),
            hubspot_property=a.hubspot_property,
            keeps_archived=by_name[a.to].deletes is DeletePolicy.IGNORE,
        )
        for a in pipeline.associations
    ]
    for join in settings.associations:
        if join.between[0] == pipeline.name:
            fields.append(_join_field(join, by_name, pipeline.direction))
    return fields


def _join_field(
    join: JoinAssociationSettings, by_name: dict[str, PipelineSettings], direction: Direction
) -> AssociationField:
    to = join.between[1]
    return AssociationField(
        name=field_name(to, join.label),
        to_pipeline=to,
        to_hubspot_object=by_name[to].hubspot_object,
        to_external_object=by_name[to].external_object,
        label=join.label,
        direction=narrower(direction, join.direction),
        join=JoinTable(join.table, join.columns[0], join.columns[1]),
        keeps_archived=by_name[to].deletes is DeletePolicy.IGNORE,
    )


def narrower(pipeline: Direction, association: Direction) -> Direction:
    """An association flows no further than its pipeline."""
    if pipeline is Direction.BOTH:
        return association
    if association in (Direction.BOTH, pipeline):
        return pipeline
    raise ValueError(f'direction "{association}" goes against its pipeline\'s "{pipeline}"')


def pointed_at(settings: Settings, pipeline: PipelineSettings) -> bool:
    """Whether another pipeline's records (or a join table) point at this pipeline's."""
    name = pipeline.name
    joins = any(join.between[1] == name for join in settings.associations)
    return joins or any(a.to == name for p in settings.pipelines for a in p.associations)


def dependencies(settings: Settings) -> dict[str, list[str]]:
    """{pipeline: the pipelines its records point at}, from `[[pipelines.associations]]`."""
    return {p.name: [a.to for a in p.associations] for p in settings.pipelines}


def run_order(names: Sequence[str], points_at: dict[str, list[str]]) -> list[str]:
    """`names` ordered so that every pipeline runs after those it points at, otherwise in the
    order given. ValueError naming an unknown pipeline or the pipelines of a cycle."""
    known = set(names)
    for name in names:
        for target in points_at.get(name, []):
            if target not in known:
                raise ValueError(f"pipelines.{name}.associations: no pipeline is named {target!r}")
    order: list[str] = []
    state: dict[str, str] = {}  # "visiting" | "done"

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = [*path[path.index(name) :], name]
            raise ValueError("associations form a cycle: " + " -> ".join(cycle))
        state[name] = "visiting"
        for target in points_at.get(name, []):
            if target != name:  # a record pointing at one of its own kind orders nothing
                visit(target, [*path, name])
        state[name] = "done"
        order.append(name)

    for name in names:
        visit(name, [])
    return order
