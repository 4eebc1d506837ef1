"""Which HubSpot association type each association field reads and writes.

An unlabelled field (`label` absent) is the pair's default type: the one HubSpot lists with no
label (contact -> company 279, note -> contact 202). A labelled field is the USER_DEFINED type
with that label from this object to the other; `prepare()` (and so `syncer check`) creates a
label that does not exist yet. Type ids are directional: a label defined only the other way
round (companies -> contacts "Employer", whose inverse is "Employee") is a configuration error
naming the key, not a reason to create a second label. A field kept as a property
(`hubspot_property`, line items' `hs_product_id`) has no type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from syncer.errors import ConfigError
from syncer.relations import AssociationField

from .api import HubSpotApi
from .associations import Associations, AssociationType
from .object_types import ObjectType

USER_DEFINED = "USER_DEFINED"


@dataclass(frozen=True, slots=True)
class FieldKind:
    """An association field with what it is on HubSpot: the other object and the type id."""

    field: AssociationField
    to_path: str  # the other object's `{objectType}` path segment
    kind: AssociationType

    @property
    def labelled(self) -> bool:
        return self.kind.label is not None


def config_key(pipeline: str, field: AssociationField) -> str:
    """Where the field comes from in the config file, for error messages."""
    if field.join is not None:
        return f'associations (table = "{field.join.table}")'
    label = f', label = "{field.label}"' if field.label else ""
    return f'pipelines.{pipeline}.associations (to = "{field.to_pipeline}"{label})'


def resolve_kind(
    api: HubSpotApi,
    pipeline: str,
    source: ObjectType,
    target: ObjectType,
    field: AssociationField,
    *,
    create: bool,
) -> FieldKind:
    """The field's type between `source` and `target`; a missing label is created when
    `create` (prepare), else ConfigError. ConfigError naming the key for a pair HubSpot cannot
    associate or a label defined in the other direction only."""
    where = config_key(pipeline, field)
    edges = Associations(api, source.path_name, target.path_name)
    kinds = edges.types()
    if field.label is None:
        default = _default(kinds)
        if default is None:
            raise ConfigError(
                f"{where}: HubSpot cannot associate {source.name} with {target.name} "
                "(no association type between them)"
            )
        return FieldKind(field, target.path_name, default)
    found = _labelled(kinds, field.label)
    if found is None:
        _refuse_other_direction(api, source, target, field.label, where)
        if not create:
            raise ConfigError(
                f"{where}: HubSpot has no association label {field.label!r} from "
                f"{source.name} to {target.name}; `syncer check` creates it"
            )
        found = _create_label(api, edges, field.label, where)
    return FieldKind(field, target.path_name, found)


def _default(kinds: list[AssociationType]) -> AssociationType | None:
    unlabelled = [k for k in kinds if k.label is None]
    # HubSpot's own type when there is one; custom objects' defaults are USER_DEFINED.
    unlabelled.sort(key=lambda k: (k.category == USER_DEFINED, k.type_id))
    return unlabelled[0] if unlabelled else None


def _labelled(kinds: list[AssociationType], label: str) -> AssociationType | None:
    wanted = label.strip().casefold()
    return next((k for k in kinds if (k.label or "").strip().casefold() == wanted), None)


def _refuse_other_direction(
    api: HubSpotApi, source: ObjectType, target: ObjectType, label: str, where: str
) -> None:
    reverse = Associations(api, target.path_name, source.path_name).types()
    if source.type_id != target.type_id and _labelled(reverse, label) is not None:
        raise ConfigError(
            f"{where}: association label {label!r} is defined from {target.name} to "
            f"{source.name}, not from {source.name} to {target.name}; HubSpot's labels are "
            "directional: name the label of this direction (the pair's inverse label)"
        )


def _create_label(api: HubSpotApi, edges: Associations, label: str, where: str) -> AssociationType:
    name = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_") or "label"
    exchange = api.call(
        "POST", edges.labels_path, kind="associations/labels", body={"label": label, "name": name}
    )
    # Read back rather than trust the answer's order: it lists the type and its inverse.
    found = _labelled(edges.types(), label)
    if found is None:
        raise ConfigError(
            f"{where}: HubSpot refused to create association label {label!r}: "
            f"{exchange.outcome.detail}"
        )
    return found
