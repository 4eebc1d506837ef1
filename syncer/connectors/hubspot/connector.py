"""HubSpotConnector: the Connector protocol for one pipeline's HubSpot object.

Protocol methods, plus what only HubSpot needs the engine to know: `archived_since` (deletes,
invisible to search) and `merged_ids` (merges). The work is in api (HTTP), object_types (what
differs between types) and type_resolver (names to types), parts (what is built from the type),
properties (schema), reads (batch read), listing (full listings), search (incremental
collection), writes (batch writes) and deletions; association fields in association_kinds
(labels to type ids), association_fields (reading and setting lists) and relation_writes
(creates with their edges inline).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from syncer.connectors.base import Capabilities, SentCreate
from syncer.connectors.catalogue_cache import CatalogueCache
from syncer.errors import ConfigError
from syncer.http import waits
from syncer.mapping.convert import normalise_email
from syncer.records import (
    CallCounter,
    ChangePage,
    Cursor,
    FieldType,
    Record,
    Write,
    WriteResult,
)
from syncer.relations import AssociationField
from syncer.settings_hubspot import HubSpotSettings
from syncer.settings_pipeline import PipelineSettings

from . import deletions
from .api import HubSpotApi
from .association_fields import AssociationFields, in_bulk
from .association_kinds import association_fields, check_link_properties
from .associations import Associations
from .budgets import PortalBudgets
from .engagement_ids import ExternalIdLookup
from .listing import confirmed, list_all
from .object_types import ObjectType
from .objects import decode_cursor, encode_cursor, epoch_ms
from .owners import Owner, list_owners, owner_emails
from .parts import Parts, build_parts
from .property_checks import warn_required_unmapped
from .relation_writes import RelationWriter
from .search import any_has_value
from .type_resolver import TypeResolver

EMAIL = "email"
MISSING_PROPERTY = "PROPERTY_DOESNT_EXIST"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class HubSpotConnector:
    capabilities = Capabilities(
        merges=True, archives=True, associations=True, owners=True, bulk_writes=True,
        ordered_versions=True, sent_creates=True,
    )  # fmt: skip
    time_zone = UTC  # HubSpot's times are epoch milliseconds or ISO-8601 with their offset

    def __init__(
        self,
        settings: HubSpotSettings,
        pipeline: PipelineSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = waits.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        budgets: PortalBudgets | None = None,
        kept_schemas: CatalogueCache | None = None,
        associations: Sequence[AssociationField] = (),
    ) -> None:
        """`budgets`: pass one `PortalBudgets.from_settings(settings)` to every connector on the
        same portal so pipelines running together share the app's and account's limits.
        `kept_schemas`: where the property catalogue is kept between runs (properties.py).
        `associations`: the pipeline's association fields (syncer/relations.py), read and
        written as lists of the other object's record ids."""
        self.counter = CallCounter()
        self._settings = settings
        self._pipeline = pipeline
        self._clock = clock
        self._api = HubSpotApi(
            settings, self.counter, transport=transport, sleep=sleep, now=clock,
            monotonic=monotonic, budgets=budgets,
        )  # fmt: skip
        self._lock = threading.Lock()
        self._built: Parts | None = None
        self._kept_schemas = kept_schemas
        self._absent: set[str] = set()  # mapped properties reads left out, not yet confirmed
        self._types = TypeResolver(self._api)
        self._fields = tuple(associations)
        self._relations: AssociationFields | None = None
        self._relations_lock = threading.Lock()
        self._owner_emails: dict[str, str] | None = None

    @property
    def object_type(self) -> ObjectType:
        return self._parts().object_type

    def prepare(self) -> None:
        parts = self._parts()
        parts.catalog.prepare()
        warn_required_unmapped(self._pipeline, parts.object_type)
        check_link_properties(self._pipeline.name, parts.object_type, parts.catalog, self._fields)
        self._relations = self._resolve_relations(create=True)

    def field_types(self) -> dict[str, FieldType]:
        return self._parts().catalog.field_types()

    def field_options(self) -> dict[str, frozenset[str]]:
        return self._parts().catalog.field_options()

    def has_any(self, field: str) -> bool:
        return any_has_value(self._parts().search_call, field)

    def changes(self, since: Cursor | None, until: datetime) -> Iterator[ChangePage]:
        parts = self._parts()
        until_ms = epoch_ms(self.signpost(until))
        if since is None:
            pages = list_all(parts, self._settings.listing_readers, encode_cursor(until_ms))
        else:
            overlap = timedelta(seconds=self._pipeline.overlap_seconds) // timedelta(milliseconds=1)
            lower_ms = decode_cursor(since) - overlap
            pages = parts.search.collect(min(lower_ms, until_ms), until_ms)
        relations = self._fields_io()
        listed = confirmed(parts, pages, self._absent, self._pipeline.hubspot_properties())
        return in_bulk(listed, relations.attach) if relations.any else listed

    def signpost(self, until: datetime) -> datetime:
        """`until`, or earlier if it is in the future: a cursor stored from a future time would
        jump over edits not yet made. Future on syncer's clock, or on HubSpot's, which stamps
        the edits (syncer's clock running fast; known from HubSpot's answers)."""
        now = self._clock()
        return min(until, now, self._api.server_clock.latest(now))

    def fetch(self, ids: Sequence[str]) -> list[Record]:
        return self._fields_io().attach(self._parts().reader.read(ids))

    def find(self, field: str, values: Sequence[str]) -> list[Record]:
        parts = self._parts()
        lookup = self._lookup(parts)
        if lookup is not None and field == self._pipeline.external_id_property:
            return self._fields_io().attach(lookup.find(values))
        by_email = field == EMAIL and parts.object_type.is_contacts
        if not by_email and not parts.catalog.is_unique(field):
            raise ConfigError(
                f"pipeline {self._pipeline.name!r}: cannot look HubSpot "
                f"{parts.object_type.name} up by {field!r}; it must be a property with "
                "hasUniqueValue (or 'email', for contacts only)"
            )
        return self._fields_io().attach(parts.reader.read(values, id_property=field))

    def find_sent(self, field: str, sent: Sequence[SentCreate]) -> list[Record]:
        """What creates left unconfirmed made: as `find` where the property is unique (a batch
        read by it: no lag); for an engagement's plain external id, also through what each was
        sent with, where search has not caught up (engagement_ids.py)."""
        lookup = self._lookup(self._parts())
        if lookup is None or field != self._pipeline.external_id_property:
            return self.find(field, [s.unique_value for s in sent])
        return self._fields_io().attach(lookup.find_sent(sent))

    def normalise_key(self, field: str, value: object) -> str | None:
        """HubSpot compares emails whatever their case or surrounding space; the values of a
        unique property (an external id) exactly."""
        if value is None:
            return None
        return normalise_email(value) if field == EMAIL else str(value)

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        parts = self._parts()
        relations, lookup = self._fields_io(), self._lookup(parts)
        if relations.any or lookup is not None:
            writer = RelationWriter(parts.writer, parts.reader, relations, lookup)
            results = writer.write(writes)
        else:
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

    def associations(self, to_object: str) -> Associations:
        """Edges (v4) from this pipeline's object to `to_object` (a standard plural name, a type
        id or a custom object's name): `.read(ids)`, `.create(edges)`, `.archive(pairs)`."""
        from_path = self._parts().object_type.path_name
        return Associations(self._api, from_path, self._types.resolve(to_object).path_name)

    def association_values(self, ids: Sequence[str]) -> dict[str, dict[str, list[str]]]:
        """{record id: {association field: the other object's ids}} for the live records among
        `ids`, read in bulk (v4 batch reads of 1,000 ids); for the engine's sweep. v4 cannot
        tell a record pointing nowhere from one that is gone: only those are read (100 a call)."""
        return self._fields_io().live_values(ids, self._parts().reader)

    def owners(self, *, archived: bool = False) -> list[Owner]:
        """The portal's owners, to map owner ids (`hubspot_owner_id` values) to emails."""
        return list_owners(self._api, archived=archived)

    def owner_emails(self) -> dict[str, str]:
        """{owner id: email} of every owner, active and archived; read once per instance."""
        with self._lock:
            if self._owner_emails is None:
                self._owner_emails = owner_emails(self._api)
            return self._owner_emails

    def close(self) -> None:
        self._api.close()

    def _parts(self) -> Parts:
        with self._lock:
            if self._built is None:
                self._built = build_parts(
                    self._api, self._settings, self._pipeline,
                    self._types.resolve(self._pipeline.hubspot_object),
                    fields=self._fields, kept_schemas=self._kept_schemas, absent=self._absent,
                )  # fmt: skip
            return self._built

    def _fields_io(self) -> AssociationFields:
        with self._relations_lock:
            if self._relations is None:
                self._relations = self._resolve_relations(create=False)
            return self._relations

    def _resolve_relations(self, *, create: bool) -> AssociationFields:
        """The fields' association types; `create`: make labels that do not exist (prepare)."""
        return association_fields(
            self._api, self._pipeline.name, self._parts().object_type, self._fields,
            self._types.resolve, create=create,
        )  # fmt: skip

    def _lookup(self, parts: Parts) -> ExternalIdLookup | None:
        """How creates are kept from duplicating when the external id is not unique (an
        engagement type HubSpot gives no unique property: engagement_ids.py)."""
        prop = self._pipeline.external_id_property
        if not parts.object_type.engagement or parts.catalog.is_unique(prop):
            return None
        path = parts.object_type.path_name
        return ExternalIdLookup(self._api, path, prop, parts.reader, self._fields_io())
