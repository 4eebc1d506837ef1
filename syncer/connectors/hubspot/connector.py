"""HubSpotConnector: the Connector protocol for one pipeline's HubSpot object.

Protocol methods, plus what only HubSpot needs the engine to know: `archived_since` (deletes,
invisible to search) and `merged_ids` (merges). The work is in api (HTTP), object_types (what
differs between types), properties (schema), reads (listing, batch read), search (incremental
collection), writes (batch writes) and deletions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog

from syncer.connectors.base import Capabilities
from syncer.connectors.catalogue_cache import CatalogueCache
from syncer.errors import ConfigError
from syncer.mapping.convert import normalise_email
from syncer.records import (
    CallCounter,
    ChangePage,
    Cursor,
    FieldType,
    Record,
    Side,
    Write,
    WriteResult,
)
from syncer.settings import HubSpotSettings, PipelineSettings

from . import deletions
from .api import HubSpotApi
from .associations import Associations
from .budgets import PortalBudgets
from .object_types import SCHEMAS_PATH, ObjectType, custom_type, standard_type
from .objects import decode_cursor, encode_cursor, epoch_ms
from .owners import Owner, list_owners
from .properties import PropertyCatalog
from .ranges import RangedListing
from .reads import RecordReader
from .search import SearchCollector
from .writes import BatchWriter

EMAIL = "email"
MISSING_PROPERTY = "PROPERTY_DOESNT_EXIST"
log = structlog.get_logger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Parts:
    """Everything that depends on the resolved object type (custom types need an API call)."""

    object_type: ObjectType
    catalog: PropertyCatalog
    reader: RecordReader
    writer: BatchWriter
    search: SearchCollector
    search_call: Callable[[dict[str, Any]], dict[str, Any]]


class HubSpotConnector:
    capabilities = Capabilities(
        merges=True, archives=True, associations=True, bulk_writes=True, ordered_versions=True
    )
    time_zone = UTC  # HubSpot's times are epoch milliseconds or ISO-8601 with their offset

    def __init__(
        self,
        settings: HubSpotSettings,
        pipeline: PipelineSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        budgets: PortalBudgets | None = None,
        kept_schemas: CatalogueCache | None = None,
    ) -> None:
        """`budgets`: pass one `PortalBudgets.from_settings(settings)` to every connector on the
        same portal so pipelines running together share the app's and account's limits.
        `kept_schemas`: where the property catalogue is kept between runs (properties.py)."""
        self.counter = CallCounter()
        self._settings = settings
        self._pipeline = pipeline
        self._clock = clock
        self._api = HubSpotApi(
            settings, self.counter, transport=transport, sleep=sleep, now=clock,
            monotonic=monotonic, budgets=budgets,
        )  # fmt: skip
        self._lock = threading.Lock()
        self._built: _Parts | None = None
        self._kept_schemas = kept_schemas
        self._absent: set[str] = set()  # mapped properties reads left out, not yet confirmed
        self._schemas_lock = threading.Lock()
        self._schemas: list[dict[str, Any]] | None = None

    @property
    def object_type(self) -> ObjectType:
        return self._parts().object_type

    def prepare(self) -> None:
        parts = self._parts()
        parts.catalog.prepare()
        self._check_required(parts.object_type)

    def field_types(self) -> dict[str, FieldType]:
        return self._parts().catalog.field_types()

    def changes(self, since: Cursor | None, until: datetime) -> Iterator[ChangePage]:
        parts = self._parts()
        until_ms = epoch_ms(self.signpost(until))
        if since is None:
            return self._confirmed(parts, self._list_all(parts, encode_cursor(until_ms)))
        overlap = timedelta(seconds=self._pipeline.overlap_seconds) // timedelta(milliseconds=1)
        lower_ms = decode_cursor(since) - overlap
        return self._confirmed(parts, parts.search.collect(min(lower_ms, until_ms), until_ms))

    def _list_all(self, parts: _Parts, final_cursor: Cursor) -> Iterator[ChangePage]:
        """Every live record: one list cursor, or with `listing_readers` > 1 the list cursor
        and searches over id ranges at once (ranges.py)."""
        readers = self._settings.listing_readers
        if readers <= 1:
            return parts.reader.list_all(final_cursor)
        reader = parts.reader
        listing = RangedListing(
            reader.list_page, parts.search_call, reader.to_records, reader.requested, readers - 1
        )
        return listing.pages(final_cursor)

    def _confirmed(self, parts: _Parts, pages: Iterator[ChangePage]) -> Iterator[ChangePage]:
        """Pages whose left-out mapped properties still exist (ConfigError otherwise: a mapped
        property was deleted since the run started)."""
        mapped = set(self._pipeline.hubspot_properties())
        for page in pages:
            absent = self._absent & mapped
            self._absent.clear()
            if absent:
                parts.catalog.confirm_present(sorted(absent))
            yield page

    def signpost(self, until: datetime) -> datetime:
        """`until`, or earlier if it is in the future: a cursor stored from a future time would
        jump over edits not yet made. Future on syncer's clock, or on HubSpot's, which stamps
        the edits (syncer's clock running fast; known from HubSpot's answers)."""
        now = self._clock()
        return min(until, now, self._api.server_clock.latest(now))

    def fetch(self, ids: Sequence[str]) -> list[Record]:
        return self._parts().reader.read(ids)

    def find(self, field: str, values: Sequence[str]) -> list[Record]:
        parts = self._parts()
        by_email = field == EMAIL and parts.object_type.is_contacts
        if not by_email and not parts.catalog.is_unique(field):
            raise ConfigError(
                f"pipeline {self._pipeline.name!r}: cannot look HubSpot "
                f"{parts.object_type.name} up by {field!r}; it must be a property with "
                "hasUniqueValue (or 'email', for contacts only)"
            )
        return parts.reader.read(values, id_property=field)

    def normalise_key(self, field: str, value: object) -> str | None:
        """HubSpot compares emails whatever their case or surrounding space; the values of a
        unique property (an external id) exactly."""
        if value is None:
            return None
        return normalise_email(value) if field == EMAIL else str(value)

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        parts = self._parts()
        results = parts.writer.write(writes)
        if any(r.rejection and r.rejection.code == MISSING_PROPERTY for r in results):
            parts.catalog.forget_kept_copy()  # the next run reads it afresh and halts
        return results

    def archive(self, ids: Sequence[str]) -> list[WriteResult]:
        return self._parts().writer.archive(ids)

    def archived_since(self, since: datetime) -> list[Record]:
        """Records archived (deleted) at or after `since`, with `archived=True` and
        `modified_at` = the archive time. Search never shows these; call once per run."""
        return self._parts().reader.list_archived(since)

    def merged_ids(self, records: Iterable[Record]) -> dict[str, str]:
        """{merged-away id: surviving id} named by these records (from `changes`/`fetch`)."""
        return deletions.merged_ids(records)

    def association_values(self, ids: Sequence[str]) -> dict[str, dict[str, list[str]]]:
        """Built with no association fields yet: each live record among `ids` holds none."""
        return {record.id: {} for record in self.fetch(ids)}

    def associations(self, to_object: str) -> Associations:
        """Edges (v4) from this pipeline's object to `to_object` (a standard plural name, a type
        id or a custom object's name): `.read(ids)`, `.create(edges)`, `.archive(pairs)`."""
        from_path = self._parts().object_type.path_name
        return Associations(self._api, from_path, self._resolve(to_object).path_name)

    def owners(self, *, archived: bool = False) -> list[Owner]:
        """The portal's owners, to map owner ids (`hubspot_owner_id` values) to emails."""
        return list_owners(self._api, archived=archived)

    def close(self) -> None:
        self._api.close()

    def _parts(self) -> _Parts:
        with self._lock:
            if self._built is None:
                self._built = self._build(self._resolve(self._pipeline.hubspot_object))
            return self._built

    def _resolve(self, name: str) -> ObjectType:
        known = standard_type(name)
        if known is not None:
            return known
        with self._schemas_lock:
            if self._schemas is None:
                body = self._api.call_ok("GET", SCHEMAS_PATH, kind="schemas")
                self._schemas = list(body.get("results") or [])
            return custom_type(name, self._schemas)

    def _build(self, object_type: ObjectType) -> _Parts:
        properties = self._pipeline.hubspot_properties()
        if object_type.mergeable:
            properties = [*properties, deletions.MERGED_IDS]
        modified = object_type.modified_property
        reader = RecordReader(self._api, object_type.path_name, properties, modified, self._absent)
        search_path = f"/crm/v3/objects/{object_type.path_name}/search"

        def search(body: dict[str, Any]) -> dict[str, Any]:
            return self._api.call_ok("POST", search_path, kind="search", body=body)

        return _Parts(
            object_type=object_type,
            catalog=PropertyCatalog(
                self._api, self._pipeline, object_type.path_name, self._kept_schemas
            ),
            reader=reader,
            writer=BatchWriter(self._api, object_type.path_name, self._settings.batch_size, reader),
            search=SearchCollector(search, properties, modified, self._absent),
            search_call=search,
        )

    def _check_required(self, object_type: ObjectType) -> None:
        """Creates without a required property fail record by record: say so up front."""
        if not self._pipeline.direction.flows_to(Side.HUBSPOT):
            return
        match = self._pipeline.match
        mapped = {*self._pipeline.fields, *([match.hubspot] if match else [])}
        missing = object_type.missing_required(mapped)
        if missing:
            log.warning(
                "hubspot.required_properties_unmapped",
                pipeline=self._pipeline.name,
                object_type=object_type.name,
                missing=missing,
            )
