"""The in-memory connector: the reference implementation of the connector contract.

It behaves like a well-mannered CRM: ids are increasing integers as text, every write stamps a
modification time from its clock, archived records stay readable by id but leave listings of
live records, and creates are upserts on the given unique field. Unique values compare whatever
their case or surrounding space, except in the fields named `exact_keys` (ids, which a case
change makes another).
Engine tests run on two of these; the contract suite holds it to the same rules as the others.

Relations: built with association fields (syncer/relations.py), every record it returns holds
each field's list of ids ([] when it points nowhere) and a write of a field replaces the whole
list. Built with `keys_in_columns`, it stands for a SQL table: a field kept in foreign-key
columns holds at most one key, and a longer list is refused. `owners` ({user key: email}) makes
it a side whose records name users (capability `owners`).

Fault scenarios can make it a less obliging CRM: `validate` refuses records (a missing required
field, a bad picklist value); `insert_only` makes creates plain inserts that a unique value
already held refuses with Salesforce's DUPLICATE_VALUE; `answers_to_lose` applies the next write
calls and then sends them again, as a client does that lost the answer to a timeout.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from syncer.connectors.base import Capabilities
from syncer.records import (
    CallCounter,
    ChangePage,
    Cursor,
    FieldType,
    Record,
    Rejection,
    RejectionKind,
    Write,
    WriteResult,
)
from syncer.relations import AssociationField

Validator = Callable[[Mapping[str, Any]], Rejection | None]


class MemoryConnector:
    capabilities = Capabilities(associations=True, bulk_writes=True)
    time_zone: tzinfo = UTC  # every time it keeps says its zone

    def __init__(
        self,
        types: Mapping[str, FieldType],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        page_size: int = 100,
        validate: Validator | None = None,
        insert_only: bool = False,
        exact_keys: frozenset[str] = frozenset(),
        ordered_versions: bool = False,
        associations: Sequence[AssociationField] = (),
        keys_in_columns: bool = False,
        owners: Mapping[str, str] | None = None,
    ) -> None:
        """`ordered_versions`: declare that an older time means an older version, as HubSpot
        does (a stand-in for it); left False, as for a SQL table, whose writers stamp times on
        their own clocks."""
        self.capabilities = replace(
            type(self).capabilities, ordered_versions=ordered_versions, owners=owners is not None
        )
        self.association_fields = {field.name: field for field in associations}
        self.keys_in_columns = keys_in_columns
        self.owners = dict(owners or {})  # {user key: email}; a test may add users later
        self._owner_emails: dict[str, str] | None = None
        self.types = dict(types)
        self.clock = clock
        self.page_size = page_size
        self.validate = validate
        self.insert_only = insert_only
        self.exact_keys = exact_keys
        self.answers_to_lose = 0  # write calls applied, then resent (their answers were lost)
        self.counter = CallCounter()
        self.rows: dict[str, Record] = {}
        self._ids = itertools.count(1)

    # -- test helpers ------------------------------------------------------------------------

    def put(self, properties: Mapping[str, Any], record_id: str | None = None) -> Record:
        """Create or replace a record as a user of this CRM would, stamping the time."""
        record_id = record_id or str(next(self._ids))
        old = self.rows.get(record_id)
        merged = {**(old.properties if old else {}), **properties}
        self.rows[record_id] = Record(record_id, merged, self._now())
        return self.rows[record_id]

    def associate(self, record_id: str, field: str, ids: Sequence[str]) -> None:
        """Point a record's association `field` at `ids` WITHOUT stamping its modification
        time, as HubSpot may when only a record's associations change: only a sweep sees it."""
        old = self.rows[record_id]
        properties = {**old.properties, field: list(ids)}
        self.rows[record_id] = Record(record_id, properties, old.modified_at, old.archived)

    def remove(self, record_id: str) -> None:
        old = self.rows[record_id]
        self.rows[record_id] = Record(record_id, old.properties, self._now(), archived=True)

    def live(self) -> list[Record]:
        return [r for r in self.rows.values() if not r.archived]

    # -- the contract ------------------------------------------------------------------------

    def prepare(self) -> None:
        return None  # nothing to create: the field set is given

    def field_types(self) -> dict[str, FieldType]:
        return dict(self.types)

    def changes(self, since: Cursor | None, until: datetime) -> Iterator[ChangePage]:
        self.counter.add("list")
        low = datetime.fromisoformat(json.loads(since.position)["t"]) if since else None
        rows = sorted(
            (
                r
                for r in self.rows.values()
                if (low is None and not r.archived)
                or (low is not None and r.modified_at is not None and low <= r.modified_at <= until)
            ),
            key=lambda r: (r.modified_at or until, int(r.id)),
        )
        final = Cursor(json.dumps({"t": min(until, self._current_time()).isoformat()}))
        if not rows:
            yield ChangePage([], final)
        for start in range(0, len(rows), self.page_size):
            last = start + self.page_size >= len(rows)
            page = [self._shown(r) for r in rows[start : start + self.page_size]]
            yield ChangePage(page, final if last else None)

    def has_any(self, field: str) -> bool:
        self.counter.add("probe")
        return any(r.properties.get(field) not in (None, "") for r in self.live())

    def fetch(self, ids: Sequence[str]) -> list[Record]:
        self.counter.add("fetch")
        return [self._shown(self.rows[i]) for i in ids if self._is_live(i)]

    def association_values(self, ids: Sequence[str]) -> dict[str, dict[str, list[str]]]:
        self.counter.add("associations")
        return {
            i: {name: self._pointed(self.rows[i], name) for name in self.association_fields}
            for i in ids
            if self._is_live(i)
        }

    def owner_emails(self) -> dict[str, str]:
        """{user key: email}, read once per connector (a run), as a real side's list is."""
        if self._owner_emails is None:
            self.counter.add("owners")
            self._owner_emails = dict(self.owners)
        return dict(self._owner_emails)

    def find(self, field: str, values: Sequence[str]) -> list[Record]:
        self.counter.add("find")
        return self._matching(field, values)

    def normalise_key(self, field: str, value: object) -> str | None:
        if value is None:
            return None
        return str(value) if field in self.exact_keys else str(value).strip().lower()

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        self.counter.add("write")
        if self.answers_to_lose > 0:
            self.answers_to_lose -= 1
            for write in writes:  # applied; the answer never arrives, so the call is resent
                self._write_one(write)
            self.counter.add("write")
        return [self._write_one(w) for w in writes]

    def archive(self, ids: Sequence[str]) -> list[WriteResult]:
        self.counter.add("archive")
        for record_id in ids:
            if record_id in self.rows and not self.rows[record_id].archived:
                self.remove(record_id)
        return [WriteResult(i, i) for i in ids]

    def close(self) -> None:
        return None

    def _write_one(self, write: Write) -> WriteResult:
        if self.validate is not None and (rejection := self.validate(write.properties)):
            return WriteResult(write.key, None, rejection=rejection)
        if rejection := self._refused_lists(write.properties):
            return WriteResult(write.key, None, rejection=rejection)
        write = replace(write, properties=self._unique_lists(write.properties))
        if write.target_id is not None:
            if write.target_id not in self.rows or self.rows[write.target_id].archived:
                return WriteResult(
                    write.key,
                    None,
                    rejection=Rejection(
                        RejectionKind.NOT_FOUND,
                        "OBJECT_NOT_FOUND",
                        f"record {write.target_id} does not exist",
                    ),
                )
            return WriteResult(write.key, self.put(write.properties, write.target_id).id)
        # A lookup inside the write call, as a CRM's upsert makes it: not a call of its own.
        existing = self._matching(write.unique_property or "", [write.unique_value or ""])
        if existing and self.insert_only:
            return WriteResult(write.key, None, rejection=_duplicate(write, existing[0].id))
        if existing:
            return WriteResult(write.key, self.put(write.properties, existing[0].id).id)
        return WriteResult(write.key, self.put(write.properties).id, created=True)

    def _matching(self, field: str, values: Sequence[str]) -> list[Record]:
        wanted = {self.normalise_key(field, v) for v in values}
        return [
            self._shown(r)
            for r in self.live()
            if self.normalise_key(field, r.properties.get(field)) in wanted
        ]

    def _is_live(self, record_id: str) -> bool:
        return record_id in self.rows and not self.rows[record_id].archived

    def _shown(self, record: Record) -> Record:
        """The record as read: every association field present, a copy of its list."""
        if not self.association_fields:
            return record
        lists = {name: self._pointed(record, name) for name in self.association_fields}
        return replace(record, properties={**record.properties, **lists})

    @staticmethod
    def _pointed(record: Record, field: str) -> list[str]:
        return list(record.properties.get(field) or [])

    def _unique_lists(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """An id listed twice is one edge (a join table keeps a pair once)."""
        return {
            name: list(dict.fromkeys(value)) if name in self.association_fields else value
            for name, value in properties.items()
        }

    def _refused_lists(self, properties: Mapping[str, Any]) -> Rejection | None:
        """A value that is no list of ids, or (in foreign-key columns) a list of more than one."""
        for name, field in self.association_fields.items():
            if name not in properties:
                continue
            value = properties[name]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                message = f"{name}: expected a list of record ids, got {value!r}"
                return Rejection(RejectionKind.INVALID_VALUE, "NOT_A_LIST", message, name)
            if self.keys_in_columns and field.join is None and len(value) > 1:
                columns = ", ".join(field.columns)
                message = f"column {columns} holds one key; cannot point at {', '.join(value)}"
                return Rejection(RejectionKind.INVALID_VALUE, "ONE_KEY_ONLY", message, name)
        return None

    def _now(self) -> datetime:
        # Strictly increasing times, so "modified after the cursor" is never ambiguous here.
        now = self.clock()
        latest = self._latest_stamp()
        if latest is not None and now <= latest:
            now = latest + timedelta(microseconds=1)
        return now

    def _current_time(self) -> datetime:
        """This CRM's time: its clock, or its newest stamp when that is later. Every later write
        is stamped after it, so a cursor there skips nothing; a cursor at a later `until` (a
        caller's clock running ahead) would skip the writes stamped before it."""
        latest = self._latest_stamp()
        now = self.clock()
        return now if latest is None or now >= latest else latest

    def _latest_stamp(self) -> datetime | None:
        return max((r.modified_at for r in self.rows.values() if r.modified_at), default=None)


def _duplicate(write: Write, holder: str) -> Rejection:
    # Salesforce's words for an insert whose unique field value another record holds.
    field = write.unique_property or ""
    message = f"duplicate value found: {field} duplicates value on record with id: {holder}"
    return Rejection(RejectionKind.DUPLICATE, "DUPLICATE_VALUE", message, field)
