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
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from syncer.errors import ConfigError
from syncer.relations import AssociationField

from .api import HubSpotApi
from .association_fields import AssociationFields, FieldKind
from .associations import Associations, AssociationType
from .object_types import ObjectType

USER_DEFINED = "USER_DEFINED"


class _Catalogue(Protocol):
    def definitions(self) -> dict[str, dict[str, Any]]: ...


def association_fields(
    api: HubSpotApi,
    pipeline: str,
    source: ObjectType,
    fields: Sequence[AssociationField],
    resolve: Callable[[str], ObjectType],
    *,
    create: bool,
) -> AssociationFields:
    """Every field resolved: its type (kept-as-property fields have none); `resolve` finds an
    object type by name (ConfigError for one HubSpot does not have, here naming the key)."""
    kinds = []
    for field in fields:
        if field.hubspot_property:
            continue
        try:
            target = resolve(field.to_hubspot_object)
        except ConfigError as error:
            raise ConfigError(f"{config_key(pipeline, field)}: {error}") from error
        kinds.append(resolve_kind(api, pipeline, source, target, field, create=create))
    kept = [f for f in fields if f.hubspot_property]
    return AssociationFields(api, source.path_name, kinds, kept)


def check_link_properties(
    pipeline: str, source: ObjectType, catalogue: _Catalogue, fields: Sequence[AssociationField]
) -> None:
    """A link kept as a property (`hubspot_property`) needs that property."""
    known = catalogue.definitions()
    for field in fields:
        if field.hubspot_property and field.hubspot_property not in known:
            raise ConfigError(
                f"{config_key(pipeline, field)}: HubSpot {source.name} has no property "
                f"{field.hubspot_property!r}"
            )


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
