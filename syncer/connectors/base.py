"""The protocol every connector implements; the engine knows connectors only through it.

A connector is built for one pipeline: it knows its object (HubSpot object type, SQL table or
sObject), the properties it must read (`fields`), and its own limits. Every method is
synchronous and may make several calls (pages, batches); each call is counted in `counter`.

Rules every implementation keeps (the contract suite checks them):
- `changes(None, until)` lists every live record (a full listing, for migrations);
  `changes(cursor, until)` yields at least every record modified after the cursor and up to
  `until`; it may repeat records near the cursor (the engine drops those echoes), never skip one.
  The cursor of the last page is safe to store once the whole run is committed.
- `write` never duplicates: a create is an upsert on `Write.unique_property`, or, when it names
  none, on the record's own key held in its values (a SQL primary key from mapped columns).
- `normalise_key` agrees with `find` and with upserts: values it gives one form are one key.
- Per-record failures come back as `WriteResult.rejection`; only whole-call failures raise
  (`RetryableError` after retries are exhausted, `FatalError`, `AuthError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Protocol, TypeVar, runtime_checkable

from syncer.records import (
    CallCounter,
    ChangePage,
    Cursor,
    FieldShape,
    FieldType,
    Record,
    Write,
    WriteResult,
)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a connector can do beyond the core protocol. The engine asks this declaration,
    never the connector's type; the contract suite picks its tests by it."""

    merges: bool = False  # implements ReportsMerges: records name the ids merged into them
    archives: bool = False  # implements ReportsArchives: lists what was archived since a time
    # Reads and writes the association fields it is given (syncer/relations.py): each record
    # carries, under the field's name, the list of this side's ids of the records it points at;
    # a write sets that whole list. HasAssociations also reads them apart, for the sweep.
    associations: bool = False
    owners: bool = False  # implements HasOwners: says each owner's (user's) email
    bulk_writes: bool = False  # one call writes many records (batches worth filling)
    # An older modification time means an older version: the side stamps each write itself,
    # on its own clock, so a read showing an older time than one already seen is a lagging
    # read (HubSpot's search), not an edit. Not so where each writer stamps its own clock (a
    # SQL updated_at: a late commit carries its transaction's start), where an older time can
    # be the newest row.
    ordered_versions: bool = False
    # Implements DescribesFields: values are normalised to each field's declared length,
    # precision and scale before they are compared, and refused before sending if they cannot fit.
    field_shapes: bool = False
    # Implements FindsSentCreates: `find` may miss a record created moments ago (an index that
    # lags), so a create left unconfirmed by a crash is looked for by what it was sent with.
    sent_creates: bool = False


class Connector(Protocol):
    counter: CallCounter
    capabilities: Capabilities

    @property
    def time_zone(self) -> tzinfo:
        """The zone of the date-times this side keeps without one (a SQL column without time
        zone); UTC for a side whose times always say their zone."""
        ...

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
        """Live records whose `field` equals one of `values`, compared as `normalise_key` does."""
        ...

    def normalise_key(self, field: str, value: object) -> str | None:
        """A value of the unique field `field` in the form this side compares it: two values
        with one form are one key here (emails whatever their case; ids exactly as written).
        None for no value."""
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


@runtime_checkable
class DescribesFields(Protocol):
    """Capability `field_shapes`: a side whose fields declare limits (a SQL column's length,
    a DECIMAL's precision and scale) says them, so a value is compared as the side will keep
    it: a number rounded to the column's scale is no change on the next pass."""

    def field_shapes(self) -> dict[str, FieldShape]:
        """The limits of the fields that have any, by the connector's own field name."""
        ...


@runtime_checkable
class DescribesOptions(Protocol):
    """A side whose enumerations allow only their listed options (HubSpot's radio and select
    properties) says them, so a value that is not one is refused (or defaulted) per record
    before it is sent, never sent untranslated."""

    def field_options(self) -> dict[str, frozenset[str]]:
        """The options of each single-choice enumeration field, by the side's field name."""
        ...


@runtime_checkable
class ListsValues(Protocol):
    """A side that can say which values a field holds across its records (a SQL column's
    distinct values), so `syncer check` names those no `values` table maps."""

    def distinct_values(self, field: str, limit: int) -> list[object]:
        """Up to `limit` distinct values of `field` (its native values, no null)."""
        ...


