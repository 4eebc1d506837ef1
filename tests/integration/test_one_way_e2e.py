"""One-way fields end to end (issue 12): a field with `direction = "to_hubspot"` edited in
HubSpot is set back to the table's value at the next sync of that record, as HubSpot's own
Salesforce integration does with "always use Salesforce". Before, the edit stayed for ever.

The real `syncer` command against the HubSpot sandbox on loopback and a SQL legacy table."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.identity_harness import (
    add_column,
    command,
    counting_sql_writes,
    hub_by_email,
    hub_patch,
    sql_by_email,
    sql_insert,
    sync,
)
from tests.integration.harness import deployment


@pytest.mark.parametrize("sql_url", ["sqlite", "mysql"], indirect=True)
def test_a_hubspot_edit_of_a_to_hubspot_field_is_overwritten_by_the_source(
    tmp_path: Path, sql_url: str, unique_name: str
) -> None:
    with deployment(tmp_path, sql_url, unique_name) as dep:
        dep.table = add_column(dep, "phone", "VARCHAR(40)")
        with dep.config.open("a") as config:
            config.write('phone = { external = "phone", direction = "to_hubspot" }\n')
        sql_insert(dep, email="one@example.com", first_name="One", status="L", phone="+1 555 0100")
        assert command(dep, "migrate") == 0
        contact = hub_by_email(dep)["one@example.com"]
        assert contact["properties"]["phone"] == "+1 555 0100"

        hub_patch(dep, contact["id"], phone="+1 555 9999", firstname="Edited")
        with counting_sql_writes(dep.table.name) as sql:
            assert sync(dep) == 0
        props = hub_by_email(dep)["one@example.com"]["properties"]
        assert props["phone"] == "+1 555 0100"  # the table is the phone's source of truth
        assert sql_by_email(dep)["one@example.com"].first_name == "Edited"  # two-way flows on
        assert sql_by_email(dep)["one@example.com"].phone == "+1 555 0100"
        assert len(sql.statements) == 1  # the first name only

        dep.sandbox.reset_stats()
        assert sync(dep) == 0
        assert dep.sandbox.stats().get("writes", 0) == 0
