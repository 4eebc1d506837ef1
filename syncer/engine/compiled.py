"""A pipeline's field mapping compiled against what its two connectors say of their fields:
types, the external side's shapes (lengths, DECIMAL scales) and HubSpot's enumeration options."""

from __future__ import annotations

from collections.abc import Sequence

from syncer.connectors.base import Connector, DescribesFields, DescribesOptions
from syncer.mapping.apply import FieldMap
from syncer.mapping.compile import compile_mapping
from syncer.records import Side
from syncer.relations import AssociationField
from syncer.settings_pipeline import PipelineSettings


def compiled_mapping(
    pipeline: PipelineSettings,
    connectors: dict[Side, Connector],
    *,
    associations: Sequence[AssociationField] = (),
) -> FieldMap:
    """The mapping of prepared connectors (`prepare` has run on both); `associations`: the
    pipeline's association fields (relations.association_fields)."""
    hubspot, external = connectors[Side.HUBSPOT], connectors[Side.EXTERNAL]
    shapes = None
    if external.capabilities.field_shapes and isinstance(external, DescribesFields):
        shapes = external.field_shapes()
    options = hubspot.field_options() if isinstance(hubspot, DescribesOptions) else None
    return compile_mapping(
        pipeline,
        hubspot.field_types(),
        external.field_types(),
        external.time_zone,
        shapes,
        associations=associations,
        hubspot_options=options,
    )
