"""`[ledger] hash_match_keys` end to end (hardening issue 6), against a legacy table on SQLite,
PostgreSQL and MariaDB: the ledger keeps no email, yet matching, duplicate refusals, a key
swap and a crashed run's reconcile work as with keys in clear; turning it on for a ledger that
has run in clear converts it and changes nothing on either side."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncer.cli import main
from syncer.ledger.store import Ledger
from syncer.ledger.values import MatchKeyForm
from tests.integration.harness import Deployment, deployment, seed

SECRET = "a-match-key-secret-for-the-tests"


def _hash_keys(dep: Deployment, tmp_path: Path) -> None:
    """Turn hashing on in the deployment's config, the secret in a file beside it."""
    (tmp_path / "match_key_secret").write_text(SECRET + "\n")
    text = dep.config.read_text()
    keys = 'hash_match_keys = true\nmatch_key_secret_file = "match_key_secret"\n'
    dep.config.write_text(text.replace("[ledger]\n", "[ledger]\n" + keys, 1))


def _ledger_text(dep: Deployment) -> str:
    """Every key the ledger's links and intents keep, as one text to search."""
    engine = sa.create_engine(dep.ledger_url)
    with engine.connect() as conn:
        keys = list(conn.execute(sa.text("SELECT match_key FROM links")).scalars())
        keys += conn.execute(sa.text("SELECT unique_value FROM intents")).scalars()
    engine.dispose()
    return " ".join(str(k) for k in keys)


def _emails(dep: Deployment) -> set[str]:
    return {c["properties"]["email"] for c in dep.hub_contacts()}


