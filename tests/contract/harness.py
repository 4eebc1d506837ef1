"""What the contract suite needs of a connector's harness, and the helpers its tests share.

A harness stands for one side: a fresh, empty object (table, sObject, HubSpot object type) with
the contract's fields, the connector under test built for it, the side's clock, and a back door
through which the test acts as another user of that system would: create, edit and archive
records at chosen times, and read them back in the side's own terms. The back door never goes
through the connector under test, so the connector cannot vouch for itself.

Capabilities add to the back door: a side that merges records must let a user merge them, one
that keeps associations must seed a record to associate with and read edges back natively.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from syncer.connectors.base import Association, Connector
from syncer.records import ChangePage, Cursor, Record, Write
from syncer.relations import AssociationField

# Fixed times keep the tests independent of the machine's clock. Whole seconds: MySQL DATETIME
# columns keep no fraction by default.
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
UNTIL = T0 + timedelta(hours=1)
OVERLAP_SECONDS = 120.0


@dataclass(frozen=True)
class ContractFields:
    """The connector's own names for the contract's fields (and the type each must have)."""

    email: str
    name: str
    score: str
    birthday: str
    active: str
    last_seen: str


@dataclass(frozen=True)
class PageSizes:
    """How many records one page holds, for a connector built with a given batch size: some
    sides fix their page sizes (HubSpot lists 100 and searches 200 at a time)."""

    listing: int  # changes(None, ...)
    changes: int  # changes(cursor, ...)


class SideClock:
    """A side's clock that tests move. `with clock.at(t):` makes one change at `t`; afterwards
    the side's time is the latest it has shown (a change stamped in the past, such as a late
    commit, does not turn the side's clock back)."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now
        self._latest = now

    def __call__(self) -> datetime:
        return self.now

    @contextmanager
    def at(self, moment: datetime) -> Iterator[None]:
        self.now = moment
        self._latest = max(self._latest, moment)
        try:
            yield
        finally:
            self.now = self._latest


class ContractHarness(Protocol):
    fields: ContractFields
    clock: Callable[[], datetime]  # the side's clock, which stamps its records' changes

    def connector(
        self, *, batch_size: int = 500, overlap_seconds: float = OVERLAP_SECONDS
    ) -> Connector:
        """A prepared connector for the harness's object; the harness closes it at teardown."""
        ...

    def page_sizes(self, batch_size: int) -> PageSizes: ...

    def seed(
        self, email: str, *, name: str = "Someone", modified_at: datetime = T0,
        archived: bool = False,
    ) -> str:  # fmt: skip
        """Create a record as a user would, changed at `modified_at`; returns its id."""
        ...

    def edit(self, record_id: str, *, name: str, modified_at: datetime) -> None:
        """Change a record's name as a user would, at `modified_at`."""
        ...

    def remove(self, record_id: str, *, modified_at: datetime) -> None:
        """Archive (delete) a record as a user would, at `modified_at`."""
        ...

    def stored(self, record_id: str) -> Mapping[str, Any] | None:
        """A live record's properties as the side stores them (None if missing or archived)."""
        ...

    def sample_values(self) -> Mapping[str, Any]:
        """A value for the score, birthday, active and last_seen fields, in the side's own
        representation of its types (what `write` takes and `fetch` gives back)."""
        ...

    def rejected_properties(self) -> Mapping[str, Any]:
        """Properties that the side refuses for a single record (e.g. a required field empty)."""
        ...

    def rejected_property(self) -> str:
        """The property a rejection of `rejected_properties()` names."""
        ...


@runtime_checkable
class MergingHarness(Protocol):
    """The back door of a side with capability `merges`."""

    def merge(self, survivor_id: str, absorbed_id: str, *, modified_at: datetime) -> str:
        """Merge two records as a user would; returns the id of the merged record."""
        ...


@runtime_checkable
class AssociatingHarness(Protocol):
    """The back door of a side with capability `associations`."""

    def seed_other(self) -> tuple[str, str]:
        """Create a record of another object that this object's records can be associated
        with; returns (the side's name for that object, the record's id)."""
        ...

    def edge(self, from_id: str, to_id: str) -> Association:
        """An edge of the side's default kind, for `AssociationEdges.create`."""
        ...

    def associated(self, from_id: str, to_object: str) -> list[str]:
        """The ids `from_id` is associated with in `to_object`, as the side stores them."""
        ...


def read_all(pages: Iterable[ChangePage]) -> tuple[list[Record], Cursor | None, list[ChangePage]]:
    """Every record of a listing, the last page's cursor, and the pages themselves."""
    page_list = list(pages)
    records = [r for page in page_list for r in page.records]
    return records, page_list[-1].cursor if page_list else None, page_list


def ids_of(records: Iterable[Record]) -> list[str]:
    return [r.id for r in records]


def listed_cursor(connector: Connector) -> Cursor:
    """The cursor a full listing ends with."""
    _, cursor, _ = read_all(connector.changes(None, UNTIL))
    assert cursor is not None, "a full listing must end with a cursor"
    return cursor


def create_write(harness: ContractHarness, key: str, email: str, **properties: Any) -> Write:
    """A create of a record with this email (and a name), upserted on the email."""
    fields = harness.fields
    return Write(
        key=key,
        properties={fields.email: email, fields.name: "New", **properties},
        unique_property=fields.email,
        unique_value=email.strip().lower(),
    )


@dataclass(frozen=True)
class RelationFields:
    """The association fields a harness builds its related connector with: `single` points at
    one record of another object (an FK column), `composite` at one record whose key has two
    columns (None on a side whose ids are never composite), `many` at any number of records (a
    join table). `holds_one`: `single` and `composite` hold at most one id (FK columns)."""

    single: AssociationField
    composite: AssociationField | None
    many: AssociationField
    holds_one: bool


@runtime_checkable
class RelatingHarness(Protocol):
    """The back door of a side whose connector declares `associations`: records to point at,
    records pointing at them, and what each record points at, all by the side's own means."""

    relations: RelationFields

    def related_connector(self, *, batch_size: int = 500) -> Connector:
        """A prepared connector built with `relations`' fields (and owners, if the side has)."""
        ...

    def seed_target(self, field: AssociationField, number: int) -> str:
        """Create a record `field` can point at; returns its id as `field`'s lists hold it."""
        ...

    def seed_pointing(self, email: str, links: Mapping[str, list[str]]) -> str:
        """Create a record (as `seed` does) pointing through each field at the ids given."""
        ...

    def pointed(self, record_id: str) -> dict[str, list[str]]:
        """What the record points at through each field, as the side stores it (lists sorted)."""
        ...


@runtime_checkable
class OwningHarness(Protocol):
    """The back door of a side whose connector declares `owners`."""

    def seed_owner(self, email: str) -> str:
        """Add a user (owner) with this email; returns the id or key owner fields hold."""
        ...
