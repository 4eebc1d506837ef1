"""What the chaos driver believes the two CRMs must end up holding: one `Person` per contact.

Every write the driver makes is recorded on its person as pending, with the side it was made on
and the record's modification time on that side (SQL `updated_at`, which the driver sets;
HubSpot's `updatedAt` from the write's answer). When a completed sync leaves a person's two
records agreeing, its pending writes are resolved as the pipeline's conflict policy "newest"
resolves them: a field written on one side takes that side's last value; a field written on
both takes the value of the side whose record was modified last (syncer compares records'
modification times, not fields'). The result is the person's expected values, which both
records must then hold.

A soft-delete or archive on either side kills the person: no live record may remain on either
side. A restore (the SQL row's deleted flag cleared, with an edit) brings it back with the row's
values: HubSpot cannot un-archive through its API, so the twin there is a record created anew.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

FIELDS = ("email", "firstname", "lastname")  # HubSpot property names; see chaos.CONFIG
SQL_COLUMNS = {"email": "email", "firstname": "first_name", "lastname": "last_name"}
HUB, SQL = "hubspot", "sql"


@dataclass
class Pending:
    """Writes to one side's record since the person was last seen agreed."""

    values: dict[str, str] = field(default_factory=dict)
    modified: datetime | None = None

    def write(self, values: dict[str, str], modified: datetime) -> None:
        self.values.update(values)
        self.modified = modified if self.modified is None else max(self.modified, modified)


@dataclass
class Person:
    number: int
    hub_id: str | None = None
    sql_id: int | None = None
    live: bool = True
    expected: dict[str, str] = field(default_factory=dict)
    pending: dict[str, Pending] = field(default_factory=lambda: {HUB: Pending(), SQL: Pending()})

    def write(self, side: str, values: dict[str, str], modified: datetime) -> None:
        self.pending[side].write(values, modified)

    def has_pending(self) -> bool:
        return any(p.values for p in self.pending.values())

    def resolved(self) -> dict[str, str]:
        """The values the person must hold once its pending writes are synced."""
        hub, sql = self.pending[HUB], self.pending[SQL]
        newer = HUB if _later(hub.modified, sql.modified) else SQL
        values = dict(self.expected)
        for name in FIELDS:
            sides = [s for s in (HUB, SQL) if name in self.pending[s].values]
            if sides:
                winner = sides[0] if len(sides) == 1 else newer
                values[name] = self.pending[winner].values[name]
        return values

    def settle(self) -> None:
        """The person was seen agreed after a completed sync: its pending writes are history."""
        self.expected = self.resolved()
        self.pending = {HUB: Pending(), SQL: Pending()}

    def restore(self, row_values: dict[str, str]) -> None:
        """The SQL row came back: the person lives again with the row's values, its HubSpot
        twin (archived, beyond the API's reach) to be replaced by a new record."""
        self.live, self.hub_id = True, None
        self.expected = dict(row_values)
        self.pending = {HUB: Pending(), SQL: Pending()}


def _later(hub: datetime | None, sql: datetime | None) -> bool:
    if hub is None or sql is None:
        return sql is None
    return hub > sql


@dataclass
class World:
    people: list[Person] = field(default_factory=list)
    counter: int = 0  # makes every email the driver invents unique

    def new_person(self) -> Person:
        person = Person(len(self.people))
        self.people.append(person)
        return person

    def fresh_email(self, seed: int) -> str:
        self.counter += 1
        return f"p{self.counter}-s{seed}@chaos.test"

    def live(self) -> list[Person]:
        return [p for p in self.people if p.live]

    def by_sql_id(self) -> dict[int, Person]:
        return {p.sql_id: p for p in self.people if p.sql_id is not None}

    def by_hub_id(self) -> dict[str, Person]:
        return {p.hub_id: p for p in self.people if p.hub_id is not None}
