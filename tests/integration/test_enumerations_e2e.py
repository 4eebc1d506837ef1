"""Enumerations end to end (issue 12): a value with no entry in the field's `values` (or, without
a table, not an option of the HubSpot enumeration) is never sent untranslated. It is refused
per record naming the field, the value and what is allowed, or becomes the field's `default`,
or (`unmapped = "skip_field"`) leaves that field alone while the rest of the record syncs.

The real `syncer` command against the HubSpot sandbox on loopback and a SQLite legacy table
(the database plays no part in the translation; its refusals are tested in
tests/connectors/test_sql_refusals.py).
"""

from __future__ import annotations

from pathlib import Path
from time import time_ns

import pytest

from tests.faults.http_harness import quarantined
from tests.faults.identity_harness import (
    add_column,
    command,
    hub_by_email,
    hub_create,
    hub_patch,
    map_field,
    sql_by_email,
    sql_insert,
    sync,
)
from tests.integration.harness import Deployment, deployment

EXIT_QUARANTINED = 4
EXIT_CONFIG = 2
STATUS = 'lifecyclestage = { external = "status", values = { lead = "L", customer = "C" } }'

pytestmark = pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)


def _status_field(dep: Deployment, extra: str) -> None:
    """The deployment's lifecyclestage mapping with more keys, e.g. `default = "lead"`."""
    text = dep.config.read_text()
    assert STATUS in text
    dep.config.write_text(text.replace(STATUS, STATUS[:-2] + f", {extra} }}"))


def test_an_unmapped_external_value_is_refused_naming_field_value_and_allowed_values(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """Before: 'Z' was sent to HubSpot untranslated and refused there as an invalid option,
    the reason naming neither the mapping nor the values it has. Now nothing is sent for it."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        bad = sql_insert(dep, email="bad@example.com", first_name="Bad", status="Z")
        sql_insert(dep, email="good@example.com", first_name="Good", status="C")
        dep.sandbox.reset_stats()
        assert command(dep, "migrate") == EXIT_QUARANTINED
        assert sorted(hub_by_email(dep)) == ["good@example.com"]
        [entry] = quarantined(dep)
        assert (entry.record_id, entry.property) == (str(bad), "status")
        assert "'status'" in entry.message, entry
        assert "for HubSpot property 'lifecyclestage'" in entry.message, entry
        assert "'Z' has no entry in values" in entry.message, entry
        assert "allowed: C, L" in entry.message, entry
        assert sync(dep) == 0  # refused before and unchanged: known, no new alert


def test_a_default_takes_the_unmapped_value_and_the_pair_stays_quiet(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        _status_field(dep, 'default = "lead"')
        sql_insert(dep, email="odd@example.com", first_name="Odd", status="Z")
        assert command(dep, "migrate") == 0
        contact = hub_by_email(dep)["odd@example.com"]["properties"]
        assert contact["lifecyclestage"] == "lead"
        assert sql_by_email(dep)["odd@example.com"].status == "Z"  # its own value is kept
        dep.sandbox.reset_stats()
        assert sync(dep) == 0
        assert command(dep, "migrate") == 0
        assert dep.sandbox.stats().get("writes", 0) == 0


def test_a_hubspot_value_with_no_entry_is_refused_or_defaulted_not_copied_raw(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """Before: 'opportunity' went into the status column untranslated (SQLite keeps any
    length), a value the legacy CRM does not know."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        odd = hub_create(
            dep, email="opp@example.com", firstname="Opp", lifecyclestage="opportunity"
        )
        hub_create(dep, email="fine@example.com", firstname="Fine", lifecyclestage="customer")
        assert command(dep, "migrate") == EXIT_QUARANTINED
        assert sorted(sql_by_email(dep)) == ["fine@example.com"]
        [entry] = quarantined(dep)
        assert entry.record_id == odd
        assert "'lifecyclestage'" in entry.message, entry
        assert "HubSpot value 'opportunity' has no entry in values" in entry.message, entry
        assert "allowed: customer, lead" in entry.message, entry

        _status_field(dep, 'default = "lead"')
        assert command(dep, "errors", "retry") == 0
        assert command(dep, "migrate") == 0
        assert sql_by_email(dep)["opp@example.com"].status == "L"
        assert hub_by_email(dep)["opp@example.com"]["properties"]["lifecyclestage"] == "opportunity"
        assert quarantined(dep) == []


