"""Reading records: the full listing (list endpoint, `after` paging) and batch reads by id or
by a unique property (`idProperty`); ids HubSpot does not know are simply absent (207)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from syncer.errors import FatalError
from syncer.records import ChangePage, Cursor, Record

from .api import HubSpotApi
from .objects import checked_time, to_record
from .outcomes import body_of
from .ranges import ListPage
from .shapes import next_page, objects_of

BATCH_LIMIT = 100
LIST_LIMIT = 100
JsonObject = dict[str, Any]
# HubSpot answers 414 to long URLs, and integrators report trouble past ~2,000 characters of
# properties in a list request's query: the properties that do not fit are read in batches by
# id (POST).
MAX_PROPERTY_QUERY_CHARS = 2000


class RecordReader:
    def __init__(
        self,
        api: HubSpotApi,
        object_type: str,
        properties: Sequence[str],
        modified: str,
        absent: set[str] | None = None,
    ) -> None:
        self._api = api
        self._path = f"/crm/v3/objects/{object_type}"
        self._properties = list(properties)
        self._modified = modified
        self._requested = list(dict.fromkeys([modified, *properties]))
        # Requested properties the listing's answers left out (see objects.to_record); not
        # watched when some properties are read apart, by batch (too many for the URL).
        fits = not _split_by_query_length(self._requested)[1]
        self._absent = absent if fits else None

    def read(self, values: Sequence[str], id_property: str | None = None) -> list[Record]:
        """Records whose id (or `id_property` value) is one of `values`, in batches of 100."""
        unique = list(dict.fromkeys(values))
        batches = [
            unique[start : start + BATCH_LIMIT] for start in range(0, len(unique), BATCH_LIMIT)
        ]
        answers = self._api.in_flight.map(
            lambda batch: self._read_batch(batch, id_property, self._requested), batches
        )
        return [record for answer in answers for record in answer]

    def list_all(self, final_cursor: Cursor, first: ListPage | None = None) -> Iterator[ChangePage]:
        """Every live record, a page of up to 100 at a time; the last page carries the cursor.
        `first`: the first page, read already (read_ahead.py)."""
        if first is not None:
            yield ChangePage(first.records, None if first.after else final_cursor)
            if not first.after:
                return
        after = first.after if first is not None else None
        for objects, more in self._list_pages(kind="list", archived=False, after=after):
            records = [
                to_record(o, self._properties, self._modified, self._absent) for o in objects
            ]
            yield ChangePage(
                self._complete(records, archived=False), None if more else final_cursor
            )

    def list_archived(self, since: datetime) -> list[Record]:
        """Records archived at or after `since` (the server cannot filter: every archived record
        is listed); `modified_at` is the archive time."""
        found: list[Record] = []
        for objects, _ in self._list_pages(kind="list/archived", archived=True):
            for obj in objects:
                stamp = obj.get("archivedAt")
                archived_at = checked_time(stamp, "archivedAt") if stamp else None
                if archived_at is not None and archived_at >= since:
                    record = to_record(obj, self._properties, self._modified)
                    found.append(replace(record, modified_at=archived_at, archived=True))
        return self._complete(found, archived=True)

    def list_page(self, after: str | None) -> ListPage:
        """One page of live records from `after` (None: the first), and the next page's."""
        objects, following = self._list_once(after, kind="list", archived=False)
        records = [to_record(o, self._properties, self._modified, self._absent) for o in objects]
        return ListPage(self._complete(records, archived=False), following)

    def to_records(self, objects: list[JsonObject]) -> list[Record]:
        """Records from search answers (every requested property fits in a search body)."""
        return [to_record(o, self._properties, self._modified, self._absent) for o in objects]

    @property
    def requested(self) -> list[str]:
        return list(self._requested)

    def _list_pages(
        self, *, kind: str, archived: bool, after: str | None = None
    ) -> Iterator[tuple[list[JsonObject], bool]]:
        """(objects, more pages follow) of the list endpoint, `after` paging from `after`."""
        while True:
            objects, after = self._list_once(after, kind=kind, archived=archived)
            yield objects, bool(after)
            if not after:
                return

    def _list_once(
        self, after: str | None, *, kind: str, archived: bool
    ) -> tuple[list[JsonObject], str | None]:
        first, _ = _split_by_query_length(self._requested)
        params = [("limit", str(LIST_LIMIT)), *(("properties", p) for p in first)]
        if archived:
            params.append(("archived", "true"))
        if after is not None:
            params.append(("after", after))
        body = self._api.call_ok("GET", self._path, kind=kind, params=params)
        return objects_of(body, "listing"), next_page(body, "listing")

    def _complete(self, records: list[Record], *, archived: bool) -> list[Record]:
        """Fill in the properties that did not fit in the list URL, by batch reads."""
        _, missing = _split_by_query_length(self._requested)
        if not missing or not records:
            return records
        extra: dict[str, Record] = {}
        for start in range(0, len(records), BATCH_LIMIT):
            ids = [r.id for r in records[start : start + BATCH_LIMIT]]
            extra.update((r.id, r) for r in self._read_batch(ids, None, missing, archived))
        return [
            replace(r, properties={**r.properties, **_present(extra.get(r.id), missing)})
            for r in records
        ]

    def _read_batch(
        self,
        values: list[str],
        id_property: str | None,
        properties: list[str],
        archived: bool = False,
    ) -> list[Record]:
        body: dict[str, object] = {"properties": properties, "inputs": [{"id": v} for v in values]}
        if id_property:
            body["idProperty"] = id_property
        params = [("archived", "true")] if archived else []
        exchange = self._api.call(
            "POST", f"{self._path}/batch/read", kind="batch/read", body=body, params=params
        )
        if not exchange.ok:
            raise FatalError(f"HubSpot refused a batch read: {exchange.outcome.detail}")
        results = objects_of(body_of(exchange.response), "batch read answer")
        return [to_record(o, self._properties, self._modified) for o in results]


def _present(record: Record | None, names: list[str]) -> dict[str, object]:
    if record is None:
        return {}
    return {n: record.properties.get(n) for n in names if n in record.properties}


def _split_by_query_length(names: list[str]) -> tuple[list[str], list[str]]:
    used = 0
    for index, name in enumerate(names):
        used += len("&properties=") + len(quote(name))
        if used > MAX_PROPERTY_QUERY_CHARS:
            return names[:index], names[index:]
    return names, []
