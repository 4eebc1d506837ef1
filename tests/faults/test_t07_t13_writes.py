"""Scenarios T07-T13: writes whose outcome is unknown, refused in part, or
refused for good. The real engine runs against the HubSpot sandbox on loopback and a SQLite
legacy CRM table (or, where the scenario is about the external CRM's own refusals, the
in-memory connector made to refuse as Salesforce does); faults are injected at the sandbox."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from syncer.cli import main
from syncer.connectors.memory import MemoryConnector
from syncer.engine.report import Mode, RunReport
from syncer.errors import RetryableError
from syncer.mapping.convert import normalise_email
from syncer.records import Rejection, RejectionKind, Side
from tests.connectors.hubspot_harness import StepClock
from tests.engine.conftest import EXT_TYPES
from tests.faults.http_harness import (
    VirtualTime,
    assert_invariants,
    cursors,
    hub_by_email,
    quarantined,
    run,
    sql_by_email,
)
from tests.integration.harness import Deployment, deployment, seed

SHORT_TIMEOUT = {"SYNCER_HUBSPOT__TIMEOUT_SECONDS": "0.2"}
GIVE_UP_FAST = {**SHORT_TIMEOUT, "SYNCER_HUBSPOT__MAX_RETRIES": "1"}


@pytest.fixture
def dep(tmp_path: Path, sqlite_url: str, unique_name: str) -> Iterator[Deployment]:
    with deployment(tmp_path, sqlite_url, unique_name) as running:
        yield running


def _legacy_ids(dep: Deployment) -> dict[str, str]:
    """HubSpot's record of each contact's external id, by email."""
    return {e: c["properties"].get("legacy_id") for e, c in hub_by_email(dep).items()}


# -- T07 timeout after apply ------------------------------------------------------------------


def test_t07_timeout_after_apply_is_resent_as_an_upsert_and_links_the_one_record(
    dep: Deployment,
) -> None:
    """HubSpot applies a batch of creates but answers only after the client's read timeout:
    the engine resends the upsert (safe by email), ends with exactly one contact per row,
    and links each to its row."""
    seed(dep, hub_count=0, sql_count=3, shared=0)
    dep.sandbox.schedule_fault(
        {"status": 502, "path_contains": "batch/upsert", "after_apply": True, "delay_ms": 600}
    )
    time = VirtualTime()
    report = run(dep, Mode.MIGRATE, time=time, settings=SHORT_TIMEOUT)
    assert report.status == "ok" and report.linked == 3
    assert dep.sandbox.stats()["batch/upsert"] == 2  # the timed-out call and its resend
    assert len(time.waits) == 1  # one back-off, for the one timeout
    links = assert_invariants(dep)
    rows = {str(r.id): r.email for r in dep.sql_rows()}
    assert {rows[e] for _, e in links} == set(hub_by_email(dep)) == set(rows.values())
    assert _legacy_ids(dep) == {email: row for row, email in rows.items()}


def test_t07_unknown_outcome_on_every_attempt_is_reconciled_by_lookup_next_run(
    dep: Deployment,
) -> None:
    """Every attempt times out after HubSpot applied it, so the run gives up with its intents
    pending and its cursors unmoved; the next run finds the contacts by email, links them,
    and creates nothing again."""
    seed(dep, hub_count=0, sql_count=3, shared=0)
    dep.sandbox.schedule_fault(
        {"status": 502, "count": 2, "path_contains": "batch/upsert", "after_apply": True,
         "delay_ms": 600}
    )  # fmt: skip
    with pytest.raises(RetryableError, match="ReadTimeout"):
        run(dep, Mode.MIGRATE, settings=GIVE_UP_FAST)
    assert len(dep.hub_contacts()) == 3  # applied, although the engine never heard it
    assert cursors(dep) == {Side.HUBSPOT: None, Side.EXTERNAL: None}
    dep.sandbox.reset_stats()
    report = run(dep, Mode.MIGRATE)
    assert report.status == "ok"
    assert dep.sandbox.stats().get("batch/upsert", 0) == 0  # looked up, never resent
    links = assert_invariants(dep)
    assert len(links) == 3 == len(dep.hub_contacts())
    assert run(dep).writes == 0


# -- T08 reset on batch update ----------------------------------------------------------------


def _edit_first_names(dep: Deployment) -> dict[str, str]:
    edits = {}
    for row in dep.sql_rows()[:3]:
        dep.edit_row(row.id, first_name=f"Edited{row.id}")
        edits[normalise_email(row.email) or ""] = f"Edited{row.id}"
    return edits


def _first_names(dep: Deployment) -> tuple[dict[str, Any], dict[str, Any]]:
    hub = {e: c["properties"]["firstname"] for e, c in hub_by_email(dep).items()}
    return hub, {e: r.first_name for e, r in sql_by_email(dep).items()}


def test_t08_reset_after_a_batch_update_applied_is_replayed_without_regression(
    dep: Deployment,
) -> None:
    """The connection drops after HubSpot applied a batch update; the replay writes the same
    values again: the edits stand on both sides, no record is added, and the next pass is
    quiet."""
    seed(dep, hub_count=0, sql_count=5, shared=0)
    assert run(dep, Mode.MIGRATE).status == "ok"
    edits = _edit_first_names(dep)
    dep.sandbox.schedule_fault({"drop": True, "path_contains": "batch/update", "after_apply": True})
    dep.sandbox.reset_stats()
    report = run(dep)
    assert report.status == "ok" and report.updated["hubspot"] == 3
    assert dep.sandbox.stats()["batch/update"] == 2 and dep.sandbox.stats()["faults"] == 1
    hub, sql = _first_names(dep)
    assert hub == sql and {e: hub[e] for e in edits} == edits
    assert len(assert_invariants(dep)) == 5 == len(dep.hub_contacts())
    assert run(dep).writes == 0


def test_t08_reset_on_every_attempt_loses_no_edit_made_meanwhile(dep: Deployment) -> None:
    """Every attempt of the update is applied and then cut off, so the run fails with its
    cursors unmoved; meanwhile a HubSpot user edits another field of an edited contact. The
    next run copies that edit across and does not put any older value back."""
    seed(dep, hub_count=0, sql_count=5, shared=0)
    assert run(dep, Mode.MIGRATE).status == "ok"
    before = cursors(dep)
    edits = _edit_first_names(dep)
    dep.sandbox.schedule_fault(
        {"drop": True, "count": 2, "path_contains": "batch/update", "after_apply": True}
    )
    with pytest.raises(RetryableError, match="RemoteProtocolError"):
        run(dep, settings=GIVE_UP_FAST)
    assert cursors(dep) == before
    email = next(iter(edits))
    with dep.hubspot() as client:
        contact_id = hub_by_email(dep)[email]["id"]
        client.patch(
            f"/crm/v3/objects/contacts/{contact_id}", json={"properties": {"lastname": "Later"}}
        ).raise_for_status()
    # HubSpot dates its answers in whole seconds; let its second pass, so the next run's
    # signpost lies after the edit.
    dep.sandbox.advance_clock(1000)
    assert run(dep).status == "ok"
    hub, sql = _first_names(dep)
    assert hub == sql and {e: hub[e] for e in edits} == edits
    assert sql_by_email(dep)[email].last_name == "Later"
    assert hub_by_email(dep)[email]["properties"]["lastname"] == "Later"
    assert len(assert_invariants(dep)) == 5 == len(dep.hub_contacts())
    assert run(dep).writes == 0


# -- T09 DUPLICATE_VALUE on an external-id retry ----------------------------------------------


def test_t09_duplicate_value_on_a_resent_create_is_verified_by_lookup_and_linked(
    dep: Deployment,
) -> None:
    """The external CRM inserts the three new records, the answer is lost, and the client's
    resend is refused with DUPLICATE_VALUE: the engine takes that as probable success, finds
    each record by its unique key, and links it, instead of quarantining a record that exists.
    """
    seed(dep, hub_count=3, sql_count=1, shared=0)  # the SQL table is not in this pipeline
    crm = MemoryConnector(EXT_TYPES, insert_only=True)
    crm.answers_to_lose = 1
    report = run(dep, Mode.MIGRATE, external=crm)
    # the lost call, its resend (refused), and the update adopting the records found
    assert crm.counter.by_kind["write"] == 3
    assert quarantined(dep) == []
    assert report.status == "ok" and report.linked == 3
    by_email = {r.properties["email"]: r.id for r in crm.live()}
    assert len(crm.rows) == 3 and by_email.keys() == hub_by_email(dep).keys()
    assert _legacy_ids(dep) == by_email  # HubSpot learnt each record's external id
    assert run(dep, external=crm).writes == 0


def test_t09_duplicate_value_with_no_record_holding_the_key_stays_quarantined(
    dep: Deployment,
) -> None:
    """When the lookup finds no record with the key, DUPLICATE_VALUE was about something else:
    the record is quarantined with the CRM's reason, not linked to a guess."""
    seed(dep, hub_count=2, sql_count=1, shared=0)

    def refuse_one(properties: Mapping[str, Any]) -> Rejection | None:
        if properties.get("email") != "person1@example.com":
            return None
        return Rejection(
            RejectionKind.DUPLICATE,
            "DUPLICATE_VALUE",
            "duplicate value found: Tax_Id__c",
            "first_name",
        )

    crm = MemoryConnector(EXT_TYPES, insert_only=True, validate=refuse_one)
    report = run(dep, Mode.MIGRATE, external=crm)
    assert report.status == "quarantined" and report.linked == 1
    [entry] = quarantined(dep)
    assert (entry.category, entry.property) == ("DUPLICATE_VALUE", "first_name")
    assert entry.record_id == hub_by_email(dep)["person1@example.com"]["id"]
    assert [r.properties["email"] for r in crm.live()] == ["person0@example.com"]


