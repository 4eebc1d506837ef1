"""Engagements (notes, tasks, calls, meetings, emails) on a portal that gives them no unique
property: creates that a resend or a crash-rerun never duplicates all the same.

What is known: HubSpot documents unique-value properties (`hasUniqueValue`, the `idProperty` of
upserts and batch reads) for companies, deals, tickets, custom objects and, since the change
announced in its changelog ("Unique Properties support for newly created Contact properties"),
contacts; that announcement lists no engagement. The generated reference does show a notes
`batch/upsert` "by unique property values", but it shows every endpoint for every object type.
Whether engagements accept a unique property is therefore UNCONFIRMED, so syncer does not bet on
either answer: `prepare()` asks for the unique external-id property as on every other object,
and when HubSpot refuses it for an engagement type, keeps the external id in a plain property
and guards creates itself (this module). The sandbox answers either way
(`engagement_unique_properties`).

Without a unique property nothing on HubSpot's side refuses a second create, so:
- before creating, the records already holding each external id are looked for and adopted
  (updated) instead. An engagement pointing at records is found through them: the v4
  associations from those records to the engagement type, then a batch read of the engagements
  found, read at once (no index lag); one pointing nowhere is looked for by search;
- the create call itself is never repeated blindly after a lost answer (`repeatable=False`): the
  write is refused as retryable, and the run ends with its intents pending;
- the next run resolves them first (`find_sent`, the engine's reconcile): by search, and, for
  the values search misses (made in the seconds before, or never), without reading any index:
  through the records the create was SENT pointing at, as its intent kept them (they may point
  elsewhere now), or, for a create that pointed nowhere, by listing the type's engagements (the
  list endpoint: ceil(n / 100) calls, paid only by a run after a crash left such a create
  unconfirmed; the list cannot be filtered or sorted by time, and a GET by `idProperty` needs
  a unique property). What is not found there was never made, and is created afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from syncer.connectors.base import SentCreate
from syncer.records import Record, Write

from .api import HubSpotApi
from .association_fields import AssociationFields, Lists
from .associations import Associations
from .reads import LIST_LIMIT, RecordReader
from .shapes import next_page, objects_of

IN_VALUES = 100  # values in one IN filter: kept at the common batch size
SEARCH_LIMIT = 200


class ExternalIdLookup:
    def __init__(
        self,
        api: HubSpotApi,
        object_path: str,
        prop: str,
        reader: RecordReader,
        fields: AssociationFields,
    ) -> None:
        self._api = api
        self._path = object_path
        self._prop = prop
        self._reader = reader
        self._fields = fields

    def find(self, values: Sequence[str]) -> list[Record]:
        """Live engagements whose external id is one of `values` (by search, then read)."""
        ids = self._search(values)
        return self._reader.read(ids) if ids else []

    def find_sent(self, sent: Sequence[SentCreate]) -> list[Record]:
        """Live engagements holding the external id of a create left unconfirmed, found by
        search, else through what it was sent pointing at, else (pointing nowhere) by listing."""
        found = self.find([s.unique_value for s in sent])
        held = {str(r.properties.get(self._prop)) for r in found}
        missing = [s for s in sent if s.unique_value not in held]
        pointing = [s for s in missing if any(s.associations.values())]
        alone = {s.unique_value for s in missing if not any(s.associations.values())}
        if pointing:
            wanted = {s.unique_value for s in pointing}
            candidates = self._through_targets([s.associations for s in pointing])
            read = self._reader.read(candidates) if candidates else []
            found += [r for r in read if r.properties.get(self._prop) in wanted]
        if alone:
            found += self._listed(alone)
        return found

    def holders(self, creates: Sequence[Write], lists: Mapping[str, Lists]) -> dict[str, str]:
        """Write key -> the engagement already holding the create's external id."""
        pointing = [w for w in creates if any(lists.get(w.key, {}).values())]
        alone = [w for w in creates if not any(lists.get(w.key, {}).values())]
        by_value: dict[str, str] = {}
        if pointing:
            candidates = self._through_targets([lists[w.key] for w in pointing])
            by_value.update(self._holding(self._reader.read(candidates) if candidates else []))
        if alone:
            by_value.update(self._holding(self.find([str(w.unique_value) for w in alone])))
        return {
            w.key: by_value[str(w.unique_value)] for w in creates if str(w.unique_value) in by_value
        }

    def _through_targets(self, wanted: Sequence[Mapping[str, Sequence[str]]]) -> list[str]:
        """Ids of the engagements associated with any record the creates point at."""
        found: dict[str, None] = {}
        for to_path, names in self._fields.targets_by_object().items():
            pointed = (t for lists in wanted for name in names for t in lists.get(name, []))
            targets = list(dict.fromkeys(pointed))
            if not targets:
                continue
            edges = Associations(self._api, to_path, self._path).read(targets)
            found.update((e.to_id, None) for each in edges.values() for e in each)
        return list(found)

    def _holding(self, records: Sequence[Record]) -> dict[str, str]:
        # Newest first, so that the oldest holder of a value (the one first created) wins.
        newest_first = sorted(records, key=lambda r: int(r.id) if r.id.isdigit() else 0)[::-1]
        return {
            str(r.properties.get(self._prop)): r.id
            for r in newest_first
            if r.properties.get(self._prop) not in (None, "")
        }

    def _listed(self, values: set[str]) -> list[Record]:
        """Live engagements holding one of `values`, by the list endpoint, page after page
        until every value is found or the list ends."""
        ids: list[str] = []
        left, after = set(values), None
        while left:
            params = [("limit", str(LIST_LIMIT)), ("properties", self._prop)]
            if after is not None:
                params.append(("after", after))
            body = self._api.call_ok(
                "GET", f"/crm/v3/objects/{self._path}", kind="list", params=params
            )
            for obj in objects_of(body, "listing"):
                value = (obj.get("properties") or {}).get(self._prop)
                if value in values:
                    ids.append(str(obj["id"]))
                    left.discard(value)
            after = next_page(body, "listing")
            if not after:
                break
        return self._reader.read(ids) if ids else []

    def _search(self, values: Sequence[str]) -> list[str]:
        wanted = {str(v) for v in values}
        ids: list[str] = []
        unique = sorted({v.lower() for v in wanted})
        for start in range(0, len(unique), IN_VALUES):
            chunk = unique[start : start + IN_VALUES]
            for obj in self._search_pages(chunk):
                value = (obj.get("properties") or {}).get(self._prop)
                if value in wanted:  # IN compares lower-cased; external ids compare exactly
                    ids.append(str(obj["id"]))
        return ids

    def _search_pages(self, values: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            body: dict[str, Any] = {
                "filterGroups": [
                    {"filters": [{"propertyName": self._prop, "operator": "IN", "values": values}]}
                ],
                "properties": [self._prop],
                "limit": SEARCH_LIMIT,
            }
            if after:
                body["after"] = after
            answer = self._api.call_ok(
                "POST", f"/crm/v3/objects/{self._path}/search", kind="search", body=body
            )
            found += list(answer.get("results") or [])
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return found
