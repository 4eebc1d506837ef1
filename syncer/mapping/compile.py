"""A pipeline's field mapping built from its settings and both sides' field types."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, tzinfo

from syncer.errors import ConfigError
from syncer.mapping.apply import FieldMap, FieldSpec
from syncer.mapping.references import AssociationRef, OwnerRef, Resolver
from syncer.policies import Direction
from syncer.records import FieldShape, FieldType
from syncer.relations import AssociationField
from syncer.settings_pipeline import FieldMapping, PipelineSettings


def compile_mapping(
    pipeline: PipelineSettings,
    hubspot_types: Mapping[str, FieldType],
    external_types: Mapping[str, FieldType],
    external_zone: tzinfo = UTC,
    external_shapes: Mapping[str, FieldShape] | None = None,
    *,
    associations: Sequence[AssociationField] = (),
    resolver: Resolver | None = None,
    hubspot_options: Mapping[str, Collection[str]] | None = None,
) -> FieldMap:
    """Build the mapping from configuration and both sides' field types; `external_zone` is
    the zone of the external side's date-times that carry none (its connector's `time_zone`);
    `external_shapes` the declared limits of its fields, values are fitted to. `associations`:
    the pipeline's association fields (relations.association_fields), one spec each; they are
    not in either side's field types. `resolver` resolves them and owner fields in a run.
    `hubspot_options` the options of HubSpot's enumerations, values going there are held to."""
    types = (hubspot_types, external_types)
    fields = [_spec(pipeline, key, m, types) for key, m in pipeline.fields.items()]
    shapes, options = external_shapes or {}, hubspot_options or {}
    fields = [
        replace(
            f,
            external_shape=shapes.get(f.external or ""),
            options=frozenset(options[f.hubspot]) if f.hubspot in options else None,
        )
        for f in fields
    ]
    fields += [_association_spec(field) for field in associations]
    rule = pipeline.match
    match = None
    if rule is not None:
        # The match rule's own pair, even when a one-way field copies its property elsewhere.
        twin = (rule.hubspot, rule.external)
        match = next((f for f in fields if (f.hubspot, f.external) == twin), None) or _spec(
            pipeline, rule.hubspot, FieldMapping(external=rule.external), types
        )
    return FieldMap(fields, match, external_zone, resolver)


def _association_spec(field: AssociationField) -> FieldSpec:
    """Both connectors read and write an association under the field's own name."""
    return FieldSpec(
        hubspot=field.name,
        external=field.name,
        direction=field.direction,
        canonical_type=FieldType.TEXT,
        external_type=FieldType.TEXT,
        to_external_values={},
        to_hubspot_values={},
        is_email=False,
        reference=AssociationRef(
            field.name, field.to_pipeline, field.columns, keeps_archived=field.keeps_archived
        ),
    )


def _spec(
    pipeline: PipelineSettings,
    key: str,
    mapping: FieldMapping,
    types: tuple[Mapping[str, FieldType], Mapping[str, FieldType]],
) -> FieldSpec:
    hubspot_types, external_types = types
    external = mapping.external
    if key not in hubspot_types:
        raise ConfigError(f"pipelines.{pipeline.name}.fields.{key}: HubSpot has no such property")
    if external is not None and external not in external_types:
        raise ConfigError(
            f"pipelines.{pipeline.name}.fields.{key}: external field {external!r} does not exist"
        )
    canonical_type = mapping.type or hubspot_types[key]
    return FieldSpec(
        hubspot=key,
        external=external,
        direction=mapping.direction if pipeline.direction is Direction.BOTH else pipeline.direction,
        canonical_type=canonical_type,
        external_type=canonical_type if external is None else external_types[external],
        to_external_values=dict(mapping.values),
        to_hubspot_values={v: k for k, v in mapping.values.items()},
        is_email=key == "email",
        constant=mapping.value,  # a field with no column: what the external side holds
        default=mapping.default,
        unmapped=mapping.unmapped,
        reference=OwnerRef() if mapping.owner else None,  # canonical value: the owner's email
    )