# -- T10 HubSpot 409 "already exists. Existing ID: N" ------------------------------------------


def test_t10_hubspot_409_existing_id_links_to_that_contact_without_a_duplicate(
    dep: Deployment,
) -> None:
    """A legacy CRM keyed by its own id pushes to HubSpot (upserts by the legacy id), and a
    salesperson already typed one of its contacts into HubSpot: the create is refused with 409
    "Contact already exists. Existing ID: N". The engine adopts N (the legacy values win, the
    pipeline's direction says so) and links it; no duplicate, and the next pass writes nothing.
    """
    dep.config.write_text(
        dep.config.read_text()
        .replace('conflict = "newest"', 'conflict = "newest"\ndirection = "to_hubspot"')
        .replace(
            'match = { hubspot = "email", external = "email" }',
            'match = { hubspot = "legacy_id", external = "id" }',
        )
    )
    seed(dep, hub_count=1, sql_count=3, shared=1)  # person0@example.com is in both
    typed_in = dep.hub_contacts()[0]
    report = run(dep, Mode.MIGRATE)
    assert report.status == "ok" and report.linked == 3
    adopted = hub_by_email(dep)[typed_in["properties"]["email"]]
    row = sql_by_email(dep)[typed_in["properties"]["email"]]
    assert adopted["id"] == typed_in["id"]
    assert adopted["properties"]["legacy_id"] == str(row.id)
    assert adopted["properties"]["firstname"] == row.first_name != "Hub0"
    links = assert_invariants(dep)
    assert (typed_in["id"], str(row.id)) in links and len(dep.hub_contacts()) == 3
    dep.sandbox.reset_stats()
    assert run(dep).writes == 0
    assert dep.sandbox.stats().get("writes", 0) == 0


