"""Three `syncer run` replicas on one PostgreSQL ledger, three pipelines (contacts, companies,
products), edits arriving on both sides while they run, and the replica running a pass killed
with SIGKILL in the middle of it.

What must hold: every pass of a pipeline ran alone (the runs table shows no two overlapping),
the killed replica's pipeline was taken over, every edit reached the other side, no record was
duplicated, and HubSpot never saw more requests than its burst limit in any ten seconds: the
replicas keep the budget together, through the ledger (the sandbox answers 429 to any request
past the limit, and answered none).
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from syncer.ledger.schema import leases, runs
from tests.faults.ledger_harness import kill_leftovers, syncer, wait_until
from tests.integration.harness import TOKEN, Deployment, config_text, deployment

BURST_LIMIT = 5  # per ten seconds, in the sandbox and in syncer's configuration alike
# The test's own requests (seeding, edits) go as another app, with a ten-second window of its
# own: they must not spend the budget the replicas keep.
TESTER = "pat-na1-tester-00000000-0000-0000-0000-000000000000"
PER_SIDE = 24  # records per side and object; a third of them on both sides

PIPELINES = """\
[[pipelines]]
name = "contacts"
external_object = "{contacts}"
external_id_property = "legacy_id"
match = {{ hubspot = "email", external = "email" }}
interval = "2s"

[pipelines.sql]
primary_key = "id"
updated_at = "updated_at"

[pipelines.fields]
email = "email"
firstname = "first_name"
lastname = "last_name"
"""
OTHER = """
[[pipelines]]
name = "{name}"
hubspot_object = "{name}"
external_object = "{table}"
external_id_property = "legacy_{name}_id"
interval = "2s"

[pipelines.sql]
primary_key = "key"
updated_at = "updated_at"

[pipelines.fields]
{key} = "key"
name = "name"
{constants}"""


@dataclass(frozen=True)
class Other:
    """A pipeline of an object other than contacts: a key property and a name. Its records pair
    only through the external id (HubSpot can look them up by no other property), so each side
    starts with records of its own, and the table's primary key is the mapped key."""

    name: str  # the pipeline and its HubSpot object
    key: str  # the HubSpot property matched with the table's `key` column
    table: sa.Table
    constants: tuple[tuple[str, str], ...] = ()  # properties HubSpot requires, set to a value

    def fields(self) -> str:
        return "".join(f'{name} = {{ value = "{value}" }}\n' for name, value in self.constants)