def test_skip_field_leaves_that_field_alone_and_syncs_the_rest(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        _status_field(dep, 'unmapped = "skip_field"')
        row = sql_insert(dep, email="skip@example.com", first_name="Skip", status="Z")
        assert command(dep, "migrate") == 0
        contact = hub_by_email(dep)["skip@example.com"]
        assert contact["properties"]["firstname"] == "Skip"
        assert contact["properties"].get("lifecyclestage") in (None, "")
        dep.edit_row(row, first_name="Skipped again")
        assert sync(dep) == 0
        contact = hub_by_email(dep)["skip@example.com"]
        assert contact["properties"]["firstname"] == "Skipped again"
        assert contact["properties"].get("lifecyclestage") in (None, "")
        hub_patch(dep, contact["id"], lifecyclestage="customer")
        assert sync(dep) == 0
        assert sql_by_email(dep)["skip@example.com"].status == "C"  # a real change flows on
        assert quarantined(dep) == []


def test_without_a_values_table_a_value_must_be_a_hubspot_option(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    """hs_lead_status is an enumeration in HubSpot, mapped from a free-text column. Before:
    'BOGUS' was sent and refused by HubSpot, the reason listing no options."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        add_column(dep, "lead_status", "VARCHAR(40)")
        map_field(dep, "hs_lead_status", "lead_status")
        bad = sql_insert(dep, email="bogus@example.com", first_name="B", status="L")
        good = sql_insert(dep, email="open@example.com", first_name="O", status="L")
        with dep.engine.begin() as conn:
            for row_id, value in [(bad, "BOGUS"), (good, "OPEN")]:
                conn.exec_driver_sql(
                    f"UPDATE {dep.table.name} SET lead_status = '{value}' WHERE id = {row_id}"
                )
        assert command(dep, "migrate") == EXIT_QUARANTINED
        assert hub_by_email(dep)["open@example.com"]["properties"]["hs_lead_status"] == "OPEN"
        [entry] = quarantined(dep)
        assert entry.record_id == str(bad)
        assert "'BOGUS' is not an option of HubSpot property 'hs_lead_status'" in entry.message
        assert "OPEN" in entry.message and "NEW" in entry.message, entry


def test_check_refuses_a_default_hubspot_does_not_have(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        add_column(dep, "lead_status", "VARCHAR(40)")
        with dep.config.open("a") as config:
            config.write('hs_lead_status = { external = "lead_status", default = "MAYBE" }\n')
        assert command(dep, "check") == EXIT_CONFIG
        err = capsys.readouterr().err
        assert "'hs_lead_status': default 'MAYBE' is not an option in HubSpot" in err, err


def test_a_default_must_be_a_value_the_table_maps(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        _status_field(dep, 'default = "evangelist"')
        assert command(dep, "check") == EXIT_CONFIG
        err = capsys.readouterr().err
        assert "lifecyclestage" in err and "default 'evangelist' must be one of" in err, err


def test_check_names_the_values_each_side_holds_that_the_mapping_does_not_cover(
    tmp_path: Path, sql_url: str, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, `check` said nothing of them: each was met record by record in the runs."""
    with deployment(tmp_path, sql_url, unique_name) as dep:
        for status in ("L", "C", "Z", "Q", "Z"):
            sql_insert(dep, email=f"{status}{time_ns()}@example.com", first_name="x", status=status)
        assert command(dep, "check") == 0
        out = capsys.readouterr().out
        assert (
            "contacts: warning: lifecyclestage: values in column 'status' with no entry in "
            "values: Q, Z; those records are quarantined" in out
        ), out
        assert "lifecyclestage: HubSpot options with no entry in values: " in out, out
        assert "opportunity" in out and "customer," not in out, out
        _status_field(dep, 'default = "lead"')
        assert command(dep, "check") == 0
        assert "Q, Z; they become 'lead' (default)" in capsys.readouterr().out