# -- T11 multi-status 207 ---------------------------------------------------------------------


def _fix_rows_quietly(dep: Deployment, **rows: dict[str, str]) -> None:
    """An operator corrects rows in the database by hand, without touching updated_at: only
    the quarantine can bring these rows back, the cursor has passed them."""
    with dep.engine.begin() as conn:
        for row_id, values in rows.items():
            conn.execute(sa.update(dep.table).where(dep.table.c.id == int(row_id)).values(values))


def _errors_retry(dep: Deployment) -> None:
    assert main(["errors", "retry", "-c", str(dep.config)]) == 0


def test_t11_multi_status_207_applies_97_and_quarantines_3_with_code_and_property(
    dep: Deployment,
) -> None:
    """One batch of creates comes back 207 with two INVALID_EMAIL: 97 are created and linked,
    the 2 are quarantined with HubSpot's code and property, and a status with no entry in the
    field's values is refused before it is sent, naming the column (issue 12: before, it went
    to HubSpot untranslated, to be refused there as INVALID_OPTION). The
    cursor moves past them, yet they are not lost: once an operator corrects them and runs
    `syncer errors retry`, the next pass creates them."""
    seed(dep, hub_count=0, sql_count=100, shared=0)
    dep.edit_row(10, email="not-an-email")
    dep.edit_row(20, email="also@bad")
    dep.edit_row(30, status="X")
    report = run(dep, Mode.MIGRATE)
    assert report.status == "quarantined" and report.quarantined == 3
    assert report.created["hubspot"] == 97 and report.linked == 97
    assert dep.sandbox.stats()["batch/upsert"] == 1  # one call, answered 207
    assert {(e.record_id, e.category, e.property) for e in quarantined(dep)} == {
        ("10", "INVALID_EMAIL", "email"),
        ("20", "INVALID_EMAIL", "email"),
        ("30", "INVALID_VALUE", "status"),
    }
    assert cursors(dep)[Side.EXTERNAL] is not None
    assert run(dep).writes == 0  # not retried before its back-off, not forgotten either
    assert len(quarantined(dep)) == 3
    _fix_rows_quietly(
        dep, **{"10": {"email": "ten@legacy.test"}, "20": {"email": "twenty@legacy.test"},
                "30": {"status": "L"}}
    )  # fmt: skip
    _errors_retry(dep)
    report = run(dep)
    assert report.status == "ok" and report.created["hubspot"] == 3
    assert quarantined(dep) == []
    assert len(assert_invariants(dep)) == 100 == len(dep.hub_contacts())
    assert hub_by_email(dep)["ten@legacy.test"]["properties"]["legacy_id"] == "10"


