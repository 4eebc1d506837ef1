"""Random mutations on both sides, made through each side's own interface and recorded in the
world model: edits, creates (one side, or both with one email), email changes and swaps,
soft-deletes and archives, restores."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

from bench.chaos_sides import HubSide, SqlSide
from bench.chaos_world import HUB, SQL, Person, World

Op = Callable[[], bool]  # True when it found something to act on


class Driver:
    def __init__(
        self,
        world: World,
        hub: HubSide,
        sql: SqlSide,
        rng: random.Random,
        seed: int,
        *,
        restores: bool,
        swaps: bool,
    ) -> None:
        self.world, self.hub, self.sql, self.rng, self.seed = world, hub, sql, rng, seed
        self.done: Counter[str] = Counter()
        self.ops: list[tuple[str, int, Op]] = [
            ("edit_sql", 25, self.edit_sql),
            ("edit_hubspot", 25, self.edit_hub),
            ("create_sql", 8, lambda: self.create(SQL)),
            ("create_hubspot", 8, lambda: self.create(HUB)),
            ("create_both", 3, self.create_both),
            ("email_sql", 4, lambda: self.change_email(SQL)),
            ("email_hubspot", 4, lambda: self.change_email(HUB)),
            ("soft_delete_sql", 4, self.soft_delete_sql),
            ("archive_hubspot", 4, self.archive_hub),
        ]
        if restores:
            self.ops.append(("restore_sql", 5, self.restore_sql))
        if swaps:
            self.ops += [
                ("swap_sql", 3, lambda: self.swap(SQL)),
                ("swap_hubspot", 3, lambda: self.swap(HUB)),
            ]

    def mutate(self, count: int) -> None:
        names, weights = [o[0] for o in self.ops], [o[1] for o in self.ops]
        actions = {name: op for name, _, op in self.ops}
        while count > 0:
            name = self.rng.choices(names, weights)[0]
            if actions[name]():
                self.done[name] += 1
                count -= 1

    def seed_people(self, count: int) -> None:
        """The starting population: a third SQL only, a third HubSpot only, a third on both."""
        for i in range(count):
            if i % 3 == 2:
                self.create_both()
            else:
                self.create(SQL if i % 3 == 0 else HUB)

    # --- the mutations ---------------------------------------------------------------------

    def _names(self) -> dict[str, str]:
        pick = self.rng.sample(["firstname", "lastname"], self.rng.randint(1, 2))
        return {name: f"{name[:1].upper()}{self.rng.randrange(10**6):06d}" for name in pick}

    def _on(self, side: str) -> list[Person]:
        """Live people with a record on `side` to act on."""
        key = "sql_id" if side == SQL else "hub_id"
        return [p for p in self.world.live() if getattr(p, key) is not None]

    def _write(self, person: Person, side: str, values: dict[str, str]) -> None:
        if side == SQL:
            assert person.sql_id is not None
            person.write(SQL, values, self.sql.update(person.sql_id, values))
        else:
            assert person.hub_id is not None
            person.write(HUB, values, self.hub.update(person.hub_id, values))

    def edit_sql(self) -> bool:
        return self._edit(SQL)

    def edit_hub(self) -> bool:
        return self._edit(HUB)

    def _edit(self, side: str) -> bool:
        people = self._on(side)
        if not people:
            return False
        self._write(self.rng.choice(people), side, self._names())
        return True

    def create(self, side: str) -> bool:
        person = self.world.new_person()
        values = {
            "email": self.world.fresh_email(self.seed),
            "firstname": "New",
            "lastname": f"N{person.number}",
            **self._names(),
        }
        if side == SQL:
            person.sql_id, stamp = self.sql.create(values)
        else:
            person.hub_id, stamp = self.hub.create(values)
        person.write(side, values, stamp)
        return True

    def create_both(self) -> bool:
        """One person entered in both CRMs by hand: one email, names that may differ."""
        person = self.world.new_person()
        email = self.world.fresh_email(self.seed)
        sql_values = {"email": email, "firstname": "Both", "lastname": f"B{person.number}"}
        person.sql_id, stamp = self.sql.create(sql_values)
        person.write(SQL, sql_values, stamp)
        hub_values = {
            "email": email,
            "firstname": "Both",
            "lastname": f"B{person.number}",
            **self._names(),
        }
        person.hub_id, stamp = self.hub.create(hub_values)
        person.write(HUB, hub_values, stamp)
        return True

    def change_email(self, side: str) -> bool:
        people = self._on(side)
        if not people:
            return False
        self._write(self.rng.choice(people), side, {"email": self.world.fresh_email(self.seed)})
        return True

    def soft_delete_sql(self) -> bool:
        people = self._on(SQL)
        if not people:
            return False
        person = self.rng.choice(people)
        assert person.sql_id is not None
        self.sql.update(person.sql_id, {}, deleted=True)
        person.live = False
        return True

    def archive_hub(self) -> bool:
        people = self._on(HUB)
        if not people:
            return False
        person = self.rng.choice(people)
        assert person.hub_id is not None
        self.hub.archive(person.hub_id)
        person.live = False
        return True

    def restore_sql(self) -> bool:
        """A soft-deleted row brought back with an edit (whichever side deleted it)."""
        rows = self.sql.rows()
        dead = [
            p
            for p in self.world.people
            if not p.live and p.sql_id is not None and p.sql_id in rows and rows[p.sql_id].deleted
        ]
        if not dead:
            return False
        person = self.rng.choice(dead)
        assert person.sql_id is not None
        edit = self._names()
        stamp = self.sql.update(person.sql_id, edit, deleted=False)
        person.restore({**rows[person.sql_id].values, **edit})
        person.write(SQL, edit, stamp)  # the edit must reach the new twin too
        return True

    def swap(self, side: str) -> bool:
        """Two people's emails exchanged on one side, as a user correcting a mix-up does."""
        people = self._on(side)
        if len(people) < 2:
            return False
        first, second = self.rng.sample(people, 2)
        emails = self._emails(side, first, second)
        if side == SQL:
            assert first.sql_id is not None and second.sql_id is not None
            stamp = self.sql.swap_emails(first.sql_id, second.sql_id, emails)
            stamps = (stamp, stamp)
        else:
            assert first.hub_id is not None and second.hub_id is not None
            self.hub.update(first.hub_id, {"email": f"swap-{first.number}@chaos.invalid"})
            second_stamp = self.hub.update(second.hub_id, {"email": emails[0]})
            stamps = (self.hub.update(first.hub_id, {"email": emails[1]}), second_stamp)
        first.write(side, {"email": emails[1]}, stamps[0])
        second.write(side, {"email": emails[0]}, stamps[1])
        return True

    def _emails(self, side: str, first: Person, second: Person) -> tuple[str, str]:
        """The emails the two records hold on `side` now, read from the side itself."""
        if side == SQL:
            rows = self.sql.rows()
            assert first.sql_id is not None and second.sql_id is not None
            return rows[first.sql_id].values["email"], rows[second.sql_id].values["email"]
        live = self.hub.live()
        assert first.hub_id is not None and second.hub_id is not None
        return (
            live[first.hub_id]["properties"]["email"],
            live[second.hub_id]["properties"]["email"],
        )
