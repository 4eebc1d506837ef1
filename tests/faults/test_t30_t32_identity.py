"""Reliability scenarios T30-T32 (identity), end to end: the real `syncer` commands against
the HubSpot sandbox on loopback and a SQL legacy table.

Unit-level cover lives beside: tests/unit/test_convert.py (normalise_email: case, space, width,
and the Hypothesis property that it is idempotent), tests/unit/test_match.py (duplicate keys
keep the oldest record, a key held by a link is refused), tests/engine/test_run.py (duplicate
emails on one side are not merged).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from syncer.mapping.convert import normalise_email
from syncer.records import Side
from tests.faults.http_harness import quarantined
from tests.faults.identity_harness import (
    add_column,
    command,
    define_property,
    hub_by_email,
    hub_create,
    hub_writes,
    link_of,
    map_field,
    quiet_cycles,
    sql_by_email,
    sql_insert,
    sync,
)
from tests.integration.harness import Deployment, deployment

SQLITE = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
EXIT_QUARANTINED = 4

# (HubSpot spelling, SQL spelling) of one person each.
SPELLINGS = [
    ("ann@example.com", "  ANN@Example.COM "),
    (
        unicodedata.normalize("NFC", "josé@example.com"),
        unicodedata.normalize("NFD", "JOSÉ@EXAMPLE.COM"),
    ),
    ("bob@example.com", "\uff42\uff4f\uff42@example.com"),  # full-width letters (NFKC)
    ("user@bücher.example", "USER@xn--bcher-kva.example"),  # an IDN domain: Unicode, ACE
    ("eve@xn--mnchen-3ya.example", "Eve@MÜNCHEN.example"),  # and the other way round
]


LABEL = st.text(st.characters(min_codepoint=0x61, max_codepoint=0x24F), min_size=1, max_size=12)


@given(local=st.text(min_size=1, max_size=10), label=LABEL, noise=st.text(max_size=12))
def test_t30_normalise_is_idempotent_and_reads_ace_domains(
    local: str, label: str, noise: str
) -> None:
    """For any text (also with xn-- labels that are not valid ACE), normalising twice changes
    nothing; a Unicode domain label and its ACE form give one key."""
    for text in (f"{local}@xn--{noise}.example", f"{noise}@{label}.xn--{label}", noise):
        once = normalise_email(text)
        assert normalise_email(once) == once
    unicode_label = unicodedata.normalize("NFKC", label).lower()
    if unicode_label.isascii() or "@" in local or unicode_label != label:
        return
    ace = "xn--" + label.encode("punycode").decode()
    assert normalise_email(f"{local}@{ace}.example") == normalise_email(f"{local}@{label}.example")


@SQLITE
@pytest.mark.parametrize("mode", ["migrate", "sync"])
def test_t30_email_spellings_on_both_sides_make_one_contact(
    tmp_path: Path, sql_url: str, unique_name: str, mode: str
) -> None:
    """Each person is typed one way in HubSpot and another in SQL (case, surrounding space,
    NFC against NFD, full-width letters, an IDN domain as Unicode against its ACE form): a
    migration, and an incremental sync of records new on both sides, pair them into one
    contact each, create nothing, quarantine nothing, and the next cycles write nothing."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        if mode == "sync":  # a first sync of empty sides, so the next one is incremental
            assert sync(dep) == 0
        for hub, sql in SPELLINGS:
            hub_create(dep, email=hub, firstname="Hub")
            sql_insert(dep, email=sql, first_name="Sql", status="L")
        dep.sandbox.reset_stats()
        assert command(dep, mode) == 0
        assert len(dep.hub_contacts()) == len(dep.sql_rows()) == len(SPELLINGS)
        assert quarantined(dep) == []
        assert dep.sandbox.stats().get("batch/create", 0) == 0
        for contact in dep.hub_contacts():
            assert link_of(dep, Side.HUBSPOT, contact["id"]) is not None
        assert quiet_cycles(dep, 2) == [(0, 0)] * 2