# -- T12 poison record ------------------------------------------------------------------------


def test_t12_a_batch_refused_whole_for_one_poison_record_is_bisected_to_it(
    dep: Deployment,
) -> None:
    """HubSpot refuses every request carrying one poison input, whole and without saying
    which: the batch is halved until the poison is alone. The 99 others are each written in
    exactly one accepted request; the poison is quarantined, and after the portal accepts it
    and the operator retries, it is created too."""
    seed(dep, hub_count=0, sql_count=100, shared=0)
    poison = sql_by_email(dep)["row49@legacy.test"]
    dep.sandbox.schedule_fault(
        {"status": 400, "count": 50, "path_contains": "batch/upsert",
         "body_contains": "row49@legacy.test"}
    )  # fmt: skip
    report = run(dep, Mode.MIGRATE)
    assert report.created["hubspot"] == 99 and report.quarantined == 1
    [entry] = quarantined(dep)
    assert (entry.record_id, entry.category) == (str(poison.id), "VALIDATION_ERROR")
    stats = dep.sandbox.stats()
    # Every refused call held the poison; each split of a refused call sends one half that
    # succeeds: so accepted calls = refusals - 1 (the poison alone ends it) and the halves
    # partition the batch: no record went out in two accepted calls.
    assert stats["batch/upsert"] == 2 * stats["faults"] - 1 and stats["faults"] <= 8
    assert set(hub_by_email(dep)) == set(sql_by_email(dep)) - {"row49@legacy.test"}
    for contact in dep.hub_contacts():  # created once, never written again
        assert contact["createdAt"] == contact["updatedAt"]
    dep.sandbox.clear_faults()
    _errors_retry(dep)
    assert run(dep).created["hubspot"] == 1
    assert len(assert_invariants(dep)) == 100 and quarantined(dep) == []