@runtime_checkable
class ReportsMerges(Protocol):
    """Capability `merges`: a side that merges records (HubSpot, Salesforce) says which ids a
    listed record absorbed, so links naming them are re-pointed to the survivor."""

    def merged_ids(self, records: Iterable[Record]) -> dict[str, str]:
        """{absorbed id: survivor id} for the ids these records name as merged into them."""
        ...


@runtime_checkable
class ProbesFields(Protocol):
    """A side whose records may name their twin by id in a property (HubSpot's external id
    property) says in one call whether any live record holds a value there: a first extraction
    streams its listing only when none does (engine/extraction.py)."""

    def has_any(self, field: str) -> bool:
        """Whether any live record has a value in `field`."""
        ...


@runtime_checkable
class ReportsArchives(Protocol):
    """Capability `archives`: a side whose change listing cannot show archived records lists
    them apart (HubSpot's recycle bin)."""

    def archived_since(self, since: datetime) -> list[Record]: ...

    def signpost(self, until: datetime) -> datetime:
        """`until`, held back to the side's own clock (archive times are on that clock)."""
        ...


class Association(Protocol):
    """One edge as any side names it: from a record of this object to one of another. What kind
    of edge it is (HubSpot's association types and labels) is the side's own business."""

    @property
    def from_id(self) -> str: ...

    @property
    def to_id(self) -> str: ...


A = TypeVar("A", bound=Association)


class AssociationEdges(Protocol[A]):
    """The edges from one object to another, in the side's own edge type `A`."""

    def read(self, from_ids: Sequence[str]) -> dict[str, list[A]]:
        """Every edge from each of `from_ids` (ids without edges map to [])."""
        ...

    def create(self, edges: Sequence[A]) -> list[WriteResult]:
        """One result per edge; an edge the side refuses is a rejection, not an exception."""
        ...

    def archive(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Remove every edge between each (from id, to id) pair; a missing pair is no error."""
        ...


@runtime_checkable
class HasAssociations(Protocol):
    """Capability `associations`: the connector reads and writes the association fields it was
    built with (syncer/relations.py) as part of its records, and reads them apart in bulk here
    for the engine's sweep (a side may change an edge without touching the record's time)."""

    def association_values(self, ids: Sequence[str]) -> dict[str, dict[str, list[str]]]:
        """{record id: {association field name: this side's ids it points at}} for the live
        records among `ids` (missing or archived ids are absent); a record pointing nowhere
        through a field holds [] there."""
        ...


@runtime_checkable
class HasAssociationEdges(Protocol):
    """A side that keeps edges between records of two objects as things of their own (HubSpot's
    v4 associations), and lets them be read, created and archived one by one."""

    def associations(self, to_object: str) -> AssociationEdges[Any]:
        """The edges from this connector's object to `to_object` (the side's name for it)."""
        ...


@runtime_checkable
class HasOwners(Protocol):
    """Capability `owners`: a side whose records name users (HubSpot's owners, the external
    users table of `[owners]`) says each user's email, which is how the two sides' users pair."""

    def owner_emails(self) -> dict[str, str]:
        """{owner id or user key, as owner fields hold it: email}; read once per run."""
        ...


@dataclass(frozen=True, slots=True)
class SentCreate:
    """A create whose answer never came back (a crash, a lost answer), as it was sent: the value
    of its unique field, and the association lists it carried ({field: this side's ids})."""

    unique_value: str
    associations: Mapping[str, Sequence[str]]


@runtime_checkable
class FindsSentCreates(Protocol):
    """Capability `sent_creates`: a side whose `find` reads an index that lags behind its writes
    (HubSpot's search, for objects without a unique property) finds the records such creates
    made through what they were sent with, reading nothing that lags."""

    def find_sent(self, field: str, sent: Sequence[SentCreate]) -> list[Record]:
        """Live records holding, in `field`, the unique value of one of the creates `sent`."""
        ...


@runtime_checkable
class VerifiesKeys(Protocol):
    """A side whose record ids and match keys are only as unique as its data (a SQL table
    or view) proves them unique before `syncer check` passes the pipeline."""

    def verify_unique_keys(self) -> None:
        """Raise ConfigError naming a key that more than one record holds, and how often."""
        ...