@SQLITE
def test_t31_two_rows_with_one_normalised_email_make_one_contact(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """Two SQL rows in one batch whose emails differ only in case and space: one HubSpot
    contact, created from the older row (the lower id, whatever order they arrive in); the
    other is quarantined as DUPLICATE_MATCH_KEY naming the key; the run exits 4; the next
    cycles send HubSpot nothing (no 409 retry loop), keep the one contact, and exit 0: the
    same refusal of the same, unchanged row is nothing new to look at."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        assert sync(dep) == 0
        older = sql_insert(dep, email="dup@example.com", first_name="Older", status="L")
        newer = sql_insert(dep, email="  DUP@Example.com", first_name="Newer", status="L")
        assert sync(dep) == EXIT_QUARANTINED
        [contact] = dep.hub_contacts()
        assert contact["properties"]["firstname"] == "Older"
        link = link_of(dep, Side.EXTERNAL, str(older))
        assert link is not None and link.hubspot_id == contact["id"]
        [entry] = quarantined(dep)
        assert (entry.record_id, entry.category) == (str(newer), "DUPLICATE_MATCH_KEY")
        assert "dup@example.com" in entry.message
        for _ in range(3):
            dep.sandbox.reset_stats()
            assert command(dep, "errors", "retry") == 0
            assert sync(dep) == 0
            assert hub_writes(dep) == 0
            assert [e.record_id for e in quarantined(dep)] == [str(newer)]
        assert len(dep.hub_contacts()) == 1


def _with_unique_code(dep: Deployment) -> sa.Table:
    define_property(dep, "customer_code", "string", "text", hasUniqueValue=True)
    table = add_column(dep, "code", "VARCHAR(20)")
    map_field(dep, "customer_code", "code")
    return table


@SQLITE
def test_t32_a_unique_value_owned_by_another_record_is_refused_not_moved(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """A hasUniqueValue HubSpot property mapped to a SQL column: a SQL row takes a code that
    another HubSpot contact already owns. The update is refused and quarantined with HubSpot's
    reason naming the property; the owner keeps its code and values; the rest of the row's
    change still syncs once the code is fixed."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        table = _with_unique_code(dep)
        owner = hub_create(dep, email="owner@example.com", customer_code="C-1", firstname="Own")
        with dep.engine.begin() as conn:
            conn.execute(
                sa.insert(table).values(
                    email="taker@example.com", code="C-2", first_name="Taker", status="L",
                    updated_at=sa.func.current_timestamp(),
                )
            )  # fmt: skip
        assert command(dep, "migrate") == 0
        taker = sql_by_email(dep)["taker@example.com"]
        dep.edit_row(taker.id, first_name="Renamed")
        with dep.engine.begin() as conn:
            conn.execute(sa.update(table).where(table.c.id == taker.id).values(code="C-1"))
        assert sync(dep) == EXIT_QUARANTINED
        contacts = hub_by_email(dep)
        assert contacts["owner@example.com"]["id"] == owner
        assert contacts["owner@example.com"]["properties"]["customer_code"] == "C-1"
        assert contacts["owner@example.com"]["properties"]["firstname"] == "Own"
        assert contacts["taker@example.com"]["properties"]["customer_code"] == "C-2"
        [entry] = quarantined(dep)
        assert entry.record_id == str(taker.id)
        assert "customer_code" in (entry.message + str(entry.property))
        with dep.engine.begin() as conn:
            conn.execute(sa.update(table).where(table.c.id == taker.id).values(code="C-3"))
        dep.edit_row(taker.id, last_name="Fixed")
        assert sync(dep) == 0
        taken = hub_by_email(dep)["taker@example.com"]["properties"]
        assert (taken["customer_code"], taken["firstname"]) == ("C-3", "Renamed")
        assert hub_by_email(dep)["owner@example.com"]["properties"]["customer_code"] == "C-1"
        assert quarantined(dep) == []