def test_issue6_hashed_ledger_keeps_no_email_and_still_matches(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        _hash_keys(dep, tmp_path)
        seed(dep, hub_count=20, sql_count=30, shared=10)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        assert len(dep.hub_contacts()) == 40  # the 10 shared matched despite case and spaces
        stored = _ledger_text(dep)
        assert "@" not in stored and len(stored.split()) >= 40
        rows = dep.sql_rows()
        # A second legacy row with a linked row's email: refused by the hashed lookup.
        with dep.engine.begin() as conn:
            conn.execute(
                sa.update(dep.table).where(dep.table.c.id == rows[-1].id).values(email=None)
            )
        taken = rows[0].email.strip().upper()
        dep.edit_row(rows[-1].id, email=taken)
        assert main(["sync", "-c", str(dep.config)]) == 4
        with dep.ledger() as ledger:
            [entry] = ledger.quarantined("contacts")
        assert (entry.record_id, entry.category) == (str(rows[-1].id), "DUPLICATE_MATCH_KEY")
        # Two linked rows swapping emails converge in one pass.
        first, second = rows[1], rows[2]
        dep.edit_row(first.id, email="placeholder@legacy.test")
        dep.edit_row(second.id, email=first.email)
        dep.edit_row(first.id, email=second.email)
        main(["sync", "-c", str(dep.config)])
        by_row = {
            c["properties"]["legacy_id"]: c["properties"]["email"] for c in dep.hub_contacts()
        }
        assert by_row[str(first.id)] == second.email.strip().lower()
        assert by_row[str(second.id)] == first.email.strip().lower()
        assert "@" not in _ledger_text(dep)


def test_issue6_turning_hashing_on_converts_the_ledger_and_changes_nothing(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        seed(dep, hub_count=10, sql_count=10, shared=5)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        assert "@" in _ledger_text(dep)
        _hash_keys(dep, tmp_path)
        writes, rows = dep.sandbox.stats().get("writes", 0), dep.sql_rows()
        assert main(["sync", "-c", str(dep.config)]) == 0
        assert dep.sandbox.stats().get("writes", 0) == writes
        assert dep.sql_rows() == rows
        assert "@" not in _ledger_text(dep)
        email = rows[0].email.strip().lower()
        ledger = Ledger.open(dep.ledger_url, MatchKeyForm(SECRET.encode()))
        try:
            [found] = ledger.links_by_match_key("contacts", [email]).values()
        finally:
            ledger.close()
        assert found.external_id == str(rows[0].id)


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_issue6_a_crashed_migration_reconciles_from_hashed_intents(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        _hash_keys(dep, tmp_path)
        seed(dep, hub_count=150, sql_count=150, shared=30)
        command = [sys.executable, "-m", "syncer", "migrate", "-c", str(dep.config)]
        env = {**os.environ, "SYNCER_FAILPOINT": "after_remote_accept"}
        assert subprocess.run(command, env=env, check=False, timeout=120).returncode == 137
        with dep.ledger() as ledger:
            assert ledger.pending_intents("contacts")
        with dep.ledger() as ledger:
            assert all("@" not in str(i.unique_value) for i in ledger.pending_intents("contacts"))
        rerun = subprocess.run(command, check=False, timeout=120, capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stderr
        [reconciled] = [
            json.loads(line) for line in rerun.stderr.splitlines() if "intents reconciled" in line
        ]
        assert reconciled["applied"] > 0 and reconciled["failed"] == 0
        hub = [c["properties"]["email"] for c in dep.hub_contacts()]
        sql = [r.email.strip().lower() for r in dep.sql_rows()]
        assert len(hub) == len(set(hub)) == len(sql) == len(set(sql)) == 270
        with dep.ledger() as ledger:
            assert ledger.pending_intents("contacts") == []
            assert ledger.link_count("contacts") == 270


def _every_value(ledger_url: str) -> str:
    """Every value of every table of the ledger, as one lower-case text to search."""
    engine = sa.create_engine(ledger_url)
    texts: list[str] = []
    try:
        with engine.connect() as conn:
            for table in sa.inspect(conn).get_table_names():
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                    texts += [str(value) for value in row]
    finally:
        engine.dispose()
    return "\n".join(texts).lower()


def _at_rest(dep: Deployment, tmp_path: Path) -> bytes:
    """The SQLite ledger's files as they lie on disk, the journal and its index included."""
    return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("ledger.db*"))).lower()


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_issue6_a_hashed_ledger_quotes_no_email_in_quarantine_or_conflicts(
    tmp_path: Path, sql_url: str, unique_name: str, capfd: pytest.CaptureFixture[str]
) -> None:
    """With hash_match_keys on, a duplicate refused by the matcher, one refused before it is
    copied (another contact holds the key), one HubSpot refuses in its own words, and a
    conflict on the email field leave no plain email anywhere in the ledger (every table, the
    SQLite file's bytes) nor in the logs: each key is shown as its keyed hash instead."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        _hash_keys(dep, tmp_path)
        seed(dep, hub_count=4, sql_count=4, shared=2)
        assert main(["migrate", "-c", str(dep.config)]) == 0
        rows = dep.sql_rows()
        by_row = {c["properties"]["legacy_id"]: c["id"] for c in dep.hub_contacts()}
        # A conflict on the match key: both sides give one pair a new email.
        dep.edit_row(rows[0].id, email="conflict.legacy@legacy.test")
        with dep.hubspot() as client:
            client.patch(
                f"/crm/v3/objects/contacts/{by_row[str(rows[0].id)]}",
                json={"properties": {"email": "conflict.hub@example.com"}},
            ).raise_for_status()
            # A contact made in HubSpot, whose email a linked legacy row then takes.
            client.post(
                "/crm/v3/objects/contacts",
                json={"properties": {"email": "hub.only@example.com", "firstname": "Hub"}},
            ).raise_for_status()
        dep.edit_row(rows[1].id, email="hub.only@example.com")
        # A new legacy row with a linked row's email (other case): refused by the matcher.
        taken = rows[2].email.strip().upper()
        with dep.engine.begin() as conn:
            conn.execute(
                sa.insert(dep.table).values(
                    email=f" {taken}",
                    first_name="Twin",
                    last_name="T",
                    status="C",
                    updated_at=rows[2].updated_at,
                )
            )
        # An email HubSpot refuses, quoting it.
        dep.edit_row(rows[3].id, email="not valid@legacy.test")
        capfd.readouterr()
        assert main(["sync", "-c", str(dep.config)]) == 4
        logs = capfd.readouterr()

        with dep.ledger() as ledger:
            refused = {e.category for e in ledger.quarantined("contacts")}
            assert "DUPLICATE_MATCH_KEY" in refused
            assert any("<match key hash " in e.message for e in ledger.quarantined("contacts"))
            conflicts = [c for c in ledger.conflicts("contacts") if c.field == "email"]
        assert conflicts and all(not c.values_kept for c in conflicts)
        emails = {c["properties"]["email"] for c in dep.hub_contacts()}
        emails |= {r.email.strip().lower() for r in dep.sql_rows()}
        emails |= {"conflict.legacy@legacy.test", "conflict.hub@example.com", taken.lower()}
        emails |= {"hub.only@example.com", "not valid@legacy.test"}
        stored, raw = _every_value(dep.ledger_url), _at_rest(dep, tmp_path)
        for email in emails:
            assert email not in stored, email
            assert email.encode() not in raw, email
            assert email not in (logs.out + logs.err).lower(), email
