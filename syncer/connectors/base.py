"""The protocol every connector implements; the engine knows connectors only through it.

A connector is built for one pipeline: it knows its object (HubSpot object type, SQL table or
sObject), the properties it must read (`fields`), and its own limits. Every method is
synchronous and may make several calls (pages, batches); each call is counted in `counter`.

Rules every implementation keeps (the contract suite checks them):
- `changes(None, until)` lists every live record (a full listing, for migrations);
  `changes(cursor, until)` yields at least every record modified after the cursor and up to
  `until`; it may repeat records near the cursor (the engine drops those echoes), never skip one.
  The cursor of the last page is safe to store once the whole run is committed.
- `write` never duplicates: a create is an upsert on `Write.unique_property`.
- Per-record failures come back as `WriteResult.rejection`; only whole-call failures raise
  (`RetryableError` after retries are exhausted, `FatalError`, `AuthError`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol

from syncer.records import CallCounter, ChangePage, Cursor, FieldType, Record, Write, WriteResult


class Connector(Protocol):
    counter: CallCounter

    def prepare(self) -> None:
        """Check that the object and mapped fields exist; create what syncer owns if missing.

        HubSpot: creates the pipeline's unique external-id property (`hasUniqueValue`).
        SQL: reflects the table and checks the configured columns. Raises ConfigError.
        """
        ...

    def field_types(self) -> dict[str, FieldType]:
        """The type of each field this connector reads or writes, by its own field name."""
        ...

    def changes(self, since: Cursor | None, until: datetime) -> Iterator[ChangePage]:
        """Records changed after `since` (all records when None), read up to `until`."""
        ...

    def fetch(self, ids: Sequence[str]) -> list[Record]:
        """Records by id; missing or archived ids are simply absent from the result."""
        ...

    def find(self, field: str, values: Sequence[str]) -> list[Record]:
        """Live records whose `field` equals one of `values` (case-insensitive for emails)."""
        ...

    def write(self, writes: Sequence[Write]) -> list[WriteResult]:
        """Create (upsert on the unique key) or update records; one result per write."""
        ...

    def archive(self, ids: Sequence[str]) -> list[WriteResult]:
        """Archive (soft-delete) records; archiving a missing record succeeds."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
