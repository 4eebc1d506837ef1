"""`syncer demo`: the embedded default, with no credentials needed.

Starts the HubSpot sandbox on loopback, creates a SQLite legacy CRM, seeds both with contacts
that partly overlap by email (in other case and spacing on the legacy side), migrates, edits
records on both sides (one field on both), syncs, syncs again, and prints what happened. The
config, ledger and legacy database stay in the demo folder for inspection.
"""

from __future__ import annotations

import argparse
import secrets
import time
from pathlib import Path

import httpx

from syncer.demo import data, legacy
from syncer.demo.data import Person
from syncer.engine.report import Mode, RunReport

CONFIG = """\
# Written by `syncer demo`. The sandbox it points at ran only while the demo ran.
[ledger]
url = "sqlite:///{ledger}"

[hubspot]
base_url = "{hubspot_url}"
token_file = "{token_file}"
burst_limit = 190
allow_private_network = true                # the sandbox listens on loopback

[external]
kind = "sql"
url = "sqlite:///{legacy}"

[[pipelines]]
name = "contacts"
hubspot_object = "contacts"
external_object = "customers"
match = {{ hubspot = "email", external = "email" }}
external_id_property = "legacy_id"
direction = "both"
conflict = "newest"
deletes = "ignore"
interval = "5m"

[pipelines.sql]
primary_key = "id"
updated_at = "updated_at"
deleted_flag = "is_deleted"

[pipelines.fields]
email = "email"
firstname = "first_name"
lastname = "last_name"
phone = "phone"

[pipelines.fields.lifecyclestage]
external = "status"
values = {{ lead = "L", customer = "C", subscriber = "S" }}
"""


def command(args: argparse.Namespace) -> int:
    from syncer.commands import load, run_modes
    from syncer.sandbox.hubspot import HubSpotSandbox, SandboxConfig, serve_in_thread

    folder: Path = args.dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    token = "demo-" + secrets.token_hex(16)
    server = serve_in_thread(HubSpotSandbox(SandboxConfig(token=token, burst_limit=190)))
    try:
        config = _write_config(folder, server.url, token)
        hub_only, legacy_only, shared = data.split(args.contacts)
        engine = legacy.create(f"sqlite:///{folder / 'legacy.db'}", legacy_only, shared)
        with _hubspot(server.url, token) as client:
            _seed_hubspot(client, hub_only + shared)
            print(
                f"Seeded {len(hub_only) + len(shared)} HubSpot contacts and "
                f"{len(legacy_only) + len(shared) + 1} legacy rows "
                f"({len(shared)} shared by email, one with an invalid email).\n"
            )
            settings = load(argparse.Namespace(config=config))
            _show("1. Migration", run_modes(settings, Mode.MIGRATE, None))
            time.sleep(1.1)  # let the edits below carry later timestamps than the migration
            _edit_both_sides(client, engine, hub_only, legacy_only, shared)
            _show(
                "2. Incremental sync after edits on both sides",
                run_modes(settings, Mode.SYNC, None),
            )
            _show(
                "3. Sync again: nothing changed, so nothing is written",
                run_modes(settings, Mode.SYNC, None),
            )
        print(
            f"Config, ledger and legacy database are in {folder}/ "
            "(try: syncer status -c "
            f"{config}; syncer errors -c {config})"
        )
    finally:
        server.stop()
    return 0


def _write_config(folder: Path, url: str, token: str) -> Path:
    token_file = folder / "hubspot_token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    ledger = folder / "ledger.db"
    ledger.unlink(missing_ok=True)
    config = folder / "syncer.toml"
    config.write_text(
        CONFIG.format(
            ledger=ledger, hubspot_url=url, token_file=token_file, legacy=folder / "legacy.db"
        )
    )
    return config


def _hubspot(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _seed_hubspot(client: httpx.Client, people: list[Person]) -> None:
    for start in range(0, len(people), 100):
        inputs = [
            {
                "properties": {
                    "email": p.email,
                    "firstname": p.first,
                    "lastname": p.last,
                    "phone": p.phone,
                    "lifecyclestage": p.stage,
                }
            }
            for p in people[start : start + 100]
        ]
        client.post(
            "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs}
        ).raise_for_status()


def _edit_both_sides(
    client: httpx.Client,
    engine: object,
    hub_only: list[Person],
    legacy_only: list[Person],
    shared: list[Person],
) -> None:
    import sqlalchemy as sa

    assert isinstance(engine, sa.Engine)
    for person in hub_only[:5]:
        _patch(client, person.email, {"phone": "+1 555 000 0000", "lifecyclestage": "customer"})
    for person in legacy_only[:5]:
        legacy.edit(engine, legacy.find_id(engine, person.email), last_name=person.last + "-Smith")
    both = shared[0]
    _patch(client, both.email, {"firstname": "Edited-in-HubSpot"})
    time.sleep(0.05)  # the legacy edit is the newer one, so under `newest` it wins
    legacy.edit(engine, legacy.find_id(engine, both.email), first_name="Edited-in-Legacy")
    print(
        "Edited 6 contacts in HubSpot and 6 rows in the legacy CRM; "
        f"{both.email}'s first name was changed on both sides.\n"
    )


def _patch(client: httpx.Client, email: str, properties: dict[str, str]) -> None:
    client.patch(
        f"/crm/v3/objects/contacts/{email}",
        params={"idProperty": "email"},
        json={"properties": properties},
    ).raise_for_status()


def _show(title: str, reports: list[RunReport]) -> None:
    print(title)
    for report in reports:
        print(report.render())
    print()
