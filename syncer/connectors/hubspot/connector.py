"""HubSpotConnector: the Connector protocol for one pipeline's HubSpot object.

Protocol methods only; the work is in api (HTTP), properties (schema), reads (listing, batch
read), search (incremental collection) and writes (batch writes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from syncer.errors import ConfigError
from syncer.records import (
    CallCounter,
    ChangePage,
    Cursor,
    FieldType,
    Record,
    Write,
    WriteResult,
)
from syncer.settings import HubSpotSettings, PipelineSettings

from .api import HubSpotApi
from .objects import decode_cursor, encode_cursor, epoch_ms, modified_property
from .properties import PropertyCatalog
from .reads import RecordReader
from .search import SearchCollector
from .writes import BatchWriter

EMAIL = "email"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class HubSpotConnector:
    def __init__(
        self,
        settings: HubSpotSettings,
        pipeline: PipelineSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.counter = CallCounter()
        self._pipeline = pipeline
        self._clock = clock
        object_type = pipeline.hubspot_object
        properties = pipeline.hubspot_properties()
        modified = modified_property(object_type)
        self._api = HubSpotApi(settings, self.counter, transport=transport, sleep=sleep)
        self._catalog = PropertyCatalog(self._api, pipeline)
        self._reader = RecordReader(self._api, object_type, properties, modified)
        self._writer = BatchWriter(self._api, object_type, settings.batch_size, self._reader)
        search_path = f"/crm/v3/objects/{object_type}/search"
        self._search = SearchCollector(
            lambda body: self._api.call_ok("POST", search_path, kind="search", body=body),
            properties,
            modified,
        )

    def prepare(self) -> None:
        self._catalog.prepare()

    def field_types(self) -> dict[str, FieldType]:
        return self._catalog.field_types()

    def changes(self, since: Cursor | None, until: datetime) -> Iterator[ChangePage]:
        # A future `until` would let the stored cursor jump over edits not yet made.
        until_ms = epoch_ms(min(until, self._clock()))
        if since is None:
            return self._reader.list_all(encode_cursor(until_ms))
        overlap = timedelta(seconds=self._pipeline.overlap_seconds) // timedelta(milliseconds=1)
        lower_ms = decode_cursor(since) - overlap
        return self._search.collect(min(lower_ms, until_ms), until_ms)

    def fetch(self, ids: Sequence[str]) -> list[Record]:
        return self._reader.read(ids)

    def find(self, field: str, values: Sequence[str]) -> list[Record]:
        if field != EMAIL and not self._catalog.is_unique(field):
            raise ConfigError(
                f"pipeline {self._pipeline.name!r}: cannot look HubSpot records up by {field!r}; "
                "it must be 'email' or a property with hasUniqueValue"
            )
        return self._reader.read(values, id_property=field)

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        return self._writer.write(writes)

    def archive(self, ids: Sequence[str]) -> list[WriteResult]:
        return self._writer.archive(ids)

    def close(self) -> None:
        self._api.close()