# -- T13 permanent validation on the external side ---------------------------------------------


def _require_last_name(properties: Mapping[str, Any]) -> Rejection | None:
    if properties.get("last_name"):
        return None
    return Rejection(
        RejectionKind.REQUIRED_MISSING,
        "REQUIRED_FIELD_MISSING",
        "Required fields are missing: [last_name]",
        "last_name",
    )


@pytest.fixture
def nameless(dep: Deployment) -> str:
    """Four HubSpot contacts, one without a last name; returns that one's id."""
    seed(dep, hub_count=4, sql_count=1, shared=0)  # the SQL table is not in this pipeline
    contact_id = str(hub_by_email(dep)["person2@example.com"]["id"])
    with dep.hubspot() as client:
        client.patch(f"/crm/v3/objects/contacts/{contact_id}",
                     json={"properties": {"lastname": ""}}).raise_for_status()  # fmt: skip
    return contact_id


def _crm_and_clock() -> tuple[MemoryConnector, StepClock]:
    clock = StepClock()
    clock.seconds = time.time()
    return MemoryConnector(EXT_TYPES, clock=clock.now, validate=_require_last_name), clock


def test_t13_required_field_missing_is_quarantined_backed_off_and_synced_after_a_fix(
    dep: Deployment, nameless: str
) -> None:
    """The external CRM refuses a contact without a last name (REQUIRED_FIELD_MISSING): it is
    quarantined with the reason while the others are created; each retry that fails again
    waits longer than the one before (no retry loop); after the CRM's admin drops the rule and
    the operator runs `syncer errors retry`, the next pass creates it."""
    crm, clock = _crm_and_clock()

    def sync(mode: Mode = Mode.SYNC) -> RunReport:
        return run(dep, mode, external=crm, clock=clock.now)

    report = sync(Mode.MIGRATE)
    assert report.status == "quarantined" and report.created["external"] == 3
    [entry] = quarantined(dep)
    assert (entry.record_id, entry.category, entry.property) == (
        nameless, "REQUIRED_FIELD_MISSING", "last_name")  # fmt: skip
    first_wait = entry.next_retry_at - entry.last_seen
    clock.seconds += first_wait.total_seconds()
    assert sync().status == "quarantined"
    [again] = quarantined(dep)
    assert again.attempts == 2
    assert again.next_retry_at - again.last_seen > first_wait  # backing off
    writes = crm.counter.by_kind["write"]
    crm.validate = None  # the admin made last_name optional
    _errors_retry(dep)
    report = sync()
    assert report.status == "ok" and report.created["external"] == 1
    assert crm.counter.by_kind["write"] == writes + 1
    assert quarantined(dep) == [] and len(crm.live()) == 4 and len(crm.rows) == 4


def test_t13_a_quarantined_record_is_not_resent_before_its_back_off_is_due(
    dep: Deployment, nameless: str
) -> None:
    """A pass a minute after the refusal re-reads the unchanged record (the overlap window)
    and must leave it to its back-off: no write, no second attempt counted."""
    crm, clock = _crm_and_clock()
    run(dep, Mode.MIGRATE, external=crm, clock=clock.now)
    writes = crm.counter.by_kind["write"]
    clock.seconds += 60
    assert run(dep, external=crm, clock=clock.now).status == "quarantined"
    assert crm.counter.by_kind["write"] == writes
    assert [e.attempts for e in quarantined(dep)] == [1]
