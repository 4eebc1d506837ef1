"""Reliability scenarios T33 (unicode and length) and T34 (type and enum mismatch), end to end:
the real `syncer` commands against the HubSpot sandbox on loopback and a SQL legacy table on
SQLite, PostgreSQL and MariaDB (their limits differ: NUL bytes, VARCHAR lengths).

Unit-level cover lives beside: tests/unit/test_convert.py (text kept exactly, non-numbers and
non-dates refused by name); tests/integration/test_contacts_e2e.py quarantines an invalid email
while the rest sync.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.faults.http_harness import quarantined
from tests.faults.identity_harness import (
    add_column,
    command,
    define_property,
    hub_by_email,
    hub_create,
    map_field,
    sql_by_email,
    sql_insert,
    sync,
)
from tests.integration.harness import Deployment, deployment

EXIT_QUARANTINED = 4
LONG = "x" * 65_536  # HubSpot's longest value, far over the legacy column's 100
TOO_LONG = "x" * 70_000  # longer than HubSpot takes

# firstname values that fit the legacy column (VARCHAR(100)) on every backend
FITTING = {
    "emoji": "Ana 😀👍🏽 🇫🇷",
    "rtl": "مرحبا שלום \u202eabc",
    "zero-width": "Zo\u200bë\u200d\ufeff",
    "combining": "e\u0301\u0327 Å",
}


def _outcome(dep: Deployment, hub_ids: dict[str, str]) -> dict[str, str]:
    """Per case, 'synced' or the quarantine category of its HubSpot record."""
    entries = {q.record_id: q for q in quarantined(dep)}
    rows = sql_by_email(dep)
    out = {}
    for case, hub_id in hub_ids.items():
        if f"{case}@example.com" in rows:
            out[case] = "synced"
        else:
            entry = entries[hub_id]  # not synced: it must be in the quarantine, with a reason
            assert entry.message.strip()
            out[case] = entry.category
    return out


def test_t33_unicode_and_lengths_round_trip_or_are_quarantined(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """HubSpot contacts with emoji, right-to-left, zero-width and combining text round-trip
    into SQL exactly on every backend; a NUL byte and a 65,536-character value (over the
    column's 100) are stored exactly where the database takes them (SQLite), and otherwise
    each is quarantined with the database's reason while the rest sync; the run never crashes
    (exit 4), and a second run neither crashes nor duplicates."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        cases = {**FITTING, "nul": "a\x00b", "long": LONG}
        hub_ids = {
            case: hub_create(dep, email=f"{case}@example.com", firstname=value)
            for case, value in cases.items()
        }
        code = command(dep, "migrate")
        outcome = _outcome(dep, hub_ids)
        rows = sql_by_email(dep)
        for case in outcome:
            if outcome[case] == "synced":
                assert rows[f"{case}@example.com"].first_name == cases[case], case
        assert {c: outcome[c] for c in FITTING} == dict.fromkeys(FITTING, "synced")
        refused = {c for c in ("nul", "long") if outcome[c] != "synced"}
        if sql_url.startswith("sqlite"):
            assert refused == set()
        if sql_url.startswith("postgresql"):
            assert refused == {"nul", "long"}
        if sql_url.startswith("mysql"):
            assert "long" in refused
        assert code == (EXIT_QUARANTINED if refused else 0)
        assert sync(dep) in (0, EXIT_QUARANTINED)
        assert len(dep.hub_contacts()) == len(cases)
        assert len(dep.sql_rows()) == len(cases) - len(refused)


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_t33_unicode_and_a_long_value_from_sql_reach_hubspot_exactly(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """SQL rows with the same texts, and a 65,536-character name (SQLite does not enforce
    VARCHAR lengths; HubSpot takes values up to that length), arrive in HubSpot exactly; the
    next sync writes nothing."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        cases = {**FITTING, "long": LONG}
        for case, value in cases.items():
            sql_insert(dep, email=f"{case}@example.com", first_name=value, status="L")
        assert command(dep, "migrate") == 0
        contacts = hub_by_email(dep)
        for case, value in cases.items():
            assert contacts[f"{case}@example.com"]["properties"]["firstname"] == value, case
        dep.sandbox.reset_stats()
        assert sync(dep) == 0
        assert dep.sandbox.stats().get("writes", 0) == 0


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_t33_a_value_longer_than_hubspot_takes_is_quarantined(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """A 70,000-character name from SQL is more than HubSpot takes (65,536): that row is
    quarantined with a reason naming the field, the row beside it syncs, and the run ends
    with exit 4."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        sql_insert(dep, email="too-long@example.com", first_name=TOO_LONG, status="L")
        sql_insert(dep, email="fine@example.com", first_name="Fine", status="L")
        assert command(dep, "migrate") == EXIT_QUARANTINED
        assert sorted(hub_by_email(dep)) == ["fine@example.com"]
        [entry] = quarantined(dep)
        assert "firstname" in entry.message, entry


def _typed_fields(dep: Deployment) -> sa.Table:
    """A number and a date property in HubSpot, fed from text columns in SQL."""
    define_property(dep, "score", "number", "number")
    define_property(dep, "birthday", "date", "date")
    add_column(dep, "score", "VARCHAR(20)")
    table = add_column(dep, "birthday", "VARCHAR(20)")
    map_field(dep, "score", "score")
    map_field(dep, "birthday", "birthday")
    return table


BAD_ROWS = {
    "bad-email": {"email": "not-an-email@", "status": "L"},
    "bad-option": {"status": "Z"},  # no value of lifecyclestage maps to Z
    "bad-number": {"score": "12abc", "status": "L"},
    "bad-date": {"birthday": "2026-13-45", "status": "L"},
}


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_t34_type_and_enum_mismatches_are_quarantined_not_coerced(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """SQL rows with an invalid email, a status no picklist value maps to, text in a number
    field and an impossible date: each is quarantined with a reason naming the field, none
    reaches HubSpot in any form (no coercion, no half-written contact), and a good row beside
    them syncs with its typed values. Fixing a row syncs it on the next run."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        table = _typed_fields(dep)
        ids = {}
        with dep.engine.begin() as conn:
            for case, values in [*BAD_ROWS.items(), ("good", {"score": "7.50", "status": "C"})]:
                row = {"email": f"{case}@example.com", "first_name": case, **values}
                row.update(birthday=values.get("birthday", "1990-05-17"))
                result = conn.execute(
                    sa.insert(table).values(**row, updated_at=sa.func.current_timestamp())
                )
                ids[case] = str(result.inserted_primary_key[0])  # type: ignore[index]
        assert command(dep, "migrate") == EXIT_QUARANTINED
        good = hub_by_email(dep)["good@example.com"]["properties"]
        assert (good["score"], good["birthday"], good["lifecyclestage"]) == (
            "7.5",
            "1990-05-17",
            "customer",
        )
        assert sorted(c["properties"]["firstname"] for c in dep.hub_contacts()) == ["good"]
        entries = {q.record_id: q for q in quarantined(dep)}
        assert set(entries) == {ids[c] for c in BAD_ROWS}
        for case, field in [("bad-number", "score"), ("bad-date", "birthday")]:
            assert field in entries[ids[case]].message, entries[ids[case]]
        assert "email" in str(entries[ids["bad-email"]]).lower()
        assert "lifecyclestage" in str(entries[ids["bad-option"]])
        with dep.engine.begin() as conn:
            conn.execute(
                sa.update(table).where(table.c.id == int(ids["bad-number"])).values(score="12")
            )
        dep.edit_row(int(ids["bad-number"]), first_name="fixed")
        assert command(dep, "errors", "retry") == 0
        # The rows still bad are refused again unchanged: quarantined, but nothing new to look
        # at, so no alert (exit 4 is for new refusals).
        assert sync(dep) == 0
        assert {q.record_id for q in quarantined(dep)} == {ids[c] for c in BAD_ROWS} - {
            ids["bad-number"]
        }
        assert hub_by_email(dep)["bad-number@example.com"]["properties"]["score"] == "12"
