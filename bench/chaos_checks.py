"""Looking at both CRMs after a completed sync: who is linked to whom (HubSpot's `legacy_id`
names the SQL row), which people are settled, and the end-of-soak checks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench.chaos_sides import HubSide, SqlRow, SqlSide
from bench.chaos_world import FIELDS, Person, World

EXAMPLES = 8  # problems listed per check; the count covers them all


@dataclass
class Snapshot:
    hub: dict[str, dict[str, Any]]  # live contacts by id
    rows: dict[int, SqlRow]

    @classmethod
    def take(cls, hub: HubSide, sql: SqlSide) -> Snapshot:
        return cls(hub.live(), sql.rows())

    def live_rows(self) -> dict[int, SqlRow]:
        return {i: r for i, r in self.rows.items() if not r.deleted}

    def twins(self) -> dict[int, list[str]]:
        """Live HubSpot ids by the SQL id their legacy_id names."""
        found: dict[int, list[str]] = {}
        for hub_id, record in self.hub.items():
            legacy = record["properties"].get("legacy_id")
            if legacy:
                found.setdefault(int(legacy), []).append(hub_id)
        return found

    def values(self, hub_id: str) -> dict[str, str]:
        properties = self.hub[hub_id]["properties"]
        return {name: properties.get(name) or "" for name in FIELDS}


def same(a: dict[str, str], b: dict[str, str]) -> bool:
    """Field by field, emails compared as syncer normalises them (trimmed, lower case)."""
    return all(_canonical(n, a.get(n)) == _canonical(n, b.get(n)) for n in FIELDS)


def _canonical(name: str, value: str | None) -> str:
    value = value or ""
    return value.strip().lower() if name == "email" else value


def observe(world: World, snap: Snapshot) -> list[str]:
    """Learn each live person's twin ids; settle those whose records agree. Returns the people
    seen agreed on values other than what their writes resolve to (a lost write)."""
    twins, lost = snap.twins(), []
    for person in world.live():
        _learn_ids(person, snap, twins)
        if person.hub_id is None or person.sql_id is None:
            continue
        row = snap.rows.get(person.sql_id)
        if person.hub_id not in snap.hub or row is None or row.deleted:
            continue
        hub_values = snap.values(person.hub_id)
        if not same(hub_values, row.values):
            continue
        if person.has_pending() and not same(hub_values, person.resolved()):
            lost.append(_lost(person, hub_values))
        person.settle()
    return lost


def _learn_ids(person: Person, snap: Snapshot, twins: dict[int, list[str]]) -> None:
    if person.sql_id is None and person.hub_id in snap.hub:
        legacy = snap.hub[person.hub_id]["properties"].get("legacy_id")
        person.sql_id = int(legacy) if legacy else None
    if person.sql_id is not None and len(twins.get(person.sql_id, [])) == 1:
        person.hub_id = twins[person.sql_id][0]  # a restored row's twin is a new record


def _lost(person: Person, seen: dict[str, str]) -> str:
    return (
        f"person {person.number} (hub {person.hub_id}, sql {person.sql_id}): agreed on "
        f"{seen}, its writes resolve to {person.resolved()} (pending hub "
        f"{person.pending['hubspot']}, sql {person.pending['sql']})"
    )


def final_checks(world: World, snap: Snapshot) -> dict[str, list[str]]:
    """Each check's problems; every list empty means the soak ended as it must."""
    return {
        "sides_agree": _agreement(snap),
        "no_duplicates": _duplicates(snap),
        "every_record_linked": _linked(snap),
        "last_value_kept": _last_values(world, snap),
    }


def _agreement(snap: Snapshot) -> list[str]:
    twins = snap.twins()
    return [
        f"sql {row_id} {row.values} vs hub {twins[row_id][0]} {snap.values(twins[row_id][0])}"
        for row_id, row in sorted(snap.live_rows().items())
        if len(twins.get(row_id, [])) == 1 and not same(row.values, snap.values(twins[row_id][0]))
    ]


def _duplicates(snap: Snapshot) -> list[str]:
    problems = []
    for side, emails in (
        ("hubspot", [_canonical("email", r["properties"].get("email")) for r in snap.hub.values()]),
        ("sql", [_canonical("email", r.values["email"]) for r in snap.live_rows().values()]),
    ):
        problems += [
            f"{side}: {n} live records hold {email!r}"
            for email, n in Counter(emails).items()
            if n > 1
        ]
    problems += [
        f"hubspot: {len(ids)} live contacts name sql {row_id}: {ids}"
        for row_id, ids in snap.twins().items()
        if len(ids) > 1
    ]
    return problems


def _linked(snap: Snapshot) -> list[str]:
    twins, live = snap.twins(), snap.live_rows()
    problems = [
        f"sql {i} {r.values} has no live HubSpot twin"
        for i, r in sorted(live.items())
        if i not in twins
    ]
    for hub_id, record in snap.hub.items():
        legacy = record["properties"].get("legacy_id")
        if not legacy:
            problems.append(f"hub {hub_id} {snap.values(hub_id)} carries no legacy_id")
        elif int(legacy) not in live:
            problems.append(f"hub {hub_id} names sql {legacy}, which is not a live row")
    return problems


def _last_values(world: World, snap: Snapshot) -> list[str]:
    problems = []
    for person in world.people:
        row = snap.rows.get(person.sql_id) if person.sql_id is not None else None
        if not person.live:
            if person.hub_id in snap.hub or (row is not None and not row.deleted):
                problems.append(
                    f"person {person.number} was deleted, a record is still live "
                    f"(hub {person.hub_id in snap.hub}, sql {row is not None})"
                )
            continue
        who = f"person {person.number} (hub {person.hub_id}, sql {person.sql_id})"
        if row is None or row.deleted:
            problems.append(f"{who} is live, its SQL row is {'deleted' if row else 'missing'}")
        elif person.has_pending():
            problems.append(
                f"{who} never settled: expected {person.resolved()}, sql holds {row.values}"
            )
        elif not same(row.values, person.expected):
            problems.append(f"{who}: sql holds {row.values}, expected {person.expected}")
    return problems


def summary(checks: dict[str, list[str]]) -> dict[str, Any]:
    return {
        name: {"problems": len(found), "examples": found[:EXAMPLES]}
        for name, found in checks.items()
    }
