"""What a connector builds once its object type is resolved: the property catalogue, the record
reader, the batch writer and the search collector, all sharing one set of requested properties
(custom types need an API call to resolve, so this is built on first use, not in __init__)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from syncer.connectors.catalogue_cache import CatalogueCache
from syncer.relations import AssociationField
from syncer.settings_hubspot import HubSpotSettings
from syncer.settings_pipeline import PipelineSettings

from . import deletions
from .api import HubSpotApi
from .object_types import ObjectType
from .properties import PropertyCatalog
from .reads import RecordReader
from .search import SearchCollector
from .writes import BatchWriter


@dataclass(frozen=True, slots=True)
class Parts:
    """Everything that depends on the resolved object type."""

    object_type: ObjectType
    catalog: PropertyCatalog
    reader: RecordReader
    writer: BatchWriter
    search: SearchCollector
    search_call: Callable[[dict[str, Any]], dict[str, Any]]


def build_parts(
    api: HubSpotApi,
    settings: HubSpotSettings,
    pipeline: PipelineSettings,
    object_type: ObjectType,
    *,
    fields: Sequence[AssociationField],
    kept_schemas: CatalogueCache | None,
    absent: set[str],
) -> Parts:
    """`absent`: the connector's set of mapped properties reads left out, filled by the reader
    and the search collector, emptied once confirmed (listing.confirmed)."""
    properties = requested_properties(pipeline, object_type, fields)
    modified = object_type.modified_property
    reader = RecordReader(api, object_type.path_name, properties, modified, absent)
    search_path = f"/crm/v3/objects/{object_type.path_name}/search"

    def search(body: dict[str, Any]) -> dict[str, Any]:
        return api.call_ok("POST", search_path, kind="search", body=body)

    catalog = PropertyCatalog(
        api, pipeline, object_type.path_name, kept_schemas, plain_external_id=object_type.engagement
    )
    return Parts(
        object_type=object_type,
        catalog=catalog,
        reader=reader,
        writer=BatchWriter(api, object_type.path_name, settings.batch_size, reader),
        search=SearchCollector(search, properties, modified, absent),
        search_call=search,
    )


def requested_properties(
    pipeline: PipelineSettings, object_type: ObjectType, fields: Sequence[AssociationField]
) -> list[str]:
    """The mapped properties, those association fields keep links in, and the merged ids."""
    linked = [str(f.hubspot_property) for f in fields if f.hubspot_property]
    properties = list(dict.fromkeys([*pipeline.hubspot_properties(), *linked]))
    if object_type.mergeable:
        properties = [*properties, deletions.MERGED_IDS]
    return properties