def _table(name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(100)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@pytest.fixture
def rig(
    tmp_path: Path, ledger_url: str, unique_name: str, postgres_url: str
) -> Iterator[tuple[Deployment, list[Other]]]:
    with deployment(
        tmp_path,
        postgres_url,
        unique_name,
        ledger_url=ledger_url,
        burst_limit=BURST_LIMIT,
        extra_tokens=(TESTER,),
    ) as dep:
        others = [
            Other("companies", "domain", _table(f"{unique_name}_firms")),
            Other(
                "products",
                "hs_sku",
                _table(f"{unique_name}_items"),
                # HubSpot requires these of a product too
                (("hs_folder", "Parts"), ("price", "10"), ("description", "A part")),
            ),
        ]
        for other in others:
            other.table.create(dep.engine)
        try:
            text = PIPELINES.format(contacts=unique_name) + "".join(
                OTHER.format(name=o.name, table=o.table.name, key=o.key, constants=o.fields())
                for o in others
            )
            text = text.replace("{", "{{").replace("}", "}}")  # config_text formats it
            dep.config.write_text(
                config_text(text, ledger=ledger_url, url=dep.url, token=TOKEN, sql_url=postgres_url)
            )
            _seed_contacts(dep)
            for other in others:
                _seed_other(dep, other)
            yield dep, others
        finally:
            kill_leftovers()
            for other in others:
                other.table.drop(dep.engine)


class _Patient(httpx.HTTPTransport):
    """The tester's own requests wait out the tester's own burst limit."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        while True:
            response = super().handle_request(request)
            if response.status_code != 429:
                return response
            response.close()
            time.sleep(1.0)


def _tester(dep: Deployment) -> httpx.Client:
    headers = {"Authorization": f"Bearer {TESTER}"}
    return httpx.Client(base_url=dep.url, headers=headers, timeout=30, transport=_Patient())


def _seed_contacts(dep: Deployment) -> None:
    """Contacts on each side, a third of them on both (in upper case on the legacy side)."""
    emails = [f"person{i}@example.com" for i in range(PER_SIDE)]
    inputs = [{"properties": {"email": e, "firstname": f"Hub{i}"}} for i, e in enumerate(emails)]
    with _tester(dep) as client:
        path = "/crm/v3/objects/contacts/batch/create"
        client.post(path, json={"inputs": inputs}).raise_for_status()
    legacy = [e.upper() for e in emails[: PER_SIDE // 3]]
    legacy += [f"row{i}@legacy.test" for i in range(PER_SIDE - len(legacy))]
    rows = [
        {"email": e, "first_name": f"Sql{i}", "last_name": "S", "status": "C", "updated_at": _now()}
        for i, e in enumerate(legacy)
    ]
    with dep.engine.begin() as conn:
        conn.execute(sa.insert(dep.table), rows)


def _seed_other(dep: Deployment, other: Other) -> None:
    keys = [f"{other.name}-{i}.example" for i in range(PER_SIDE)]
    inputs = [
        {"properties": {other.key: k, "name": f"Hub {k}", **dict(other.constants)}} for k in keys
    ]
    with _tester(dep) as client:
        path = f"/crm/v3/objects/{other.name}/batch/create"
        client.post(path, json={"inputs": inputs}).raise_for_status()
    rows = [
        {"key": f"legacy-{other.name}-{i}.example", "name": f"Sql {i}", "updated_at": _now()}
        for i in range(PER_SIDE)
    ]
    with dep.engine.begin() as conn:
        conn.execute(sa.insert(other.table), rows)


def _replica(dep: Deployment, log: Path) -> subprocess.Popen[str]:
    return syncer(dep, "run", log=log, SYNCER_HUBSPOT__BURST_LIMIT=str(BURST_LIMIT))


def _alive(replicas: list[subprocess.Popen[str]]) -> bool:
    dead = [p.pid for p in replicas if p.poll() is not None]
    assert not dead, f"replicas ended: {dead}"
    return True


def _runs(dep: Deployment) -> list[sa.Row[Any]]:
    engine = sa.create_engine(dep.ledger_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(runs).order_by(runs.c.started_at)))
    finally:
        engine.dispose()


def _running_holders(dep: Deployment) -> set[int]:
    """The pids of the replicas in the middle of a pass (the ledger says so)."""
    engine = sa.create_engine(dep.ledger_url)
    try:
        with engine.connect() as conn:
            owners = conn.execute(
                sa.select(leases.c.owner)
                .join(runs, runs.c.pipeline == leases.c.pipeline)
                .where(runs.c.status == "running")
            ).scalars()
            return {int(owner.rpartition(":")[2]) for owner in owners}
    finally:
        engine.dispose()


def _edit_both_sides(dep: Deployment, others: list[Other], round_: int) -> dict[str, set[str]]:
    """Edit a name on each side of every pipeline; the names each pipeline must end with."""
    wanted: dict[str, set[str]] = {}
    hub = {c["properties"]["email"]: c["id"] for c in dep.hub_contacts()}
    with _tester(dep) as client:
        for other in others:
            by_key = {r["properties"][other.key]: r["id"] for r in dep.sandbox.records(other.name)}
            key = f"{other.name}-{round_}.example"  # seeded in HubSpot only
            name = f"Hub edit {round_}"
            patch = {"properties": {"name": name}}
            path = f"/crm/v3/objects/{other.name}/{by_key[key]}"
            client.patch(path, json=patch).raise_for_status()
            with dep.engine.begin() as conn:
                other_key = f"legacy-{other.name}-{round_}.example"
                conn.execute(
                    sa.update(other.table)
                    .where(other.table.c.key == other_key)
                    .values(name=f"Sql edit {round_}", updated_at=_now())
                )
            wanted[other.name] = {name, f"Sql edit {round_}"}
        person = hub[f"person{PER_SIDE // 3 + round_}@example.com"]  # in HubSpot only
        edit = {"properties": {"firstname": f"Hub edit {round_}"}}
        client.patch(f"/crm/v3/objects/contacts/{person}", json=edit).raise_for_status()
    dep.edit_row(PER_SIDE // 3 + 1 + round_, first_name=f"Sql edit {round_}")  # legacy only
    wanted["contacts"] = {f"Hub edit {round_}", f"Sql edit {round_}"}
    return wanted


def _converged(dep: Deployment, others: list[Other], wanted: list[dict[str, set[str]]]) -> bool:
    """Each side holds the same records, each once, with every edit on both sides."""
    people = dep.hub_contacts()
    hub_people = {c["properties"]["email"]: c["properties"]["firstname"] for c in people}
    sql_people = {r.email.strip().lower(): r.first_name for r in dep.sql_rows()}
    if len(people) != len(hub_people) or hub_people != sql_people:
        return False
    names = {"contacts": set(hub_people.values())}
    for other in others:
        hub = [r["properties"] for r in dep.sandbox.records(other.name)]
        with dep.engine.connect() as conn:
            sql = list(conn.execute(sa.select(other.table)))
        hub_by_key = {p[other.key]: p["name"] for p in hub}
        if len(hub) != len(hub_by_key) or hub_by_key != {r.key: r.name for r in sql}:
            return False
        names[other.name] = set(hub_by_key.values())
    return all(want <= names[p] for edits in wanted for p, want in edits.items())


def _overlaps(rows: list[sa.Row[Any]]) -> list[str]:
    found = []
    for pipeline in {r.pipeline for r in rows}:
        mine = [r for r in rows if r.pipeline == pipeline]
        for before, after in itertools.pairwise(mine):
            if before.finished_at is None or before.finished_at > after.started_at:
                found.append(f"{pipeline}: {before.id} ({before.status}) and {after.id}")
    return found


@pytest.mark.parametrize("ledger_url", ["postgres"], indirect=True)
def test_three_replicas_share_the_work_the_budget_and_survive_a_kill(
    rig: tuple[Deployment, list[Other]], tmp_path: Path
) -> None:
    dep, others = rig
    with dep.ledger():
        pass  # created here: three first opens at once would race to create its tables
    logs = [tmp_path / f"replica{i}.log" for i in range(3)]
    replicas = [_replica(dep, log) for log in logs]
    wanted = [_edit_both_sides(dep, others, 0)]
    wait_until(lambda: _alive(replicas) and bool(_running_holders(dep)), "a pass", timeout=60)
    victim = min(_running_holders(dep))
    assert victim in {r.pid for r in replicas}
    os.kill(victim, signal.SIGKILL)
    next(r for r in replicas if r.pid == victim).wait(10)
    assert victim in _running_holders(dep), "killed after its pass: no pass was cut short"
    wanted.append(_edit_both_sides(dep, others, 1))
    wait_until(lambda: _converged(dep, others, wanted), "every edit synced", timeout=240)

    rows = _runs(dep)
    assert not _overlaps(rows)
    killed = [r for r in rows if r.status == "interrupted"]
    assert killed, "the killed replica's pass was taken over"
    survivors = {r.pid for r in replicas} - {victim}
    assert all(p.poll() is None for p in replicas if p.pid in survivors)
    # Never past the burst limit: the sandbox answers a request past it with a 429 naming the
    # policy, which a replica logs before waiting; the killed replica's log is kept too.
    refused = [log.name for log in logs if "TEN_SECONDLY_ROLLING" in log.read_text()]
    assert not refused, f"429s for the burst limit in {refused}"
    for replica in replicas:
        if replica.pid != victim:
            replica.send_signal(signal.SIGTERM)
    for replica in replicas:
        replica.wait(60)
